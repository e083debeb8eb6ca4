import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidReference, checkTagSource, familiarName, familiarString, nameOf, parseAnyReference, parseNormalizedNamed, tagTarget } from './reference.js';

const DIGEST = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

test('normalized names: Docker Hub, library/, registries with ports, localhost', () => {
  const cases: [string, string, string | undefined, string][] = [
    // input, Name(), tag, FamiliarName()
    ['busybox', 'docker.io/library/busybox', undefined, 'busybox'],
    ['busybox:1.36', 'docker.io/library/busybox', '1.36', 'busybox'],
    ['myorg/app:2', 'docker.io/myorg/app', '2', 'myorg/app'],
    ['docker.io/library/nginx:1.25', 'docker.io/library/nginx', '1.25', 'nginx'],
    ['index.docker.io/myorg/app', 'docker.io/myorg/app', undefined, 'myorg/app'],
    ['docker.io/nginx', 'docker.io/library/nginx', undefined, 'nginx'],
    ['docker.io/library/a/b', 'docker.io/library/a/b', undefined, 'library/a/b'],
    ['127.0.0.1:5000/tracebuild:v1', '127.0.0.1:5000/tracebuild', 'v1', '127.0.0.1:5000/tracebuild'],
    ['localhost/app:dev', 'localhost/app', 'dev', 'localhost/app'],
    ['localhost:5000/a/b/c', 'localhost:5000/a/b/c', undefined, 'localhost:5000/a/b/c'],
    ['[::1]:5000/app:1', '[::1]:5000/app', '1', '[::1]:5000/app'],
    ['Registry.Example.com/app', 'Registry.Example.com/app', undefined, 'Registry.Example.com/app'],
    ['a__b-c.d/e', 'a__b-c.d/e', undefined, 'a__b-c.d/e'],
  ];
  for (const [input, name, tag, familiar] of cases) {
    const ref = parseNormalizedNamed(input);
    assert.equal(nameOf(ref), name, input);
    assert.equal(ref.tag, tag, input);
    assert.equal(familiarName(ref), familiar, input);
  }
  assert.equal(familiarString(parseNormalizedNamed(`busybox:1@${DIGEST}`)), `busybox:1@${DIGEST}`);
});

test("distribution/reference's errors", () => {
  const cases: [string, string][] = [
    ['', 'invalid reference format'],
    ['Bad:tag', 'invalid reference format: repository name (library/Bad) must be lowercase'],
    ['bad:t@g', 'invalid reference format'],
    ['bad source', 'invalid reference format'],
    ['a/B', 'invalid reference format: repository name (a/B) must be lowercase'],
    ['x@sha256:abc', 'invalid reference format'],
    [`x@sha256:${'0'.repeat(63)}z`, 'invalid reference format'],
    [`x@sha512:${'0'.repeat(64)}`, 'invalid checksum digest length'],
    ['6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a', 'invalid repository name (6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a), cannot specify 64-byte hexadecimal strings'],
    [`${'a'.repeat(256)}`, 'repository name must not be more than 255 characters'],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseNormalizedNamed(input), (e: unknown) => e instanceof InvalidReference && e.message === message, input);
  }
});

test('any reference: an ID or a digest stands alone', () => {
  assert.deepEqual(parseAnyReference('6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a'), {
    domain: '',
    path: '',
    digest: 'sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a',
  });
  assert.deepEqual(parseAnyReference(DIGEST), { domain: '', path: '', digest: DIGEST });
  assert.equal(nameOf(parseAnyReference('6b03d9d8398c')), 'docker.io/library/6b03d9d8398c');
});

test("tag: the target split and normalized as docker's client sends it", () => {
  assert.deepEqual(tagTarget('127.0.0.1:5000/tracebuild:v1'), { repo: '127.0.0.1:5000/tracebuild', tag: 'v1' });
  assert.deepEqual(tagTarget('myimg'), { repo: 'docker.io/library/myimg', tag: 'latest' });
  assert.deepEqual(tagTarget('myorg/app:1.0'), { repo: 'docker.io/myorg/app', tag: '1.0' });
  assert.deepEqual(tagTarget('localhost:5000/app'), { repo: 'localhost:5000/app', tag: 'latest' });
  assert.deepEqual(tagTarget('host:5000/a/b:c'), { repo: 'host:5000/a/b', tag: 'c' });
  assert.throws(() => tagTarget(`x@${DIGEST}`), { message: 'refusing to create a tag with a digest reference' });
  assert.throws(() => tagTarget(`x:1@${DIGEST}`), { message: 'refusing to create a tag with a digest reference' });
  assert.throws(() => tagTarget('Bad:tag'), {
    message: 'Error parsing reference: "Bad:tag" is not a valid repository/tag: invalid reference format: repository name (library/Bad) must be lowercase',
  });
  assert.throws(() => tagTarget('a:' + 'x'.repeat(129)), { message: /invalid reference format$/ });
  checkTagSource('6b03d9d8398c');
  checkTagSource(DIGEST);
  assert.throws(() => checkTagSource('bad source'), { message: 'Error parsing reference: "bad source" is not a valid repository/tag: invalid reference format' });
});
