import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completeRecord, type MountPointRecord } from '../../containers/index.js';
import { isAnonymous, pathInMountPoint } from './mounts.js';

const mp = (p: Partial<MountPointRecord> & Pick<MountPointRecord, 'Destination'>): MountPointRecord => ({ Type: 'volume', Source: '/v', Mode: '', RW: true, Propagation: '', ...p });

test('anonymous volumes: a volume whose spec names no source (image VOLUME, -v /path, --mount without src)', () => {
  assert.equal(isAnonymous(mp({ Destination: '/a', Name: 'f'.repeat(64) })), true);
  assert.equal(isAnonymous(mp({ Destination: '/a', Name: 'f'.repeat(64), Spec: { Type: 'volume', Target: '/a' } })), true);
  assert.equal(isAnonymous(mp({ Destination: '/a', Name: 'myvol', Spec: { Type: 'volume', Source: 'myvol', Target: '/a' } })), false);
  assert.equal(isAnonymous(mp({ Destination: '/a', Type: 'bind', Source: '/h' })), false);
});

test('cp into mount points: moby checkIfPathIsInAVolume', () => {
  const rec = completeRecord({
    ID: 'c'.repeat(64),
    Name: '/c',
    Created: '2026-11-30T00:00:00Z',
    Path: 'sh',
    Args: [],
    Config: {},
    HostConfig: {},
    Image: 'sha256:' + 'a'.repeat(64),
    MountPoints: {
      '/data': mp({ Destination: '/data', Name: 'v1' }),
      '/ro': mp({ Destination: '/ro', Name: 'v2', RW: false }),
    },
  });
  assert.equal(pathInMountPoint(rec, '/data'), true);
  assert.equal(pathInMountPoint(rec, '/data/sub/x'), true);
  assert.equal(pathInMountPoint(rec, '/database'), false);
  assert.equal(pathInMountPoint(rec, '/tmp'), false);
  assert.throws(() => pathInMountPoint(rec, '/ro/x'), /mounted volume is marked read-only/);
});
