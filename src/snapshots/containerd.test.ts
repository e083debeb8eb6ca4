import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startTestContainerd, type TestContainerd } from '../containerd/index.js';
import { background, sha256 } from '../lib/index.js';
import { ContainerdSnapshotter } from './containerd.js';
import { snapshotterSuite } from './testsuite.js';
import { chainIds, UNCOMPRESSED_LAYER } from './snapshotter.js';

let cd: TestContainerd;
let lease = '';
before(async () => {
  cd = await startTestContainerd();
  // Unreferenced snapshots are garbage: hold the suite's by a lease, as berthd does.
  lease = (await cd.client.leases.create(background(), { expireAfterMs: 600_000 })).id;
});
after(async () => {
  await cd?.cleanup();
});

describe('containerd snapshotter', () => {
  snapshotterSuite('containerd', async () => new ContainerdSnapshotter(cd.client).withLease(lease));

  test('apply unpacks a layer tar and returns its diff ID', async () => {
    const ctx = background();
    const src = mkdtempSync('/tmp/layer-');
    try {
      mkdirSync(join(src, 'etc'));
      writeFileSync(join(src, 'etc', 'hello'), 'world\n');
      const tar = execFileSync('tar', ['-C', src, '-cf', '-', 'etc']);
      const { digest, size } = await cd.client.withLease(lease).content.writeBlob(ctx, 'layer-test', tar, { expected: sha256(tar) });
      const sn = new ContainerdSnapshotter(cd.client).withLease(lease);
      const key = `extract-${Date.now()}`;
      const mounts = await sn.prepare(ctx, key);
      const diffId = await sn.apply(ctx, { mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest, size }, mounts);
      assert.equal(diffId, sha256(tar));
      await sn.commit(ctx, diffId, key);
      // The committed layer holds the file: mount a view and read it.
      const view = await sn.view(ctx, `v-${Date.now()}`, diffId);
      const m = view[0]!;
      const dir = m.type === 'bind' ? m.source : null;
      if (dir) assert.equal(readFileSync(join(dir, 'etc', 'hello'), 'utf8'), 'world\n');
      assert.deepEqual(chainIds(['a', 'b'], (s) => `h(${s})`), ['a', 'h(a b)']);
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });

  test('diff writes the layer between two mount sets (uncompressed: digest = diff ID)', async () => {
    const ctx = background();
    const sn = new ContainerdSnapshotter(cd.client).withLease(lease);
    const key = `diff-${Date.now()}`;
    const mounts = await sn.prepare(ctx, key);
    const dir = mounts[0]!.type === 'bind' ? mounts[0]!.source : undefined;
    assert.ok(dir, 'a snapshot without parent is a bind mount');
    writeFileSync(join(dir, 'new-file'), 'content\n');
    const layer = await sn.diff(ctx, [], mounts);
    assert.equal(layer.mediaType, UNCOMPRESSED_LAYER);
    const blob = await cd.client.content.readAll(ctx, layer.digest, 1 << 20);
    assert.equal(sha256(blob), layer.digest);
    assert.match(blob.subarray(0, 100).toString(), /new-file/);
    await sn.remove(ctx, key);
  });
});
