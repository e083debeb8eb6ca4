import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { notFound, conflict, unavailable, notModified, notImplemented, forbidden, unauthorized } from '../../lib/index.js';
import type { Route } from './router.js';
import { rawExchange, request, startTestServer, type TestServer } from './testkit.js';

const seen: Record<string, unknown> = {};

const testRoutes: Route[] = [
  { method: 'POST', path: '/test/json', handler: async (req) => ({ got: await req.json() }) },
  { method: 'POST', path: '/test/small', handler: async (req) => ({ got: await req.json({ maxBytes: 64 }) }) },
  {
    method: 'POST',
    path: '/test/stream',
    handler: async (req) => {
      let n = 0;
      for await (const c of req.stream()) n += (c as Buffer).length;
      return { bytes: n };
    },
  },
  {
    method: 'GET',
    path: '/test/query',
    handler: (req) => ({
      force: req.query.bool('force'),
      all: req.query.bool('all', true),
      limit: req.query.int('limit', 7),
      filters: req.query.filters().toJSON(),
    }),
  },
  { method: 'GET', path: '/test/plain-error', handler: () => { throw new Error('boom'); } },
  { method: 'GET', path: '/test/not-found', handler: () => { throw notFound('No such container: x'); } },
  {
    method: 'GET',
    path: '/test/kind/{kind}',
    handler: (req) => {
      const k = req.params.kind;
      const makers = { conflict, unavailable, notModified, notImplemented, forbidden, unauthorized } as const;
      throw makers[k as keyof typeof makers]('kind ' + k);
    },
  },
  { method: 'POST', path: '/test/nothing', handler: () => undefined },
  { method: 'POST', path: '/test/created', handler: (_req, res) => res.status(201) },
  {
    method: 'GET',
    path: '/test/images/{name:.*}/json',
    handler: (req) => ({ name: req.params.name, v: req.apiVersion }),
  },
  { method: 'DELETE', path: '/test/images/{name:.*}', handler: (req) => ({ deleted: req.params.name }) },
  { method: 'GET', path: '/test/images/json', handler: () => ({ list: true }) },
  { method: 'GET', path: '/test/containers/{id}/json', handler: (req) => ({ id: req.params.id }) },
  { method: 'GET', path: '/test/new', minVersion: '1.40', handler: () => ({ ok: true }) },
  {
    method: 'GET',
    path: '/test/ctx',
    handler: (req) => {
      seen.ctx = { apiVersion: req.ctx.apiVersion, requestId: req.ctx.requestId };
      return seen.ctx;
    },
  },
];

let ts: TestServer;
before(async () => {
  ts = await startTestServer({ extraRoutes: testRoutes, maxBodyBytes: 1024 });
});
after(async () => {
  await ts.close();
});

test('status table', async () => {
  const table: [string, string, number][] = [
    ['GET', '/v1.44/version', 200],
    ['GET', '/version', 200],
    ['GET', '/v1.24/version', 200],
    ['GET', '/v1.41/info', 200],
    ['GET', '/v1.99/version', 400],
    ['GET', '/v1.45/version', 400],
    ['GET', '/v1.23/_ping', 400],
    ['GET', '/nope', 404],
    ['GET', '/v1.44/nope', 404],
    ['GET', '/v1.99/nope', 404],
    ['POST', '/version', 404],
    ['DELETE', '/_ping', 404],
    ['HEAD', '/version', 404],
    ['GET', '/version/', 404],
    ['GET', '/vabc/version', 404],
    ['GET', '/_ping', 200],
    ['HEAD', '/_ping', 200],
    ['GET', '/test/plain-error', 500],
    ['GET', '/test/not-found', 404],
    ['GET', '/test/kind/conflict', 409],
    ['GET', '/test/kind/unavailable', 503],
    ['GET', '/test/kind/notModified', 304],
    ['GET', '/test/kind/notImplemented', 501],
    ['GET', '/test/kind/forbidden', 403],
    ['GET', '/test/kind/unauthorized', 401],
    ['POST', '/test/nothing', 204],
    ['POST', '/test/created', 201],
    ['GET', '/v1.40/test/new', 200],
    ['GET', '/v1.39/test/new', 404],
    ['GET', '/test/new', 200],
  ];
  for (const [method, path, want] of table) {
    const r = await request(ts.sock, method, path);
    assert.equal(r.status, want, `${method} ${path}: ${r.body}`);
  }
});

