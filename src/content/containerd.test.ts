import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestContainerd, type TestContainerd } from '../containerd/index.js';
import { background, kindOf, sha256 } from '../lib/index.js';
import { ContainerdContentStore, ContainerdLeases } from './containerd.js';
import { contentStoreSuite } from './testsuite.js';

let cd: TestContainerd;
let lease = '';
before(async () => {
  cd = await startTestContainerd();
  // Unreferenced content is garbage: the suite's blobs are held by a lease, as in berthd.
  lease = await new ContainerdLeases(cd.client).create(background(), { expireAfterMs: 600_000 });
});
after(async () => {
  await cd?.cleanup();
});

const localRoot = () => join(cd.dir, 'root', 'io.containerd.content.v1.content');

async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of s) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('containerd content store', () => {
  contentStoreSuite('containerd', async () => new ContainerdContentStore(cd.client).withLease(lease));
  contentStoreSuite('containerd, reads from its directory', async () => new ContainerdContentStore(cd.client, { localRoot: localRoot() }).withLease(lease));

  test('read() with a local root streams the blob file; without the file it asks containerd', async () => {
    const ctx = background();
    // A file planted under a fake root is what read() returns: the file path is taken.
    const fake = await mkdtemp('/tmp/berth-content-');
    try {
      const planted = Buffer.from('planted bytes');
      const digest = sha256(planted);
      await mkdir(join(fake, 'blobs', 'sha256'), { recursive: true });
      await writeFile(join(fake, 'blobs', 'sha256', digest.slice(7)), planted);
      const viaFile = new ContainerdContentStore(cd.client, { localRoot: fake });
      assert.deepEqual(await readAll(viaFile.read(ctx, digest)), planted);
      // A blob containerd has but the fake root lacks comes through the Read call.
      const real = Buffer.from('stored in containerd');
      const d = await new ContainerdContentStore(cd.client).withLease(lease).write(ctx, real);
      assert.deepEqual(await readAll(viaFile.read(ctx, d.digest)), real);
      // Neither has it: containerd's notFound.
      await assert.rejects(readAll(viaFile.read(ctx, sha256(Buffer.from('nowhere')))), (e: unknown) => kindOf(e) === 'notFound');
    } finally {
      await rm(fake, { recursive: true, force: true });
    }
  });
});
