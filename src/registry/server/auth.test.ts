/** Registry auth (htpasswd basic, built-in token endpoint) over loopback HTTP. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { nopLogger, sha256 } from '../../lib/index.js';
import { FsRegistryStorage } from './storage.js';
import { RegistryServer } from './server.js';
import { makeAccess, grantedActions, verifyToken, signToken } from './auth.js';
import { loadRegistryConfig, parseSimpleYaml } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-auth-'));
const servers: RegistryServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
  await rm(dir, { recursive: true, force: true });
});

const htpasswd = join(dir, 'htpasswd');
// htpasswd -B writes $2y$; bcryptjs writes $2a$ (the same algorithm)
writeFileSync(htpasswd, `alice:${bcrypt.hashSync('secret', 4).replace(/^\$2a\$/, '$2y$')}\nbob:${bcrypt.hashSync('pw', 4)}\n`);

async function start(yaml: string, rootName: string): Promise<string> {
  const cfgFile = join(dir, `${rootName}.yml`);
  writeFileSync(cfgFile, yaml);
  const cfg = loadRegistryConfig(cfgFile);
  const auth = makeAccess(cfg);
  const s = new RegistryServer({ storage: new FsRegistryStorage(join(dir, rootName)), log: nopLogger, access: auth?.access, extra: auth?.extra, deleteEnabled: true });
  servers.push(s);
  const a = await s.listen('127.0.0.1', 0);
  return `127.0.0.1:${a.port}`;
}

const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

/** A monolithic blob upload with the given headers; returns the status. */
async function upload(host: string, repo: string, data: Buffer, headers: Record<string, string>): Promise<number> {
  const r = await fetch(`http://${host}/v2/${repo}/blobs/uploads/?digest=${sha256(data)}`, { method: 'POST', body: new Uint8Array(data), headers });
  await r.arrayBuffer();
  return r.status;
}

/** A token from the built-in endpoint for `scope`; undefined when the endpoint refuses. */
async function token(host: string, scope: string, headers: Record<string, string> = {}): Promise<string | undefined> {
  const r = await fetch(`http://${host}/token?service=test-registry&scope=${encodeURIComponent(scope)}`, { headers });
  if (r.status !== 200) return undefined;
  return ((await r.json()) as { token: string }).token;
}

test('the YAML subset of config files', () => {
  assert.deepEqual(parseSimpleYaml('version: 0.1\nhttp:\n  addr: ":5000"\n  tls:\n    key: k # comment\nlist:\n  - a\n  - name: x\n    actions: [pull, push]\n'), {
    version: 0.1,
    http: { addr: ':5000', tls: { key: 'k' } },
    list: ['a', { name: 'x', actions: ['pull', 'push'] }],
  });
});