test('error bodies use Docker wording and end with a newline', async () => {
  const cases: [string, string][] = [
    ['/v1.45/version', 'client version 1.45 is too new. Maximum supported API version is 1.44'],
    [
      '/v1.23/version',
      'client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version',
    ],
    ['/nope', 'page not found'],
    ['/test/plain-error', 'boom'],
    ['/test/not-found', 'No such container: x'],
  ];
  for (const [path, message] of cases) {
    const r = await request(ts.sock, 'GET', path);
    assert.equal(r.body, JSON.stringify({ message }) + '\n', path);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['api-version'], '1.44');
  }
  const nm = await request(ts.sock, 'GET', '/test/kind/notModified');
  assert.equal(nm.body, '');
});

test('5xx are logged at error with the cause, 4xx at debug', async () => {
  ts.logs.length = 0;
  await request(ts.sock, 'GET', '/test/plain-error');
  await request(ts.sock, 'GET', '/test/not-found');
  const lines = ts.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  const err = lines.find((l) => l.level === 'error');
  assert.ok(err, 'an error line');
  assert.equal(err.error, 'boom');
  assert.equal(err.path, '/test/plain-error');
  assert.equal(err.method, 'GET');
  assert.ok(err.requestId);
  const nf = lines.find((l) => l.path === '/test/not-found' && l.msg === 'request failed');
  assert.equal(nf?.level, 'debug');
});

test('common headers on every response', async () => {
  for (const path of ['/version', '/nope', '/v1.99/version', '/_ping']) {
    const r = await request(ts.sock, 'GET', path);
    assert.equal(r.headers['api-version'], '1.44', path);
    assert.equal(r.headers['docker-experimental'], 'false', path);
    assert.equal(r.headers['ostype'], 'linux', path);
    assert.equal(r.headers['server'], 'Berth/0.1.0-test (linux)', path);
    assert.ok(r.headers['date'], path);
  }
  // header names keep Go's canonical spelling on the wire
  const r = await request(ts.sock, 'GET', '/version');
  for (const name of ['Api-Version', 'Docker-Experimental', 'Ostype', 'Server', 'Date']) {
    assert.ok(r.rawHeaders.includes(name), name);
  }
});

test('HEAD and GET /_ping', async () => {
  const head = await request(ts.sock, 'HEAD', '/_ping');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers['content-length'], '0');
  const get = await request(ts.sock, 'GET', '/_ping');
  assert.equal(get.body, 'OK');
  assert.equal(get.headers['content-length'], '2');
  for (const r of [head, get]) {
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache, no-store, must-revalidate');
    assert.equal(r.headers['pragma'], 'no-cache');
    assert.equal(r.headers['builder-version'], '1');
    assert.equal(r.headers['swarm'], 'inactive');
    assert.equal(r.headers['api-version'], '1.44');
  }
});

test('/version fills ApiVersion and MinAPIVersion; JSON ends with a newline', async () => {
  const r = await request(ts.sock, 'GET', '/v1.41/version');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.ok(r.body.endsWith('}\n'));
  const v = JSON.parse(r.body);
  assert.equal(v.ApiVersion, '1.44');
  assert.equal(v.MinAPIVersion, '1.24');
  assert.equal(v.Components[0].Details.ApiVersion, '1.44');
  assert.equal(v.Version, '0.1.0');
  const info = JSON.parse((await request(ts.sock, 'GET', '/info')).body);
  assert.equal(info.ID, 'TEST:INFO');
});

test('ctx carries the negotiated version and a request id', async () => {
  const a = JSON.parse((await request(ts.sock, 'GET', '/v1.41/test/ctx')).body);
  const b = JSON.parse((await request(ts.sock, 'GET', '/test/ctx')).body);
  assert.equal(a.apiVersion, '1.41');
  assert.equal(b.apiVersion, '1.44');
  assert.ok(a.requestId && b.requestId && a.requestId !== b.requestId);
});

test('greedy and single-segment params; static routes win', async () => {
  const j = (p: string, m = 'GET') => request(ts.sock, m, p).then((r) => [r.status, JSON.parse(r.body)] as const);
  assert.deepEqual(await j('/v1.44/test/images/127.0.0.1:5000/a/b/json'), [200, { name: '127.0.0.1:5000/a/b', v: '1.44' }]);
  assert.deepEqual(await j('/test/images/busybox/json'), [200, { name: 'busybox', v: '1.44' }]);
  assert.deepEqual(await j('/test/images/json'), [200, { list: true }]);
  assert.deepEqual(await j('/test/images/json', 'DELETE'), [200, { deleted: 'json' }]);
  assert.deepEqual(await j('/test/images/a%2Fb/json'), [200, { name: 'a/b', v: '1.44' }]);
  assert.deepEqual(await j('/test/containers/abc/json'), [200, { id: 'abc' }]);
  assert.equal((await request(ts.sock, 'GET', '/test/containers/a/b/json')).status, 404);
});

