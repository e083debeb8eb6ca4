import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { background, createLogger, kindOf, type Ctx } from '../lib/index.js';
import { ContainerStore, CONFIG_FILE, HOSTCONFIG_FILE } from './store.js';
import { setRemovalInProgress, setRunning } from './state.js';
import type { ContainerInit } from './record.js';

const fixedClock = { now: () => new Date('2026-01-02T03:04:05.678Z') };

async function tempRoot(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-containers-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return join(dir, 'containers');
}

function quietCtx(lines: string[] = []): Ctx {
  return background(createLogger({ level: 'debug', json: true, write: (l) => lines.push(l) }));
}

function init(extra: Partial<ContainerInit> = {}): ContainerInit {
  return {
    Path: 'sh',
    Args: ['-c', 'echo hi'],
    Config: { Image: 'busybox', Cmd: ['sh', '-c', 'echo hi'], Labels: { a: 'b' } },
    HostConfig: { NetworkMode: 'bridge', LogConfig: { Type: 'json-file', Config: {} } },
    Image: 'sha256:' + 'f'.repeat(64),
    ...extra,
  };
}

/** IDs from a list, so prefixes can be arranged. */
function idsFrom(list: string[]): () => string {
  let i = 0;
  return () => list[i++]!;
}

const hex = (p: string) => (p + '0'.repeat(64)).slice(0, 64);

test('create, then get by full ID, by name either way, and by unique prefix', async (t) => {
  const root = await tempRoot(t);
  const s = new ContainerStore({ root, clock: fixedClock });
  const ctx = quietCtx();
  await s.load(ctx);
  const a = await s.create(ctx, init({ Name: 'web' }));
  assert.match(a.ID, /^[0-9a-f]{64}$/);
  assert.equal(a.Name, '/web');
  assert.equal(a.Created, '2026-01-02T03:04:05.678Z');
  assert.equal(a.ImageName, 'busybox');
  assert.equal(a.State.StartedAt, '0001-01-01T00:00:00Z');
  assert.equal(s.get(a.ID), a);
  assert.equal(s.get('web'), a);
  assert.equal(s.get('/web'), a);
  assert.equal(s.get(a.ID.slice(0, 12)), a);
  assert.equal(s.get(a.ID.slice(0, 1)), a);
  assert.equal(s.nameOwner('web'), a.ID);
  assert.equal(s.find('nope'), undefined);
  assert.throws(() => s.get('nope'), (e: Error) => kindOf(e) === 'notFound' && e.message === 'No such container: nope');
  assert.throws(
    () => s.get(''),
    (e: Error) => kindOf(e) === 'invalidParameter' && e.message === 'invalid name or ID supplied: ""',
  );
});

test('ambiguous prefix, and an exact name beats a prefix', async (t) => {
  const root = await tempRoot(t);
  const s = new ContainerStore({ root, newId: idsFrom([hex('abc1'), hex('abc2'), hex('dd')]) });
  const ctx = quietCtx();
  await s.load(ctx);
  const a = await s.create(ctx, init());
  const b = await s.create(ctx, init());
  assert.throws(
    () => s.get('abc'),
    (e: Error) => kindOf(e) === 'invalidParameter' && e.message === 'multiple IDs found with provided prefix: abc',
  );
  assert.equal(s.get('abc1'), a);
  assert.equal(s.get('abc2'), b);
  // a container named like another one's ID prefix: the name wins (moby GetContainer order)
  const c = await s.create(ctx, init({ Name: 'abc1' }));
  assert.equal(s.get('abc1'), c);
  assert.equal(s.get(hex('abc1')), a);
});

