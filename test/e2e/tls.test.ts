/**
 * TLS as in the book's appendix A: a CA made with openssl signs the daemon's and the client's
 * certificates; berthd --tlsverify serves only clients with a CA-signed certificate.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { startDaemon, run, CLIS, cliRun, TestDaemon, freePort } from './harness.js';

let d: TestDaemon;
let certs: string;
let port: number;

async function sh(script: string, cwd: string) {
  const r = await run('sh', ['-ec', `cd ${cwd}\n${script}`]);
  if (r.code !== 0) throw new Error(r.stderr);
}

/** The book's openssl steps, non-interactive. */
export async function makeCerts(dir: string): Promise<void> {
  await sh(
    `
openssl genrsa -out ca-key.pem 2048 2>/dev/null
openssl req -new -x509 -days 30 -key ca-key.pem -sha256 -subj /CN=berth-test-ca -out ca.pem
openssl genrsa -out server-key.pem 2048 2>/dev/null
openssl req -subj /CN=localhost -sha256 -new -key server-key.pem -out server.csr
printf 'subjectAltName = DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage = serverAuth\\n' > extfile.cnf
openssl x509 -req -days 30 -sha256 -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server-cert.pem -extfile extfile.cnf 2>/dev/null
openssl genrsa -out key.pem 2048 2>/dev/null
openssl req -subj /CN=client -new -key key.pem -out client.csr
printf 'extendedKeyUsage = clientAuth\\n' > extfile-client.cnf
openssl x509 -req -days 30 -sha256 -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out cert.pem -extfile extfile-client.cnf 2>/dev/null
openssl genrsa -out rogue-ca-key.pem 2048 2>/dev/null
openssl req -new -x509 -days 30 -key rogue-ca-key.pem -sha256 -subj /CN=rogue -out rogue-ca.pem
openssl req -subj /CN=rogue-client -new -key key.pem -out rogue.csr
openssl x509 -req -days 30 -sha256 -in rogue.csr -CA rogue-ca.pem -CAkey rogue-ca-key.pem -CAcreateserial -out rogue-cert.pem -extfile extfile-client.cnf 2>/dev/null
`,
    dir,
  );
}


before(async () => {
  certs = mkdtempSync('/tmp/be-certs-');
  await makeCerts(certs);
  port = await freePort();
  d = await startDaemon({
    args: [
      '--tlsverify',
      `--tlscacert=${join(certs, 'ca.pem')}`,
      `--tlscert=${join(certs, 'server-cert.pem')}`,
      `--tlskey=${join(certs, 'server-key.pem')}`,
      '-H', `tcp://127.0.0.1:${port}`,
    ],
  });
});
after(async () => {
  await d?.cleanup();
  rmSync(certs, { recursive: true, force: true });
});

for (const cli of CLIS) {
  test(`${cli} with CA-signed client certificates (flags) is served over TLS`, async () => {
    const r = await cliRun(d, cli, [
      '-H', `tcp://127.0.0.1:${port}`, '--tlsverify',
      '--tlscacert', join(certs, 'ca.pem'), '--tlscert', join(certs, 'cert.pem'), '--tlskey', join(certs, 'key.pem'),
      'version', '--format', '{{.Server.Version}}',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0.1.0');
  });

  test(`${cli} with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH is served`, async () => {
    const r = await cliRun(d, cli, ['version', '--format', '{{.Server.Version}}'], {
      env: { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0.1.0');
  });

  test(`${cli} with a certificate from another CA is refused`, async () => {
    const r = await cliRun(d, cli, [
      '-H', `tcp://127.0.0.1:${port}`, '--tlsverify',
      '--tlscacert', join(certs, 'ca.pem'), '--tlscert', join(certs, 'rogue-cert.pem'), '--tlskey', join(certs, 'key.pem'),
      'version', '--format', '{{.Server.Version}}',
    ]);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stdout, /0\.1\.0/);
  });

  test(`${cli} in plain HTTP to the TLS port gets Docker's hint`, async () => {
    const r = await cliRun(d, cli, ['-H', `tcp://127.0.0.1:${port}`, 'version', '--format', '{{.Server.Version}}']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Client sent an HTTP request to an HTTPS server/);
  });
}

test('a TLS client without any certificate is refused', async () => {
  const outcome = await new Promise<string>((resolve) => {
    const sock = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(join(certs, 'ca.pem')) }, () => {
      sock.write('GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    let data = '';
    sock.on('data', (b: Buffer) => (data += b.toString()));
    sock.on('error', (e) => resolve(`error: ${e.message}`));
    sock.on('close', () => resolve(data ? `data: ${data}` : 'closed'));
  });
  assert.doesNotMatch(outcome, /200 OK/);
});
