import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createParallelGzip } from './pgzip.js';

async function pgzip(chunks: Buffer[], opts: Parameters<typeof createParallelGzip>[0] = {}): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), createParallelGzip(opts), async function* (src) {
    for await (const c of src) out.push(c as Buffer);
  });
  return Buffer.concat(out);
}

/** Text-like data that compresses (repeats reach across block boundaries). */
function sample(n: number): Buffer {
  const words = ['layer', 'usr/lib/', 'x86_64-linux-gnu', 'libc.so.6', '\n', 'debian', '0755 root root'];
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const w = words[(i * 7 + (i >> 3)) % words.length]!;
    parts.push(w);
    len += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

test('pgzip: the output gunzips to the input, for sizes around the block size and odd chunking', async () => {
  const block = 4096;
  for (const n of [0, 1, block - 1, block, block + 1, 3 * block, 5 * block + 17]) {
    const data = Buffer.concat([sample(n >> 1), randomBytes(n - (n >> 1))]);
    // chunks of 1000 bytes: blocks are cut from several chunks and chunks span blocks
    const chunks: Buffer[] = [];
    for (let i = 0; i < data.length; i += 1000) chunks.push(data.subarray(i, i + 1000));
    const gz = await pgzip(chunks, { blockSize: block, parallel: 3 });
    assert.deepEqual(gunzipSync(gz), data, `size ${n}`);
    // the gzip tool agrees (CRC and length in the trailer)
    const t = spawnSync('gzip', ['-t'], { input: gz });
    assert.equal(t.status, 0, `gzip -t, size ${n}: ${t.stderr}`);
  }
});

test('pgzip is deterministic whatever the chunking and parallelism; header has no name and a zero mtime', async () => {
  const data = sample(300_000);
  const a = await pgzip([data], { blockSize: 65536, parallel: 1 });
  const b = await pgzip([data.subarray(0, 12345), data.subarray(12345)], { blockSize: 65536, parallel: 4 });
  assert.deepEqual(a, b);
  assert.equal(a.readUInt32LE(4), 0, 'mtime');
  assert.equal(a[3], 0, 'flags');
});

test('pgzip compresses about as well as serial gzip (dictionary across blocks)', async () => {
  const data = sample(4 << 20);
  const serial = gzipSync(data).length;
  const parallel = (await pgzip([data])).length;
  assert.ok(parallel < serial * 1.01, `parallel ${parallel} vs serial ${serial}`);
});

test('pgzip: an error of the input reaches the pipeline', async () => {
  const src = new Readable({
    read() {
      this.destroy(new Error('source broke'));
    },
  });
  await assert.rejects(pipeline(src, createParallelGzip(), async function* (s) {
    for await (const _ of s) void _;
  }), /source broke/);
});
