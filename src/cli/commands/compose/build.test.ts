/**
 * `berth compose build` and `up --build` against a fake engine (the builder is another issue's):
 * the POST /build query (tag, dockerfile, target, buildargs), the context tar (with
 * .dockerignore applied), and a build error reported with the service's name.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { tarExtract } from '../../../lib/index.js';
import { FakeEngine, runCli, type SeenRequest } from '../../test-helpers.js';

const engine = new FakeEngine();
before(() => engine.listen());
after(() => engine.close());

let dir: string;
beforeEach(() => {
  engine.reset();
  dir = mkdtempSync(join(tmpdir(), 'berth-compose-build-'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app', 'Dockerfile.dev'), 'FROM busybox\n');
  writeFileSync(join(dir, 'app', 'main.sh'), 'echo hi\n');
  writeFileSync(join(dir, 'app', 'secret'), 'no\n');
  writeFileSync(join(dir, 'app', '.dockerignore'), 'secret\n');
  writeFileSync(
    join(dir, 'compose.yaml'),
    'name: shop\nservices:\n  app:\n    build:\n      context: ./app\n      dockerfile: Dockerfile.dev\n      target: dev\n      args: {MODE: fast, FROM_ENV}\n  db:\n    image: busybox\n',
  );
});

async function tarNames(body: Buffer): Promise<string[]> {
  const names: string[] = [];
  const ex = tarExtract();
  ex.on('entry', (h, stream, next) => {
    names.push(h.name);
    stream.resume();
    stream.on('end', next);
  });
  const done = new Promise<void>((r) => ex.on('finish', () => r()));
  Readable.from([body]).pipe(ex);
  await done;
  return names.sort();
}

const buildOk = (_req: SeenRequest, res: import('node:http').ServerResponse) => {
  res.setHeader('Content-Type', 'application/json');
  res.end('{"stream":"Step 1/1 : FROM busybox\\n"}\r\n{"aux":{"ID":"sha256:abc"}}\r\n');
};

test('compose build: POST /build with the tag, dockerfile, target, build args and the context minus .dockerignore', async () => {
  engine.on('POST', '/build', buildOk);
  const r = await runCli(['compose', 'build'], { host: engine.host, cwd: dir, env: { FROM_ENV: 'x' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Service app {2}Built/);
  const b = engine.seen.find((s) => s.path === '/build')!;
  assert.equal(b.query.get('t'), 'shop-app');
  assert.equal(b.query.get('dockerfile'), 'Dockerfile.dev');
  assert.equal(b.query.get('target'), 'dev');
  assert.deepEqual(JSON.parse(b.query.get('buildargs')!), { MODE: 'fast', FROM_ENV: 'x' });
  assert.deepEqual(await tarNames(b.body), ['.dockerignore', 'Dockerfile.dev', 'main.sh']);
});

test('compose build: a build error names the service, exit 1', async () => {
  engine.on('POST', '/build', (_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end('{"errorDetail":{"message":"boom"},"error":"boom"}\r\n');
  });
  const r = await runCli(['compose', 'build', 'app'], { host: engine.host, cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /failed to build app: boom/);
});

test('compose up --no-start --build: builds before creating, and the container runs the built tag', async () => {
  engine
    .on('POST', '/build', buildOk)
    .json('GET', '/containers/json', [])
    .error('GET', '/networks/shop_default', 404, 'network shop_default not found')
    .json('POST', '/networks/create', { Id: 'n1', Warning: '' }, 201)
    .json('GET', '/images/*', { Id: 'sha256:abc' })
    .json('POST', '/containers/create', { Id: 'c1', Warnings: [] }, 201);
  const r = await runCli(['compose', 'up', '--build', '--no-start'], { host: engine.host, cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const calls = engine.calls;
  assert.ok(calls.findIndex((c) => c.startsWith('POST /build')) < calls.findIndex((c) => c.startsWith('POST /containers/create')), calls.join('\n'));
  const creates = engine.seen.filter((s) => s.path === '/containers/create').map((s) => [s.query.get('name'), JSON.parse(s.body.toString()).Image]);
  assert.deepEqual(creates.sort(), [['shop-app-1', 'shop-app'], ['shop-db-1', 'busybox']]);
});
