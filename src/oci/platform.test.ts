import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlatform, formatPlatform, platformMatches, hostPlatform } from './platform.js';

test('parse and format platforms', () => {
  assert.equal(formatPlatform(parsePlatform('linux/amd64')), 'linux/amd64');
  assert.equal(formatPlatform(parsePlatform('linux/x86_64')), 'linux/amd64');
  assert.equal(formatPlatform(parsePlatform('linux/arm')), 'linux/arm/v7');
  assert.equal(formatPlatform(parsePlatform('linux/aarch64')), 'linux/arm64');
  assert.equal(formatPlatform(parsePlatform('arm64')), 'linux/arm64');
  assert.throws(() => parsePlatform('plan9/amd64'), /unknown operating system/);
  assert.throws(() => parsePlatform('linux//x'), /unknown operating system/);
});

test('matching', () => {
  assert.ok(platformMatches(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' }));
  assert.ok(!platformMatches(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'arm64' }));
  assert.ok(platformMatches(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' }));
  assert.ok(!platformMatches(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v7' }));
  assert.equal(hostPlatform().os, 'linux');
});
