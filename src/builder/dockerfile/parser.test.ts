/**
 * Golden files for the parser (buildkit's layout): testdata/<case>/Dockerfile and `result`, the
 * JSON of what parseDockerfile returns (or `{"error": …}`). UPDATE_GOLDEN=1 rewrites them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDockerfile } from './parser.js';

function testdataDir(): string {
  const dir = dirname(fileURLToPath(import.meta.url));
  const marker = `${sep}dist${sep}src${sep}`;
  const i = dir.lastIndexOf(marker);
  return join(i >= 0 ? dir.slice(0, i) + `${sep}src${sep}` + dir.slice(i + marker.length) : dir, 'testdata');
}

const root = testdataDir();
for (const name of readdirSync(root).sort()) {
  test(`parse ${name}`, () => {
    const text = readFileSync(join(root, name, 'Dockerfile'), 'utf8');
    let got: unknown;
    try {
      got = parseDockerfile(text, 'Dockerfile');
    } catch (e) {
      got = { error: (e as Error).message };
    }
    const out = JSON.stringify(got, null, 2) + '\n';
    const file = join(root, name, 'result');
    if (process.env['UPDATE_GOLDEN']) writeFileSync(file, out);
    assert.equal(out, readFileSync(file, 'utf8'));
  });
}
