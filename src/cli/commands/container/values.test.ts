import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalIP, parseCpus, parseDuration, parseKvFile, parseRestartPolicy, parseUlimit, ramInBytes, readCsvLine, validateAttach, validateDNSSearch, validateEnv, validateExtraHost, validateLabel, validateSysctl } from './values.js';
import { parseGpuRequest, parseThrottleBps, parseWeightDevice } from './device-values.js';

test('ramInBytes: go-units RAMInBytes', () => {
  const cases: [string, number][] = [
    ['512', 512],
    ['512b', 512],
    ['1k', 1024],
    ['1KiB', 1024],
    ['1kb', 1024],
    ['512m', 512 * 1024 ** 2],
    ['1.5g', 1.5 * 1024 ** 3],
    ['100 KiB', 100 * 1024],
    ['0.5', 0],
    ['1T', 1024 ** 4],
  ];
  for (const [s, n] of cases) assert.equal(ramInBytes(s), n, s);
  assert.throws(() => ramInBytes('12q'), /^ValueError: invalid suffix: 'q'$/);
  assert.throws(() => ramInBytes('m'), /^ValueError: invalid size: 'm'$/);
  assert.throws(() => ramInBytes('-1'), /^ValueError: invalid size: '-1'$/);
  assert.throws(() => ramInBytes('1kbb'), /invalid suffix: 'kbb'/);
  assert.throws(() => ramInBytes('1x5m'), /strconv.ParseFloat: parsing "1x5": invalid syntax/);
});

test('parseCpus: exact rationals, too precise values refused', () => {
  assert.equal(parseCpus('1.5'), 1_500_000_000);
  assert.equal(parseCpus('0.001'), 1_000_000);
  assert.equal(parseCpus('2'), 2_000_000_000);
  assert.equal(parseCpus('1/4'), 250_000_000);
  assert.equal(parseCpus('1e-3'), 1_000_000);
  assert.throws(() => parseCpus('1.0000000001'), /value is too precise/);
  assert.throws(() => parseCpus('x'), /failed to parse x as a rational number/);
});

test('parseDuration: time.ParseDuration and its errors', () => {
  assert.equal(parseDuration('30s'), 30e9);
  assert.equal(parseDuration('1m30s'), 90e9);
  assert.equal(parseDuration('1.5h'), 5400e9);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('-2ms'), -2e6);
  assert.throws(() => parseDuration('5'), /^ValueError: time: missing unit in duration "5"$/);
  assert.throws(() => parseDuration('5y'), /^ValueError: time: unknown unit "y" in duration "5y"$/);
  assert.throws(() => parseDuration(''), /^ValueError: time: invalid duration ""$/);
  assert.throws(() => parseDuration('.s'), /time: invalid duration "\.s"/);
});

test('parseUlimit', () => {
  assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Hard: 2048, Soft: 1024 });
  assert.deepEqual(parseUlimit('core=0'), { Name: 'core', Hard: 0, Soft: 0 });
  assert.deepEqual(parseUlimit('memlock=-1:-1'), { Name: 'memlock', Hard: -1, Soft: -1 });
  assert.throws(() => parseUlimit('nofile=2:1'), /ulimit soft limit must be less than or equal to hard limit: 2 > 1/);
  assert.throws(() => parseUlimit('bogus=1'), /invalid ulimit type: bogus/);
  assert.throws(() => parseUlimit('nofile'), /invalid ulimit argument: nofile/);
  assert.throws(() => parseUlimit('nofile=1:2:3'), /too many limit value arguments - 1:2:3/);
});

