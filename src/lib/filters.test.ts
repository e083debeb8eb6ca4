import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilters, Filters } from './filters.js';
import { kindOf } from './errdefs.js';

test('parses the CLI map encoding', () => {
  const f = parseFilters('{"status":{"exited":true},"type":{"container":true}}');
  assert.deepEqual(f.get('status'), ['exited']);
  assert.deepEqual(f.get('type'), ['container']);
});

test('parses the docker-py list encoding', () => {
  const f = parseFilters('{"label": ["com.docker.compose.project=x", "a"], "status": ["created", "exited"]}');
  assert.deepEqual(f.get('status'), ['created', 'exited']);
  assert.ok(f.matchKVList('label', { 'com.docker.compose.project': 'x', a: '' }));
  assert.ok(!f.matchKVList('label', { 'com.docker.compose.project': 'y', a: '' }));
});

test('rejects malformed filters as invalidParameter', () => {
  assert.equal(kindOf(catchErr(() => parseFilters('{bad'))), 'invalidParameter');
  assert.equal(kindOf(catchErr(() => parseFilters('[1]'))), 'invalidParameter');
  assert.equal(kindOf(catchErr(() => parseFilters('{"a":3}'))), 'invalidParameter');
  assert.equal(kindOf(catchErr(() => Filters.fromArgs(['nokey']))), 'invalidParameter');
});

test('empty and validate', () => {
  assert.equal(parseFilters('').size, 0);
  assert.equal(parseFilters('null').size, 0);
  const f = Filters.fromArgs(['dangling=true', 'label=a=b']);
  assert.equal(f.bool('dangling'), true);
  assert.deepEqual(f.get('label'), ['a=b']);
  assert.throws(() => f.validate(['label']), /invalid filter 'dangling'/);
  assert.deepEqual(JSON.parse(JSON.stringify(f)), { dangling: { true: true }, label: { 'a=b': true } });
});

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
