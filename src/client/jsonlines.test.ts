import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonValueSplitter, decodeJsonStream } from './jsonlines.js';
import { parseJson } from './json.js';

const sample = [
  '{"stream":"Step 1/4 : FROM busybox"}',
  '{"stream":"\\n"}',
  '{"status":"Downloading","progressDetail":{"current":1,"total":2},"id":"81578bcecf89"}',
  '{"aux":{"ID":"sha256:ab"},"s":"braces } { and \\"quotes\\" and \\\\"}',
  '{"stream":"héllo wörld ✓"}',
];

function splitAll(wire: Buffer, sizes: (i: number) => number): string[] {
  const s = new JsonValueSplitter();
  const out: string[] = [];
  for (let i = 0; i < wire.length; ) {
    const n = Math.max(1, sizes(i));
    out.push(...s.push(wire.subarray(i, i + n)));
    i += n;
  }
  out.push(...s.end());
  return out;
}

for (const sep of ['\n', '\r\n', '', ' \r\n\r\n ']) {
  test(`values separated by ${JSON.stringify(sep)} decode for every chunk size`, () => {
    const wire = Buffer.from(sample.join(sep) + sep);
    for (const size of [1, 2, 3, 7, 64, wire.length]) {
      assert.deepEqual(
        splitAll(wire, () => size).map((t) => JSON.parse(t)),
        sample.map((t) => JSON.parse(t)),
        `chunk size ${size}`,
      );
    }
  });
}

test('a multi-byte character split between chunks survives', () => {
  const wire = Buffer.from('{"a":"✓✓"}\n');
  for (let cut = 1; cut < wire.length; cut++) {
    const s = new JsonValueSplitter();
    const out = [...s.push(wire.subarray(0, cut)), ...s.push(wire.subarray(cut)), ...s.end()];
    assert.deepEqual(out.map((t) => JSON.parse(t)), [{ a: '✓✓' }]);
  }
});

test('top-level scalars (swarm init answers a bare string)', () => {
  const s = new JsonValueSplitter();
  assert.deepEqual([...s.push('"5zbco5lw" 12 tr'), ...s.push('ue\n'), ...s.end()], ['"5zbco5lw"', '12', 'true']);
});

test('a truncated value is an error at the end', () => {
  const s = new JsonValueSplitter();
  s.push('{"a":');
  assert.throws(() => s.end(), /unexpected EOF/);
});

test('decodeJsonStream yields parsed values from an async source', async () => {
  async function* src() {
    yield Buffer.from('{"a":1}\r\n{"a"');
    yield Buffer.from(':2}\r\n');
  }
  const got: unknown[] = [];
  for await (const v of decodeJsonStream(src())) got.push(v);
  assert.deepEqual(got, [{ a: 1 }, { a: 2 }]);
});

test('parseJson keeps int64 values exact for the chosen keys only', () => {
  const v = parseJson('{"timeNano":1795975163495882078,"limit":9223372036854771712,"s":"12345678901234567890","n":-1795975163495882078}', new Set(['timeNano', 'n'])) as Record<string, unknown>;
  assert.equal(v['timeNano'], 1795975163495882078n);
  assert.equal(v['n'], -1795975163495882078n);
  assert.equal(typeof v['limit'], 'number');
  assert.equal(v['s'], '12345678901234567890');
  assert.deepEqual(parseJson('{"a":1}', new Set(['a'])), { a: 1 });
});
