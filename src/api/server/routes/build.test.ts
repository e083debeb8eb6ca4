import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { invalidParameter } from '../../../lib/index.js';
import { request, startTestServer, type TestServer } from '../testkit.js';
import { decodeRegistryConfig, type ImageBuildBackend, type ImageBuildOptions } from './build.js';

let ts: TestServer;
const seen: Omit<ImageBuildOptions, 'context'>[] = [];

const backend: ImageBuildBackend = {
  build: async (_c, o) => {
    let body = '';
    for await (const b of o.context) body += (b as Buffer).toString();
    const { context: _ctx, ...rest } = o;
    seen.push(rest);
    if (body === 'hostile') throw invalidParameter('invalid tar entry "../x": path escapes the archive root');
    return (async function* () {
      yield { stream: 'Step 1/1 : FROM scratch' };
      yield { stream: '\n' };
      yield { errorDetail: { code: 2, message: 'failed' }, error: 'failed' };
    })();
  },
};

before(async () => {
  ts = await startTestServer({ backends: { build: backend } });
});
after(() => ts?.close());

test('POST /build: statuses, the JSON stream with \\r\\n, errors in the stream', async () => {
  const table: [string, string, number, string | RegExp][] = [
    ['/v1.41/build?version=2', 'x', 501, /BuildKit is not supported/],
    ['/v1.41/build?version=3', 'x', 400, /invalid version/],
    ['/v1.41/build?buildargs=notjson', 'x', 400, /invalid buildargs/],
    ['/v1.41/build?labels=[1]', 'x', 400, /invalid labels/],
    ['/v1.41/build?squash=1', 'x', 400, /squash is only supported with experimental mode/],
    ['/v1.41/build?platform=windows/arm64', 'x', 400, /unsupported platform/],
    ['/v1.41/build', 'hostile', 400, '{"message":"invalid tar entry \\"../x\\": path escapes the archive root"}\n'],
    [
      '/v1.41/build',
      'tar',
      200,
      '{"stream":"Step 1/1 : FROM scratch"}\r\n{"stream":"\\n"}\r\n{"errorDetail":{"code":2,"message":"failed"},"error":"failed"}\r\n',
    ],
  ];
  for (const [path, body, status, want] of table) {
    const r = await request(ts.sock, 'POST', path, { body, headers: { 'Content-Type': 'application/x-tar' } });
    assert.equal(r.status, status, `${path}: ${r.body}`);
    if (typeof want === 'string') assert.equal(r.body, want, path);
    else assert.match(r.body, want, path);
  }
});

test('POST /build: the query as options (docker CLI 28 spellings)', async () => {
  seen.length = 0;
  const q = new URLSearchParams();
  q.append('t', 'a:1');
  q.append('t', 'b');
  q.set('dockerfile', 'sub/Dockerfile.dev');
  q.set('buildargs', JSON.stringify({ A: '1', B: null }));
  q.set('labels', JSON.stringify({ l: 'v' }));
  q.set('target', 'prod');
  q.set('nocache', '1');
  q.set('rm', '0');
  q.set('forcerm', '1');
  q.set('q', '1');
  q.set('networkmode', 'host');
  q.append('extrahosts', 'h:1.2.3.4');
  q.set('shmsize', '1048576');
  q.set('memory', '0');
  q.set('version', '1');
  const r = await request(ts.sock, 'POST', `/v1.41/build?${q}`, { body: 'tar' });
  assert.equal(r.status, 200);
  assert.deepEqual(seen[0], {
    remote: undefined,
    dockerfile: 'sub/Dockerfile.dev',
    tags: ['a:1', 'b'],
    buildArgs: { A: '1', B: null },
    labels: { l: 'v' },
    target: 'prod',
    noCache: true,
    rm: false,
    forceRm: true,
    quiet: true,
    hostConfig: { NetworkMode: 'host', ExtraHosts: ['h:1.2.3.4'], ShmSize: 1048576 },
    pull: false,
    cacheFrom: [],
    authConfigs: {},
  });
  await request(ts.sock, 'POST', '/v1.41/build', { body: 'tar' });
  assert.equal(seen[1]!.dockerfile, 'Dockerfile');
  assert.equal(seen[1]!.rm, true);
});

test('POST /build: pull, cachefrom and X-Registry-Config', async () => {
  seen.length = 0;
  const auths = { '127.0.0.1:5000': { username: 'alice', password: 's3cret', serveraddress: '127.0.0.1:5000' }, 'https://index.docker.io/v1/': { auth: 'Ym9iOnB3' } };
  // docker/cli: base64.URLEncoding of the JSON map
  const header = Buffer.from(JSON.stringify(auths)).toString('base64url');
  const q = new URLSearchParams({ pull: '1', cachefrom: JSON.stringify(['app:v1', 'reg/app']) });
  const r = await request(ts.sock, 'POST', `/v1.41/build?${q}`, { body: 'tar', headers: { 'X-Registry-Config': header } });
  assert.equal(r.status, 200);
  assert.equal(seen[0]!.pull, true);
  assert.deepEqual(seen[0]!.cacheFrom, ['app:v1', 'reg/app']);
  assert.deepEqual(seen[0]!.authConfigs, auths);
  const bad = await request(ts.sock, 'POST', `/v1.41/build?cachefrom=notjson`, { body: 'tar' });
  assert.equal(bad.status, 400);
  assert.match(bad.body, /invalid cachefrom/);
});

test('decodeRegistryConfig: url or standard base64; junk and {} mean none', () => {
  const m = { 'r:1': { username: 'u', password: 'p?>' } };
  const json = JSON.stringify(m);
  assert.deepEqual(decodeRegistryConfig(Buffer.from(json).toString('base64url')), m);
  assert.deepEqual(decodeRegistryConfig(Buffer.from(json).toString('base64')), m);
  assert.deepEqual(decodeRegistryConfig('e30='), {});
  assert.deepEqual(decodeRegistryConfig('!!!'), {});
  assert.deepEqual(decodeRegistryConfig(Buffer.from('[1]').toString('base64')), {});
  assert.deepEqual(decodeRegistryConfig(undefined), {});
});
