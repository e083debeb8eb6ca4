import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BERTH_VERSION, gitCommit, packageRoot } from './version.js';

test('BERTH_VERSION matches package.json', () => {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
  assert.equal(BERTH_VERSION, pkg.version);
});

test('gitCommit reads the checkout', () => {
  assert.match(gitCommit(), /^([0-9a-f]{7}|dev)$/);
  assert.equal(gitCommit('/nonexistent'), 'dev');
});
