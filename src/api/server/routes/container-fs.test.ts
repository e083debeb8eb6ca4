import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { notFound, invalidParameter, conflict } from '../../../lib/index.js';
import { request, startTestServer, type TestServer } from '../testkit.js';
import { negotiateEncoding, type CommitOptions, type ContainerFsBackend } from './container-fs.js';

const STAT = { name: 'etc', size: 4096, mode: 2 ** 31 + 0o755, mtime: '2026-01-01T00:00:00Z', linkTarget: '' };
let ts: TestServer;
const seen: unknown[] = [];

const backend: ContainerFsBackend = {
  statPath: async (_c, id, path) => {
    if (path === '/nope') throw notFound(`Could not find the file ${path} in container ${id}`);
    return STAT;
  },
  archivePath: async (c, id, path) => ({
    stat: await backend.statPath(c, id, path),
    tar: (async function* () {
      yield Buffer.from('tar-bytes');
    })(),
  }),
  extractToDir: async (_c, id, path, opts, body) => {
    const parts: Buffer[] = [];
    for await (const c of body) parts.push(c as Buffer);
    seen.push({ id, path, opts, body: Buffer.concat(parts).toString() });
    if (path === '/ro') throw invalidParameter('container rootfs is marked read-only');
  },
  changes: async (_c, id) => (id === 'none' ? null : [{ Path: '/tmp', Kind: 0 }, { Path: '/tmp/a', Kind: 1 }]),
  exportContainer: async () =>
    (async function* () {
      yield Buffer.from('exported');
    })(),
  commit: async (_c, o: CommitOptions) => {
    seen.push(o);
    if (o.container === 'dead') throw conflict('You cannot commit container x which is Dead');
    return { Id: 'sha256:' + 'a'.repeat(64) };
  },
};

before(async () => {
  ts = await startTestServer({ backends: { containerFs: backend } });
});
after(() => ts?.close());

test('routes: statuses and bodies', async () => {
  const table: [string, string, number, string | RegExp][] = [
    ['HEAD', '/v1.44/containers/c1/archive?path=/etc', 200, ''],
    ['HEAD', '/v1.44/containers/c1/archive?path=/nope', 404, ''],
    ['GET', '/v1.44/containers/c1/archive', 400, '{"message":"bad parameter: path cannot be empty"}\n'],
    ['GET', '/v1.44/containers/c1/archive?path=/nope', 404, '{"message":"Could not find the file /nope in container c1"}\n'],
    ['GET', '/v1.44/containers/c1/archive?path=/etc', 200, 'tar-bytes'],
    ['GET', '/v1.44/containers/c1/changes', 200, '[{"Path":"/tmp","Kind":0},{"Path":"/tmp/a","Kind":1}]\n'],
    ['GET', '/v1.44/containers/none/changes', 200, 'null\n'],
    ['GET', '/v1.44/containers/c1/export', 200, 'exported'],
    ['POST', '/v1.44/commit?container=dead', 409, /which is Dead/],
  ];
  for (const [method, path, status, body] of table) {
    const r = await request(ts.sock, method, path);
    assert.equal(r.status, status, `${method} ${path}`);
    if (typeof body === 'string') assert.equal(r.body, body, `${method} ${path}`);
    else assert.match(r.body, body);
  }
});

test('HEAD and GET carry the stat header; GET is an x-tar, gzip when asked for', async () => {
  const head = await request(ts.sock, 'HEAD', '/v1.44/containers/c1/archive?path=/etc');
  assert.deepEqual(JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString()), STAT);
  const get = await request(ts.sock, 'GET', '/v1.44/containers/c1/archive?path=/etc');
  assert.equal(get.headers['content-type'], 'application/x-tar');
  assert.equal(get.headers['x-docker-container-path-stat'], head.headers['x-docker-container-path-stat']);
  const gz = await new Promise<Buffer>((resolve, reject) => {
    import('node:http').then(({ default: http }) => {
      const req = http.request({ socketPath: ts.sock, path: '/v1.44/containers/c1/archive?path=/etc', headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        assert.equal(res.headers['content-encoding'], 'gzip');
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve(Buffer.concat(parts)));
      });
      req.on('error', reject);
      req.end();
    }, reject);
  });
  assert.equal(gunzipSync(gz).toString(), 'tar-bytes');
  assert.equal(negotiateEncoding('gzip'), 'gzip');
  assert.equal(negotiateEncoding('deflate;q=0.5, gzip;q=0.1'), 'deflate');
  assert.equal(negotiateEncoding('identity'), undefined);
  assert.equal(negotiateEncoding('gzip;q=0'), undefined);
});

test('PUT passes the options and the body; errors keep their kind', async () => {
  seen.length = 0;
  const ok = await request(ts.sock, 'PUT', '/v1.44/containers/c1/archive?path=/tmp&noOverwriteDirNonDir=true&copyUIDGID=1', { body: 'TAR' });
  assert.equal(ok.status, 200);
  assert.deepEqual(seen[0], { id: 'c1', path: '/tmp', opts: { noOverwriteDirNonDir: true, copyUIDGID: true }, body: 'TAR' });
  const ro = await request(ts.sock, 'PUT', '/v1.44/containers/c1/archive?path=/ro', { body: 'TAR' });
  assert.equal(ro.status, 400);
  assert.equal(JSON.parse(ro.body).message, 'container rootfs is marked read-only');
});

test('POST /commit: query, pause default, optional config body', async () => {
  seen.length = 0;
  const r = await request(ts.sock, 'POST', '/v1.44/commit?author=A&changes=ENV+A%3D1&changes=CMD+x&comment=m&container=c1&repo=docker.io%2Flibrary%2Fx&tag=v1');
  assert.equal(r.status, 201);
  assert.equal(r.body, `{"Id":"sha256:${'a'.repeat(64)}"}\n`);
  assert.deepEqual(seen[0], { container: 'c1', repo: 'docker.io/library/x', tag: 'v1', author: 'A', comment: 'm', pause: true, changes: ['ENV A=1', 'CMD x'], config: undefined });
  await request(ts.sock, 'POST', '/v1.44/commit?container=c1&pause=0');
  assert.equal((seen[1] as CommitOptions).pause, false);
  await request(ts.sock, 'POST', '/v1.44/commit?container=c1', { body: '{"Cmd":["sh"]}', headers: { 'Content-Type': 'application/json' } });
  assert.deepEqual((seen[2] as CommitOptions).config, { Cmd: ['sh'] });
});
