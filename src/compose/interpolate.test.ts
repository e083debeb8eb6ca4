import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, parseEnvFile, InterpolationError } from './interpolate.js';

const env: Record<string, string> = { A: 'a', EMPTY: '', N: '3' };
const look = (n: string) => env[n];

test('interpolate: the compose-spec forms', () => {
  const cases: [string, string][] = [
    ['$A', 'a'],
    ['${A}', 'a'],
    ['x${A}y', 'xay'],
    ['$$A', '$A'],
    ['${UNSET:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${A:-d}', 'a'],
    ['${A:+r}', 'r'],
    ['${EMPTY:+r}', ''],
    ['${EMPTY+r}', 'r'],
    ['${UNSET:-${A}}', 'a'],
    ['${UNSET:-${ALSO_UNSET:-deep}}', 'deep'],
    ['cost $ 5', 'cost $ 5'],
    ['${N}0', '30'],
  ];
  for (const [input, want] of cases) assert.equal(interpolate(input, look), want, input);
});

test('interpolate: unset variables warn and become empty', () => {
  const warned: string[] = [];
  assert.equal(interpolate('<$UNSET>', look, (n) => warned.push(n)), '<>');
  assert.deepEqual(warned, ['UNSET']);
});

test('interpolate: ${VAR:?err} and ${VAR?err} fail with the message', () => {
  assert.throws(() => interpolate('${UNSET:?needs a value}', look), (e: unknown) => e instanceof InterpolationError && /required variable UNSET is missing a value: needs a value/.test(e.message));
  assert.throws(() => interpolate('${EMPTY:?x}', look), InterpolationError);
  assert.equal(interpolate('${EMPTY?x}', look), '');
  assert.throws(() => interpolate('${A', look), /missing closing brace/);
  assert.throws(() => interpolate('${-x}', look), /invalid interpolation format/);
});

test('parseEnvFile: quotes, export, comments, interpolation of earlier keys', () => {
  const got = parseEnvFile(
    ['# comment', 'export A=1', 'B = two words # trailing', "C='lit $A'", 'D="x\\ny $A"', 'E=${A}-${HOST_ONLY}', 'F', 'G=', 'H="multi', 'line"'].join('\n'),
    (n) => ({ HOST_ONLY: 'h', F: 'from-host' })[n],
  );
  assert.deepEqual(got, { A: '1', B: 'two words', C: 'lit $A', D: 'x\ny 1', E: '1-h', F: 'from-host', G: '', H: 'multi\nline' });
  assert.throws(() => parseEnvFile('BAD KEY=1'), /\.env:1: unexpected character/);
});
