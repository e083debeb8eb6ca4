import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { StdcopyDemuxer, StdStream } from '../../lib/index.js';
import { forEachUntil, jsonMessageError, pumpJsonLines, pumpRaw, pumpStdcopy } from './encode.js';

/** A sink that accepts `hwm` bytes, then holds writes until release(). */
function slowSink(hwm = 16) {
  const chunks: Buffer[] = [];
  let pending: (() => void) | undefined;
  const w = new Writable({
    highWaterMark: hwm,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      pending = () => cb();
    },
  });
  return {
    w,
    chunks,
    release() {
      const p = pending;
      pending = undefined;
      p?.();
    },
  };
}

test('JSON lines: one write per item, chosen terminator, source errors become an errorDetail line', async () => {
  const out: string[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      out.push(c.toString());
      cb();
    },
  });
  async function* src() {
    yield { status: 'Pulling fs layer', id: 'abc' };
    yield { status: 'Pull complete', id: 'abc' };
    throw new Error('unauthorized: authentication required');
  }
  const done = await pumpJsonLines(sink, src(), new AbortController().signal, { terminator: '\r\n', onError: jsonMessageError });
  assert.equal(done, true);
  assert.deepEqual(out, [
    '{"status":"Pulling fs layer","id":"abc"}\r\n',
    '{"status":"Pull complete","id":"abc"}\r\n',
    '{"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}\r\n',
  ]);
  async function* failing() {
    yield 1;
    throw new Error('x');
  }
  await assert.rejects(pumpJsonLines(sink, failing(), new AbortController().signal), /x/);
});

test('backpressure: the source is not pulled while the sink is full', async () => {
  const s = slowSink(16);
  let pulled = 0;
  async function* src() {
    for (let i = 0; i < 10; i++) {
      pulled++;
      yield Buffer.alloc(10, i);
    }
  }
  const p = pumpRaw(s.w, src(), new AbortController().signal);
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(pulled <= 3, `pulled ${pulled} items into a full sink`);
  for (let i = 0; i < 20; i++) {
    s.release();
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(await p, true);
  assert.equal(s.chunks.length, 10);
});

test('abort stops at once, even while the source is blocked in next(), and closes the iterator', async () => {
  const ac = new AbortController();
  let returned = false;
  const blocked: AsyncIterable<number> = {
    [Symbol.asyncIterator]() {
      return {
        next: () => new Promise<IteratorResult<number>>(() => {}),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  const p = forEachUntil(blocked, ac.signal, () => {});
  setTimeout(() => ac.abort(), 10);
  assert.equal(await p, false);
  assert.ok(returned);
  // already aborted: nothing is pulled
  let pulls = 0;
  async function* counting() {
    pulls++;
    yield 1;
  }
  assert.equal(await forEachUntil(counting(), ac.signal, () => {}), false);
  assert.equal(pulls, 0);
});

test('abort while waiting for drain ends the pump', async () => {
  const s = slowSink(4);
  const ac = new AbortController();
  async function* src() {
    for (;;) yield 'xxxxxxxx';
  }
  const p = pumpRaw(s.w, src(), ac.signal);
  setTimeout(() => ac.abort(), 10);
  assert.equal(await p, false);
});

test('a destroyed sink rejects the pump as cancelled', async () => {
  const s = slowSink(4);
  async function* src() {
    for (;;) yield 'xxxxxxxx';
  }
  const p = pumpRaw(s.w, src(), new AbortController().signal);
  setTimeout(() => s.w.destroy(), 10);
  await assert.rejects(p, /client disconnected/);
});

test('stdcopy pump frames each item and skips empty ones', async () => {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      out.push(c);
      cb();
    },
  });
  async function* frames() {
    yield { stream: StdStream.stdout, data: Buffer.from('a') };
    yield { stream: StdStream.stderr, data: Buffer.alloc(0) };
    yield { stream: StdStream.stderr, data: Buffer.from('bc') };
  }
  await pumpStdcopy(sink, frames(), new AbortController().signal);
  assert.equal(out.length, 2);
  const d = new StdcopyDemuxer({ wholeFrames: true });
  assert.deepEqual(
    d.push(Buffer.concat(out)).map((f) => [f.stream, f.data.toString()]),
    [
      [1, 'a'],
      [2, 'bc'],
    ],
  );
});
