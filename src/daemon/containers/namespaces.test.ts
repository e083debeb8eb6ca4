import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../../lib/index.js';
import { containerOf, sharedNamespaceModes, validateNamespaceModes } from './namespaces.js';

function throwsInvalid(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.equal((e as Error).message, message);
    assert.equal(kindOf(e), 'invalidParameter');
    return true;
  });
}

test('container:<x> modes', () => {
  assert.equal(containerOf('container:abc'), 'abc');
  assert.equal(containerOf('container:'), '');
  assert.equal(containerOf('host'), undefined);
  assert.equal(containerOf(undefined), undefined);
});

test('create-time checks of the PID, IPC and UTS modes and the OOM score, with moby\'s texts', () => {
  for (const hc of [{}, { IpcMode: 'shareable', PidMode: 'host', UTSMode: 'host', OomScoreAdj: -1000 }, { IpcMode: 'container:x', PidMode: 'container:y' }, { IpcMode: 'none' }, { IpcMode: '' }]) {
    validateNamespaceModes(hc);
  }
  throwsInvalid(() => validateNamespaceModes({ IpcMode: 'bogus' }), 'invalid IPC mode: bogus');
  throwsInvalid(() => validateNamespaceModes({ PidMode: 'private' }), 'invalid PID mode: private');
  throwsInvalid(() => validateNamespaceModes({ PidMode: 'container:' }), 'invalid PID mode: container:');
  throwsInvalid(() => validateNamespaceModes({ UTSMode: 'container:x' }), 'invalid UTS mode: container:x');
  throwsInvalid(() => validateNamespaceModes({ OomScoreAdj: 1001 }), 'Invalid value 1001, range for oom score adj is [-1000, 1000]');
});

test('the runtime modes: host, private, shareable with its shm, joined paths; exec without paths counts as private', () => {
  assert.deepEqual(sharedNamespaceModes({ IpcMode: 'private' }), { pid: { mode: 'private' }, ipc: { mode: 'private' }, uts: { mode: 'private' } });
  assert.deepEqual(sharedNamespaceModes({ IpcMode: 'host', PidMode: 'host', UTSMode: 'host' }, { shmPath: '/dev/shm' }), {
    pid: { mode: 'host' }, ipc: { mode: 'host', shmPath: '/dev/shm' }, uts: { mode: 'host' },
  });
  assert.deepEqual(sharedNamespaceModes({ IpcMode: 'shareable' }, { shmPath: '/d/shm' }).ipc, { mode: 'shareable', shmPath: '/d/shm' });
  assert.deepEqual(sharedNamespaceModes({ IpcMode: '' }, { shmPath: '/d/shm' }).ipc, { mode: 'shareable', shmPath: '/d/shm' });
  assert.deepEqual(sharedNamespaceModes({ IpcMode: 'none' }, {}).ipc, { mode: 'none' });
  assert.deepEqual(
    sharedNamespaceModes({ IpcMode: 'container:x', PidMode: 'container:x' }, { ipcPath: '/proc/9/ns/ipc', pidPath: '/proc/9/ns/pid', shmPath: '/x/shm' }),
    { pid: { mode: 'container', path: '/proc/9/ns/pid' }, ipc: { mode: 'container', path: '/proc/9/ns/ipc', shmPath: '/x/shm' }, uts: { mode: 'private' } },
  );
  assert.deepEqual(sharedNamespaceModes({ IpcMode: 'container:x', PidMode: 'container:x' }), {
    pid: { mode: 'private' }, ipc: { mode: 'private' }, uts: { mode: 'private' },
  });
});
