/**
 * Enforces the dependency table of ../shared/STYLE.md D3: every relative import under src/ must
 * go to a folder its row allows, and across folders only through that folder's index.ts. Also
 * flags console.* in library code (D8).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/src/layers.test.js -> src/
const here = dirname(fileURLToPath(import.meta.url));
const SRC = resolve(here, '..', '..', 'src');

const ALLOWED: Record<string, string[]> = {
  lib: [],
  oci: ['lib'],
  'api/types': ['lib'],
  events: ['lib'],
  containerd: ['lib', 'oci'],
  content: ['lib', 'oci', 'containerd'],
  snapshots: ['lib', 'oci', 'containerd'],
  volumes: ['lib', 'oci'],
  network: ['lib', 'oci'],
  containers: ['lib', 'oci', 'api/types'],
  runtime: ['lib', 'oci', 'containerd'],
  'registry/client': ['lib', 'oci'],
  'registry/server': ['lib', 'oci'],
  images: ['lib', 'oci', 'content', 'snapshots', 'registry/client', 'events'],
  builder: ['lib', 'oci', 'api/types'],
  daemon: [
    'lib', 'oci', 'api/types', 'events', 'containerd', 'content', 'snapshots', 'images',
    'containers', 'runtime', 'network', 'volumes', 'builder', 'registry/client',
  ],
  swarm: ['lib', 'oci', 'api/types', 'events', 'network'],
  'api/server': ['lib', 'api/types'],
  client: ['lib', 'api/types'],
  compose: ['lib', 'api/types', 'client'],
  cli: ['lib', 'api/types', 'client', 'compose'],
  cmd: ['*'],
};

/** The module (row of the table) a path under src/ belongs to. */
function moduleOf(rel: string): string | undefined {
  const parts = rel.split(sep);
  const two = parts.slice(0, 2).join('/');
  if (ALLOWED[two] && parts.length > 2) return two;
  if (ALLOWED[parts[0]!] && parts.length > 1) return parts[0];
  return undefined;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'testdata') walk(p, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

test('imports follow the layering table (STYLE D3)', () => {
  const violations: string[] = [];
  for (const file of walk(SRC)) {
    const rel = relative(SRC, file);
    const from = moduleOf(rel);
    if (!from) continue; // top-level files such as this test
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, resolve(dirname(file), spec));
      const to = moduleOf(target);
      if (!to || to === from) continue;
      const allowed = ALLOWED[from]!;
      if (!allowed.includes('*') && !allowed.includes(to)) {
        violations.push(`${rel}: ${from} may not import ${to} (${spec})`);
        continue;
      }
      const inside = target.split(sep).join('/').slice(to.length + 1);
      if (!allowed.includes('*') && inside !== 'index.js' && inside !== 'index.ts') {
        violations.push(`${rel}: import ${to} only through its index.ts (${spec})`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('library code does not use console.* (STYLE D8)', () => {
  const offenders: string[] = [];
  for (const file of walk(SRC)) {
    const rel = relative(SRC, file);
    const mod = moduleOf(rel);
    if (!mod || mod === 'cli' || mod === 'cmd' || rel.endsWith('.test.ts')) continue;
    if (/\bconsole\.(log|error|warn|info|debug)\(/.test(readFileSync(file, 'utf8'))) offenders.push(rel);
  }
  assert.deepEqual(offenders, []);
});
