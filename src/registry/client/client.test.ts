/** The registry client against a fake registry on loopback: challenges, tokens, mirrors, digests. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { background, kindOf, sha256 } from '../../lib/index.js';
import { MediaType, parseNormalizedNamed } from '../../oci/index.js';
import { RegistryClient } from './client.js';
import { insecureMatcher } from './insecure.js';
import { parseChallenge } from './transport.js';

const ctx = background();
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.DockerManifest, config: { digest: sha256('c'), size: 1 }, layers: [] }));
const seen: string[] = [];

/** Bearer-protected: /token gives "tok-<user>" for alice:pw (or "tok-anon"), /v2/* wants tok-alice. */
const server = http.createServer((req, res) => {
  const url = new URL(req.url!, 'http://x');
  seen.push(`${req.method} ${url.pathname}${url.search} ${req.headers.authorization ?? ''}`);
  if (url.pathname === '/token') {
    const auth = req.headers.authorization;
    if (auth && auth !== `Basic ${Buffer.from('alice:pw').toString('base64')}`) return void res.writeHead(401).end();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return void res.end(JSON.stringify({ token: auth ? 'tok-alice' : 'tok-anon', expires_in: 300 }));
  }
  if (req.headers.authorization !== 'Bearer tok-alice') {
    res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="fake",scope="repository:lib/app:pull"`, 'Content-Type': 'application/json' });
    return void res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  }
  if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
  if (url.pathname === '/v1/search') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const results = [{ name: 'lib/app', description: 'an app', star_count: 2, is_official: false, is_automated: false }];
    return void res.end(JSON.stringify({ num_results: 1, query: url.searchParams.get('q'), results }));
  }
  if (url.pathname === '/v2/lib/app/manifests/v1' || url.pathname === `/v2/lib/app/manifests/${sha256(manifest)}`) {
    res.writeHead(200, { 'Content-Type': MediaType.DockerManifest, 'Docker-Content-Digest': sha256(manifest) });
    return void res.end(manifest);
  }
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
});
const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
const host = `127.0.0.1:${port}`;
after(() => server.close());

test('parseChallenge', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://a/token",service="reg",scope="repository:x:pull,push"'), {
    scheme: 'bearer',
    params: { realm: 'https://a/token', service: 'reg', scope: 'repository:x:pull,push' },
  });
  assert.deepEqual(parseChallenge('Basic realm=x'), { scheme: 'basic', params: { realm: 'x' } });
});

test('insecure registries: loopback always, names and CIDRs from the config', () => {
  const m = insecureMatcher(['myreg:5000', '10.1.0.0/16']);
  assert.ok(m('127.0.0.1:5000') && m('localhost:1') && m('[::1]:5000') && m('127.9.9.9'));
  assert.ok(m('myreg:5000') && m('10.1.2.3:443'));
  assert.ok(!m('myreg:5001') && !m('10.2.0.1') && !m('docker.io'));
});

test('bearer flow: token with credentials, cached per scope; verified manifests', async () => {
  const client = new RegistryClient({ insecure: () => true });
  const repo = client.repository(parseNormalizedNamed(`${host}/lib/app`), { username: 'alice', password: 'pw' });
  seen.length = 0;
  const m = await repo.getManifest(ctx, 'v1');
  assert.deepEqual(m.bytes, manifest);
  assert.equal(m.descriptor.digest, sha256(manifest));
  assert.equal(m.descriptor.mediaType, MediaType.DockerManifest);
  assert.ok(seen.some((s) => s.startsWith('GET /token?service=fake&scope=repository%3Alib%2Fapp%3Apull&account=alice Basic ')), seen.join('\n'));
  seen.length = 0;
  await repo.getManifest(ctx, sha256(manifest));
  assert.deepEqual(seen, [`GET /v2/lib/app/manifests/${sha256(manifest)} Bearer tok-alice`]);
  await assert.rejects(repo.getManifest(ctx, 'nope'), (e) => kindOf(e) === 'notFound' && /manifest for 127\.0\.0\.1:\d+\/lib\/app:nope not found: manifest unknown: manifest unknown/.test((e as Error).message));
  client.close();
});

test('anonymous and wrong credentials are refused with unauthorized', async () => {
  const client = new RegistryClient({ insecure: () => true });
  await assert.rejects(client.repository(parseNormalizedNamed(`${host}/lib/app`)).getManifest(ctx, 'v1'), (e) => kindOf(e) === 'unauthorized');
  await assert.rejects(
    client.repository(parseNormalizedNamed(`${host}/lib/app`), { username: 'alice', password: 'bad' }).getManifest(ctx, 'v1'),
    (e) => kindOf(e) === 'unauthorized',
  );
  await assert.rejects(client.login(ctx, host, { username: 'alice', password: 'bad' }), (e) => kindOf(e) === 'unauthorized');
  await client.login(ctx, host, { username: 'alice', password: 'pw' });
  client.close();
});

test('an unreachable registry is a system error in Go wording', async () => {
  const client = new RegistryClient({ insecure: () => true });
  await assert.rejects(client.repository(parseNormalizedNamed('127.0.0.1:1/x')).getManifest(ctx, 'v1'), (e) => kindOf(e) === 'system' && /connect: connection refused/.test((e as Error).message));
  client.close();
});

test('docker.io pulls try the mirrors first', async () => {
  const client = new RegistryClient({ insecure: () => false, mirrors: [`http://${host}/`] });
  assert.deepEqual(client.endpoints('docker.io', false), [
    { url: `http://${host}`, mirror: true },
    { url: 'https://registry-1.docker.io', mirror: false },
  ]);
  assert.deepEqual(client.endpoints('docker.io', true), [{ url: 'https://registry-1.docker.io', mirror: false }]);
});

test('search: the v1 API with credentials; a refusal is moby\'s "Unexpected status code"', async () => {
  const client = new RegistryClient({ insecure: () => true });
  seen.length = 0;
  const found = await client.search(ctx, host, 'app', 5, { username: 'alice', password: 'pw' });
  assert.deepEqual(found, [{ name: 'lib/app', description: 'an app', star_count: 2, is_official: false, is_automated: false }]);
  assert.ok(seen.includes('GET /v1/search?q=app&n=5 Bearer tok-alice'), seen.join('\n'));
  await assert.rejects(client.search(ctx, host, 'app', 5), (e) => kindOf(e) === 'system' && (e as Error).message === 'Unexpected status code 401');
  client.close();
});
