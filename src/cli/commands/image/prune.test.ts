import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEngine, runCli } from '../../test-helpers.js';
import { formatPruneReport } from './prune.js';

const engine = new FakeEngine();
before(() => engine.listen());
after(() => engine.close());

test("the report: docker's lower-case lines, a blank line, HumanSize's 4 digits", () => {
  assert.equal(
    formatPruneReport({ ImagesDeleted: [{ Untagged: 'a:1' }, { Deleted: 'sha256:x' }], SpaceReclaimed: 4264960 }),
    'Deleted Images:\nuntagged: a:1\ndeleted: sha256:x\n\nTotal reclaimed space: 4.265MB\n',
  );
  // compat: docker shows 0B when nothing was deleted, whatever the daemon reports
  assert.equal(formatPruneReport({ ImagesDeleted: [], SpaceReclaimed: 12 }), 'Total reclaimed space: 0B\n');
  assert.equal(formatPruneReport({ ImagesDeleted: null, SpaceReclaimed: 0 }), 'Total reclaimed space: 0B\n');
});

// compat: docker's PruneFilters skips a configured "label=x" unless "label!" filters exist (and
// the reverse), since filters.ExactMatch is true for a key that is not set at all.
test("the config file's pruneFilters join the command's, with docker's label quirk", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ pruneFilters: ['label=keep=no', 'label!=tmp', 'until=1h', 'bogus'] }));
    engine.reset();
    engine.json('POST', '/images/prune', { ImagesDeleted: null, SpaceReclaimed: 0 });
    const r = await runCli(['image', 'prune', '-f', '--filter', 'label=tmp'], { host: engine.host, env: { DOCKER_CONFIG: dir } });
    assert.equal(r.code, 0, r.stderr);
    const filters = JSON.parse(engine.seen.find((q) => q.path === '/images/prune')!.query.get('filters')!) as unknown;
    assert.deepEqual(filters, { dangling: { true: true }, label: { tmp: true }, until: { '1h': true } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
