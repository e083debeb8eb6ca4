import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Route } from './router.js';
import { rm } from 'node:fs/promises';
import { nopLogger } from '../../lib/index.js';
import { createApiServer, type ApiServer } from './server.js';
import { fakeSystem, makePki, rawExchange, readToEnd, readUntil, type Pki } from './testkit.js';
import { PLAIN_HTTP_ON_TLS_ANSWER } from './listeners.js';

let pki: Pki;
let verifying: ApiServer;
let open: ApiServer;
let vPort: number;
let oPort: number;

const portOf = (s: ApiServer) => Number(s.addresses()[0]!.split(':').pop());

/** Echoes stdin until the client's half-close, then answers once more. */
const echoRoute: Route = {
  method: 'POST',
  path: '/echo',
  hijack: true,
  handler: async (_req, res) => {
    const h = await res.hijack({ multiplexed: false });
    for await (const c of h.stdin) await h.write(c as Buffer);
    await h.write('|after-eof');
  },
};

before(async () => {
  pki = await makePki();
  const mk = () =>
    createApiServer({
      backends: { system: fakeSystem() },
      log: nopLogger,
      serverHeader: 'Berth/test (linux)',
      experimental: false,
      extraRoutes: [echoRoute],
    });
  verifying = mk();
  await verifying.listen(['tcp://127.0.0.1:0'], { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, verify: true });
  open = mk();
  await open.listen(['tcp://127.0.0.1:0'], { cert: pki.serverCert, key: pki.serverKey, verify: false });
  vPort = portOf(verifying);
  oPort = portOf(open);
});

after(async () => {
  await verifying.close();
  await open.close();
  await rm(pki.dir, { recursive: true, force: true });
});

function get(port: number, path: string, opts: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path, ca: pki.ca, agent: false, ...opts },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('--tlsverify: a client with a CA-signed certificate is served', async () => {
  const r = await get(vPort, '/v1.44/version', { cert: pki.clientCert, key: pki.clientKey });
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).ApiVersion, '1.44');
});

test('--tlsverify: a client without a certificate, or with a foreign one, is refused', async () => {
  await assert.rejects(get(vPort, '/_ping'));
  await assert.rejects(get(vPort, '/_ping', { cert: pki.strangerCert, key: pki.strangerKey }));
  // and the server keeps serving
  assert.equal((await get(vPort, '/_ping', { cert: pki.clientCert, key: pki.clientKey })).body, 'OK');
});

test('TLS without verify serves clients without certificates', async () => {
  const r = await get(oPort, '/_ping');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'OK');
});

test('plain HTTP on a TLS port gets Go\'s answer', async () => {
  for (const port of [vPort, oPort]) {
    const out = await rawExchange(
      () => net.connect(port, '127.0.0.1'),
      'HEAD /_ping HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\n\r\n',
    );
    assert.equal(out, PLAIN_HTTP_ON_TLS_ANSWER);
    assert.equal(out, 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
  }
});

test('hijack over TLS: a client half-close (close_notify) ends stdin only', async () => {
  const tcp = net.connect({ host: '127.0.0.1', port: vPort, allowHalfOpen: true });
  const c = tls.connect({ socket: tcp, servername: 'localhost', ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
  await new Promise<void>((resolve, reject) => {
    c.once('secureConnect', () => resolve());
    c.once('error', reject);
  });
  c.write('POST /v1.44/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n');
  await readUntil(c, (s) => s.includes('\r\n\r\n'));
  c.write('ping');
  await readUntil(c, (s) => s.includes('ping'));
  c.end();
  const rest = (await readToEnd(c)).toString();
  assert.equal(rest, '|after-eof');
});
