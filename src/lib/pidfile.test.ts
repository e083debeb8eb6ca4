import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PidFile } from './pidfile.js';
import { kindOf } from './errdefs.js';

test('a live holder blocks a second acquire; stale files are replaced', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pid-'));
  try {
    const p = join(dir, 'd.pid');
    const a = await PidFile.acquire(p);
    assert.equal((await readFile(p, 'utf8')).trim(), String(process.pid));
    // process 1 is alive: a second daemon (other pid) is refused while we hold it
    await writeFile(p, '1\n');
    await assert.rejects(PidFile.acquire(p, 999999), (e) => kindOf(e) === 'conflict');
    // a dead pid is stale
    await writeFile(p, '999999\n');
    const b = await PidFile.acquire(p, 4242);
    assert.equal((await readFile(p, 'utf8')).trim(), '4242');
    await b.release();
    await a.release();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
