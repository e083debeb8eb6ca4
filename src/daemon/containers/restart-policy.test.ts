import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartManager, parsePolicy } from './restart-policy.js';

test('policies validate with Docker wording', () => {
  assert.deepEqual(parsePolicy(undefined, false), { name: 'no', maximumRetryCount: 0 });
  assert.deepEqual(parsePolicy({ Name: 'on-failure', MaximumRetryCount: 3 }, false), { name: 'on-failure', maximumRetryCount: 3 });
  assert.throws(() => parsePolicy({ Name: 'sometimes' }, false), /unknown policy 'sometimes'/);
  assert.throws(() => parsePolicy({ Name: 'always', MaximumRetryCount: 2 }, false), /only be used with 'on-failure'/);
  assert.throws(() => parsePolicy({ Name: 'always' }, true), /cannot specify both --restart and --rm/);
});

test('always restarts with doubling back-off, reset after a long run', () => {
  const m = new RestartManager({ name: 'always', maximumRetryCount: 0 });
  assert.deepEqual(m.next(0, 10, false), { restart: true, delayMs: 100 });
  assert.deepEqual(m.next(1, 10, false), { restart: true, delayMs: 200 });
  assert.deepEqual(m.next(1, 10, false), { restart: true, delayMs: 400 });
  assert.deepEqual(m.next(1, 20_000, false), { restart: true, delayMs: 100 });
  assert.equal(m.restarts, 4);
  assert.equal(m.next(0, 10, true).restart, false);
});

test('on-failure counts retries; no never restarts', () => {
  const m = new RestartManager({ name: 'on-failure', maximumRetryCount: 2 });
  assert.equal(m.next(0, 10, false).restart, false);
  assert.equal(m.next(1, 10, false).restart, true);
  assert.equal(m.next(1, 10, false).restart, true);
  assert.equal(m.next(1, 10, false).restart, false);
  assert.equal(new RestartManager({ name: 'no', maximumRetryCount: 0 }).next(1, 0, false).restart, false);
  assert.equal(new RestartManager({ name: 'unless-stopped', maximumRetryCount: 0 }).next(0, 0, false, true).restart, false);
});
