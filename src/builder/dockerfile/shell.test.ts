import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envMap, processWord, processWords } from './shell.js';

const env = envMap(['A=a', 'EMPTY=', 'SP=x y', 'PATH=/bin']);

test('processWord: Docker word rules (buildkit shell/lex.go)', () => {
  const cases: [string, string][] = [
    ['$A', 'a'],
    ['${A}', 'a'],
    ['x$A', 'xa'],
    ['$A$A', 'aa'],
    ['$UNSET', ''],
    ['${UNSET:-def}', 'def'],
    ['${EMPTY:-def}', 'def'],
    ['${EMPTY-def}', ''],
    ['${UNSET-def}', 'def'],
    ['${A:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET:-$A}', 'a'],
    ["'$A'", '$A'],
    ['"$A"', 'a'],
    ['"${A}b"', 'ab'],
    ['\\$A', '$A'],
    ['"\\$A"', '$A'],
    ['"a\\nb"', 'a\\nb'],
    ['a\\ b', 'a b'],
    ['$', '$'],
    ['$1', ''],
    ['${PATH}:/usr/bin', '/bin:/usr/bin'],
  ];
  for (const [input, want] of cases) assert.equal(processWord(input, env), want, input);
});

test('processWord: the escape directive changes the escape character', () => {
  assert.equal(processWord('c:\\dir', env, '`'), 'c:\\dir');
  assert.equal(processWord('`$A', env, '`'), '$A');
});

test('processWord: errors', () => {
  assert.throws(() => processWord('${UNSET:?must be set}', env), /UNSET: must be set/);
  assert.throws(() => processWord("'open", env), /single-quote/);
  assert.throws(() => processWord('"open', env), /double-quote/);
  assert.throws(() => processWord('${A', env), /missing/);
});

test('processWords: splits on unquoted blanks only', () => {
  assert.deepEqual(processWords('80 "90 91" $A', env), ['80', '90 91', 'a']);
  assert.deepEqual(processWords('  a   b  ', env), ['a', 'b']);
});
