import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { muxFrame, notFound, StdcopyDemuxer, StdStream } from '../../lib/index.js';
import type { Route } from './router.js';
import { rawExchange, readToEnd, readUntil, request, startTestServer, type TestServer } from './testkit.js';

const aborted: string[] = [];

/**
 * A fake attach/exec-start: reads an optional JSON body, hijacks, echoes stdin back (as
 * stdout frames unless tty), and after the client's half-close writes "bye" on stderr.
 */
const routes: Route[] = [
  {
    method: 'POST',
    path: '/test/{id}/attach',
    hijack: true,
    handler: async (req, res) => {
      if (req.params.id === 'missing') throw notFound('No such container: missing');
      const body = await req.json<{ Tty?: boolean }>();
      const tty = req.query.bool('tty', body.Tty ?? false);
      const h = await res.hijack({ multiplexed: !tty });
      req.ctx.signal.addEventListener('abort', () => aborted.push(req.params.id!));
      for await (const chunk of h.stdin) await h.write(tty ? (chunk as Buffer) : muxFrame(StdStream.stdout, chunk as Buffer));
      await h.write(tty ? 'bye' : muxFrame(StdStream.stderr, `bye ${JSON.stringify(body)}`));
    },
  },
  {
    method: 'POST',
    path: '/test/{id}/hang',
    hijack: true,
    handler: async (req, res) => {
      // A full close and a half-close look the same until a write fails, so keep writing.
      const h = await res.hijack({ multiplexed: false });
      while (!req.ctx.signal.aborted) {
        await h.write(muxFrame(StdStream.stdout, '.')).catch(() => {});
        await new Promise((r) => setTimeout(r, 20));
      }
      aborted.push(req.params.id!);
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

const HEAD_RAW =
  'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n';
const HEAD_MUX =
  'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n';

function upgradeRequest(path: string, body = '', contentType = 'application/json'): string {
  return (
    `POST ${path} HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\n` +
    `Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

function demux(bytes: Buffer): { stream: number; text: string }[] {
  const d = new StdcopyDemuxer({ wholeFrames: true });
  const out = d.push(bytes).map((f) => ({ stream: f.stream, text: f.data.toString() }));
  d.end();
  return out;
}

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ path: ts.sock, allowHalfOpen: true });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

test('101 UPGRADED, stdin echoed as frames, half-close is EOF and output continues after it', async () => {
  const c = await connect();
  c.write(upgradeRequest('/v1.41/test/a/attach', '{"Detach":false,"Tty":false}'));
  const head = await readUntil(c, (s) => s.includes('\r\n\r\n'));
  assert.equal(head, HEAD_RAW, 'API 1.41: raw-stream even for frames (20.10 behaviour)');
  c.write('hello');
  const echoed = await readUntil(c, (s) => s.length >= 13);
  assert.deepEqual(demux(Buffer.from(echoed, 'latin1')), [{ stream: 1, text: 'hello' }]);
  c.end(); // CloseWrite: the handler sees EOF, then still writes
  const tail = await readToEnd(c);
  assert.deepEqual(demux(tail), [{ stream: 2, text: 'bye {"Detach":false,"Tty":false}' }]);
});

test('multiplexed-stream content type for API >= 1.42 without tty; raw-stream with tty', async () => {
  const a = await rawExchange(() => net.connect({ path: ts.sock, allowHalfOpen: true }), upgradeRequest('/v1.44/test/b/attach', '{}'), 300);
  assert.ok(a.startsWith(HEAD_MUX), a);
  const b = await rawExchange(() => net.connect({ path: ts.sock, allowHalfOpen: true }), upgradeRequest('/v1.44/test/b/attach?tty=1', '{}'), 300);
  assert.ok(b.startsWith(HEAD_RAW), b);
  const u = await rawExchange(() => net.connect({ path: ts.sock, allowHalfOpen: true }), upgradeRequest('/test/b/attach', '', 'text/plain'), 300);
  assert.ok(u.startsWith(HEAD_MUX), 'unversioned path = 1.44');
});

test('body and stdin arriving with the headers in one packet are split correctly', async () => {
  const c = await connect();
  c.write(upgradeRequest('/v1.44/test/c/attach?tty=1', '{"Tty":true}') + 'typed-ahead');
  c.end();
  const got = (await readToEnd(c)).toString('latin1');
  assert.equal(got, HEAD_RAW + 'typed-ahead' + 'bye');
});

test('a client that does not upgrade gets 200 with the raw stream and no stdin', async () => {
  const out = await rawExchange(
    () => net.connect(ts.sock),
    'POST /v1.41/test/d/attach?tty=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
  );
  assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(out, /\r\nContent-Type: application\/vnd\.docker\.raw-stream\r\n/);
  assert.match(out, /\r\nApi-Version: 1\.44\r\n/);
  assert.doesNotMatch(out, /Transfer-Encoding/i);
  assert.ok(out.endsWith('\r\n\r\nbye'), out);
});

test('errors before the hijack are ordinary JSON responses on the upgrade socket', async () => {
  const out = await rawExchange(() => net.connect(ts.sock), upgradeRequest('/v1.44/test/missing/attach', '{}'));
  assert.match(out, /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.match(out, /\{"message":"No such container: missing"\}\n/);
  const bad = await rawExchange(() => net.connect(ts.sock), upgradeRequest('/v1.44/test/x/attach', '{bad'));
  assert.match(bad, /^HTTP\/1\.1 400 Bad Request\r\n/);
  const nf = await rawExchange(() => net.connect(ts.sock), upgradeRequest('/v1.44/nothing/here', ''));
  assert.match(nf, /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*page not found/);
  assert.match(nf, /\r\nConnection: close\r\n/);
});

test('an upgrade request to an ordinary route is answered normally', async () => {
  const out = await rawExchange(
    () => net.connect(ts.sock),
    'GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
  );
  assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(out, /\r\nSwarm: inactive\r\n/);
  assert.match(out, /OK/);
  const after = await request(ts.sock, 'GET', '/_ping');
  assert.equal(after.status, 200);
});

test('a client disconnect aborts ctx.signal of a hijacked request', async () => {
  const c = await connect();
  c.write(upgradeRequest('/v1.44/test/gone/hang'));
  await readUntil(c, (s) => s.includes('\r\n\r\n'));
  c.destroy();
  for (let i = 0; i < 50 && !aborted.includes('gone'); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(aborted.includes('gone'));
});

test('close() ends hijacked connections too', async () => {
  const local = await startTestServer({ extraRoutes: routes });
  const c = net.connect({ path: local.sock, allowHalfOpen: true });
  c.write(upgradeRequest('/v1.44/test/closing/hang'));
  await readUntil(c, (s) => s.includes('\r\n\r\n'));
  const closed = new Promise<void>((r) => c.once('end', () => r()));
  c.resume();
  await local.close();
  await closed;
  c.destroy();
  for (let i = 0; i < 50 && !aborted.includes('closing'); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(aborted.includes('closing'));
});
