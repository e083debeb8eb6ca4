import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, readJson, writeJsonAtomic, exists } from './fsutil.js';

test('writeFileAtomic replaces content and leaves no temp files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fsutil-'));
  try {
    const p = join(dir, 'a.json');
    await writeFileAtomic(p, 'one');
    await writeFileAtomic(p, 'two');
    assert.equal(await readFile(p, 'utf8'), 'two');
    assert.deepEqual(await readdir(dir), ['a.json']);
    await writeJsonAtomic(p, { x: 1 });
    assert.deepEqual(await readJson(p), { x: 1 });
    assert.equal(await readJson(join(dir, 'missing')), undefined);
    assert.equal(await exists(p), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('directorySize counts files and symlinks once per inode, not directories', async () => {
  const { directorySize } = await import('./fsutil.js');
  const { mkdtemp, mkdir, writeFile, link, symlink, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const d = await mkdtemp(join(tmpdir(), 'dsz-'));
  try {
    await mkdir(join(d, 'a/b'), { recursive: true });
    await writeFile(join(d, 'a/b/f'), Buffer.alloc(1000));
    await link(join(d, 'a/b/f'), join(d, 'hard'));
    await writeFile(join(d, 'empty'), '');
    await symlink('a/b/f', join(d, 'sym')); // 5 bytes of target
    assert.equal(await directorySize(d), 1005);
    assert.equal(await directorySize(join(d, 'missing')), 0);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});