test('name rules: conflict text, validation text, generated names and their fallback', async (t) => {
  const root = await tempRoot(t);
  // a random source that always answers 0: every generated name is admiring_agnesi(+0)
  const s = new ContainerStore({ root, randomInt: () => 0 });
  const ctx = quietCtx();
  await s.load(ctx);
  const a = await s.create(ctx, init({ Name: '/x1' }));
  await assert.rejects(s.create(ctx, init({ Name: 'x1' })), (e: Error) => {
    assert.equal(kindOf(e), 'conflict');
    assert.equal(
      e.message,
      `Conflict. The container name "/x1" is already in use by container "${a.ID}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    return true;
  });
  for (const bad of ['a', 'x y', '-x', '/_x', 'a/b', 'ü1']) {
    await assert.rejects(s.create(ctx, init({ Name: bad })), (e: Error) => {
      assert.equal(kindOf(e), 'invalidParameter');
      assert.equal(e.message, `Invalid container name (${bad}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      return true;
    });
  }
  const g1 = await s.create(ctx, init());
  const g2 = await s.create(ctx, init());
  const g3 = await s.create(ctx, init());
  assert.equal(g1.Name, '/admiring_agnesi');
  assert.equal(g2.Name, '/admiring_agnesi0');
  assert.equal(g3.Name, '/' + g3.ID.slice(0, 12), 'after six tries Docker falls back to the short ID');
  assert.equal(s.size, 4);
});

test('generated names are unique across many creates', async (t) => {
  const root = await tempRoot(t);
  const s = new ContainerStore({ root });
  const ctx = quietCtx();
  await s.load(ctx);
  const names = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const r = await s.create(ctx, init());
    assert.match(r.Name, /^\/[a-z]+_[a-z]+\d?$/);
    names.add(r.Name);
  }
  assert.equal(names.size, 200);
});

