import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, loadConfig, parseConfigFile, normalizeHost } from './config.js';

const files = (m: Record<string, string>) => ({ readFile: (p: string) => m[p] });

test('defaults', () => {
  const c = loadConfig(parseFlags([]), files({}));
  assert.equal(c.dataRoot, '/var/lib/berth');
  assert.equal(c.execRoot, '/run/berth');
  assert.deepEqual(c.hosts, ['unix:///run/berth/berth.sock']);
  assert.equal(c.pidfile, '/run/berth/berthd.pid');
  assert.equal(c.containerd, '');
  assert.equal(c.logLevel, 'info');
});

test('flags override daemon.json which overrides defaults', () => {
  const c = loadConfig(
    parseFlags(['--config-file', '/x.json', '-H', 'unix:///tmp/a.sock', '-H', 'tcp://127.0.0.1:2375', '--debug=false', '--data-root=/d']),
    files({ '/x.json': JSON.stringify({ 'data-root': '/f', 'exec-root': '/e', debug: true, 'insecure-registries': ['r:5000'] }) }),
  );
  assert.equal(c.dataRoot, '/d');
  assert.equal(c.execRoot, '/e');
  assert.equal(c.debug, false);
  assert.deepEqual(c.hosts, ['unix:///tmp/a.sock', 'tcp://127.0.0.1:2375']);
  assert.deepEqual(c.insecureRegistries, ['r:5000']);
  assert.equal(c.pidfile, '/e/berthd.pid');
});

test('-D turns on debug logging', () => {
  const c = loadConfig(parseFlags(['-D']), files({}));
  assert.equal(c.debug, true);
  assert.equal(c.logLevel, 'debug');
});

test('unknown and invalid daemon.json keys fail naming the key', () => {
  assert.throws(() => parseConfigFile('{"foo": 1, "debug": true}', '/c.json'), /don't match any configuration option: foo/);
  assert.throws(() => parseConfigFile('{"debug": "yes"}', '/c.json'), /invalid value for "debug": expected a boolean/);
  assert.throws(() => parseConfigFile('{"hosts": "unix:///x"}', '/c.json'), /invalid value for "hosts"/);
  assert.throws(() => parseConfigFile('{bad json', '/c.json'), /unable to configure the Docker daemon with file \/c.json/);
  assert.throws(() => parseConfigFile('{"runtimes": {"x": {}}}', '/c.json'), /runtimes/);
  assert.throws(() => loadConfig(parseFlags(['--config-file', '/nope.json']), files({})), /no such file/);
  assert.throws(() => loadConfig(parseFlags(['--log-level', 'loud']), files({})), /log-level/);
  assert.throws(() => loadConfig(parseFlags(['--tlsverify']), files({})), /tlsverify/);
  assert.throws(() => loadConfig(parseFlags(['-H', 'http://x']), files({})), /invalid bind address/);
});

test('unknown flags use pflag wording', () => {
  assert.throws(() => parseFlags(['--nope']), /unknown flag: --nope/);
  assert.throws(() => parseFlags(['-Z']), /unknown shorthand flag: 'Z' in -Z/);
  assert.throws(() => parseFlags(['--data-root']), /flag needs an argument: --data-root/);
  assert.throws(() => parseFlags(['--mtu', 'x']), /invalid argument "x" for "--mtu"/);
});

test('map and list flags', () => {
  const f = parseFlags(['--log-opt', 'max-size=10m', '--log-opt', 'max-file=3', '--insecure-registry', 'a:5000', '--label', 'x=y']);
  assert.deepEqual(f.values.logOpts, { 'max-size': '10m', 'max-file': '3' });
  assert.deepEqual(f.values.insecureRegistries, ['a:5000']);
  assert.deepEqual(f.values.labels, ['x=y']);
});

test('host normalisation', () => {
  assert.equal(normalizeHost('tcp://0.0.0.0', true), 'tcp://0.0.0.0:2376');
  assert.equal(normalizeHost('tcp://:2376', true), 'tcp://0.0.0.0:2376');
  assert.equal(normalizeHost('/tmp/x.sock', false), 'unix:///tmp/x.sock');
});
