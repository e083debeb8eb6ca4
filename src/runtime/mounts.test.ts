import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../lib/index.js';
import { buildMounts, mergeTmpfsOptions, tmpfsData, type MountsInput } from './mounts.js';

const base: MountsInput = {
  mounts: [],
  tmpfs: {},
  networkFiles: {},
  readonlyRootfs: false,
  privileged: false,
  shmSize: 64 << 20,
  ipcNone: false,
};
const dests = (input: Partial<MountsInput>) => buildMounts({ ...base, ...input }).mounts.map((m) => m.destination);

test('tmpfs options merge as moby/sys/mount does: later wins per flag group and data key', () => {
  const d = ['noexec', 'nosuid', 'nodev', 'rprivate'];
  assert.deepEqual(mergeTmpfsOptions(d), d);
  assert.deepEqual(mergeTmpfsOptions([...d, 'size=1m', 'exec', 'mode=700']), ['nosuid', 'nodev', 'rprivate', 'size=1m', 'exec', 'mode=700']);
  assert.deepEqual(mergeTmpfsOptions([...d, 'shared', 'size=1m', 'size=2m']), ['noexec', 'nosuid', 'nodev', 'shared', 'size=2m']);
  assert.deepEqual(mergeTmpfsOptions([...d, 'ro', 'rw', 'defaults']), [...d, 'rw']);
  assert.deepEqual(mergeTmpfsOptions(['uid=1=2']), ['uid=1=2']);
  for (const [opt, message] of [
    ['foo=1', 'invalid tmpfs option ["foo" "1"]'],
    ['foo', 'invalid tmpfs option ["foo"]'],
    ['', 'invalid tmpfs option [""]'],
  ] as const) {
    assert.throws(() => mergeTmpfsOptions([...d, opt]), (e: unknown) => {
      assert.equal((e as Error).message, message);
      assert.equal(kindOf(e), 'invalidParameter');
      return true;
    });
  }
});

test('--mount type=tmpfs options become Docker data: ro, octal mode, size with a unit', () => {
  assert.equal(tmpfsData({ sizeBytes: 2097152, mode: 0o1770 }, false), 'mode=1770,size=2m');
  assert.equal(tmpfsData({ sizeBytes: 3 * 2 ** 30 }, true), 'ro,size=3g');
  assert.equal(tmpfsData({ sizeBytes: 1536 }, false), 'size=1536');
  assert.equal(tmpfsData({ sizeBytes: 3072 }, false), 'size=3k');
  assert.equal(tmpfsData({ sizeBytes: 1000 }, false), 'size=1000');
  assert.equal(tmpfsData(undefined, false), '');
});

test('a container mount replaces the default at its destination; /dev replaces everything under it', () => {
  assert.deepEqual(dests({ mounts: [{ type: 'bind', source: '/x', destination: '/proc' }] }), [
    '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm', '/proc',
  ]);
  assert.deepEqual(dests({ tmpfs: { '/dev': '' } }), ['/proc', '/sys', '/sys/fs/cgroup', '/dev']);
  assert.deepEqual(dests({ tmpfs: { '/dev/shm': 'size=1g' } }), [
    '/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm',
  ]);
  assert.deepEqual(dests({ ipcNone: true }), ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue']);
});

test('container mounts are sorted by depth, keeping their order within a depth', () => {
  const got = dests({
    mounts: [
      { type: 'bind', source: '/s', destination: '/a/b/c' },
      { type: 'bind', source: '/s', destination: '/z' },
      { type: 'tmpfs', destination: '/a/b' },
      { type: 'volume', source: '/v', destination: '/a' },
    ],
    tmpfs: { '/t': '' },
    networkFiles: { hosts: '/h' },
  }).slice(7);
  assert.deepEqual(got, ['/z', '/a', '/t', '/etc/hosts', '/a/b', '/a/b/c']);
});

test('shared and slave binds set the root propagation as Docker does', () => {
  const prop = (...p: ('shared' | 'rslave' | 'private')[]) =>
    buildMounts({ ...base, mounts: p.map((propagation, i) => ({ type: 'bind', source: '/s', destination: `/m${i}`, propagation })) })
      .rootfsPropagation;
  assert.equal(prop('private'), undefined);
  assert.equal(prop('rslave'), 'rslave');
  assert.equal(prop('shared'), 'shared');
  assert.equal(prop('shared', 'rslave'), 'shared');
  assert.equal(prop('rslave', 'shared'), 'shared');
  const m = buildMounts({ ...base, mounts: [{ type: 'bind', source: '/s', destination: '/m', propagation: 'rshared', readOnly: true }] });
  assert.deepEqual(m.mounts.at(-1)!.options, ['rbind', 'ro', 'rshared']);
});

test('read-only rootfs and privileged adjust the default mounts', () => {
  const ro = buildMounts({ ...base, readonlyRootfs: true, initPath: '/usr/bin/tini', tmpfs: { '/sys': '' } }).mounts;
  assert.deepEqual(ro.find((m) => m.destination === '/sys'), {
    destination: '/sys', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate'],
  });
  assert.deepEqual(ro.find((m) => m.destination === '/sbin/docker-init')!.options, ['bind', 'ro']);
  assert.deepEqual(ro.find((m) => m.destination === '/dev/mqueue')!.options, ['nosuid', 'noexec', 'nodev']);
  const priv = buildMounts({ ...base, privileged: true }).mounts;
  assert.deepEqual(priv.find((m) => m.destination === '/sys')!.options, ['nosuid', 'noexec', 'nodev']);
  assert.deepEqual(priv.find((m) => m.destination === '/sys/fs/cgroup')!.options, ['nosuid', 'noexec', 'nodev']);
});

test('the shm of a shareable or joined IPC namespace is bound unless a mount is at /dev/shm', () => {
  const shm = (input: Partial<MountsInput>) => buildMounts({ ...base, ...input }).mounts.filter((m) => m.destination === '/dev/shm');
  assert.deepEqual(shm({ shmPath: '/c/shm' }), [{ destination: '/dev/shm', type: 'bind', source: '/c/shm', options: ['rbind', 'rprivate'] }]);
  assert.deepEqual(shm({ shmPath: '/c/shm', mounts: [{ type: 'bind', source: '/mine', destination: '/dev/shm' }] }), [
    { destination: '/dev/shm', type: 'bind', source: '/mine', options: ['rbind', 'rprivate'] },
  ]);
  assert.deepEqual(shm({ shmSize: 1000 })[0]!.options, ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=1000']);
});

test('a mount at a network file replaces its source and its writability', () => {
  const m = buildMounts({
    ...base,
    readonlyRootfs: true,
    networkFiles: { resolvConf: '/c/resolv.conf', hosts: '/c/hosts' },
    mounts: [{ type: 'bind', source: '/mine/hosts', destination: '/etc/hosts', propagation: 'rslave' }],
  }).mounts.slice(7);
  assert.deepEqual(m, [
    { destination: '/etc/resolv.conf', type: 'bind', source: '/c/resolv.conf', options: ['rbind', 'ro', 'rprivate'] },
    { destination: '/etc/hosts', type: 'bind', source: '/mine/hosts', options: ['rbind', 'rprivate'] },
  ]);
});