test('two creates racing for one name: exactly one wins', async (t) => {
  const root = await tempRoot(t);
  const s = new ContainerStore({ root });
  const ctx = quietCtx();
  await s.load(ctx);
  const results = await Promise.allSettled([s.create(ctx, init({ Name: 'race' })), s.create(ctx, init({ Name: 'race' }))]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.equal(results.filter((r) => r.status === 'rejected' && kindOf(r.reason) === 'conflict').length, 1);
});

test('update persists atomically, serializes per container, and refuses ID/Name changes', async (t) => {
  const root = await tempRoot(t);
  const s = new ContainerStore({ root, clock: fixedClock });
  const ctx = quietCtx();
  await s.load(ctx);
  const a = await s.create(ctx, init({ Name: 'uu' }));
  await Promise.all(
    Array.from({ length: 50 }, () =>
      s.update(ctx, a.ID, async (d) => {
        const n = d.RestartCount;
        await new Promise((r) => setImmediate(r));
        d.RestartCount = n + 1;
      }),
    ),
  );
  assert.equal(s.get('uu').RestartCount, 50);
  await assert.rejects(
    s.update(ctx, 'uu', (d) => {
      d.Name = '/other';
    }),
    (e: Error) => kindOf(e) === 'system',
  );
  await assert.rejects(
    s.update(ctx, 'uu', () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  const r = await s.update(ctx, 'uu', (d) => {
    setRunning(d.State, { pid: 42, startedAt: '2026-01-02T03:04:06.123456789Z' });
    setRemovalInProgress(d.State);
    d.HostConfig.Memory = 1 << 20;
  });
  assert.equal(r.State.Pid, 42);
  assert.equal(r.State.RemovalInProgress, true);
  assert.throws(() => {
    (r as { RestartCount: number }).RestartCount = 1;
  }, TypeError);
  assert.throws(() => {
    (r.State as { Pid: number }).Pid = 1;
  }, TypeError);

  const onDisk = JSON.parse(await fs.readFile(join(root, a.ID, CONFIG_FILE), 'utf8'));
  assert.equal(onDisk.State.Pid, 42);
  assert.equal(onDisk.State.StartedAt, '2026-01-02T03:04:06.123456789Z');
  assert.equal('RemovalInProgress' in onDisk.State, false, 'compat: moby does not persist RemovalInProgress');
  assert.equal('HostConfig' in onDisk, false);
  for (const k of [
    'ID', 'Created', 'Path', 'Args', 'Config', 'State', 'Image', 'ImageName', 'NetworkSettings', 'LogPath', 'Name',
    'Driver', 'RestartCount', 'HasBeenStartedBefore', 'HasBeenManuallyStopped', 'MountPoints', 'ExecIDs', 'Platform',
    'SnapshotKey',
  ]) {
    assert.ok(k in onDisk, `config.v2.json has ${k}`);
  }
  const host = JSON.parse(await fs.readFile(join(root, a.ID, HOSTCONFIG_FILE), 'utf8'));
  assert.equal(host.Memory, 1 << 20);
  assert.equal(host.NetworkMode, 'bridge');
});

test('rename: Docker checks and texts; the old name is released', async (t) => {
  const root = await tempRoot(t);
  const s = new ContainerStore({ root });
  const ctx = quietCtx();
  await s.load(ctx);
  const a = await s.create(ctx, init({ Name: 'one' }));
  const b = await s.create(ctx, init({ Name: 'two' }));
  await assert.rejects(s.rename(ctx, 'one', ''), (e: Error) => e.message === 'Neither old nor new names may be empty');
  await assert.rejects(
    s.rename(ctx, 'one', 'one'),
    (e: Error) =>
      kindOf(e) === 'invalidParameter' && e.message === 'Renaming a container with the same name as its current name',
  );
  await assert.rejects(s.rename(ctx, 'one', 'two'), (e: Error) => {
    assert.equal(kindOf(e), 'conflict');
    assert.equal(
      e.message,
      `Error when allocating new name: Conflict. The container name "/two" is already in use by container "${b.ID}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    return true;
  });
  await assert.rejects(s.rename(ctx, 'one', 'b d'), (e: Error) => {
    assert.equal(kindOf(e), 'invalidParameter');
    assert.equal(
      e.message,
      'Error when allocating new name: Invalid container name (/b d), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
    );
    return true;
  });
  const r = await s.rename(ctx, 'one', 'three');
  assert.equal(r.oldName, '/one');
  assert.equal(r.record.Name, '/three');
  assert.equal(s.get('three').ID, a.ID);
  assert.equal(s.find('one'), undefined);
  const c = await s.create(ctx, init({ Name: 'one' }));
  assert.notEqual(c.ID, a.ID);

  const again = new ContainerStore({ root });
  await again.load(ctx);
  assert.equal(again.get('three').ID, a.ID);
  assert.equal(again.get('one').ID, c.ID);
});

test('remove deletes the directory and releases the name and the prefix', async (t) => {
  const root = await tempRoot(t);
  const s = new ContainerStore({ root, newId: idsFrom([hex('aa1'), hex('aa2')]) });
  const ctx = quietCtx();
  await s.load(ctx);
  const a = await s.create(ctx, init({ Name: 'gone' }));
  const b = await s.create(ctx, init());
  await fs.writeFile(join(root, a.ID, `${a.ID}-json.log`), 'x');
  await s.remove(ctx, 'gone');
  assert.equal(s.find(a.ID), undefined);
  assert.equal(s.nameOwner('gone'), undefined);
  assert.equal(s.get('aa').ID, b.ID, 'the prefix is no longer ambiguous');
  assert.deepEqual(await fs.readdir(root), [b.ID]);
  await assert.rejects(s.remove(ctx, a.ID), (e: Error) => kindOf(e) === 'notFound');
  await s.create(ctx, init({ Name: 'gone', ID: hex('aa3') }));
});

test('create: the directory appears whole, with the extra files; a failed create leaves nothing', async (t) => {
  const root = await tempRoot(t);
  const s = new ContainerStore({ root });
  const ctx = quietCtx();
  await s.load(ctx);
  const a = await s.create(ctx, init({ Name: 'whole' }), { hostname: 'h\n', hosts: '127.0.0.1\tlocalhost\n' });
  assert.deepEqual(await fs.readdir(root), [a.ID]);
  assert.deepEqual((await fs.readdir(join(root, a.ID))).sort(), [CONFIG_FILE, HOSTCONFIG_FILE, 'hostname', 'hosts'].sort());
  assert.equal(await fs.readFile(join(root, a.ID, 'hostname'), 'utf8'), 'h\n');
  // A file that cannot be written (its directory does not exist) fails the create.
  await assert.rejects(s.create(ctx, init({ Name: 'broken' }), { 'no/such/dir': 'x' }), (e: Error) => kindOf(e) === 'system');
  assert.deepEqual(await fs.readdir(root), [a.ID], 'no directory left, not even a transient one');
  assert.equal(s.nameOwner('broken'), undefined, 'the name is released');
  assert.equal(s.size, 1);
});

test('reload from disk gives the same records, newest first', async (t) => {
  const root = await tempRoot(t);
  let ms = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => new Date((ms += 1000)) };
  const s = new ContainerStore({ root, clock });
  const ctx = quietCtx();
  await s.load(ctx);
  const made = [];
  for (let i = 0; i < 5; i++) made.push(await s.create(ctx, init({ Name: `c${i}`, MountPoints: {} })));
  await s.update(ctx, 'c2', (d) => {
    d.NetworkSettings.IPAddress = '172.17.0.2';
    d.ExecIDs.push('e1');
  });
  const s2 = new ContainerStore({ root });
  const report = await s2.load(ctx);
  assert.equal(report.loaded, 5);
  assert.deepEqual(report.skipped, []);
  assert.deepEqual(
    s2.list().map((r) => r.Name),
    ['/c4', '/c3', '/c2', '/c1', '/c0'],
  );
  assert.deepEqual(s2.get('c2'), s.get('c2'));
  assert.deepEqual(s2.get('c0'), made[0]);
});

test('load survives a torn write: leftover temp file, corrupt record, missing record, half-removed dir', async (t) => {
  const root = await tempRoot(t);
  const s = new ContainerStore({ root });
  const lines: string[] = [];
  const ctx = quietCtx(lines);
  await s.load(ctx);
  const good = await s.create(ctx, init({ Name: 'good' }));
  // a crash after the temp file was written, before the rename: the old version stays
  await fs.writeFile(join(root, good.ID, `.${CONFIG_FILE}.0123456789ab.tmp`), '{"ID":"half');
  // a record that is garbage (written by something that did not write atomically)
  const corrupt = 'c'.repeat(64);
  await fs.mkdir(join(root, corrupt));
  await fs.writeFile(join(root, corrupt, CONFIG_FILE), '{"ID":"cccc');
  // a create that died before config.v2.json existed
  const empty = 'e'.repeat(64);
  await fs.mkdir(join(root, empty));
  await fs.writeFile(join(root, empty, HOSTCONFIG_FILE), '{}');
  // a record under the wrong directory
  const wrong = 'd'.repeat(64);
  await fs.mkdir(join(root, wrong));
  await fs.copyFile(join(root, good.ID, CONFIG_FILE), join(root, wrong, CONFIG_FILE));
  // a remove that died half-way
  await fs.mkdir(join(root, `.removing-${'a'.repeat(64)}-0000`));
  await fs.writeFile(join(root, `.removing-${'a'.repeat(64)}-0000`, 'x'), 'x');
  // a create that died half-way (this store's creates: the directory never got its name)
  await fs.mkdir(join(root, `.creating-${'b'.repeat(64)}-0000`));
  await fs.writeFile(join(root, `.creating-${'b'.repeat(64)}-0000`, HOSTCONFIG_FILE), '{}');

  const s2 = new ContainerStore({ root });
  const report = await s2.load(ctx);
  assert.equal(report.loaded, 1);
  assert.deepEqual(report.skipped.map((x) => x.dir).sort(), [corrupt, wrong, empty].sort());
  assert.equal(s2.get('good').ID, good.ID);
  assert.deepEqual(await fs.readdir(join(root, good.ID)), [CONFIG_FILE, HOSTCONFIG_FILE].sort());
  assert.ok(!(await fs.readdir(root)).some((n) => n.startsWith('.removing-') || n.startsWith('.creating-')));
  assert.ok(lines.some((l) => l.includes('skipping container record') && l.includes(corrupt)));
  // the skipped directories are left alone: an ID taken by one cannot be reused by create
  await assert.rejects(s2.create(ctx, init({ ID: corrupt })), (e: Error) => kindOf(e) === 'system');
  assert.equal(s2.size, 1);
});

test('list() of 1000 records is fast (timing printed, not asserted)', async (t) => {
  const root = await tempRoot(t);
  const s = new ContainerStore({ root });
  const ctx = quietCtx();
  await s.load(ctx);
  let t0 = performance.now();
  const batch = [];
  for (let i = 0; i < 1000; i++) batch.push(s.create(ctx, init()));
  const made = await Promise.all(batch);
  const createMs = performance.now() - t0;
  t0 = performance.now();
  const s2 = new ContainerStore({ root });
  await s2.load(ctx);
  const loadMs = performance.now() - t0;
  assert.equal(s2.size, 1000);
  await s2.update(ctx, made[0]!.ID, (d) => {
    d.RestartCount++;
  });
  t0 = performance.now();
  const n = s2.list().length;
  const listMs = performance.now() - t0;
  t0 = performance.now();
  for (const r of made) s2.get(r.ID.slice(0, 16));
  const prefixMs = performance.now() - t0;
  assert.equal(n, 1000);
  t.diagnostic(
    `1000 containers: create ${createMs.toFixed(0)} ms, load ${loadMs.toFixed(0)} ms, ` +
      `list() after a change ${listMs.toFixed(3)} ms, 1000 prefix lookups ${prefixMs.toFixed(2)} ms`,
  );
});
