/** The registry server over HTTP on loopback (no root, no network), plus skopeo interop when installed. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { nopLogger, sha256 } from '../../lib/index.js';
import { MediaType } from '../../oci/index.js';
import { FsRegistryStorage } from './storage.js';
import { RegistryServer } from './server.js';
import { garbageCollect } from './gc.js';

let dir = '';
let server: RegistryServer;
let storage: FsRegistryStorage;
let base = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-reg-'));
  storage = new FsRegistryStorage(join(dir, 'root'));
  server = new RegistryServer({ storage, log: nopLogger, deleteEnabled: true });
  const a = await server.listen('127.0.0.1', 0);
  base = `http://127.0.0.1:${a.port}`;
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function req(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}) {
  const res = await fetch(path.startsWith('http') ? path : base + path, { method, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body), headers, redirect: 'manual' });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: buf, json: () => JSON.parse(buf.toString()) as Record<string, unknown> };
}

async function pushBlob(repo: string, data: Buffer): Promise<string> {
  const d = sha256(data);
  const r = await req('POST', `/v2/${repo}/blobs/uploads/?digest=${d}`, data, { 'Content-Type': 'application/octet-stream' });
  assert.equal(r.status, 201, r.body.toString());
  return d;
}

function manifestFor(config: Buffer, layers: Buffer[]) {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: { mediaType: MediaType.DockerConfig, digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: MediaType.DockerLayerGzip, digest: sha256(l), size: l.length })),
    }),
  );
}

const errCode = (r: { json: () => Record<string, unknown> }) => (r.json()['errors'] as { code: string }[])[0]!.code;

test('/v2/ answers 200 {} with the API version header', async () => {
  const r = await req('GET', '/v2/');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('docker-distribution-api-version'), 'registry/2.0');
  assert.deepEqual(r.json(), {});
});

test('monolithic upload, HEAD and GET with ranges', async () => {
  const data = Buffer.from('0123456789abcdef');
  const d = await pushBlob('a/b', data);
  let r = await req('HEAD', `/v2/a/b/blobs/${d}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-length'), '16');
  assert.equal(r.headers.get('docker-content-digest'), d);
  r = await req('GET', `/v2/a/b/blobs/${d}`, undefined, { Range: 'bytes=2-5' });
  assert.equal(r.status, 206);
  assert.equal(r.body.toString(), '2345');
  assert.equal(r.headers.get('content-range'), 'bytes 2-5/16');
  r = await req('GET', `/v2/a/b/blobs/${d}`, undefined, { Range: 'bytes=100-' });
  assert.equal(r.status, 416);
  // not linked into another repository
  r = await req('GET', `/v2/other/blobs/${d}`);
  assert.equal(r.status, 404);
  assert.equal(errCode(r), 'BLOB_UNKNOWN');
});

test('chunked upload with Content-Range, status, resume, wrong offset', async () => {
  const data = Buffer.from('hello chunked world');
  let r = await req('POST', '/v2/chunky/blobs/uploads/');
  assert.equal(r.status, 202);
  const loc = r.headers.get('location')!;
  assert.match(loc, /\/v2\/chunky\/blobs\/uploads\/[0-9a-f-]{36}$/);
  assert.ok(r.headers.get('docker-upload-uuid'));
  r = await req('PATCH', loc, data.subarray(0, 6), { 'Content-Range': '0-5', 'Content-Type': 'application/octet-stream' });
  assert.equal(r.status, 202);
  assert.equal(r.headers.get('range'), '0-5');
  r = await req('GET', loc);
  assert.equal(r.status, 204);
  assert.equal(r.headers.get('range'), '0-5');
  r = await req('PATCH', loc, data.subarray(0, 3), { 'Content-Range': '0-2' });
  assert.equal(r.status, 416);
  r = await req('PATCH', loc, data.subarray(6, 10), { 'Content-Range': '6-9' });
  assert.equal(r.status, 202);
  r = await req('PUT', `${loc}?digest=${sha256(data)}`, data.subarray(10));
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('docker-content-digest'), sha256(data));
  r = await req('GET', `/v2/chunky/blobs/${sha256(data)}`);
  assert.equal(r.body.toString(), data.toString());
  r = await req('GET', loc);
  assert.equal(r.status, 404);
  assert.equal(errCode(r), 'BLOB_UPLOAD_UNKNOWN');
});

test('a blob whose bytes do not match its digest is refused and leaves nothing', async () => {
  const r = await req('POST', `/v2/bad/blobs/uploads/?digest=${sha256('other')}`, 'these bytes');
  assert.equal(r.status, 400);
  assert.equal(errCode(r), 'DIGEST_INVALID');
  assert.equal(await storage.blobSize(sha256('these bytes')), undefined);
  assert.equal(await storage.blobSize(sha256('other')), undefined);
  assert.deepEqual(readdirSync(join(dir, 'root', 'uploads')), []);
});

test('cancelled and interrupted uploads leave nothing visible', async () => {
  let r = await req('POST', '/v2/cancel/blobs/uploads/');
  const loc = r.headers.get('location')!;
  await req('PATCH', loc, 'partial');
  r = await req('DELETE', loc);
  assert.equal(r.status, 204);
  r = await req('GET', loc);
  assert.equal(r.status, 404);
  assert.equal(await storage.blobSize(sha256('partial')), undefined);
});

test('cross-repository mount', async () => {
  const d = await pushBlob('src/repo', Buffer.from('mount me'));
  let r = await req('POST', `/v2/dst/repo/blobs/uploads/?mount=${d}&from=src/repo`);
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('docker-content-digest'), d);
  r = await req('HEAD', `/v2/dst/repo/blobs/${d}`);
  assert.equal(r.status, 200);
  // unknown source: falls back to a new upload session
  r = await req('POST', `/v2/dst/repo/blobs/uploads/?mount=${sha256('nope')}&from=src/repo`);
  assert.equal(r.status, 202);
});

test('manifests by tag and digest, content types, missing blobs, bad tags, deletes', async () => {
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  const layer = Buffer.from('layer bytes');
  const m = manifestFor(config, [layer]);
  let r = await req('PUT', '/v2/img/manifests/v1', m, { 'Content-Type': MediaType.DockerManifest });
  assert.equal(r.status, 400);
  assert.equal(errCode(r), 'MANIFEST_BLOB_UNKNOWN');
  await pushBlob('img', config);
  await pushBlob('img', layer);
  r = await req('PUT', '/v2/img/manifests/bad..tag!', m, { 'Content-Type': MediaType.DockerManifest });
  assert.equal(errCode(r), 'TAG_INVALID');
  r = await req('PUT', '/v2/img/manifests/v1', 'not json', { 'Content-Type': MediaType.DockerManifest });
  assert.equal(errCode(r), 'MANIFEST_INVALID');
  r = await req('PUT', '/v2/img/manifests/v1', m, { 'Content-Type': MediaType.OciManifest });
  assert.equal(errCode(r), 'MANIFEST_INVALID');
  r = await req('PUT', `/v2/img/manifests/${sha256('x')}`, m, { 'Content-Type': MediaType.DockerManifest });
  assert.equal(errCode(r), 'DIGEST_INVALID');
  r = await req('PUT', '/v2/img/manifests/v1', m, { 'Content-Type': MediaType.DockerManifest });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('docker-content-digest'), sha256(m));
  for (const ref of ['v1', sha256(m)]) {
    r = await req('GET', `/v2/img/manifests/${ref}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), MediaType.DockerManifest);
    assert.equal(r.headers.get('docker-content-digest'), sha256(m));
    assert.deepEqual(r.body, m);
    r = await req('HEAD', `/v2/img/manifests/${ref}`);
    assert.equal(r.headers.get('content-length'), String(m.length));
  }
  // an index of it
  const idx = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [{ mediaType: MediaType.DockerManifest, digest: sha256(m), size: m.length, platform: { os: 'linux', architecture: 'amd64' } }],
    }),
  );
  r = await req('PUT', '/v2/img/manifests/multi', idx, { 'Content-Type': MediaType.OciIndex });
  assert.equal(r.status, 201);
  r = await req('GET', '/v2/img/manifests/multi');
  assert.equal(r.headers.get('content-type'), MediaType.OciIndex);
  r = await req('GET', '/v2/img/manifests/nope');
  assert.equal(errCode(r), 'MANIFEST_UNKNOWN');
  r = await req('GET', '/v2/Bad_Name/manifests/v1');
  assert.equal(errCode(r), 'NAME_INVALID');
  r = await req('GET', '/v2/img/blobs/sha256:abc');
  assert.equal(errCode(r), 'DIGEST_INVALID');
  // delete by tag, then by digest
  r = await req('DELETE', '/v2/img/manifests/multi');
  assert.equal(r.status, 202);
  r = await req('GET', '/v2/img/manifests/multi');
  assert.equal(r.status, 404);
  r = await req('DELETE', `/v2/img/manifests/${sha256(m)}`);
  assert.equal(r.status, 202);
  r = await req('GET', '/v2/img/manifests/v1');
  assert.equal(r.status, 404);
});

test('OCI artifact with subject: OCI-Subject and the referrers API', async () => {
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  const cd = await pushBlob('art', config);
  const subject = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: cd, size: config.length }, layers: [] }));
  assert.equal((await req('PUT', '/v2/art/manifests/base', subject, { 'Content-Type': MediaType.OciManifest })).status, 201);
  const empty = Buffer.from('{}');
  const ed = await pushBlob('art', empty);
  const sig = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: 'application/vnd.example.sig',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: ed, size: 2 },
      layers: [],
      subject: { mediaType: MediaType.OciManifest, digest: sha256(subject), size: subject.length },
    }),
  );
  const r = await req('PUT', `/v2/art/manifests/${sha256(sig)}`, sig, { 'Content-Type': MediaType.OciManifest });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('oci-subject'), sha256(subject));
  const ref = await req('GET', `/v2/art/referrers/${sha256(subject)}`);
  assert.equal(ref.status, 200);
  const idx = ref.json() as { manifests: { digest: string; artifactType: string }[] };
  assert.deepEqual(idx.manifests.map((m) => [m.digest, m.artifactType]), [[sha256(sig), 'application/vnd.example.sig']]);
  const none = await req('GET', `/v2/art/referrers/${sha256(subject)}?artifactType=other`);
  assert.equal(none.headers.get('oci-filters-applied'), 'artifactType');
  assert.deepEqual((none.json() as { manifests: unknown[] }).manifests, []);
});

test('tags/list and _catalog paginate with Link headers', async () => {
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  await pushBlob('pages', config);
  const m = manifestFor(config, []);
  for (const t of ['c', 'a', 'b']) {
    assert.equal((await req('PUT', `/v2/pages/manifests/${t}`, m, { 'Content-Type': MediaType.DockerManifest })).status, 201);
  }
  let r = await req('GET', '/v2/pages/tags/list');
  assert.deepEqual(r.json(), { name: 'pages', tags: ['a', 'b', 'c'] });
  r = await req('GET', '/v2/pages/tags/list?n=2');
  assert.deepEqual(r.json(), { name: 'pages', tags: ['a', 'b'] });
  assert.equal(r.headers.get('link'), '</v2/pages/tags/list?last=b&n=2>; rel="next"');
  r = await req('GET', '/v2/pages/tags/list?n=2&last=b');
  assert.deepEqual(r.json(), { name: 'pages', tags: ['c'] });
  assert.equal(r.headers.get('link'), null);
  r = await req('GET', '/v2/pages/tags/list?n=x');
  assert.equal(errCode(r), 'PAGINATION_NUMBER_INVALID');
  r = await req('GET', '/v2/nosuchrepo/tags/list');
  assert.equal(errCode(r), 'NAME_UNKNOWN');
  r = await req('GET', '/v2/_catalog?n=1');
  const first = (r.json() as { repositories: string[] }).repositories;
  assert.equal(first.length, 1);
  assert.match(r.headers.get('link')!, /^<\/v2\/_catalog\?last=.*&n=1>; rel="next"$/);
  r = await req('GET', '/v2/_catalog');
  assert.ok((r.json() as { repositories: string[] }).repositories.includes('pages'));
});

test('gc removes unreferenced blobs (dry run first)', async () => {
  const orphan = await pushBlob('gcrepo', Buffer.from('orphan blob'));
  const dry = await garbageCollect(storage, { dryRun: true });
  assert.ok(dry.deleted.includes(orphan));
  assert.notEqual(await storage.blobSize(orphan), undefined);
  const real = await garbageCollect(storage);
  assert.ok(real.deleted.includes(orphan));
  assert.equal(await storage.blobSize(orphan), undefined);
  // manifests and what they name are kept
  const r = await req('GET', '/v2/pages/manifests/a');
  assert.equal(r.status, 200);
});

/** A one-layer OCI layout at `dir` tagged `v1`; returns the manifest digest. */
function ociLayout(layoutDir: string): string {
  const blobs = join(layoutDir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer) => {
    const d = sha256(b);
    writeFileSync(join(blobs, d.slice(7)), b);
    return { digest: d, size: b.length };
  };
  // A one-file tar, built by hand: a 512-byte header, the content, padding, two zero blocks.
  const header = Buffer.alloc(512);
  header.write('hello.txt', 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write('00000000006\0', 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  header.write('ustar\x0000', 257);
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const body = Buffer.alloc(512);
  body.write('hello\n');
  const tar = Buffer.concat([header, body, Buffer.alloc(1024)]);
  // gzip: skopeo would compress a plain tar layer on the way (and change the manifest)
  const layer = put(gzipSync(tar));
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(tar)] } })));
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, ...config },
        layers: [{ mediaType: MediaType.OciLayerGzip, ...layer }],
      }),
    ),
  );
  writeFileSync(join(layoutDir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layoutDir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MediaType.OciManifest, ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }),
  );
  return manifest.digest;
}

