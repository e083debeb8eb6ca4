import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRuncVersion, parseTiniVersion, parseOsRelease, goArch, backingFilesystem } from './host.js';

test('parses runc and tini versions', () => {
  assert.deepEqual(parseRuncVersion('runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n'), {
    version: '1.1.5+ds1',
    commit: '1.1.5+ds1-1+deb12u1',
  });
  assert.equal(parseRuncVersion('nonsense'), undefined);
  assert.deepEqual(parseTiniVersion('tini version 0.19.0\n'), { version: '0.19.0', commit: '' });
  assert.deepEqual(parseTiniVersion('tini version 0.19.0 - git.de40ad0\n'), { version: '0.19.0', commit: 'de40ad0' });
});

test('parses os-release', () => {
  assert.deepEqual(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\n'), {
    name: 'Debian GNU/Linux 12 (bookworm)',
    version: '12',
  });
});

test('arch and filesystem names', () => {
  assert.equal(goArch('x86_64'), 'amd64');
  assert.equal(goArch('aarch64'), 'arm64');
  assert.notEqual(backingFilesystem('/'), 'unknown');
  assert.equal(backingFilesystem('/nonexistent/x'), 'unknown');
});
