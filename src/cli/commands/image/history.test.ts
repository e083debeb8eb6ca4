import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ellipsis, historyFormat } from './history.js';

test("formatter.Ellipsis: 45 display columns, the last one '…'", () => {
  const createdBy = '/bin/sh -c #(nop)  CMD ["cat" "/hello.txt" "/size.txt"]';
  assert.equal(ellipsis(createdBy, 45), '/bin/sh -c #(nop)  CMD ["cat" "/hello.txt" "…');
  assert.equal(ellipsis('short', 45), 'short');
  assert.equal(ellipsis('x'.repeat(45), 45), 'x'.repeat(45));
  assert.equal(ellipsis('x'.repeat(46), 45), 'x'.repeat(44) + '…');
  // wide characters count 2 columns
  assert.equal(ellipsis('日本語の文字列です', 10), '日本語の…');
  assert.equal(ellipsis('日本語', 6), '日本語');
  assert.equal(ellipsis('ab', 1), 'a');
  assert.equal(ellipsis('ab', 0), '');
});

test('history formats: quiet and -H=false tables', () => {
  assert.equal(historyFormat('table', true, true), '{{.ID}}');
  assert.match(historyFormat('table', false, false), /\{\{\.CreatedAt\}\}/);
  assert.match(historyFormat('table', false, true), /\{\{\.CreatedSince\}\}/);
  assert.equal(historyFormat('{{.Size}}', true, false), '{{.Size}}');
});
