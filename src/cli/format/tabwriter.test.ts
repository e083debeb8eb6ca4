import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tabulate, TabWriter, displayWidth } from './tabwriter.js';

test('cells are terminated by tabs; trailing text is not a column', () => {
  // Go's tabwriter doc example (padding 1, minwidth 0)
  const out = tabulate('aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n', 0, 8, 1);
  assert.equal(out, 'aaaa bbb d\naa   b   dd\na    \naa   cccc eee\n');
});

test('a line without tabs ends the column block (docker version sections)', () => {
  const out = tabulate('Client:\n a:\tx\n bbb:\ty\n\nServer:\n cccccccc:\tz\n', 5, 1, 1);
  assert.equal(out, 'Client:\n a:   x\n bbb: y\n\nServer:\n cccccccc: z\n');
});

test('minwidth applies to every column cell', () => {
  assert.equal(tabulate('a\tb\n', 10, 1, 3), 'a         b\n');
});

test('writes may split cells anywhere', () => {
  const tw = new TabWriter(0, 1, 2);
  tw.write('ab').write('c\td').write('\nx\tyy\n');
  assert.equal(tw.flush(), 'abc  d\nx    yy\n');
});

test('wide characters count double', () => {
  assert.equal(displayWidth('日本'), 4);
  assert.equal(tabulate('日本\tx\nab\ty\n', 0, 1, 1), '日本 x\nab   y\n');
});