test('JSON bodies: parse, empty, malformed, content type', async () => {
  const post = (body: string | undefined, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
    request(ts.sock, 'POST', '/test/json', { body, headers });
  let r = await post('{"a":1}');
  assert.deepEqual(JSON.parse(r.body), { got: { a: 1 } });
  r = await post('{"a":1}', { 'Content-Type': 'application/json; charset=utf-8' });
  assert.equal(r.status, 200);
  r = await post(undefined, {});
  assert.deepEqual(JSON.parse(r.body), { got: {} }, 'no body, no content type');
  r = await post('', { 'Content-Type': 'application/json' });
  assert.deepEqual(JSON.parse(r.body), { got: {} });
  r = await post('null');
  assert.deepEqual(JSON.parse(r.body), { got: {} });

  r = await post('xyz');
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).message, "invalid JSON: invalid character 'x' looking for beginning of value");
  r = await post('{"a":');
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.body).message, /^invalid JSON: /);
  r = await post('[1,2]');
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.body).message, /cannot unmarshal array/);

  r = await post('{"a":1}', { 'Content-Type': 'text/plain' });
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).message, "unsupported Content-Type header (text/plain): must be 'application/json'");
  r = await post('{"a":1}', {});
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.body).message, /malformed Content-Type header/);
});

