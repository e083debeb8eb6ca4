import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { loadProject } from '../../../compose/index.js';
import { canonicalModel } from './config.js';

const load = (text: string) => loadProject({ cwd: '/p', env: { TAG: '1.36' }, readFile: (f) => (f === '/p/compose.yaml' ? text : (() => { throw new Error('ENOENT'); })()) });

test('config output: sorted service keys, $ escaped, and it loads back to the same project', () => {
  const p = load('services:\n  web:\n    image: busybox:${TAG}\n    command: echo $$HOME\n    ports: ["80"]\n  db: {image: busybox}\n');
  const model = canonicalModel(p);
  const text = stringify(model);
  assert.match(text, /^name: p\nservices:\n  db:\n/);
  assert.match(text, /command:\n {6}- echo\n {6}- \$\$HOME\n {4}image: busybox:1\.36\n {4}networks:/);
  const again = load(text);
  assert.deepEqual(again.services, p.services);
  assert.deepEqual(canonicalModel(again), model);
});
