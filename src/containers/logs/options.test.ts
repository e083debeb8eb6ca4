import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../../lib/index.js';
import {
  atoi,
  expandTag,
  fromHumanSize,
  parseBool,
  parseJsonFileOptions,
  parseLocalOptions,
  parseQueueOptions,
  ramInBytes,
  validateLogConfig,
} from './options.js';
import { createLogDriver } from './factory.js';

const rejects = (fn: () => unknown, message: string) =>
  assert.throws(fn, (e: Error) => kindOf(e) === 'invalidParameter' && e.message === message);

test('validateLogConfig: Docker texts', () => {
  validateLogConfig('json-file', { 'max-size': '10m', 'max-file': '3', compress: 'true', labels: 'a', tag: 'x' });
  validateLogConfig('local', { 'max-size': '10m', mode: 'non-blocking', 'max-buffer-size': '4m' });
  validateLogConfig('none', { whatever: '1' });
  rejects(() => validateLogConfig('json-file', { x: '1' }), "unknown log opt 'x' for json-file log driver");
  rejects(() => validateLogConfig('local', { labels: 'a' }), "unknown log opt 'labels' for log driver local");
  rejects(() => validateLogConfig('syslogx', {}), "logger: no log driver named 'syslogx' is registered");
  rejects(() => validateLogConfig('json-file', { mode: 'fast' }), 'logger: logging mode not supported: fast');
  rejects(
    () => validateLogConfig('json-file', { 'max-buffer-size': '1m' }),
    "logger: max-buffer-size option is only supported with 'mode=non-blocking'",
  );
  rejects(
    () => validateLogConfig('json-file', { mode: 'non-blocking', 'max-buffer-size': 'lots' }),
    "error parsing option max-buffer-size: invalid size: 'lots'",
  );
});

test('go-units sizes and Go parse errors', () => {
  assert.equal(fromHumanSize('10m'), 10_000_000);
  assert.equal(fromHumanSize('1k'), 1000);
  assert.equal(fromHumanSize('1KB'), 1000);
  assert.equal(fromHumanSize('1kib'), 1000, 'compat: FromHumanSize reads kib as decimal too');
  assert.equal(fromHumanSize('1.5 g'), 1_500_000_000);
  assert.equal(fromHumanSize('512'), 512);
  assert.equal(fromHumanSize('20b'), 20);
  assert.equal(ramInBytes('1m'), 1024 * 1024);
  assert.equal(ramInBytes('2KiB'), 2048);
  assert.throws(() => fromHumanSize('abc'), { message: "invalid size: 'abc'" });
  assert.throws(() => fromHumanSize('10x'), { message: "invalid suffix: 'x'" });
  assert.throws(() => fromHumanSize('10kbb'), { message: "invalid suffix: 'kbb'" });
  assert.throws(() => fromHumanSize('1.2.3k'), { message: 'strconv.ParseFloat: parsing "1.2.3": invalid syntax' });
  assert.throws(() => atoi('x'), { message: 'strconv.Atoi: parsing "x": invalid syntax' });
  assert.equal(parseBool('True'), true);
  assert.equal(parseBool('0'), false);
  assert.throws(() => parseBool('yes'), { message: 'strconv.ParseBool: parsing "yes": invalid syntax' });
});

test('json-file and local option values', () => {
  assert.deepEqual(parseJsonFileOptions({}), { maxSize: -1, maxFiles: 1, compress: false });
  assert.deepEqual(parseJsonFileOptions({ 'max-size': '10m', 'max-file': '3', compress: 'true' }), {
    maxSize: 10_000_000,
    maxFiles: 3,
    compress: true,
  });
  rejects(() => parseJsonFileOptions({ 'max-size': '0' }), 'max-size must be a positive number');
  rejects(() => parseJsonFileOptions({ 'max-size': 'z' }), "invalid size: 'z'");
  rejects(() => parseJsonFileOptions({ 'max-file': '0' }), 'max-file cannot be less than 1');
  rejects(
    () => parseJsonFileOptions({ 'max-size': '1m', compress: 'true' }),
    'compress cannot be true when max-file is less than 2 or max-size is not set',
  );
  assert.deepEqual(parseLocalOptions({}), { maxSize: 20 * 1024 * 1024, maxFiles: 5, compress: true });
  assert.deepEqual(parseLocalOptions({ 'max-size': '0', 'max-file': '1', compress: 'false' }), {
    maxSize: -1,
    maxFiles: 1,
    compress: false,
  });
  rejects(() => parseLocalOptions({ 'max-file': '1' }), 'compression cannot be enabled when max file count is 1');
  rejects(() => parseLocalOptions({ 'max-size': 'q' }), "invalid value for max-size: q: invalid size: 'q'");
  rejects(() => parseLocalOptions({ 'max-file': '-1' }), 'max file count cannot be less than 0');
  assert.deepEqual(parseQueueOptions({}), { mode: 'blocking', maxBufferSize: 1_000_000 });
  assert.deepEqual(parseQueueOptions({ mode: 'non-blocking', 'max-buffer-size': '4m' }), {
    mode: 'non-blocking',
    maxBufferSize: 4 * 1024 * 1024,
  });
});

test('tag templates', () => {
  const info = {
    containerId: '0123456789abcdef'.repeat(4),
    containerName: '/web',
    containerImageId: 'sha256:' + 'e'.repeat(64),
    containerImageName: 'nginx:latest',
  };
  assert.equal(expandTag('{{.Name}}/{{.ID}}', info), 'web/0123456789ab');
  assert.equal(expandTag('{{ .ImageName }}|{{.ImageID}}', info), 'nginx:latest|sha256:eeeee');
  assert.equal(expandTag('{{.DaemonName}}', info), 'docker');
  assert.throws(() => expandTag('{{.Nope}}', info), (e: Error) => kindOf(e) === 'invalidParameter');
  assert.throws(() => expandTag('{{json .ID}}', info), (e: Error) => kindOf(e) === 'invalidParameter');
});

test('createLogDriver checks keys and values first', async () => {
  await assert.rejects(
    createLogDriver('json-file', { path: '/nonexistent/x.log', config: { bogus: '1' } }),
    (e: Error) => e.message === "unknown log opt 'bogus' for json-file log driver",
  );
  await assert.rejects(
    createLogDriver('json-file', { path: '/nonexistent/x.log', config: { 'max-file': 'two' } }),
    (e: Error) => kindOf(e) === 'invalidParameter' && e.message === 'strconv.Atoi: parsing "two": invalid syntax',
  );
});