test('oversized bodies are refused and the daemon keeps serving', async () => {
  const big = JSON.stringify({ x: 'y'.repeat(5000) });
  const r = await request(ts.sock, 'POST', '/test/json', { body: big, headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.body).message, /too large.*1024 bytes/);
  // chunked: no Content-Length to check up front, the limit applies while reading
  const c = await request(ts.sock, 'POST', '/test/json', {
    chunks: [big.slice(0, 600), big.slice(600, 1200), big.slice(1200)],
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(c.status, 400);
  const s = await request(ts.sock, 'POST', '/test/small', {
    body: JSON.stringify({ x: 'y'.repeat(100) }),
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(s.status, 400);
  assert.match(JSON.parse(s.body).message, /64 bytes/);
  const next = await request(ts.sock, 'GET', '/_ping');
  assert.equal(next.status, 200);
});

test('chunked request bodies', async () => {
  const r = await request(ts.sock, 'POST', '/test/json', {
    chunks: ['{"a":', '[1,2', ',3]}'],
    headers: { 'Content-Type': 'application/json' },
  });
  assert.deepEqual(JSON.parse(r.body), { got: { a: [1, 2, 3] } });
  // streaming bodies are not limited by maxBodyBytes and are not buffered
  const chunk = Buffer.alloc(64 * 1024, 1);
  const s = await request(ts.sock, 'POST', '/test/stream', {
    chunks: Array.from({ length: 32 }, () => chunk),
    headers: { 'Content-Type': 'application/x-tar' },
  });
  assert.deepEqual(JSON.parse(s.body), { bytes: 32 * 64 * 1024 });
});

test('keep-alive: several requests on one connection', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ports = new Set<unknown>();
  try {
    for (let i = 0; i < 5; i++) {
      const r = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request({ socketPath: ts.sock, path: '/v1.44/version', agent }, resolve);
        req.on('socket', (s) => ports.add(s));
        req.on('error', reject);
        req.end();
      });
      r.resume();
      await new Promise((res) => r.on('end', res));
      assert.equal(r.statusCode, 200);
    }
    assert.equal(ports.size, 1, 'one socket reused');
  } finally {
    agent.destroy();
  }
  // and raw: two pipelined requests on one connection, the first one an error
  const out = await rawExchange(
    () => net.connect(ts.sock),
    'GET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  assert.match(out, /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.match(out, /HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nOK$/);
});

test('loose booleans, ints and both filter encodings', async () => {
  const q = async (s: string) => {
    const r = await request(ts.sock, 'GET', '/test/query?' + s);
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body);
  };
  for (const [s, want] of [
    ['force=1', true],
    ['force=True', true],
    ['force=yes', true],
    ['force=False', false],
    ['force=0', false],
    ['force=no', false],
    ['force=NONE', false],
    ['force=', false],
    ['', false],
  ] as const) {
    assert.equal((await q(s)).force, want, s);
  }
  assert.equal((await q('')).all, true, 'absent gives the default');
  assert.equal((await q('all=0')).all, false);
  assert.equal((await q('limit=-1')).limit, -1);
  assert.equal((await q('')).limit, 7);
  const bad = await request(ts.sock, 'GET', '/test/query?limit=abc');
  assert.equal(bad.status, 400);
  const cli = await q('filters=' + encodeURIComponent('{"status":{"exited":true},"label":{"a=b":true}}'));
  const py = await q('filters=' + encodeURIComponent('{"status": ["exited"], "label": ["a=b"]}'));
  assert.deepEqual(cli.filters, { status: { exited: true }, label: { 'a=b': true } });
  assert.deepEqual(py.filters, cli.filters);
  const badf = await request(ts.sock, 'GET', '/test/query?filters=' + encodeURIComponent('{bad'));
  assert.equal(badf.status, 400);
});

test('the socket is mode 0660; an existing socket file is replaced, any other file refused', async () => {
  const st = await stat(ts.sock);
  assert.equal(st.mode & 0o777, 0o660);
  const { createApiServer } = await import('./server.js');
  const { fakeSystem, captureLogger } = await import('./testkit.js');
  const mk = () =>
    createApiServer({ backends: { system: fakeSystem() }, log: captureLogger([]), serverHeader: 'x', experimental: true });
  // a socket left behind by a daemon that died without cleaning up
  const stale = join(ts.dir, 'stale.sock');
  const leftover = net.createServer();
  await new Promise<void>((r) => leftover.listen(stale, r));
  const srv = mk();
  await srv.listen([`unix://${stale}`]);
  const r = await request(stale, 'GET', '/_ping');
  assert.equal(r.headers['docker-experimental'], 'true');
  await srv.close();
  leftover.close();
  const file = join(ts.dir, 'not-a-socket');
  await writeFile(file, 'x');
  await assert.rejects(mk().listen([`unix://${file}`]), /exists and is not a socket/);
});

test('several hosts at once; bad hosts are rejected clearly and nothing stays bound', async () => {
  const { createApiServer } = await import('./server.js');
  const { fakeSystem } = await import('./testkit.js');
  const { nopLogger } = await import('../../lib/index.js');
  const srv = createApiServer({ backends: { system: fakeSystem() }, log: nopLogger, serverHeader: 'x', experimental: false });
  await assert.rejects(srv.listen(['fd://']), /fd:\/\/ .*not supported/);
  await assert.rejects(srv.listen(['http://x']), /invalid host/);
  const sock = join(ts.dir, 'multi.sock');
  await assert.rejects(srv.listen([`unix://${sock}`, 'tcp://256.1.1.1:1']));
  assert.deepEqual(srv.addresses(), []);
  await assert.rejects(stat(sock), /ENOENT/);

  await srv.listen([`unix://${sock}`, 'tcp://127.0.0.1:0']);
  const [unixAddr, tcpAddr] = srv.addresses();
  assert.equal(unixAddr, `unix://${sock}`);
  assert.match(tcpAddr!, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  const port = Number(tcpAddr!.split(':').pop());
  const r = await new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/_ping' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
  assert.equal(r, 200);
  assert.equal((await request(sock, 'GET', '/_ping')).body, 'OK');
  await srv.close();
  await assert.rejects(stat(sock), /ENOENT/, 'the socket file is removed on close');
});

test('host parsing', async () => {
  const { parseHost } = await import('./listeners.js');
  assert.deepEqual(parseHost('unix:///run/x.sock', false), { kind: 'unix', path: '/run/x.sock' });
  assert.deepEqual(parseHost('unix://', false), { kind: 'unix', path: '/var/run/docker.sock' });
  assert.deepEqual(parseHost('tcp://:2375', false), { kind: 'tcp', host: '', port: 2375 });
  assert.deepEqual(parseHost('tcp://0.0.0.0', true), { kind: 'tcp', host: '0.0.0.0', port: 2376 });
  assert.deepEqual(parseHost('tcp://[::1]:2375', false), { kind: 'tcp', host: '::1', port: 2375 });
  assert.deepEqual(parseHost('tcp://127.0.0.1:2375/', false), { kind: 'tcp', host: '127.0.0.1', port: 2375 });
  assert.throws(() => parseHost('tcp://127.0.0.1:x', false), /invalid port/);
  assert.throws(() => parseHost('tcp://127.0.0.1:2375/path', false), /path element/);
  assert.throws(() => parseHost('unix://relative.sock', false), /absolute/);
});
