/** Conformance suite for Snapshotter implementations (containerd's snapshots testsuite, in small). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { background, kindOf } from '../lib/index.js';
import type { Snapshotter } from './snapshotter.js';

export function snapshotterSuite(name: string, make: () => Promise<Snapshotter>): void {
  const ctx = background();
  const uniq = () => randomBytes(4).toString('hex');

  test(`${name}: prepare, commit, view, stat, remove`, async () => {
    const sn = await make();
    const key = `active-${uniq()}`;
    const mounts = await sn.prepare(ctx, key);
    assert.ok(mounts.length > 0);
    assert.equal((await sn.stat(ctx, key)).kind, 'active');
    const committed = `committed-${uniq()}`;
    await sn.commit(ctx, committed, key, { l: 'v' });
    const info = await sn.stat(ctx, committed);
    assert.equal(info.kind, 'committed');
    assert.equal(info.labels['l'], 'v');
    await assert.rejects(sn.stat(ctx, key), (e) => kindOf(e) === 'notFound');
    const child = `child-${uniq()}`;
    await sn.prepare(ctx, child, committed);
    assert.equal((await sn.stat(ctx, child)).parent, committed);
    const view = `view-${uniq()}`;
    await sn.view(ctx, view, committed);
    assert.equal((await sn.stat(ctx, view)).kind, 'view');
    assert.ok((await sn.list(ctx)).some((s) => s.name === committed));
    // a snapshot with children cannot go
    await assert.rejects(sn.remove(ctx, committed), (e) => kindOf(e) === 'conflict');
    await sn.remove(ctx, child);
    await sn.remove(ctx, view);
    await sn.remove(ctx, committed);
    await assert.rejects(sn.stat(ctx, committed), (e) => kindOf(e) === 'notFound');
  });

  test(`${name}: errors are kinds`, async () => {
    const sn = await make();
    await assert.rejects(sn.prepare(ctx, `x-${uniq()}`, 'no-such-parent'), (e) => kindOf(e) === 'notFound');
    const key = `dup-${uniq()}`;
    await sn.prepare(ctx, key);
    await assert.rejects(sn.prepare(ctx, key), (e) => kindOf(e) === 'conflict');
    await sn.remove(ctx, key);
  });
}
