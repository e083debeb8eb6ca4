import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScopedRoot } from '../../lib/index.js';
import { setupInitLayer } from './init-layer.js';

test("setupInitLayer: moby's table, replacing files and symlinks on the way, never following them", async () => {
  const tmp = mkdtempSync('/tmp/be-initlayer-');
  try {
    const root = join(tmp, 'root');
    const outside = join(tmp, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    // an image with /etc as a symlink out, /.dockerenv with content, /dev/shm a file, /sys a directory already
    symlinkSync(outside, join(root, 'etc'));
    writeFileSync(join(root, '.dockerenv'), 'junk');
    mkdirSync(join(root, 'dev'));
    writeFileSync(join(root, 'dev', 'shm'), 'x');
    mkdirSync(join(root, 'sys'));
    writeFileSync(join(root, 'sys', 'keep'), 'k');
    const r = await ScopedRoot.open(root);
    try {
      await setupInitLayer(r, { uid: 1234, gid: 5678 });
    } finally {
      await r.close();
    }
    assert.deepEqual(readdirSync(outside), [], 'nothing written through the symlink');
    assert.ok(lstatSync(join(root, 'etc')).isDirectory());
    assert.deepEqual(readdirSync(join(root, 'etc')).sort(), ['hostname', 'hosts', 'mtab', 'resolv.conf']);
    assert.equal(readlinkSync(join(root, 'etc', 'mtab')), '/proc/mounts');
    assert.equal(statSync(join(root, '.dockerenv')).size, 0);
    assert.ok(statSync(join(root, 'dev', 'shm')).isDirectory());
    assert.deepEqual(readdirSync(join(root, 'sys')), ['keep'], 'an existing directory is kept as it is');
    assert.deepEqual(readdirSync(join(root, 'dev')).sort(), ['console', 'pts', 'shm']);
    const made = lstatSync(join(root, 'etc', 'hosts'));
    assert.deepEqual([made.uid, made.gid, made.mode & 0o777], [1234, 5678, 0o755]);
    assert.equal(lstatSync(join(root, 'sys')).uid, 0, 'what existed keeps its owner');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
