import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goBase, goClean, goDir, goJoin, preserveTrailingDotOrSeparator, splitPathDirEntry } from './gopath.js';

test('Go filepath semantics', () => {
  assert.equal(goClean('/a/b/../c/'), '/a/c');
  assert.equal(goClean(''), '.');
  assert.equal(goClean('/..'), '/');
  assert.equal(goBase('/etc/'), 'etc');
  assert.equal(goBase('/'), '/');
  assert.equal(goBase('/etc/.'), '.');
  assert.equal(goDir('/etc/passwd'), '/etc');
  assert.equal(goDir('passwd'), '.');
  assert.equal(goDir('/passwd'), '/');
  assert.equal(goJoin('/', 'etc/'), '/etc');
  assert.equal(goJoin('/a', '../b'), '/b');
});

test('docker cp path rules', () => {
  assert.equal(preserveTrailingDotOrSeparator('/etc', '/etc/'), '/etc/');
  assert.equal(preserveTrailingDotOrSeparator('/etc', '/etc/.'), '/etc/.');
  assert.equal(preserveTrailingDotOrSeparator('/', '/.'), '/.');
  assert.equal(preserveTrailingDotOrSeparator('/', '/'), '/');
  assert.deepEqual(splitPathDirEntry('/a/b/.'), { dir: '/a/b', base: '.' });
  assert.deepEqual(splitPathDirEntry('/a/b/'), { dir: '/a', base: 'b' });
  assert.deepEqual(splitPathDirEntry('b'), { dir: '.', base: 'b' });
});
