import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNormalizedNamed, referenceString, familiarString, withDefaultTag, familiarName } from './reference.js';

const D = 'sha256:' + 'a'.repeat(64);

const good: [string, string, string][] = [
  ['busybox', 'docker.io/library/busybox', 'busybox'],
  ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
  ['user/app', 'docker.io/user/app', 'user/app'],
  ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['index.docker.io/library/busybox', 'docker.io/library/busybox', 'busybox'],
  ['127.0.0.1:5000/app:v1', '127.0.0.1:5000/app:v1', '127.0.0.1:5000/app:v1'],
  ['localhost/app', 'localhost/app', 'localhost/app'],
  ['localhost:5000/a/b/c', 'localhost:5000/a/b/c', 'localhost:5000/a/b/c'],
  [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
  [`reg.example.com/x:t@${D}`, `reg.example.com/x:t@${D}`, `reg.example.com/x:t@${D}`],
  ['a__b/c-d.e', 'docker.io/a__b/c-d.e', 'a__b/c-d.e'],
];

for (const [input, canonical, familiar] of good) {
  test(`parse ${input}`, () => {
    const r = parseNormalizedNamed(input);
    assert.equal(referenceString(r), canonical);
    assert.equal(familiarString(r), familiar);
  });
}

const bad: [string, RegExp][] = [
  ['Busybox', /must be lowercase/],
  ['busybox:', /invalid reference format/],
  [':tag', /invalid reference format/],
  ['a/../b', /invalid reference format/],
  ['busybox:tag with space', /invalid reference format/],
  ['busybox@sha256:abc', /invalid reference format/],
  ['a'.repeat(64).replace(/a/g, 'f'), /cannot specify 64-byte hexadecimal strings/],
  ['-leading', /invalid reference format/],
  ['x:' + 'a'.repeat(129), /invalid reference format/],
  ['', /invalid reference format/],
];

for (const [input, msg] of bad) {
  test(`reject ${JSON.stringify(input)}`, () => {
    assert.throws(() => parseNormalizedNamed(input), msg);
  });
}

test('default tag and familiar names', () => {
  assert.equal(referenceString(withDefaultTag(parseNormalizedNamed('busybox'))), 'docker.io/library/busybox:latest');
  assert.equal(familiarName(parseNormalizedNamed('docker.io/library/a/b')), 'library/a/b');
});
