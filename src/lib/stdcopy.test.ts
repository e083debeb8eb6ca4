import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demuxStdcopy, frameHeader, muxFrame, StdcopyDemuxer, StdStream, type StdFrame } from './stdcopy.js';

const stream = Buffer.concat([
  muxFrame(StdStream.stdout, 'hi\n'),
  muxFrame(StdStream.stderr, Buffer.from('err 9\n')),
  muxFrame(StdStream.stdout, ''),
  muxFrame(StdStream.stdout, 'x'.repeat(300)),
  muxFrame(StdStream.systemerr, 'boom'),
]);

const want = [
  { stream: 1, text: 'hi\n' },
  { stream: 2, text: 'err 9\n' },
  { stream: 1, text: '' },
  { stream: 1, text: 'x'.repeat(300) },
  { stream: 3, text: 'boom' },
];

/** Merges consecutive pieces of the same frame (piece mode) for comparison. */
function texts(frames: StdFrame[]) {
  return frames.map((f) => ({ stream: f.stream, text: f.data.toString() }));
}

test('frame header layout matches docker', () => {
  assert.deepEqual([...muxFrame(StdStream.stdout, 'hi\n')], [1, 0, 0, 0, 0, 0, 0, 3, 0x68, 0x69, 0x0a]);
  assert.deepEqual([...frameHeader(StdStream.stderr, 258)], [2, 0, 0, 0, 0, 0, 1, 2]);
});

test('whole frames survive every possible split point, including inside the header', () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    for (const size of [1, 3, 7, 8, 9, 64]) {
      const d = new StdcopyDemuxer({ wholeFrames: true });
      const out: StdFrame[] = [];
      out.push(...d.push(stream.subarray(0, cut)));
      for (let i = cut; i < stream.length; i += size) out.push(...d.push(stream.subarray(i, Math.min(i + size, stream.length))));
      d.end();
      assert.deepEqual(texts(out), want, `cut ${cut} size ${size}`);
    }
  }
});

test('piece mode hands out payload as it arrives and concatenates to the same bytes', () => {
  const d = new StdcopyDemuxer();
  const pieces: StdFrame[] = [];
  for (let i = 0; i < stream.length; i += 5) pieces.push(...d.push(stream.subarray(i, i + 5)));
  d.end();
  assert.ok(pieces.every((p) => p.data.length <= 5));
  const joined: { stream: number; text: string }[] = [];
  for (const p of pieces) {
    const last = joined[joined.length - 1];
    if (last && last.stream === p.stream) last.text += p.data.toString();
    else joined.push({ stream: p.stream, text: p.data.toString() });
  }
  assert.deepEqual(joined, [
    { stream: 1, text: 'hi\n' },
    { stream: 2, text: 'err 9\n' },
    { stream: 1, text: 'x'.repeat(300) },
    { stream: 3, text: 'boom' },
  ]);
});

test('EOF inside a frame, bad stream ids and oversized frames are errors', () => {
  const d = new StdcopyDemuxer();
  d.push(stream.subarray(0, 5));
  assert.throws(() => d.end(), /unexpected EOF/);
  const d2 = new StdcopyDemuxer();
  d2.push(stream.subarray(0, 9));
  assert.throws(() => d2.end(), /unexpected EOF/);
  assert.throws(() => new StdcopyDemuxer().push(Buffer.from([7, 0, 0, 0, 0, 0, 0, 1, 0])), /unrecognized input header: 7/);
  assert.throws(() => new StdcopyDemuxer({ wholeFrames: true, maxFrameBytes: 10 }).push(frameHeader(1, 11)), /exceeds 10/);
});

test('demuxStdcopy over an async source', async () => {
  async function* src() {
    for (let i = 0; i < stream.length; i += 4) yield stream.subarray(i, i + 4);
  }
  const out: StdFrame[] = [];
  for await (const f of demuxStdcopy(src(), { wholeFrames: true })) out.push(f);
  assert.deepEqual(texts(out), want);
});
