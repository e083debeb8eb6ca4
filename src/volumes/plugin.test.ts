import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { background, type Exec } from '../lib/index.js';
import { LocalDriver } from './local.js';
import { VolumeStore } from './store.js';
import { VolumePluginRegistry } from './plugin.js';
import { startTestVolumePlugin } from './testdriver.js';

const ctx = background();
const noExec: Exec = {
  run: async () => ({ stdout: '', stderr: '' }),
  start: () => {
    throw new Error('not used');
  },
};

test('volume plugins: found by socket name, activated, then create/get/mount/unmount/remove over the protocol', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-plug-'));
  const plugin = await startTestVolumePlugin(join(dir, 'plugins', 'testvol.sock'), join(dir, 'data'));
  try {
    const registry = new VolumePluginRegistry({ dirs: [join(dir, 'nothing'), join(dir, 'plugins')] });
    const local = new LocalDriver({ exec: noExec, readMountInfo: async () => '' }, { root: join(dir, 'volumes') });
    await local.load(ctx);
    const store = new VolumeStore({ root: join(dir, 'volumes') }, (c, name) => registry.lookup(c, name));
    store.register(local);
    await store.load(ctx);

    await assert.rejects(store.create(ctx, 'v', 'nope'), /error looking up volume plugin nope: plugin "nope" not found/);
    const { volume, created } = await store.create(ctx, 'pv1', 'testvol', { options: { size: '1' }, labels: { a: 'b' } });
    assert.equal(created, true);
    assert.deepEqual([volume.name, volume.driver, volume.scope, volume.mountpoint, volume.createdAt], ['pv1', 'testvol', 'global', join(dir, 'data', 'pv1'), '2026-11-30T00:00:00Z']);
    assert.deepEqual(volume.status, { opts: { size: '1' } });
    await assert.rejects(store.create(ctx, 'pv2', 'testvol', { options: { fail: '1' } }), /create pv2: the test driver was told to fail$/);
    await assert.rejects(store.create(ctx, 'pv1', 'local'), /create pv1: driver 'testvol' already has volume 'pv1': volume name must be unique/);

    const d = await store.driver(ctx, 'testvol');
    assert.equal(await d.mount(ctx, 'pv1', 'c1'), join(dir, 'data', 'pv1'));
    assert.deepEqual([...plugin.mounts.get('pv1')!], ['c1']);
    await assert.rejects(store.remove(ctx, 'pv1'), /remove pv1: volume is mounted/);
    await d.unmount(ctx, 'pv1', 'c1');
    assert.deepEqual((await store.list(ctx)).map((v) => `${v.driver}/${v.name}`), ['testvol/pv1']);
    await store.remove(ctx, 'pv1');
    assert.ok(!existsSync(join(dir, 'data', 'pv1')));
    await assert.rejects(store.get(ctx, 'pv1'), /get pv1: no such volume/);
    assert.deepEqual(
      plugin.calls.map((c) => c.method).filter((m, i, a) => a.indexOf(m) === i),
      ['Plugin.Activate', 'VolumeDriver.Capabilities', 'VolumeDriver.Create', 'VolumeDriver.Get', 'VolumeDriver.Mount', 'VolumeDriver.Remove', 'VolumeDriver.Unmount'],
    );
  } finally {
    await plugin.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
