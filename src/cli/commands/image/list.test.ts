import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageSummary } from '../../../api/types/index.js';
import { FakeEngine, runCli, testdataDir } from '../../test-helpers.js';
import { imageFormat, imageRows, truncateId } from './list.js';

const TESTDATA = testdataDir(import.meta.url);
const traceImages = JSON.parse(readFileSync(join(TESTDATA, 'images-trace.json'), 'utf8')) as ImageSummary[];

const engine = new FakeEngine();
before(() => engine.listen());
after(() => engine.close());

// images-trace.golden is the output docker 28.2.2 printed in api-traces/images.txt
test("`docker images` of api-traces/images.txt, in the daemon's order", async () => {
  engine.reset();
  engine.json('GET', '/images/json', traceImages);
  const r = await runCli(['images'], { host: engine.host, now: new Date(1795975182_500) });
  assert.equal(r.stdout, readFileSync(join(TESTDATA, 'images-trace.golden'), 'utf8'));
  assert.equal(r.code, 0);
});

test('rows: one per repository and tag, digests only when asked, <none> for dangling', () => {
  const img: ImageSummary = {
    Id: 'sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a',
    ParentId: '',
    RepoTags: ['docker.io/library/busybox:latest', 'busybox:stable', '127.0.0.1:5000/bb:v1', '<none>:<none>'],
    RepoDigests: ['busybox@sha256:' + 'a'.repeat(64), 'busybox@sha256:' + 'b'.repeat(64), 'other/repo@sha256:' + 'c'.repeat(64)],
    Created: 0,
    Size: 1,
    SharedSize: -1,
    Labels: null,
    Containers: -1,
  };
  const rows = (o: { showDigests: boolean; needDigest: boolean }) => imageRows(img, o).map((r) => `${r.repo} ${r.tag} ${r.digest}`);
  assert.deepEqual(rows({ showDigests: false, needDigest: false }), [
    'busybox latest <none>',
    'busybox stable <none>',
    '127.0.0.1:5000/bb v1 <none>',
    'other/repo <none> ',
  ]);
  assert.deepEqual(rows({ showDigests: true, needDigest: true }), [
    `busybox latest sha256:${'a'.repeat(64)}`,
    `busybox latest sha256:${'b'.repeat(64)}`,
    `busybox stable sha256:${'a'.repeat(64)}`,
    `busybox stable sha256:${'b'.repeat(64)}`,
    '127.0.0.1:5000/bb v1 <none>',
    `other/repo <none> sha256:${'c'.repeat(64)}`,
  ]);
  const dangling = { ...img, RepoTags: [], RepoDigests: [] };
  assert.deepEqual(imageRows(dangling, { showDigests: true, needDigest: true }).map((r) => [r.repo, r.tag, r.digest]), [['<none>', '<none>', '<none>']]);
});

test('formats: table, quiet, digests, raw; a custom table gets the digest column', () => {
  assert.equal(imageFormat('table', true, true), '{{.ID}}');
  assert.match(imageFormat('table', false, true), /\{\{\.Digest\}\}\t\{\{\.ID\}\}/);
  assert.equal(imageFormat('table {{.ID}}', false, true), 'table {{.ID}}\t{{.Digest}}');
  assert.equal(imageFormat('table {{.ID}} {{.Digest}}', false, true), 'table {{.ID}} {{.Digest}}');
  assert.equal(imageFormat('{{.ID}}', false, true), '{{.ID}}');
  assert.equal(imageFormat('raw', true, false), 'image_id: {{.ID}}');
  assert.equal(truncateId('sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a'), '6b03d9d8398c');
  assert.equal(truncateId('<missing>'), '<missing>');
});

test("the config file's imagesFormat is the default, except with -q", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ imagesFormat: 'table {{.Repository}}:{{.Tag}}\t{{.Size}}' }));
    engine.reset();
    engine.json('GET', '/images/json', traceImages.slice(0, 1));
    const r = await runCli(['images'], { host: engine.host, env: { DOCKER_CONFIG: dir } });
    assert.equal(r.stdout, 'REPOSITORY:TAG       SIZE\ntracebuild:bk        1.99MB\ntracebuild:classic   1.99MB\n');
    const q = await runCli(['images', '-q'], { host: engine.host, env: { DOCKER_CONFIG: dir } });
    assert.equal(q.stdout, '928174af2345\n928174af2345\n');
    const f = await runCli(['images', '--format', '{{.ID}}'], { host: engine.host, env: { DOCKER_CONFIG: dir } });
    assert.equal(f.stdout, '928174af2345\n928174af2345\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
