import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { kindOf } from '../../lib/index.js';
import { logPathFor, openLocalDriver } from './file-driver.js';
import { LocalFormat } from './local-format.js';
import { createLogDriver, openLogReader } from './factory.js';
import { SEC, T0, follower, lines, msg, readAll, tempDir } from './testkit.js';

const ID = 'ab'.repeat(32);

test('local: round trip of streams, partial lines and ns timestamps', async (t) => {
  const dir = await tempDir(t);
  const path = logPathFor(dir, ID, 'local');
  assert.equal(path, join(dir, 'local-logs', 'container.log'));
  const d = await createLogDriver('local', { path });
  assert.equal(d.name, 'local');
  d.write(msg('out', 0, { timeNano: T0 + 1n }));
  d.write(msg('err <&>\t', 1, { stream: 'stderr' }));
  d.write(msg('part', 2, { partial: true }));
  d.write(msg('', 3));
  await d.close();
  const got = await readAll(openLogReader('local', { path }));
  assert.deepEqual(
    got.map((e) => [e.stream, e.line.toString(), e.partial, e.timestamp]),
    [
      ['stdout', 'out\n', false, '2026-11-29T17:57:35.000000001Z'],
      ['stderr', 'err <&>\t\n', false, '2026-11-29T17:57:36.123456789Z'],
      ['stdout', 'part', true, '2026-11-29T17:57:37.123456789Z'],
      ['stdout', '\n', false, '2026-11-29T17:57:38.123456789Z'],
    ],
  );
  assert.equal(got[0]!.timeNano, T0 + 1n);
  // the framing: u32 len | version 1 | flags | i64 ns | line | u32 len
  const raw = await fs.readFile(path);
  assert.equal(raw.readUInt32BE(0), 10 + 3);
  assert.equal(raw[4], 1);
  assert.equal(raw[5], 0);
  assert.equal(raw.readBigInt64BE(6), T0 + 1n);
  assert.equal(raw.subarray(14, 17).toString(), 'out');
  assert.equal(raw.readUInt32BE(17), 13);
});

const seq = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `l${from + k}\n`);

test('local: defaults rotate and compress; tail and since across files', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'container.log');
  const d = await openLocalDriver({ path, config: { 'max-size': '1k' } });
  for (let i = 0; i < 300; i++) d.write(msg(`l${i}`, i));
  await d.flush();
  assert.deepEqual(lines(await readAll(d, { tail: 3 })), seq(297, 300));
  await d.close();
  assert.deepEqual((await fs.readdir(dir)).sort(), [
    'container.log',
    'container.log.1.gz',
    'container.log.2.gz',
    'container.log.3.gz',
    'container.log.4.gz',
  ]);
  const r = openLogReader('local', { path });
  const all = lines(await readAll(r));
  assert.deepEqual(all, seq(300 - all.length, 300));
  assert.ok(all.length > 150);
  assert.deepEqual(lines(await readAll(r, { tail: 120 })), seq(180, 300));
  assert.deepEqual(lines(await readAll(r, { since: T0 + 290n * SEC })), seq(290, 300));
});

test('local: tail skips a torn last record', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'container.log');
  const d = await openLocalDriver({ path, config: { compress: 'false' } });
  for (let i = 0; i < 10; i++) d.write(msg(`l${i}`, i));
  await d.close();
  const torn = new LocalFormat().encode(msg('torn', 10)).subarray(0, 9);
  await fs.appendFile(path, torn);
  const r = openLogReader('local', { path });
  assert.deepEqual(lines(await readAll(r, { tail: 2 })), seq(8, 10));
  assert.deepEqual(lines(await readAll(r)), seq(0, 10));
});

test('local: follow', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'container.log');
  const d = await openLocalDriver({ path, config: { 'max-size': '200', 'max-file': '10', compress: 'false' } });
  const f = follower(d);
  for (let i = 0; i < 40; i++) {
    d.write(msg(`l${i}`, i));
    if (i % 3 === 0) await d.flush();
  }
  await f.until(40);
  assert.deepEqual(lines(f.got), seq(0, 40));
  await d.close();
  await f.done;
});

test('none: stores nothing; reading fails as Docker does', async (t) => {
  const dir = await tempDir(t);
  const d = await createLogDriver('none', { path: join(dir, 'x.log'), config: { anything: 'goes' } });
  assert.equal(d.write(msg('x')), true);
  await d.close();
  assert.deepEqual(await fs.readdir(dir), []);
  const check = (e: Error) =>
    kindOf(e) === 'notImplemented' && e.message === 'configured logging driver does not support reading';
  assert.throws(() => d.read({ follow: false, signal: new AbortController().signal }), check);
  assert.throws(() => openLogReader('none', { path: join(dir, 'x.log') }), check);
});
