import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSize, formatG, humanDuration, humanSize, humanSizeWithPrecision } from './units.js';

test("formatG is Go's %.*g", () => {
  const cases: [number, number, string][] = [
    [1.986011, 3, '1.99'],
    [153.329182, 3, '153'],
    [88.630237, 3, '88.6'],
    [999.6, 3, '1e+03'], // rounds up into exponent form, as fmt does
    [999.96, 4, '1000'],
    [1.125, 3, '1.12'], // an exact tie rounds to even
    [1.375, 3, '1.38'],
    [100, 3, '100'],
    [123456, 3, '1.23e+05'],
    [0.0001234, 3, '0.000123'],
    [0.00001, 3, '1e-05'],
    [0, 3, '0'],
    [-5, 3, '-5'],
    [1.5, 4, '1.5'],
    [4.26496, 4, '4.265'],
    [7, 0, '7'],
  ];
  for (const [x, p, want] of cases) assert.equal(formatG(x, p), want, `${x} %.${p}g`);
});

test("sizes as docker's go-units prints them", () => {
  // units.HumanSizeWithPrecision(x, 3): image ls and history
  assert.equal(humanSizeWithPrecision(4264960, 3), '4.26MB');
  assert.equal(humanSizeWithPrecision(1986011, 3), '1.99MB');
  assert.equal(humanSizeWithPrecision(153329182, 3), '153MB');
  assert.equal(humanSizeWithPrecision(88630237, 3), '88.6MB');
  assert.equal(humanSizeWithPrecision(14, 3), '14B');
  assert.equal(humanSizeWithPrecision(0, 3), '0B');
  assert.equal(humanSizeWithPrecision(999600, 3), '1e+03kB');
  assert.equal(humanSizeWithPrecision(1000, 3), '1kB');
  // units.HumanSize: prune's total, VirtualSize, progress
  assert.equal(humanSize(4264960), '4.265MB');
  assert.equal(humanSize(1_210_000), '1.21MB');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(32768), '32.77kB');
  assert.equal(humanSize(2140160), '2.14MB');
  assert.equal(humanSize(1125), '1.125kB');
  // units.BytesSize
  assert.equal(bytesSize(25276502016), '23.54GiB');
  assert.equal(bytesSize(1536), '1.5KiB');
});

test("durations as units.HumanDuration", () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: [number, string][] = [
    [999, 'Less than a second'],
    [s, '1 second'],
    [2.5 * s, '2 seconds'],
    [59 * s, '59 seconds'],
    [60 * s, 'About a minute'],
    [119 * s, 'About a minute'],
    [2 * m, '2 minutes'],
    [59 * m, '59 minutes'],
    [60 * m, 'About an hour'],
    [89 * m, 'About an hour'],
    [90 * m, '2 hours'],
    [47 * h, '47 hours'],
    [48 * h, '2 days'],
    [13 * d, '13 days'],
    [14 * d, '2 weeks'],
    [59 * d, '8 weeks'],
    [60 * d, '2 months'],
    [729 * d, '24 months'],
    [730 * d, '2 years'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});
