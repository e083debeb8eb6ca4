import test from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { ProcessStreams, parseDetachKeys, type Chunk } from './streams.js';

async function collect(it: AsyncIterable<Chunk>): Promise<string> {
  let s = '';
  for await (const c of it) s += `${c.stream}:${c.data}`;
  return s;
}

test('a source that ended and closed before wiring (a process that exits at once) still ends the streams', async () => {
  const out = new Readable({ read() {} });
  const err = new Readable({ read() {} });
  out.push(null);
  err.push(null);
  out.read(0);
  err.read(0);
  out.resume();
  err.resume();
  await new Promise((r) => setImmediate(r));
  out.destroy();
  err.destroy();
  await new Promise((r) => setImmediate(r));
  assert.ok(out.destroyed && err.destroyed);
  const ps = new ProcessStreams(out, err, null);
  const sub = ps.subscribe(new AbortController().signal, { stdout: true, stderr: true });
  assert.equal(await collect(sub), '');
  await ps.closed;
});

test('output buffered before wiring is delivered, and the end comes once both streams end', async () => {
  const out = new PassThrough();
  const err = new PassThrough();
  out.end('hello\n');
  const ps = new ProcessStreams(out, err, null);
  const sub = ps.subscribe(new AbortController().signal, { stdout: true, stderr: true });
  const got = collect(sub);
  await new Promise((r) => setTimeout(r, 20));
  let closed = false;
  void ps.closed.then(() => (closed = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false, 'stderr is still open');
  err.end('oops\n');
  assert.equal(await got, '1:hello\n2:oops\n');
});

test('detach keys parse as docker does', () => {
  assert.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), [0x10, 0x11]);
  assert.deepEqual(parseDetachKeys('a,ctrl-@'), [0x61, 0]);
  assert.throws(() => parseDetachKeys('ctrl-1'), /Invalid detach keys \(ctrl-1\) provided/);
});
