import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { EngineClient } from './client.js';
import { ConnectionError } from './errors.js';

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate (EC keys: fast). */
function makeCerts(dir: string, prefix = ''): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', `${prefix}ca-key.pem`, '-out', `${prefix}ca.pem`, '-days', '2', '-subj', '/CN=test-ca');
  ssl('req', ...ec, '-keyout', `${prefix}server-key.pem`, '-out', `${prefix}server.csr`, '-subj', '/CN=localhost');
  execFileSync('sh', ['-c', `printf 'subjectAltName = DNS:localhost,IP:127.0.0.1\\n' > ${prefix}ext.cnf; printf 'extendedKeyUsage = clientAuth\\n' > ${prefix}extc.cnf`], { cwd: dir });
  ssl('x509', '-req', '-in', `${prefix}server.csr`, '-CA', `${prefix}ca.pem`, '-CAkey', `${prefix}ca-key.pem`, '-CAcreateserial', '-out', `${prefix}server-cert.pem`, '-days', '2', '-extfile', `${prefix}ext.cnf`);
  ssl('req', ...ec, '-keyout', `${prefix}key.pem`, '-out', `${prefix}client.csr`, '-subj', '/CN=client');
  ssl('x509', '-req', '-in', `${prefix}client.csr`, '-CA', `${prefix}ca.pem`, '-CAkey', `${prefix}ca-key.pem`, '-CAcreateserial', '-out', `${prefix}cert.pem`, '-days', '2', '-extfile', `${prefix}extc.cnf`);
}

describe('TLS (tcp:// with --tlsverify)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-tls-test-'));
  const pem = (name: string) => readFileSync(join(dir, name));
  const seen: string[] = [];
  let server: https.Server;
  let host: string;

  before(async () => {
    makeCerts(dir);
    makeCerts(dir, 'rogue-');
    server = https.createServer(
      { key: pem('server-key.pem'), cert: pem('server-cert.pem'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        seen.push(`${req.method} ${req.url}`);
        res.setHeader('Api-Version', '1.44');
        if (req.url === '/_ping') return res.end();
        res.setHeader('Content-Type', 'application/json');
        res.end('{"Version":"0.1.0"}\n');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a CA-signed client certificate is served', async () => {
    seen.length = 0;
    const c = new EngineClient({ host, tls: { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem'), verify: true } });
    assert.deepEqual(await c.version(), { Version: '0.1.0' });
    assert.deepEqual(seen, ['HEAD /_ping', 'GET /v1.44/version']);
    c.close();
  });

  test('without verification the CA is not needed', async () => {
    const c = new EngineClient({ host, tls: { cert: pem('cert.pem'), key: pem('key.pem'), verify: false } });
    assert.deepEqual(await c.version(), { Version: '0.1.0' });
    c.close();
  });

  test("no client certificate: docker's client-authentication hint", async () => {
    const c = new EngineClient({ host, tls: { ca: pem('ca.pem'), verify: true } });
    await assert.rejects(c.version(), (e: unknown) => {
      assert.ok(e instanceof ConnectionError, String(e));
      assert.match(e.message, /^the server probably has client authentication \(--tlsverify\) enabled; check your TLS client certification settings: /);
      return true;
    });
    c.close();
  });

  test('a server certificate from another CA is refused', async () => {
    const c = new EngineClient({ host, tls: { ca: pem('rogue-ca.pem'), cert: pem('cert.pem'), key: pem('key.pem'), verify: true } });
    await assert.rejects(c.version(), (e: unknown) => e instanceof ConnectionError && /^error during connect: Head "https:\/\/127\.0\.0\.1:\d+\/_ping": /.test(e.message));
    c.close();
  });

  test('a client certificate from another CA is refused', async () => {
    const c = new EngineClient({ host, tls: { ca: pem('ca.pem'), cert: pem('rogue-cert.pem'), key: pem('rogue-key.pem'), verify: true } });
    await assert.rejects(c.version(), (e: unknown) => e instanceof ConnectionError);
    c.close();
  });

  test('plain HTTP to the TLS port fails as a connection error', async () => {
    const c = new EngineClient({ host });
    await assert.rejects(c.version(), (e: unknown) => e instanceof ConnectionError);
    c.close();
  });
});
