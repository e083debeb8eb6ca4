import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyReload } from './reload.js';
import { defaultConfig } from './config.js';

test('reload copies reloadable keys only and reports them', () => {
  const cur = defaultConfig();
  const next = { ...defaultConfig(), debug: true, labels: ['a=b'], dataRoot: '/elsewhere' };
  const attrs = applyReload(cur, next, 'host1');
  assert.equal(cur.debug, true);
  assert.deepEqual(cur.labels, ['a=b']);
  assert.equal(cur.dataRoot, '/var/lib/berth');
  assert.equal(attrs['debug'], 'true');
  assert.equal(attrs['labels'], '[a=b]');
  assert.equal(attrs['name'], 'host1');
});