// scripts/deps.sh installs skopeo and openssl for the tests: missing, these tests fail
const skopeo = ['/usr/bin/skopeo', '/usr/local/bin/skopeo'].find((p) => existsSync(p)) ?? 'skopeo';

test('skopeo copy pushes into the registry and pulls back unchanged', async () => {
  // async: the registry answers from this very process
  const run = async (args: string[]) => (await promisify(execFile)(skopeo, args, { timeout: 60_000 })).stdout;
  const src = join(dir, 'src-layout');
  const digest = ociLayout(src);
  const host = base.replace('http://', '');
  await run(['copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${host}/skopeo/test:v1`]);
  const back = join(dir, 'back-layout');
  await run(['copy', '--src-tls-verify=false', `docker://${host}/skopeo/test:v1`, `oci:${back}:v1`]);
  const idx = JSON.parse(readFileSync(join(back, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  assert.equal(idx.manifests[0]!.digest, digest);
  const tags = JSON.parse(await run(['list-tags', '--tls-verify=false', `docker://${host}/skopeo/test`])) as { Tags: string[] };
  assert.deepEqual(tags.Tags, ['v1']);
});

const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p)) ?? 'openssl';

test('TLS: the API over https with the configured certificate', async () => {
  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir);
  await promisify(execFile)(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', join(tlsDir, 'key.pem'), '-out', join(tlsDir, 'cert.pem')]);
  const tlsServer = new RegistryServer({ storage: new FsRegistryStorage(join(dir, 'tls-root')), log: nopLogger });
  const a = await tlsServer.listen('127.0.0.1', 0, { cert: readFileSync(join(tlsDir, 'cert.pem')), key: readFileSync(join(tlsDir, 'key.pem')) });
  try {
    const https = await import('node:https');
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: a.port, path: '/v2/', ca: readFileSync(join(tlsDir, 'cert.pem')) }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        })
        .on('error', reject);
    });
    assert.deepEqual(body, { status: 200, text: '{}\n' });
  } finally {
    await tlsServer.close();
  }
});
