import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { randomBytes, createHash } from 'node:crypto';
import { compressLayer, gzipMediaType } from './compress.js';
import { MediaType } from '../oci/index.js';

async function collect(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(c as Buffer);
  return Buffer.concat(out);
}

function run(data: Buffer, slowCopy = false) {
  let seen = 0;
  const c = compressLayer(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), (n) => (seen = n));
  const copy = (async () => {
    const out: Buffer[] = [];
    for await (const chunk of c.copy) {
      if (slowCopy) await new Promise((r) => setImmediate(r));
      out.push(chunk as Buffer);
    }
    return Buffer.concat(out);
  })();
  return { c, upload: collect(c.upload), copy, seen: () => seen };
}

test('gzipMediaType maps only uncompressed layer types', () => {
  assert.equal(gzipMediaType(MediaType.DockerLayer), MediaType.DockerLayerGzip);
  assert.equal(gzipMediaType(MediaType.OciLayer), MediaType.OciLayerGzip);
  assert.equal(gzipMediaType(MediaType.DockerLayerGzip), undefined);
  assert.equal(gzipMediaType(MediaType.OciLayerZstd), undefined);
});

test('compressLayer: both outputs carry the same gzip bytes, which decompress to the input', async () => {
  const data = Buffer.concat([randomBytes(3 << 20), Buffer.alloc(2 << 20, 7)]);
  const r = run(data, true);
  const [up, copy] = await Promise.all([r.upload, r.copy]);
  await r.c.done;
  assert.deepEqual(up, copy);
  assert.deepEqual(gunzipSync(up), data);
  const res = r.c.result();
  assert.equal(res.size, up.length);
  assert.equal(res.digest, 'sha256:' + createHash('sha256').update(up).digest('hex'));
  assert.equal(r.seen(), data.length);
});

test('compressLayer is deterministic (no name, zero mtime)', async () => {
  const data = Buffer.from('hello layer '.repeat(1000));
  const a = run(data);
  await Promise.all([a.upload, a.copy]);
  await new Promise((r) => setTimeout(r, 5));
  const b = run(data);
  await Promise.all([b.upload, b.copy]);
  assert.equal(a.c.result().digest, b.c.result().digest);
  const up = await a.upload;
  assert.equal(up.readUInt32LE(4), 0, 'mtime');
  assert.equal(up[3], 0, 'flags: no name');
});

test('compressLayer: abort errors both outputs and done', async () => {
  const c = compressLayer(new Readable({ read() {} }));
  const up = collect(c.upload);
  const copy = collect(c.copy);
  c.abort(new Error('stop'));
  await assert.rejects(up, /stop/);
  await assert.rejects(copy, /stop/);
  await assert.rejects(c.done);
});