test('readCsvLine: encoding/csv fields, quotes and errors', () => {
  assert.deepEqual(readCsvLine('a,b,c'), ['a', 'b', 'c']);
  assert.deepEqual(readCsvLine('type=bind,"src=/with,comma",dst=/c'), ['type=bind', 'src=/with,comma', 'dst=/c']);
  assert.deepEqual(readCsvLine('"a ""quoted"" word",x'), ['a "quoted" word', 'x']);
  assert.deepEqual(readCsvLine(''), ['']);
  assert.throws(() => readCsvLine('a"b'), /parse error on line 1, column 2: bare " in non-quoted field/);
});

test('parseKvFile: comments, bare names from the environment, errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-kv-'));
  try {
    const f = join(dir, 'env');
    writeFileSync(f, '\uFEFF# c\nA=1\n  B=with space \nHOME\nNOPE\r\n\n');
    assert.deepEqual(parseKvFile(f, (k) => (k === 'HOME' ? '/root' : undefined)), ['A=1', 'B=with space ', 'HOME=/root']);
    assert.deepEqual(parseKvFile(f, undefined), ['A=1', 'B=with space ']);
    writeFileSync(f, 'BAD KEY=1\n');
    assert.throws(() => parseKvFile(f, undefined), /invalid env file \(.*\): variable 'BAD KEY' contains whitespaces/);
    writeFileSync(f, '=x\n');
    assert.throws(() => parseKvFile(f, undefined), /no variable name on line '=x'/);
    assert.throws(() => parseKvFile(join(dir, 'none'), undefined), /open .*none: no such file or directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validators rewrite as docker stores the values', () => {
  assert.equal(validateEnv('A=1'), 'A=1');
  assert.equal(validateEnv('HOME', (k) => (k === 'HOME' ? '/h' : undefined)), 'HOME=/h');
  assert.equal(validateEnv('NOPE', () => undefined), 'NOPE');
  assert.throws(() => validateEnv('=x'), /invalid environment variable: =x/);
  assert.equal(validateLabel('a=b'), 'a=b');
  assert.throws(() => validateLabel(' =b'), /invalid label ' =b': empty name/);
  assert.throws(() => validateLabel('a b=c'), /label 'a b' contains whitespaces/);
  assert.equal(validateSysctl('net.ipv4.ip_forward=1'), 'net.ipv4.ip_forward=1');
  assert.throws(() => validateSysctl('vm.swappiness=1'), /sysctl 'vm.swappiness=1' is not allowed/);
  assert.equal(validateExtraHost('db=10.0.0.5'), 'db:10.0.0.5');
  assert.equal(validateExtraHost('v6:[::1]'), 'v6:::1');
  assert.equal(validateExtraHost('gw:host-gateway'), 'gw:host-gateway');
  assert.throws(() => validateExtraHost('nohost'), /bad format for add-host: "nohost"/);
  assert.throws(() => validateExtraHost('h:1.2.3'), /invalid IP address in add-host: "1.2.3"/);
  assert.equal(validateAttach('STDERR'), 'stderr');
  assert.throws(() => validateAttach('x'), /valid streams are STDIN, STDOUT and STDERR/);
  assert.equal(validateDNSSearch('example.com.'), 'example.com');
  assert.equal(validateDNSSearch('.'), '.');
  assert.throws(() => validateDNSSearch('123'), /123 is not a valid domain/);
});

test('canonicalIP: net.ParseIP(...).String()', () => {
  assert.equal(canonicalIP('2001:4860:4860:0:0:0:0:8888'), '2001:4860:4860::8888');
  assert.equal(canonicalIP('::ffff:1.2.3.4'), '1.2.3.4');
  assert.equal(canonicalIP('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalIP('10.0.0.1'), '10.0.0.1');
  assert.equal(canonicalIP('fe80::1%eth0'), undefined);
  assert.equal(canonicalIP('nope'), undefined);
});

test('device throttles, weights, gpus, restart policies', () => {
  assert.deepEqual(parseThrottleBps('/dev/sda:1mb'), { Path: '/dev/sda', Rate: 1024 * 1024 });
  assert.throws(() => parseThrottleBps('sda:1'), /bad format for device path: sda:1/);
  assert.deepEqual(parseWeightDevice('/dev/sda:200'), { Path: '/dev/sda', Weight: 200 });
  assert.throws(() => parseWeightDevice('/dev/sda:5'), /invalid weight for device: \/dev\/sda:5/);
  const all = parseGpuRequest('all');
  assert.equal(all.Count, -1);
  assert.deepEqual(all.Capabilities, [['gpu']]);
  const dev = parseGpuRequest('"device=0,1",capabilities=compute');
  assert.deepEqual(dev.DeviceIDs, ['0', '1']);
  assert.equal(dev.Count, 0);
  assert.deepEqual(dev.Capabilities, [['compute', 'gpu']]);
  assert.deepEqual(parseRestartPolicy('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(parseRestartPolicy(''), { Name: '', MaximumRetryCount: 0 });
  assert.throws(() => parseRestartPolicy(':3'), /no policy provided before colon/);
});
