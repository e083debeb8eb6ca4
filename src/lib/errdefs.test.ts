import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerError, kindOf, notFound, conflict, messageOf } from './errdefs.js';

test('kindOf walks the cause chain; first classified wins', () => {
  const inner = notFound('No such container: x');
  const outer = new Error('wrapped', { cause: inner });
  assert.equal(kindOf(outer), 'notFound');
  assert.equal(kindOf(conflict('c', inner)), 'conflict');
  assert.equal(kindOf(new Error('plain')), 'system');
  assert.equal(kindOf('str'), 'system');
  assert.equal(kindOf(undefined), 'system');
});

test('AbortError is cancelled', () => {
  const ac = new AbortController();
  ac.abort();
  assert.equal(kindOf(ac.signal.reason), 'cancelled');
  assert.equal(kindOf(new Error('x', { cause: ac.signal.reason })), 'cancelled');
});

test('DockerError carries kind and message', () => {
  const e = new DockerError('unavailable', 'down');
  assert.equal(e.kind, 'unavailable');
  assert.equal(messageOf(e), 'down');
  assert.equal(messageOf(42), '42');
});
