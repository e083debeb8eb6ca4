import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { WebSocket } from 'ws';
import { notFound } from '../../lib/index.js';
import type { Route } from './router.js';
import { rawExchange, readUntil, request, startTestServer, type TestServer } from './testkit.js';

const aborted: string[] = [];
let slowInput: Readable | undefined;
let releaseSlow: () => void = () => {};
let slowTotal: (n: number) => void = () => {};
const slowDone = new Promise<number>((r) => (slowTotal = r));

/** Fake websocket routes: echo (input back as output), one message then return, fail after the upgrade, a slow reader. */
const routes: Route[] = [
  {
    method: 'GET',
    path: '/test/{id}/ws',
    websocket: true,
    handler: async (req, res) => {
      if (req.params.id === 'missing') throw notFound('No such container: missing');
      const ws = await res.websocket({ binary: req.versionAtLeast('1.28') });
      req.ctx.signal.addEventListener('abort', () => aborted.push(req.params.id!));
      if (req.params.id === 'once') {
        await ws.send(Buffer.from('only this'));
        return;
      }
      if (req.params.id === 'fail') throw new Error('boom after the upgrade');
      if (req.params.id === 'slow') {
        const input = ws.input();
        slowInput = input;
        await new Promise<void>((r) => (releaseSlow = r));
        let n = 0;
        for await (const c of input) n += (c as Buffer).length;
        slowTotal(n);
        return;
      }
      for await (const c of ws.input()) await ws.send(Buffer.concat([Buffer.from('echo:'), c as Buffer]));
    },
  },
  {
    method: 'POST',
    path: '/test/{id}/attach',
    hijack: true,
    handler: async (_req, res) => {
      const h = await res.hijack({ multiplexed: false });
      await h.write('hijacked');
    },
  },
];

let ts: TestServer;
before(async () => {
  ts = await startTestServer({ extraRoutes: routes });
});
after(async () => {
  await ts.close();
});

function connect(path: string): WebSocket {
  return new WebSocket(`ws+unix://${ts.sock}:${path}`);
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_r, res: IncomingMessage) => reject(new Error(`status ${res.statusCode}`)));
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

function nextMessage(ws: WebSocket): Promise<{ data: string; binary: boolean }> {
  return new Promise((resolve) => ws.once('message', (d: Buffer, binary: boolean) => resolve({ data: d.toString(), binary })));
}

test('echo: client messages are input, output goes out as binary frames (API >= 1.28)', async () => {
  const ws = connect('/v1.44/test/a/ws');
  await opened(ws);
  ws.send('one');
  assert.deepEqual(await nextMessage(ws), { data: 'echo:one', binary: true });
  ws.send(Buffer.from('two'));
  assert.deepEqual(await nextMessage(ws), { data: 'echo:two', binary: true });
  const c = closed(ws);
  ws.close(1000);
  // input ends on the client's close; the handler returns; the server completes the close
  assert.equal(await c, 1000);
});

test('text frames before API 1.28', async () => {
  const ws = connect('/v1.27/test/b/ws');
  await opened(ws);
  ws.send('x');
  assert.deepEqual(await nextMessage(ws), { data: 'echo:x', binary: false });
  ws.terminate();
});

test('the handler returning closes the websocket normally (1000)', async () => {
  const ws = connect('/v1.44/test/once/ws');
  const msg = nextMessage(ws);
  const c = closed(ws);
  await opened(ws);
  assert.equal((await msg).data, 'only this');
  assert.equal(await c, 1000);
});

test('an error before the upgrade is a plain HTTP error with the JSON body', async () => {
  const ws = connect('/v1.44/test/missing/ws');
  const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    ws.once('open', () => reject(new Error('upgraded')));
    ws.once('unexpected-response', (_r, res: IncomingMessage) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
  assert.equal(r.status, 404);
  assert.deepEqual(JSON.parse(r.body), { message: 'No such container: missing' });
});

test('an error after the upgrade drops the connection (no close frame)', async () => {
  const ws = connect('/v1.44/test/fail/ws');
  const c = closed(ws);
  await opened(ws);
  assert.equal(await c, 1006);
  assert.ok(ts.logs.some((l) => l.includes('boom after the upgrade')), 'the error is logged');
});

test('not a websocket handshake: 400 with the JSON error (plain GET, Upgrade: tcp, no key)', async () => {
  const plain = await request(ts.sock, 'GET', '/v1.44/test/a/ws');
  assert.equal(plain.status, 400);
  assert.deepEqual(JSON.parse(plain.body), { message: 'not websocket protocol' });

  const tcp = await rawExchange(
    () => net.connect(ts.sock),
    'GET /v1.44/test/a/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
  );
  assert.match(tcp, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(tcp, /\{"message":"not websocket protocol"\}/);

  const nokey = await rawExchange(
    () => net.connect(ts.sock),
    'GET /v1.44/test/a/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  assert.match(nokey, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(nokey, /Content-Type: application\/json/);
  assert.match(nokey, /"message":"not websocket protocol: Missing or invalid Sec-WebSocket-Key header"/);
});

test('Upgrade: websocket on a hijack route is still a Docker hijack', async () => {
  const c = net.connect(ts.sock);
  c.write(
    'POST /v1.44/test/h/attach HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n',
  );
  const got = await readUntil(c, (s) => s.endsWith('hijacked'));
  assert.match(got, /^HTTP\/1\.1 101 UPGRADED\r\n/);
  c.destroy();
});

test('a client disconnect aborts ctx.signal', async () => {
  const ws = connect('/v1.44/test/gone/ws');
  await opened(ws);
  ws.send('ping');
  await nextMessage(ws);
  ws.terminate();
  for (let i = 0; i < 100 && !aborted.includes('gone'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(aborted.includes('gone'));
});

test('input is bounded while the reader does not read, and nothing is lost', async () => {
  const ws = connect('/v1.44/test/slow/ws');
  await opened(ws);
  const piece = Buffer.alloc(64 << 10, 0x61);
  for (let i = 0; i < 64; i++) ws.send(piece);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(slowInput, 'the handler took its input');
  // 4 MiB sent; the server stopped reading the socket past the Readable's highWaterMark
  assert.ok(slowInput.readableLength <= 512 << 10, `buffered ${slowInput.readableLength}`);
  ws.close(1000);
  releaseSlow();
  assert.equal(await slowDone, 64 * piece.length);
});
