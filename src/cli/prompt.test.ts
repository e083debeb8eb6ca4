import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { readLine } from './prompt.js';

test('readLine: one line, \\r\\n trimmed; the last line without a newline; end of input', async () => {
  assert.equal(await readLine(Readable.from([Buffer.from('y\r\nrest\n')])), 'y');
  assert.equal(await readLine(Readable.from([Buffer.from('Y')])), 'Y');
  assert.equal(await readLine(Readable.from([])), undefined);
  const p = new PassThrough();
  const line = readLine(p);
  p.write('ye');
  p.write('s\nmore');
  assert.equal(await line, 'yes');
});

test('readLine leaves what follows the line in the stream', async () => {
  const p = new PassThrough();
  p.end('first\nsecond\n');
  assert.equal(await readLine(p), 'first');
  assert.equal(await readLine(p), 'second');
});
