import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isExcluded, parseDockerignore } from './patternmatcher.js';

test('.dockerignore: patterns, parents, ** and exceptions (moby patternmatcher cases)', () => {
  const p = parseDockerignore('# comment\n\nnode_modules\n*.log\n/tmp/\ndocs/**/*.md\n!docs/keep.md\n**/secret*\n!important.log\n');
  const cases: [string, boolean][] = [
    ['node_modules', true],
    ['node_modules/x/y.js', true],
    ['a.log', true],
    ['important.log', false],
    ['sub/a.log', false],
    ['tmp/x', true],
    ['docs/a.md', true],
    ['docs/x/y/z.md', true],
    ['docs/keep.md', false],
    ['docs/a.txt', false],
    ['secret.txt', true],
    ['deep/er/secret-key', true],
    ['src/app.js', false],
  ];
  for (const [path, want] of cases) assert.equal(isExcluded(path, p), want, path);
});

test('.dockerignore: character classes, ? and escapes; a lone ! is an error', () => {
  const p = parseDockerignore('file[0-9].txt\n?.md\nweird\\*name\n');
  assert.equal(isExcluded('file1.txt', p), true);
  assert.equal(isExcluded('filex.txt', p), false);
  assert.equal(isExcluded('a.md', p), true);
  assert.equal(isExcluded('ab.md', p), false);
  assert.equal(isExcluded('weird*name', p), true);
  assert.equal(isExcluded('weirdXname', p), false);
  assert.throws(() => parseDockerignore('!\n'), /illegal exclusion pattern/);
});
