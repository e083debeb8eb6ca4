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
