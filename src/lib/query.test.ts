import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBool, parseInteger, parseTimestampNanos, Query } from './query.js';
import { kindOf } from './errdefs.js';

test('loose booleans', () => {
  for (const v of ['', '0', 'no', 'false', 'none', 'False', 'NONE', ' 0 ']) assert.equal(parseBool(v, true), false, v);
  for (const v of ['1', 'true', 'True', 'yes', 'x', '2']) assert.equal(parseBool(v), true, v);
  assert.equal(parseBool(undefined, true), true);
  assert.equal(parseBool(null), false);
  const q = Query.parse('force=1&v=True&link=False&all=0&empty=');
  assert.deepEqual([q.bool('force'), q.bool('v'), q.bool('link', true), q.bool('all', true), q.bool('empty', true), q.bool('absent', true)], [
    true,
    true,
    false,
    false,
    false,
    true,
  ]);
});

test('integers', () => {
  assert.equal(parseInteger('-1', 0), -1);
  assert.equal(parseInteger('+5', 0), 5);
  assert.equal(parseInteger('', 9), 9);
  assert.equal(parseInteger(undefined, 9), 9);
  for (const bad of ['1.5', 'abc', '1e3', '99999999999999999999']) {
    assert.throws(() => parseInteger(bad, 0, 'limit'), (e: unknown) => kindOf(e) === 'invalidParameter', bad);
  }
  const q = Query.parse('limit=-1&t=10&n=');
  assert.equal(q.int('limit', 0), -1);
  assert.equal(q.optionalInt('t'), 10);
  assert.equal(q.optionalInt('n'), undefined);
  assert.equal(q.optionalInt('missing'), undefined);
});

test('filters in both encodings', () => {
  const cli = Query.parse('filters=' + encodeURIComponent('{"label":{"a=b":true},"status":{"exited":true}}')).filters();
  const py = Query.parse('filters=' + encodeURIComponent('{"label": ["a=b"], "status": ["exited"]}')).filters();
  assert.deepEqual(cli.toJSON(), py.toJSON());
  assert.equal(Query.parse('').filters().size, 0);
  assert.throws(() => Query.parse('filters=%7B').filters(), (e: unknown) => kindOf(e) === 'invalidParameter');
});

test('timestamps: unix seconds with fraction, RFC 3339', () => {
  assert.equal(parseTimestampNanos('1795975136'), 1795975136e9);
  assert.equal(parseTimestampNanos('1795975136.000000000'), 1795975136e9);
  assert.equal(parseTimestampNanos('1795975136.5'), 1795975136.5e9);
  assert.equal(parseTimestampNanos('10.000000001'), 10e9 + 1);
  assert.equal(parseTimestampNanos('2026-11-29T17:59:00Z'), Date.parse('2026-11-29T17:59:00Z') * 1e6);
  assert.equal(parseTimestampNanos('2026-11-29T18:59:00.25+01:00'), Date.parse('2026-11-29T17:59:00Z') * 1e6 + 250e6);
  assert.equal(parseTimestampNanos(''), undefined);
  for (const bad of ['30s', 'yesterday', '1.2.3', '2026-11-29']) {
    assert.throws(() => parseTimestampNanos(bad, 'since'), (e: unknown) => kindOf(e) === 'invalidParameter', bad);
  }
});

test('repeated keys and entries', () => {
  const q = Query.parse('names=a&names=b%3Alatest');
  assert.deepEqual(q.getAll('names'), ['a', 'b:latest']);
  assert.equal(q.get('names'), 'a');
  assert.equal(q.string('missing', 'd'), 'd');
  assert.deepEqual(Query.parse(undefined).entries(), []);
});
