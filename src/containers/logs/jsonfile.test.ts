import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { openJsonFileDriver, fileLogReader, logPathFor } from './file-driver.js';
import { JsonFileFormat } from './jsonfile-format.js';
import { BufferSource, type Source } from './format.js';
import { createLogDriver, openLogReader } from './factory.js';
import { SEC, T0, follower, lines, msg, readAll, tempDir } from './testkit.js';

const ID = '0123456789ab'.padEnd(64, 'c');

test('json-file records are byte-exact Docker lines', async (t) => {
  const dir = await tempDir(t);
  const path = logPathFor(dir, ID, 'json-file');
  assert.equal(path, join(dir, `${ID}-json.log`));
  const d = await openJsonFileDriver({ path });
  d.write(msg('hi', 0, { timeNano: T0 + 536_152_705n }));
  d.write({
    stream: 'stderr',
    line: Buffer.concat([Buffer.from('a\t<b>&"c"\\\r'), Buffer.from([0xff, 0x01]), Buffer.from('\u2028é😀')]),
    time: new Date(Number(T0 / 1_000_000n)),
    partial: true,
  });
  d.write(msg('', 1, { partial: true, timeNano: T0 + SEC }));
  d.write(msg('', 2, { timeNano: T0 + 2n * SEC + 500_000_000n }));
  await d.close();
  const want =
    '{"log":"hi\\n","stream":"stdout","time":"2026-11-29T17:57:35.536152705Z"}\n' +
    '{"log":"a\\u0009\\u003cb\\u003e\\u0026\\"c\\"\\\\\\r\\ufffd\\u0001\\u2028é😀","stream":"stderr","time":"2026-11-29T17:57:35Z"}\n' +
    '{"stream":"stdout","time":"2026-11-29T17:57:36Z"}\n' +
    '{"log":"\\n","stream":"stdout","time":"2026-11-29T17:57:37.5Z"}\n';
  assert.equal(await fs.readFile(path, 'utf8'), want);

  const got = await readAll(openLogReader('json-file', { path }));
  assert.deepEqual(
    got.map((e) => [e.stream, e.line.toString(), e.partial, e.timestamp]),
    [
      ['stdout', 'hi\n', false, '2026-11-29T17:57:35.536152705Z'],
      ['stderr', 'a\t<b>&"c"\\\r\ufffd\u0001\u2028é😀', true, '2026-11-29T17:57:35Z'],
      ['stdout', '', true, '2026-11-29T17:57:36Z'],
      ['stdout', '\n', false, '2026-11-29T17:57:37.5Z'],
    ],
  );
  assert.equal(got[0]!.timeNano, T0 + 536_152_705n);
});

test('json-file attrs: labels, env, tag (Go map order and escaping)', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'a.log');
  const d = await openJsonFileDriver({
    path,
    config: { labels: 'a,zz,missing', env: 'FOO', 'env-regex': '^X', tag: '{{.Name}}/{{.ID}}' },
    info: {
      containerId: ID,
      containerName: '/web',
      containerLabels: { a: '1', b: '2', zz: '<&>' },
      containerEnv: ['FOO=bar', 'XY=z=1', 'OTHER=no'],
    },
  });
  d.write(msg('x', 0, { timeNano: T0 }));
  await d.close();
  assert.equal(
    await fs.readFile(path, 'utf8'),
    '{"log":"x\\n","stream":"stdout","attrs":{"FOO":"bar","XY":"z=1","a":"1","tag":"web/0123456789ab","zz":"\\u003c\\u0026\\u003e"},"time":"2026-11-29T17:57:35Z"}\n',
  );
  const [e] = await readAll(fileLogReader('json-file', { path }));
  assert.deepEqual(e!.attrs, { FOO: 'bar', XY: 'z=1', a: '1', tag: 'web/0123456789ab', zz: '<&>' });
});

async function writeLines(d: { write: (m: ReturnType<typeof msg>) => boolean; flush: () => Promise<void> }, from: number, to: number) {
  for (let i = from; i < to; i++) d.write(msg(`line ${String(i).padStart(4, '0')}`, i));
  await d.flush();
}

const seq = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => `line ${String(from + k).padStart(4, '0')}\n`);

test('rotation by max-size keeps max-file files; reads and tails across them', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'c-json.log');
  const d = await openJsonFileDriver({ path, config: { 'max-size': '1k', 'max-file': '3' } });
  await writeLines(d, 0, 100);
  const names = (await fs.readdir(dir)).sort();
  assert.deepEqual(names, ['c-json.log', 'c-json.log.1', 'c-json.log.2']);
  const recLen = (await fs.readFile(path, 'utf8')).split('\n')[0]!.length + 1;
  for (const n of names) {
    const size = (await fs.stat(join(dir, n))).size;
    assert.ok(size < 1000 + recLen, `${n} is ${size} bytes`);
  }
  const perFile = Math.ceil(1000 / recLen);
  assert.equal((await fs.stat(join(dir, 'c-json.log.1'))).size, perFile * recLen);

  const all = lines(await readAll(d));
  assert.ok(all.length > perFile * 2 && all.length <= perFile * 3);
  assert.deepEqual(all, seq(100 - all.length, 100), 'a contiguous run ending at the last line');

  const currentCount = (await fs.readFile(path, 'utf8')).split('\n').length - 1;
  const n = currentCount + perFile + 3; // reaches into .2
  assert.deepEqual(lines(await readAll(d, { tail: n })), seq(100 - n, 100));
  assert.deepEqual(lines(await readAll(d, { tail: 5 })), seq(95, 100));
  assert.deepEqual(lines(await readAll(d, { tail: 0 })), []);
  assert.deepEqual(lines(await readAll(d, { tail: 100000 })), all);
  await d.close();
  // the same through a reader without the writer
  assert.deepEqual(lines(await readAll(openLogReader('json-file', { path }), { tail: 7 })), seq(93, 100));
});

