import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePlatform, hostPlatform, parsePlatform } from './platform.js';

test('platforms.Parse with normalization', () => {
  const host = hostPlatform();
  assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('Linux/x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/aarch64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('linux/arm'), { os: 'linux', architecture: 'arm' });
  assert.deepEqual(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(parsePlatform('linux/armhf'), { os: 'linux', architecture: 'arm' });
  assert.deepEqual(parsePlatform('linux/armel'), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(parsePlatform('windows(10.0.17763)/amd64'), { os: 'windows', 'os.version': '10.0.17763', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux'), { os: 'linux', architecture: host.arch });
  assert.deepEqual(parsePlatform('arm64'), { os: host.os, architecture: 'arm64' });
  assert.throws(() => parsePlatform('nosuch'), { message: '"nosuch": unknown operating system or architecture: invalid argument' });
  assert.throws(() => parsePlatform('linux/*'), { message: '"linux/*": wildcards not yet supported: invalid argument' });
  assert.throws(() => parsePlatform('a/b/c/d'), { message: '"a/b/c/d": cannot parse platform specifier: invalid argument' });
});

test('the JSON docker sends, fields in OCI order', () => {
  assert.equal(encodePlatform('linux/arm/v7'), '{"architecture":"arm","os":"linux","variant":"v7"}');
  assert.equal(encodePlatform('linux/arm'), '{"architecture":"arm","os":"linux"}');
  assert.equal(encodePlatform('linux/arm64/v8'), '{"architecture":"arm64","os":"linux","variant":"v8"}');
  assert.throws(() => encodePlatform('nosuch', 'invalid platform: '), { message: 'invalid platform: "nosuch": unknown operating system or architecture: invalid argument' });
});
