import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NanoClock, ZERO_TIME, formatDate, formatRfc3339Nano, isZeroTime, parseRfc3339Nano } from './timefmt.js';

test('RFC3339Nano as Go formats it: trailing zeros trimmed, no fraction when zero', () => {
  const s = 1_795_975_055n; // 2026-11-29T17:57:35Z
  assert.equal(formatRfc3339Nano(s * 1_000_000_000n + 536_152_705n), '2026-11-29T17:57:35.536152705Z');
  assert.equal(formatRfc3339Nano(s * 1_000_000_000n + 536_150_000n), '2026-11-29T17:57:35.53615Z');
  assert.equal(formatRfc3339Nano(s * 1_000_000_000n), '2026-11-29T17:57:35Z');
  assert.equal(formatRfc3339Nano(s * 1_000_000_000n + 1n), '2026-11-29T17:57:35.000000001Z');
  assert.equal(formatDate(new Date('2026-01-02T03:04:05.600Z')), '2026-01-02T03:04:05.6Z');
});

test('parse: any fraction length and offset; zero time', () => {
  assert.equal(parseRfc3339Nano('2026-11-29T17:57:35.536152705Z'), 1_795_975_055_536_152_705n);
  assert.equal(parseRfc3339Nano('2026-11-29T18:57:35.5+01:00'), 1_795_975_055_500_000_000n);
  assert.equal(parseRfc3339Nano('nope'), undefined);
  const zero = parseRfc3339Nano(ZERO_TIME)!;
  assert.equal(formatRfc3339Nano(zero), ZERO_TIME);
  assert.ok(isZeroTime(ZERO_TIME) && isZeroTime('') && !isZeroTime('2026-01-01T00:00:00Z'));
});

test('NanoClock follows the wall clock with sub-millisecond digits', () => {
  let wall = 1_000;
  let hr = 5_000_000_000n;
  const c = new NanoClock(() => wall, () => hr);
  assert.equal(c.now(), 1_000_000_000n);
  hr += 123_456n;
  assert.equal(c.now(), 1_000_123_456n);
  // the wall clock steps by an hour: the clock follows
  wall += 3_600_000;
  assert.equal(c.now(), 3_601_000_000_000n);
});