test('max-file=1 truncates by starting over', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'one.log');
  const d = await openJsonFileDriver({ path, config: { 'max-size': '500' } });
  await writeLines(d, 0, 30);
  assert.deepEqual(await fs.readdir(dir), ['one.log']);
  const got = lines(await readAll(d));
  assert.deepEqual(got, seq(30 - got.length, 30));
  await d.close();
});

test('compress=true gzips rotated files; reading decompresses them', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'z.log');
  const d = await createLogDriver('json-file', { path, config: { 'max-size': '1k', 'max-file': '4', compress: 'true' } });
  await writeLines(d, 0, 120);
  await d.close();
  assert.deepEqual((await fs.readdir(dir)).sort(), ['z.log', 'z.log.1.gz', 'z.log.2.gz', 'z.log.3.gz']);
  const all = lines(await readAll(openLogReader('json-file', { path })));
  assert.deepEqual(all, seq(120 - all.length, 120));
  assert.ok(all.length > 30);
  const tail = lines(await readAll(openLogReader('json-file', { path }), { tail: 40 }));
  assert.deepEqual(tail, seq(80, 120));
});

test('since and until filter by the record time (ns precision)', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 's.log');
  const d = await openJsonFileDriver({ path });
  await writeLines(d, 0, 10); // line i at T0 + i s + 123456789 ns
  const r = (o: object) => readAll(d, o).then(lines);
  assert.deepEqual(await r({ since: T0 + 3n * SEC + 123_456_789n, until: T0 + 6n * SEC + 123_456_789n }), seq(3, 7));
  assert.deepEqual(await r({ since: T0 + 3n * SEC + 123_456_790n }), seq(4, 10));
  assert.deepEqual(await r({ since: new Date(Number((T0 + 8n * SEC) / 1_000_000n)) }), seq(8, 10));
  assert.deepEqual(await r({ until: new Date(Number((T0 + 2n * SEC) / 1_000_000n)) }), seq(0, 2));
  assert.deepEqual(await r({ tail: 3, since: T0 + 8n * SEC }), seq(8, 10), 'tail first, then since (moby)');
  await d.close();
});

test('follow picks up appended lines and rotations (live writer), and ends at close', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'f.log');
  // 7 records per flush, 5 per file: some appends rotate twice (the follower reads the file in
  // between from .1); enough files are kept that none is deleted unread
  const d = await openJsonFileDriver({ path, config: { 'max-size': '400', 'max-file': '5' } });
  await writeLines(d, 0, 3);
  const f = follower(d, { tail: 2 });
  await f.until(2);
  for (let i = 3; i < 60; i++) {
    d.write(msg(`line ${String(i).padStart(4, '0')}`, i));
    if (i % 7 === 0) await d.flush();
  }
  await f.until(59);
  assert.deepEqual(lines(f.got), seq(1, 60));
  await d.close();
  await f.done; // ends by itself once the writer is closed
});

test('follow without a writer in this process polls, across rotations', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'p.log');
  const d = await openJsonFileDriver({ path, config: { 'max-size': '300', 'max-file': '3' } });
  const f = follower(fileLogReader('json-file', { path, pollIntervalMs: 10 }));
  let n = 0;
  for (let round = 0; round < 8; round++) {
    await writeLines(d, n, n + 3); // 3 records ≈ 210 bytes: at most one rotation per round
    n += 3;
    await f.until(n);
  }
  assert.deepEqual(lines(f.got), seq(0, n));
  assert.ok((await fs.readdir(dir)).includes('p.log.2'), 'it did rotate');
  await f.stop();
  await d.close();
});

test('follow with until stops at the first later entry', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'u.log');
  const d = await openJsonFileDriver({ path });
  const f = follower(d, { until: T0 + 2n * SEC + 200_000_000n });
  await writeLines(d, 0, 5);
  await f.done;
  assert.deepEqual(lines(f.got), seq(0, 3));
  await d.close();
});

test('a torn last record is ignored by read and tail', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 't.log');
  const d = await openJsonFileDriver({ path });
  await writeLines(d, 0, 4);
  await d.close();
  await fs.appendFile(path, '{"log":"half');
  const r = openLogReader('json-file', { path });
  assert.deepEqual(lines(await readAll(r)), seq(0, 4));
  assert.deepEqual(lines(await readAll(r, { tail: 2 })), seq(2, 4));
});

test('tail reads backwards: the cost follows N, not the file size', async () => {
  const fmt = new JsonFileFormat();
  const recs: Buffer[] = [];
  for (let i = 0; i < 50_000; i++) recs.push(fmt.encode(msg(`line ${i}`, i)));
  const buf = Buffer.concat(recs);
  let read = 0;
  const inner = new BufferSource(buf);
  const counting: Source = {
    size: buf.length,
    readAt: async (pos, len) => {
      const b = await inner.readAt(pos, len);
      read += b.length;
      return b;
    },
  };
  const t = await fmt.tailStart(counting, buf.length, 10);
  assert.equal(t.found, 10);
  assert.equal(t.offset, buf.length - recs.slice(-10).reduce((a, r) => a + r.length, 0));
  assert.ok(read <= 2 * 64 * 1024, `read ${read} of ${buf.length} bytes`);
});
