/** Conformance suite every ContentStore implementation passes (STYLE D11). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { background, kindOf, sha256 } from '../lib/index.js';
import type { ContentStore } from './store.js';

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

async function readStream(s: NodeJS.ReadableStream): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of s) out.push(Buffer.from(c as Buffer));
  return Buffer.concat(out).toString();
}

/** `make` returns a store whose writes are kept (e.g. held by a lease) for the test's duration. */
export function contentStoreSuite(name: string, make: () => Promise<ContentStore>): void {
  const ctx = background();

  test(`${name}: write, info, read, delete`, async () => {
    const cs = await make();
    const data = Buffer.from(`hello ${name} ${Date.now()}`);
    const { digest, size } = await cs.write(ctx, data);
    assert.equal(digest, sha256(data));
    assert.equal(size, data.length);
    assert.equal((await cs.info(ctx, digest)).size, data.length);
    assert.deepEqual(await cs.readAll(ctx, digest), data);
    assert.equal(await readStream(cs.read(ctx, digest)), data.toString());
    assert.ok((await cs.list(ctx)).some((b) => b.digest === digest));
    await cs.delete(ctx, digest);
    await assert.rejects(cs.info(ctx, digest), (e) => kindOf(e) === 'notFound');
  });

  test(`${name}: streamed writes compute the digest; expected digests are verified`, async () => {
    const cs = await make();
    const text = `a-${Date.now()}-b`;
    const r = await cs.write(ctx, chunks('a-', text.slice(2, -2), '-b'));
    assert.equal(r.digest, sha256(text));
    // the same content again is fine
    assert.equal((await cs.write(ctx, chunks(text))).digest, r.digest);
    await assert.rejects(cs.write(ctx, chunks('other'), { expected: sha256('different') }), (e) => kindOf(e) === 'conflict');
    await assert.rejects(cs.info(ctx, sha256('other')), (e) => kindOf(e) === 'notFound');
    await cs.delete(ctx, r.digest);
  });

  test(`${name}: labels merge and clear`, async () => {
    const cs = await make();
    const { digest } = await cs.write(ctx, Buffer.from(`labels ${Date.now()}`), { labels: { a: '1' } });
    await cs.setLabels(ctx, digest, { b: '2' });
    assert.deepEqual((await cs.info(ctx, digest)).labels, { a: '1', b: '2' });
    await cs.setLabels(ctx, digest, { a: '' });
    assert.deepEqual((await cs.info(ctx, digest)).labels, { b: '2' });
    await cs.delete(ctx, digest);
  });
}
