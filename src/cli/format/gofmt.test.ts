import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goJson, printValue, sprintf } from './gofmt.js';

test('printValue follows fmt %v', () => {
  assert.equal(printValue(['a', 1, true]), '[a 1 true]');
  assert.equal(printValue({ b: 1, a: 'x' }), 'map[a:x b:1]');
  assert.equal(printValue(undefined), '<no value>');
  assert.equal(printValue(1.5), '1.5');
  assert.equal(printValue(25276502016), '25276502016');
  assert.equal(printValue(1795975163495882078n), '1795975163495882078');
});

test('sprintf verbs, widths and flags', () => {
  assert.equal(sprintf('%-10s|', ['abc']), 'abc       |');
  assert.equal(sprintf('%10s|', ['abc']), '       abc|');
  assert.equal(sprintf('%.2s', ['abcdef']), 'ab');
  assert.equal(sprintf('%05d %x %X %o %b', [42, 255, 255, 8, 5]), '00042 ff FF 10 101');
  assert.equal(sprintf('%+d %d', [5, -5]), '+5 -5');
  assert.equal(sprintf('%.3f %e %g', [3.14159, 1234.5, 0.000012]), '3.142 1.234500e+03 1.2e-05');
  assert.equal(sprintf('%q %v %t %%', ['a"b', null, false]), '"a\\"b" [] false %');
  assert.equal(sprintf('%c', [65]), 'A');
});

test('goJson: Go encoding/json without HTML escaping', () => {
  assert.equal(goJson({ a: '<&>', b: [1, null], c: undefined, d: () => 1 }), '{"a":"<&>","b":[1,null]}');
  assert.equal(goJson(new Map([['z', 1], ['a', 2]])), '{"a":2,"z":1}');
  assert.equal(goJson('\u2028'), '"\\u2028"');
});
