import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lowerDirsOf, mountArgv, readonlyMounts, upperDirOf } from './mount.js';

const overlay = { type: 'overlay', source: 'overlay', options: ['index=off', 'workdir=/s/2/work', 'upperdir=/s/2/fs', 'lowerdir=/s/1/fs'] };

test('readonlyMounts: the upper directory becomes the top lower layer', () => {
  assert.deepEqual(readonlyMounts([overlay]), [{ type: 'overlay', source: 'overlay', options: ['index=off', 'ro', 'lowerdir=/s/2/fs:/s/1/fs'] }]);
  assert.deepEqual(readonlyMounts([{ type: 'bind', source: '/s/1/fs', options: ['rbind', 'rw'] }]), [{ type: 'bind', source: '/s/1/fs', options: ['rbind', 'ro'] }]);
  assert.deepEqual(readonlyMounts([{ type: 'overlay', source: 'overlay', options: ['upperdir=/u', 'workdir=/w'] }]), [{ type: 'bind', source: '/u', options: ['ro', 'rbind'] }]);
});

test('mountArgv', () => {
  assert.deepEqual(mountArgv(overlay, '/t'), ['-t', 'overlay', '-o', 'index=off,workdir=/s/2/work,upperdir=/s/2/fs,lowerdir=/s/1/fs', 'overlay', '/t']);
  assert.deepEqual(mountArgv({ type: 'bind', source: '/a', options: ['ro', 'rbind'] }, '/t'), ['-o', 'ro,rbind', '/a', '/t']);
  assert.deepEqual(mountArgv({ type: 'bind', source: '/a', options: ['ro'] }, '/t'), ['-o', 'bind,ro', '/a', '/t']);
  assert.equal(upperDirOf(overlay), '/s/2/fs');
  assert.deepEqual(lowerDirsOf({ ...overlay, options: ['lowerdir=/a:/b'] }), ['/a', '/b']);
});
