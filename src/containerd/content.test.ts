import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWrite } from './content.js';
import { definitions } from './protos.js';

test('encodeWrite writes the bytes protobufjs writes for the same WRITE request', () => {
  const serialize = definitions().method('containerd.services.content.v1.Content', 'Write').requestSerialize;
  const data = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 251));
  for (const offset of [0, 1, 127, 128, 300, 2 ** 31 + 5, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
    for (const cut of [[], [1], [5, 200], [0, 299]]) {
      const parts: Buffer[] = [];
      let at = 0;
      for (const c of cut) {
        parts.push(data.subarray(at, c));
        at = c;
      }
      parts.push(data.subarray(at));
      const want = serialize({ action: 'WRITE', offset, data });
      assert.deepEqual(encodeWrite(offset, parts, data.length), want, `offset ${offset}, cut at ${cut.join(',')}`);
    }
  }
  assert.deepEqual(encodeWrite(7, [], 0), serialize({ action: 'WRITE', offset: 7, data: Buffer.alloc(0) }));
});
