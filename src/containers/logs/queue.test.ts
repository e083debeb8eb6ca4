import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nopLogger } from '../../lib/index.js';
import { WriteQueue } from './queue.js';

/** A sink that holds each batch until released. */
function gatedSink() {
  const batches: Buffer[][] = [];
  let open: (() => void) | undefined;
  let gate = new Promise<void>((r) => (open = r));
  return {
    batches,
    sink: async (recs: readonly Buffer[]) => {
      await gate;
      batches.push([...recs]);
    },
    release() {
      open!();
      gate = new Promise<void>((r) => (open = r));
    },
    releaseAll() {
      open!();
      gate = Promise.resolve();
    },
  };
}

test('blocking mode: write returns false at the bound; drain resolves when written', async () => {
  const g = gatedSink();
  const q = new WriteQueue(g.sink, { mode: 'blocking', maxBytes: 100, log: nopLogger });
  assert.equal(q.push(Buffer.alloc(60)), true);
  assert.equal(q.push(Buffer.alloc(60)), false);
  assert.equal(q.push(Buffer.alloc(60)), false, 'still queued: the caller is told to wait, nothing is lost');
  let drained = false;
  const d = q.drain().then(() => (drained = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false);
  g.releaseAll();
  await d;
  await q.flush();
  assert.deepEqual(q.stats(), { buffered: 0, dropped: 0, written: 3 });
  await q.close();
  assert.throws(() => q.push(Buffer.alloc(1)), /cannot write because the output file was closed/);
});

test('non-blocking mode: a full queue drops (and counts) instead of waiting', async () => {
  const g = gatedSink();
  const q = new WriteQueue(g.sink, { mode: 'non-blocking', maxBytes: 100, log: nopLogger });
  assert.equal(q.push(Buffer.alloc(150)), true, 'an empty queue takes one message of any size');
  for (let i = 0; i < 5; i++) assert.equal(q.push(Buffer.alloc(10)), true);
  assert.equal(q.stats().dropped, 5);
  g.releaseAll();
  await q.flush();
  assert.deepEqual(q.stats(), { buffered: 0, dropped: 5, written: 1 });
});

test('write errors drop the batch, are logged once, and later writes go on', async () => {
  let fail = true;
  const written: number[] = [];
  const logged: string[] = [];
  const log = { ...nopLogger, error: (m: string) => logged.push(m), info: () => {} };
  const q = new WriteQueue(
    async (recs) => {
      if (fail) throw new Error('ENOSPC');
      written.push(recs.length);
    },
    { mode: 'blocking', maxBytes: 1000, log },
  );
  q.push(Buffer.alloc(1));
  await q.flush();
  q.push(Buffer.alloc(1));
  await q.flush();
  fail = false;
  q.push(Buffer.alloc(1));
  await q.flush();
  assert.deepEqual(q.stats(), { buffered: 0, dropped: 2, written: 1 });
  assert.equal(logged.length, 1);
});