test('htpasswd basic auth: challenge, wrong and right credentials, push and pull with the client', async () => {
  const host = await start(`auth:\n  htpasswd:\n    realm: test-realm\n    path: ${htpasswd}\n`, 'basic');
  let r = await fetch(`http://${host}/v2/`);
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('www-authenticate'), 'Basic realm="test-realm"');
  assert.equal(((await r.json()) as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED');
  r = await fetch(`http://${host}/v2/`, { headers: { Authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` } });
  assert.equal(r.status, 401);
  r = await fetch(`http://${host}/v2/`, { headers: { Authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` } });
  assert.equal(r.status, 200);

  const blob = Buffer.from('basic blob');
  assert.equal(await upload(host, 'team/app', blob, {}), 401);
  assert.equal(await upload(host, 'team/app', blob, basic('bob', 'nope')), 401);
  assert.equal(await upload(host, 'team/app', blob, basic('alice', 'secret')), 201);
  r = await fetch(`http://${host}/v2/team/app/blobs/${sha256(blob)}`, { method: 'HEAD', headers: basic('bob', 'pw') });
  assert.equal(r.status, 200);
});

test('token auth: anonymous pull, per-repo push for the ACL, insufficient scope', async () => {
  const port = await (async () => {
    const { createServer } = await import('node:net');
    return new Promise<number>((res) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
  })();
  const host = `127.0.0.1:${port}`;
  const yaml = [
    'auth:',
    '  token:',
    `    realm: http://${host}/token`,
    '    service: test-registry',
    '    issuer: test',
    `    htpasswd: ${htpasswd}`,
    '    acl:',
    '      - account: alice',
    '        name: "*"',
    '        actions: ["*"]',
    '      - account: "*"',
    '        name: "public/*"',
    '        actions: [pull]',
    '      - account: anonymous',
    '        name: "public/*"',
    '        actions: [pull]',
  ].join('\n');
  const cfgFile = join(dir, 'token.yml');
  writeFileSync(cfgFile, yaml);
  const cfg = loadRegistryConfig(cfgFile);
  const auth = makeAccess(cfg)!;
  const s = new RegistryServer({ storage: new FsRegistryStorage(join(dir, 'token')), log: nopLogger, access: auth.access, extra: auth.extra });
  servers.push(s);
  await s.listen('127.0.0.1', port);

  let r = await fetch(`http://${host}/v2/public/x/tags/list`);
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('www-authenticate'), `Bearer realm="http://${host}/token",service="test-registry",scope="repository:public/x:pull"`);
  const bad = await fetch(`http://${host}/token?service=test-registry&scope=repository:public/x:pull`, {
    headers: { Authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` },
  });
  assert.equal(bad.status, 401);

  const blob = Buffer.from('token blob');
  const push = 'repository:public/x:pull,push';
  const aliceToken = await token(host, push, basic('alice', 'secret'));
  assert.ok(aliceToken);
  assert.equal(await upload(host, 'public/x', blob, { Authorization: `Bearer ${aliceToken}` }), 201);
  // anonymous may pull public/*, not push
  const anon = await token(host, push);
  assert.ok(anon);
  r = await fetch(`http://${host}/v2/public/x/blobs/${sha256(blob)}`, { method: 'HEAD', headers: { Authorization: `Bearer ${anon}` } });
  assert.equal(r.status, 200);
  r = await fetch(`http://${host}/v2/public/x/blobs/uploads/`, { method: 'POST', headers: { Authorization: `Bearer ${anon}` } });
  assert.equal(r.status, 401);
  assert.match(r.headers.get('www-authenticate')!, /error="insufficient_scope"/);
  // bob may pull public/*, nothing of private/*
  const bobPrivate = await token(host, 'repository:private/y:pull', basic('bob', 'pw'));
  r = await fetch(`http://${host}/v2/private/y/tags/list`, { headers: { Authorization: `Bearer ${bobPrivate}` } });
  assert.equal(r.status, 401);
  // a token for another repository does not open this one
  r = await fetch(`http://${host}/v2/private/y/tags/list`, { headers: { Authorization: `Bearer ${aliceToken}` } });
  assert.equal(r.status, 401);
  // /v2/ needs only a valid token (docker login)
  r = await fetch(`http://${host}/v2/`, { headers: { Authorization: `Bearer ${await token(host, '', basic('bob', 'pw'))}` } });
  assert.equal(r.status, 200);
});

test('tokens: signature, audience and expiry are checked; ACL globs', () => {
  const secret = Buffer.from('k');
  const now = Math.floor(Date.now() / 1000);
  const t = signToken({ iss: 'i', sub: 'a', aud: 's', exp: now + 10, nbf: now, iat: now, jti: 'j', access: [] }, secret);
  assert.ok(verifyToken(t, secret, 's'));
  assert.equal(verifyToken(t, Buffer.from('other'), 's'), undefined);
  assert.equal(verifyToken(t, secret, 'other'), undefined);
  assert.equal(verifyToken(t, secret, 's', Date.now() + 20_000), undefined);
  assert.equal(verifyToken(t.slice(0, -2) + 'xx', secret, 's'), undefined);
  const acl = [{ account: 'a', name: 'team/*', actions: ['pull', 'push'] }];
  assert.deepEqual(grantedActions(acl, 'a', 'team/x', ['pull', 'push', 'delete']), ['pull', 'push']);
  assert.deepEqual(grantedActions(acl, 'a', 'other/x', ['pull']), []);
  assert.deepEqual(grantedActions(undefined, 'a', 'x', ['pull']), ['pull']);
  assert.deepEqual(grantedActions(undefined, undefined, 'x', ['pull']), []);
});
