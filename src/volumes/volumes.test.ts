import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { background, messageOf, kindOf, type Exec } from '../lib/index.js';
import { generateVolumeName, validateVolumeName, ANONYMOUS_LABEL } from './names.js';
import { LocalDriver, localMountArgv, validateLocalOpts } from './local.js';
import { VolumeStore } from './store.js';
import { parseBind, parseMountSpec, parseVolumesFrom, validMountMode } from './mountpoints.js';

const ctx = background();
const err = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return `${kindOf(e)}: ${messageOf(e)}`;
  }
  return 'no error';
};

test('volume names: Docker wording for short and invalid names; anonymous names are 64 hex', () => {
  assert.equal(err(() => validateVolumeName('a')), 'invalidParameter: volume name is too short, names should be at least two alphanumeric characters');
  assert.equal(
    err(() => validateVolumeName('my vol')),
    'invalidParameter: "my vol" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
  );
  assert.equal(err(() => validateVolumeName('_x')).startsWith('invalidParameter: "_x" includes'), true);
  assert.equal(err(() => validateVolumeName('my-vol.1_x')), 'no error');
  assert.match(generateVolumeName(), /^[0-9a-f]{64}$/);
});

test('local driver options: the valid ones, required pairs, mount argv', () => {
  assert.equal(err(() => validateLocalOpts({ foo: '1' })), 'invalidParameter: invalid option: "foo"');
  assert.equal(err(() => validateLocalOpts({ type: 'tmpfs' })), 'invalidParameter: missing required option: "device"');
  assert.equal(err(() => validateLocalOpts({ o: 'size=1m', type: 'tmpfs' })), 'invalidParameter: missing required option: "device"');
  assert.equal(err(() => validateLocalOpts({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' })), 'no error');
  assert.deepEqual(localMountArgv({ MountType: 'tmpfs', MountDevice: 'tmpfs', MountOpts: 'size=1m' }, '/v/_data'), ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', '/v/_data']);
  assert.deepEqual(localMountArgv({ MountType: 'none', MountDevice: '/src', MountOpts: '' }, '/v'), ['-t', 'none', '/src', '/v']);
});

test('Binds: Docker parsing and errors', () => {
  const b = parseBind('/host:/ctr:ro');
  assert.deepEqual([b.type, b.source, b.destination, b.rw, b.mode, b.propagation], ['bind', '/host', '/ctr', false, 'ro', 'rprivate']);
  const v = parseBind('myvol:/data:nocopy');
  assert.deepEqual([v.type, v.name, v.destination, v.rw, v.copyData], ['volume', 'myvol', '/data', true, false]);
  const a = parseBind('/data');
  assert.deepEqual([a.type, a.name, a.copyData], ['volume', '', true]);
  assert.equal(parseBind('/h:/c:rshared').propagation, 'rshared');
  assert.equal(err(() => parseBind('/h:/c:bogus')), 'invalidParameter: invalid mode: bogus');
  assert.equal(err(() => parseBind('/h:ro')), "invalidParameter: invalid volume specification: '/h:ro'");
  assert.equal(err(() => parseBind('/h:/')), `invalidParameter: invalid volume specification: '/h:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`);
  assert.equal(err(() => parseBind('/h:rel')), `invalidParameter: invalid volume specification: '/h:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`);
  assert.equal(err(() => parseBind('a:b:c:d')), "invalidParameter: invalid volume specification: 'a:b:c:d'");
  assert.equal(validMountMode('ro,rw'), false);
  assert.equal(validMountMode('ro,z,rslave,nocopy'), true);
});

test('Mounts: Docker validation', () => {
  const exists = (p: string) => p === '/exists';
  assert.equal(
    err(() => parseMountSpec({ Type: 'bind', Source: '/x', Target: '/y' }, exists)),
    'invalidParameter: invalid mount config for type "bind": bind source path does not exist: /x',
  );
  assert.equal(parseMountSpec({ Type: 'bind', Source: '/exists', Target: '/y/' }, exists).destination, '/y');
  assert.equal(err(() => parseMountSpec({ Type: 'bind', Source: 'rel', Target: '/y' }, exists)), `invalidParameter: invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`);
  assert.equal(err(() => parseMountSpec({ Type: 'volume', Target: '/' }, exists)), `invalidParameter: invalid mount config for type "volume": invalid specification: destination can't be '/'`);
  assert.equal(err(() => parseMountSpec({ Type: 'tmpfs', Source: 'x', Target: '/t' }, exists)), 'invalidParameter: invalid mount config for type "tmpfs": field Source must not be specified');
  assert.equal(err(() => parseMountSpec({ Type: 'nope', Target: '/t' }, exists)), 'invalidParameter: invalid mount config for type "nope": mount type unknown');
  assert.equal(err(() => parseMountSpec({ Type: 'volume', Target: '/t', BindOptions: {} }, exists)), 'invalidParameter: invalid mount config for type "volume": field BindOptions must not be specified');
  const nc = parseMountSpec({ Type: 'volume', Source: 'v1', Target: '/t', VolumeOptions: { NoCopy: true } }, exists);
  assert.deepEqual([nc.name, nc.copyData], ['v1', false]);
});

test('VolumesFrom: modes', () => {
  assert.deepEqual(parseVolumesFrom('c1'), { id: 'c1', mode: 'rw' });
  assert.deepEqual(parseVolumesFrom('c1:ro'), { id: 'c1', mode: 'ro' });
  assert.equal(err(() => parseVolumesFrom('c1:rshared')), 'invalidParameter: invalid mode: rshared');
  assert.equal(err(() => parseVolumesFrom('')), 'invalidParameter: volumes-from specification cannot be an empty string');
});

/** An Exec that records mount/umount calls and keeps a fake mount table. */
function fakeExec(table: Set<string>, calls: string[]): Exec {
  return {
    run: async (_c, bin, argv) => {
      calls.push([bin, ...argv].join(' '));
      if (bin === 'mount') table.add(argv[argv.length - 1]!);
      if (bin === 'umount') table.delete(argv[argv.length - 1]!);
      return { stdout: '', stderr: '' };
    },
    start: () => {
      throw new Error('not used');
    },
  };
}

test('local driver and store: layout, options, counted mounts, crash recovery', async () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-vol-'));
  try {
    const table = new Set<string>();
    const calls: string[] = [];
    const mountinfo = async () => [...table].map((p, i) => `${i + 30} 1 0:1 / ${p} rw - tmpfs tmpfs rw`).join('\n');
    const open = async () => {
      const local = new LocalDriver({ exec: fakeExec(table, calls), readMountInfo: mountinfo }, { root });
      await local.load(ctx);
      const store = new VolumeStore({ root });
      store.register(local);
      await store.load(ctx);
      return { local, store };
    };
    let { local, store } = await open();
    const c = await store.create(ctx, 'myvol', '', { labels: { a: 'b' } });
    assert.equal(c.created, true);
    assert.equal(c.volume.mountpoint, join(root, 'myvol', '_data'));
    assert.ok(existsSync(join(root, 'myvol', '_data')));
    assert.equal((await store.create(ctx, 'myvol', 'local')).created, false);
    const anon = await store.create(ctx, '', '');
    assert.deepEqual(anon.volume.labels, { [ANONYMOUS_LABEL]: '' });
    assert.equal(err(() => undefined), 'no error');
    await assert.rejects(store.create(ctx, 'x y', ''), /create x y: "x y" includes invalid characters/);
    await assert.rejects(store.create(ctx, 'ov', '', { options: { bogus: '1' } }), /create ov: invalid option: "bogus"/);
    await assert.rejects(store.get(ctx, 'nope'), /get nope: no such volume/);

    await store.create(ctx, 'tv', '', { options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    assert.deepEqual(JSON.parse(readFileSync(join(root, 'tv', 'opts.json'), 'utf8')), { MountType: 'tmpfs', MountOpts: 'size=1m', MountDevice: 'tmpfs', Quota: { Size: 0 } });
    await local.mount(ctx, 'tv', 'c1');
    await local.mount(ctx, 'tv', 'c2');
    assert.equal(calls.filter((x) => x.startsWith('mount')).length, 1, 'mounted once for two users');
    await local.unmount(ctx, 'tv', 'c1');
    assert.ok(table.has(join(root, 'tv', '_data')), 'still mounted for c2');
    await assert.rejects(store.remove(ctx, 'tv'), /remove tv: volume has active mounts/);

    // a crash: the new daemon finds the mount; c2 kept running (live restore) and is the last user
    ({ local, store } = await open());
    assert.deepEqual((await store.list(ctx)).map((v) => v.name).sort(), [anon.volume.name, 'myvol', 'tv'].sort());
    assert.deepEqual((await store.get(ctx, 'myvol')).labels, { a: 'b' });
    assert.deepEqual((await store.get(ctx, 'tv')).options, { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    await local.liveRestore(ctx, 'tv', 'c2');
    assert.equal(await local.unmountUnused(ctx), 0);
    await local.unmount(ctx, 'tv', 'c2');
    assert.equal(table.size, 0, 'the last user unmounted it');
    await store.remove(ctx, 'tv');
    assert.ok(!existsSync(join(root, 'tv')));

    // a local volume without metadata (crash between the writes) is listed; metadata without a volume is dropped
    mkdirSync(join(root, 'orphan', '_data'), { recursive: true });
    writeFileSync(join(root, '_meta', 'gone.json'), JSON.stringify({ Name: 'gone', Driver: 'local', Labels: null, Options: null }));
    ({ local, store } = await open());
    const names = (await store.list(ctx)).map((v) => v.name);
    assert.ok(names.includes('orphan'));
    assert.ok(!names.includes('gone'));
    assert.ok(!existsSync(join(root, '_meta', 'gone.json')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
