import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJsonLines, encodeJsonLine, JsonLinesDecoder } from './jsonlines.js';

test('encodes with the chosen terminator', () => {
  assert.equal(encodeJsonLine({ a: 1 }), '{"a":1}\n');
  assert.equal(encodeJsonLine({ status: 'x' }, '\r\n'), '{"status":"x"}\r\n');
});

test('decodes lines split anywhere, \\r\\n and blank lines, multi-byte UTF-8 across chunks', () => {
  const text = '{"a":1}\r\n\n{"b":"é→x"}\n  \n{"c":[1,2]}\r\n';
  const bytes = Buffer.from(text, 'utf8');
  for (let size = 1; size <= bytes.length; size++) {
    const d = new JsonLinesDecoder();
    const out: unknown[] = [];
    for (let i = 0; i < bytes.length; i += size) out.push(...d.push(bytes.subarray(i, i + size)));
    out.push(...d.end());
    assert.deepEqual(out, [{ a: 1 }, { b: 'é→x' }, { c: [1, 2] }], `size ${size}`);
  }
});

test('a last line without newline counts; bad lines and over-long lines throw', async () => {
  const d = new JsonLinesDecoder();
  assert.deepEqual(d.push('{"a":1}\n{"b"'), [{ a: 1 }]);
  assert.deepEqual(d.push(':2}'), []);
  assert.deepEqual(d.end(), [{ b: 2 }]);
  assert.throws(() => new JsonLinesDecoder().push('{bad}\n'), /invalid JSON line/);
  assert.throws(() => new JsonLinesDecoder({ maxLineBytes: 8 }).push('{"a":"0123456789"'), /longer than 8/);
  async function* src() {
    yield Buffer.from('{"x":1}\n{"x"');
    yield ':2}\n';
  }
  const got: unknown[] = [];
  for await (const v of decodeJsonLines(src())) got.push(v);
  assert.deepEqual(got, [{ x: 1 }, { x: 2 }]);
});
