import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedMutex } from './mutex.js';

test('same key runs serially in order; different keys run concurrently', async () => {
  const m = new KeyedMutex();
  const log: string[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await Promise.all([
    m.run('a', async () => { log.push('a1+'); await sleep(20); log.push('a1-'); }),
    m.run('a', async () => { log.push('a2+'); await sleep(1); log.push('a2-'); }),
    m.run('b', async () => { log.push('b+'); await sleep(5); log.push('b-'); }),
  ]);
  assert.ok(log.indexOf('a1-') < log.indexOf('a2+'));
  assert.ok(log.indexOf('b+') < log.indexOf('a1-'));
});

test('a throwing holder releases the lock', async () => {
  const m = new KeyedMutex();
  await assert.rejects(m.run('k', async () => { throw new Error('x'); }));
  assert.equal(await m.run('k', async () => 5), 5);
});
