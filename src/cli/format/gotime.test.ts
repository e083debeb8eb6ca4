import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTimestamp, parseGoDuration, formatANSIC, reformatDate, formatRFC3339NanoFixed, formatGoTime, formatRFC3339, formatGoSeconds, goTimeString, parseRFC3339 } from './gotime.js';
import { bytesSize, humanSize, humanDuration } from './units.js';

// These expectations assume UTC; the CLI tests run children with TZ=UTC, and so does this
// process when the test runner is started with TZ=UTC. Local-time cases are skipped otherwise.
// The goldens were recorded in UTC: run in UTC whatever the machine's zone (node re-reads TZ).
process.env['TZ'] = 'UTC';

test('Go durations', () => {
  assert.equal(parseGoDuration('30s'), 30e9);
  assert.equal(parseGoDuration('1h30m'), 5400e9);
  assert.equal(parseGoDuration('1.5h'), 5400e9);
  assert.equal(parseGoDuration('-10m'), -600e9);
  assert.equal(parseGoDuration('300ms'), 300e6);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('0s'), 0);
  for (const bad of ['', '10', 'foo', '1d', 's', '.s']) assert.equal(parseGoDuration(bad), undefined, bad);
});

test('GetTimestamp: durations become absolute Unix seconds (docker events --since 30s --until 0s)', () => {
  const now = new Date(1795975166_000);
  assert.equal(getTimestamp('30s', now), '1795975136');
  assert.equal(getTimestamp('0s', now), '1795975166');
  assert.equal(getTimestamp('1795975136', now), '1795975136');
  assert.equal(getTimestamp('1795975136.5', now), '1795975136.5');
  assert.equal(getTimestamp('0', now), '0');
});

test('GetTimestamp: RFC 3339 with a zone', () => {
  const now = new Date();
  assert.equal(getTimestamp('2026-11-29T17:59:23Z', now), '1795975163.000000000');
  assert.equal(getTimestamp('2026-11-29T17:59:23.495882078Z', now), '1795975163.495882078');
  assert.equal(getTimestamp('2026-11-29T18:59:23+01:00', now), '1795975163.000000000');
  assert.equal(getTimestamp('2026-11-29Z', now), '1795910400.000000000');
});

test('GetTimestamp: local times', () => {
  const now = new Date();
  assert.equal(getTimestamp('2026-11-29T17:59:23', now), '1795975163.000000000');
  assert.equal(getTimestamp('2026-11-29T17:59', now), '1795975140.000000000');
  assert.equal(getTimestamp('2026-11-29', now), '1795910400.000000000');
});

test('GetTimestamp errors', () => {
  assert.throws(() => getTimestamp('foo', new Date()), { message: 'failed to parse value as time or duration: "foo"' });
  assert.throws(() => getTimestamp('2026-13-01', new Date()), /parsing time "2026-13-01"/);
});

test('time formats', () => {
  assert.equal(formatRFC3339NanoFixed(1795975163495882078n), '2026-11-29T17:59:23.495882078Z');
  assert.equal(formatRFC3339NanoFixed(1795975163000000000n), '2026-11-29T17:59:23.000000000Z');
  assert.equal(formatANSIC(new Date(Date.UTC(2026, 4, 7, 21, 9, 36))), 'Thu May  7 21:09:36 2026');
  assert.equal(reformatDate('2026-05-07T21:09:36.000000000+00:00'), 'Thu May  7 21:09:36 2026');
  assert.equal(reformatDate('not a date'), 'not a date');
});

test('go-units sizes and durations', () => {
  assert.equal(bytesSize(25276502016), '23.54GiB');
  assert.equal(bytesSize(0), '0B');
  assert.equal(bytesSize(1023), '1023B');
  assert.equal(bytesSize(1024), '1KiB');
  assert.equal(bytesSize(1536), '1.5KiB');
  assert.equal(humanSize(1_210_000), '1.21MB');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(45_000), '45 seconds');
  assert.equal(humanDuration(90_000), 'About a minute');
  assert.equal(humanDuration(5 * 3600_000), '5 hours');
  assert.equal(humanDuration(3 * 86400_000), '3 days');
});

test('Time.String, RFC 3339 and Duration.String of whole seconds', () => {
  assert.equal(formatGoTime(1795975180), '2026-11-29 17:59:40 +0000 UTC');
  assert.equal(formatRFC3339(1795975180), '2026-11-29T17:59:40Z');
  assert.equal(formatRFC3339(0), '1970-01-01T00:00:00Z');
});

test('Duration.String of whole seconds', () => {
  assert.equal(formatGoSeconds(0), '0s');
  assert.equal(formatGoSeconds(45), '45s');
  assert.equal(formatGoSeconds(60), '1m0s');
  assert.equal(formatGoSeconds(3723), '1h2m3s');
  assert.equal(formatGoSeconds(-5), '-5s');
});

test('Time.String of decoded JSON times: UTC, nameless fixed zones, trimmed nanoseconds', () => {
  assert.equal(goTimeString('2026-11-29T17:51:25.123456789Z'), '2026-11-29 17:51:25.123456789 +0000 UTC');
  assert.equal(goTimeString('2026-11-29T17:51:25.500Z'), '2026-11-29 17:51:25.5 +0000 UTC');
  assert.equal(goTimeString('0001-01-01T00:00:00Z'), '0001-01-01 00:00:00 +0000 UTC');
  assert.equal(goTimeString('2026-11-29T17:51:25Z junk'), undefined);
  // an offset no time zone uses, so never the local one
  assert.equal(goTimeString('2026-11-29T19:51:25-02:17'), '2026-11-29 19:51:25 -0217 -0217');
});

test('RFC 3339 years below 100 are not 19xx', () => {
  assert.equal(parseRFC3339('0001-01-01T00:00:00Z')?.sec, -62135596800n);
  assert.equal(parseRFC3339('0099-12-31T23:59:59Z')?.sec, -59011459201n);
});
