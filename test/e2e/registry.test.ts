/**
 * Issue 9 end to end: `berth registry serve` on loopback, the real docker CLI pushing through one
 * berthd and pulling into a fresh one (by tag and by digest), running the pulled image, and
 * `run` pulling a missing image first.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, readdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { startDaemon, TestDaemon, ok, sleep, freePort, run as runCmd } from './harness.js';
import { TestRegistry, authRegistry } from './registry-server.js';


let reg: TestRegistry;
let a: TestDaemon;
let b: TestDaemon;
let pushedDigest = '';
let imageId = '';

before(async () => {
  reg = new TestRegistry();
  await reg.start();
  a = await startDaemon();
  b = await startDaemon();
});
after(async () => {
  await a?.cleanup();
  await b?.cleanup();
  await reg?.cleanup();
});

test('docker push through berthd to berth registry serve', async () => {
  imageId = await a.importBusybox();
  const name = `${reg.host}/e2e/busybox:v1`;
  await ok(a.docker(['tag', 'busybox:latest', name]));
  const r = await a.docker(['push', name]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], `The push refers to repository [${reg.host}/e2e/busybox]`);
  assert.ok(lines.some((l) => /^[a-f0-9]{12}: Pushed$/.test(l)), r.stdout);
  const last = lines.at(-1)!;
  const m = /^v1: digest: (sha256:[a-f0-9]{64}) size: (\d+)$/.exec(last);
  assert.ok(m, last);
  pushedDigest = m[1]!;
  // compat: the uncompressed imported layer is sent gzip-compressed, as dockerd does
  await assertGzipLayers(`http://${reg.host}`, 'e2e/busybox', pushedDigest);
  // pushing again: the layer exists (found by its recorded gzip digest, not compressed again)
  const again = await ok(a.docker(['push', name]));
  assert.match(again, /: Layer already exists\n/);
  assert.doesNotMatch(again, /Pushing|Pushed/);
  assert.match(again, new RegExp(`v1: digest: ${pushedDigest} size: ${m[2]}`));
  // another repository of the same registry: the layer is mounted, not uploaded
  await ok(a.docker(['tag', 'busybox:latest', `${reg.host}/e2e/other:v1`]));
  const mounted = await ok(a.docker(['push', `${reg.host}/e2e/other:v1`]));
  assert.match(mounted, /: Mounted from e2e\/busybox\n/);
  // the registry has it
  const tags = (await (await fetch(`http://${reg.host}/v2/e2e/busybox/tags/list`)).json()) as { tags: string[] };
  assert.deepEqual(tags.tags, ['v1']);
  const ins = JSON.parse(await ok(a.docker(['image', 'inspect', name])))[0];
  assert.ok(ins.RepoDigests.includes(`${reg.host}/e2e/busybox@${pushedDigest}`), JSON.stringify(ins.RepoDigests));
});

/** The manifest `digest` in `repo` lists gzip layers that decompress to the config's diff IDs. */
async function assertGzipLayers(base: string, repo: string, digest: string): Promise<void> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${digest}`, {
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  assert.equal(res.status, 200);
  const manifest = (await res.json()) as { config: { digest: string }; layers: { mediaType: string; digest: string; size: number }[] };
  const config = (await (await fetch(`${base}/v2/${repo}/blobs/${manifest.config.digest}`)).json()) as { rootfs: { diff_ids: string[] } };
  assert.equal(manifest.layers.length, config.rootfs.diff_ids.length);
  for (const [i, l] of manifest.layers.entries()) {
    assert.equal(l.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    const blob = Buffer.from(await (await fetch(`${base}/v2/${repo}/blobs/${l.digest}`)).arrayBuffer());
    assert.equal(blob.length, l.size);
    assert.equal(`sha256:${createHash('sha256').update(blob).digest('hex')}`, l.digest);
    assert.equal(`sha256:${createHash('sha256').update(gunzipSync(blob)).digest('hex')}`, config.rootfs.diff_ids[i]);
  }
}

test('docker pull into a fresh daemon: progress, same image ID, then run it', async () => {
  const name = `${reg.host}/e2e/busybox:v1`;
  const r = await b.docker(['pull', name]);
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, /^v1: Pulling from e2e\/busybox\n/);
  assert.match(out, /[a-f0-9]{12}: Pull complete\n/);
  assert.match(out, new RegExp(`Digest: ${pushedDigest}\n`));
  assert.match(out, new RegExp(`Status: Downloaded newer image for ${name}\n${name}\n$`));
  const ins = JSON.parse(await ok(b.docker(['image', 'inspect', name])))[0];
  assert.equal(ins.Id, imageId);
  assert.deepEqual(ins.RepoDigests, [`${reg.host}/e2e/busybox@${pushedDigest}`]);
  // layers unpack into snapshot directories ext4's allocator spreads over block groups
  const snapshots = join(b.dataRoot, 'containerd', 'daemon', 'io.containerd.snapshotter.v1.overlayfs', 'snapshots');
  if ((await runCmd('stat', ['-f', '-c', '%T', snapshots])).stdout.trim() === 'ext2/ext3') {
    assert.match((await runCmd('lsattr', ['-d', snapshots])).stdout, /^\S*T\S* /);
  }
  const again = await ok(b.docker(['pull', name]));
  assert.match(again, new RegExp(`Status: Image is up to date for ${name}\n`));
  const run = await ok(b.docker(['run', '--rm', name, 'echo', 'pulled-and-running']));
  assert.equal(run, 'pulled-and-running\n');
});

test('pull by digest', async () => {
  await ok(b.docker(['rmi', `${reg.host}/e2e/busybox:v1`]));
  const byDigest = `${reg.host}/e2e/busybox@${pushedDigest}`;
  const r = await b.docker(['pull', byDigest]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${pushedDigest.replace(':', ':')}: Pulling from e2e/busybox\n`));
  assert.match(r.stdout, new RegExp(`Status: Downloaded newer image for ${byDigest}\n`));
  const ls = await ok(b.docker(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']));
  assert.match(ls, new RegExp(`${reg.host}/e2e/busybox <none> ${pushedDigest}`));
});

test('run pulls a missing image first', async () => {
  const name = `${reg.host}/e2e/busybox:v1`;
  await b.docker(['rmi', '-f', imageId]);
  const r = await b.docker(['run', '--rm', name, 'echo', 'auto-pulled']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^Unable to find image '${name}' locally\n`));
  assert.match(r.stderr, /Pull complete/);
  assert.equal(r.stdout, 'auto-pulled\n');
});

test('docker search against the registry named in the term', async () => {
  const out = await ok(b.docker(['search', '--format', '{{.Name}}|{{.StarCount}}|{{.IsOfficial}}', `${reg.host}/busy`]));
  assert.equal(out, 'e2e/busybox|0|\n');
  const bad = await b.docker(['search', '--filter', 'nope=1', `${reg.host}/busy`]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid filter 'nope'/);
});

test('errors: unknown manifest, unreachable registry, unknown local tag', async () => {
  const missing = await b.docker(['pull', `${reg.host}/e2e/nope:v1`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Error response from daemon: manifest for 127\.0\.0\.1:\d+\/e2e\/nope:v1 not found: manifest unknown/);
  const down = await b.request('POST', `/v1.41/images/create?fromImage=127.0.0.1:1/x&tag=v1`);
  assert.equal(down.status, 500);
  assert.match(JSON.parse(down.body).message, /connection refused/);
  const noTag = await a.docker(['push', `${reg.host}/e2e/busybox:nosuchtag`]);
  assert.equal(noTag.code, 1);
  assert.match(noTag.stderr, /An image does not exist locally with the tag: 127\.0\.0\.1:\d+\/e2e\/busybox/);
});

test('a registry killed mid-push leaves nothing visible, and pushing again succeeds', async () => {
  // A big random layer so the kill lands during the upload.
  const { randomBytes } = await import('node:crypto');
  const { writeFileSync } = await import('node:fs');
  const ctxDir = mkdtempSync('/tmp/be-big-');
  writeFileSync(join(ctxDir, 'big'), randomBytes(48 << 20));
  const tar = join(ctxDir, 'big.tar');
  const { run } = await import('./harness.js');
  await run('tar', ['-C', ctxDir, '-cf', tar, 'big']);
  const name = `${reg.host}/e2e/big:v1`;
  await ok(a.docker(['import', tar, name]));
  const pushing = a.docker(['push', name]);
  // wait until an upload has started, then kill -9
  for (let i = 0; i < 400; i++) {
    const ups = readdirSync(join(reg.root, 'uploads'));
    if (ups.length > 0) break;
    await sleep(10);
  }
  await reg.kill('SIGKILL');
  const failed = await pushing;
  assert.notEqual(failed.code, 0);
  const blobs = readdirSync(join(reg.root, 'blobs', 'sha256'));
  await reg.start();
  const tags = await fetch(`http://${reg.host}/v2/e2e/big/tags/list`);
  assert.equal(tags.status, 404);
  // no blob that is not whole: every stored blob matches its name
  const { createHash } = await import('node:crypto');
  for (const hex of blobs) {
    assert.equal(createHash('sha256').update(readFileSync(join(reg.root, 'blobs', 'sha256', hex))).digest('hex'), hex);
  }
  const r = await a.docker(['push', name]);
  assert.equal(r.code, 0, r.stderr);
  await rm(ctxDir, { recursive: true, force: true });
});

test('a layer download cut in the middle resumes with a Range request', async () => {
  const http = await import('node:http');
  let cut = 0;
  const ranges: string[] = [];
  // A proxy to the registry that breaks the first big blob download half-way.
  const proxy = http.createServer((req, res) => {
    if (req.headers.range) ranges.push(req.headers.range);
    const up = http.request({ host: '127.0.0.1', port: reg.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      const big = Number(ur.headers['content-length'] ?? 0) > 8 << 20 && req.method === 'GET' && cut === 0;
      if (!big) return void ur.pipe(res);
      cut++;
      let sent = 0;
      ur.on('data', (c: Buffer) => {
        sent += c.length;
        if (sent > 4 << 20) {
          ur.destroy();
          res.socket?.destroy();
          return;
        }
        res.write(c);
      });
    });
    req.pipe(up);
  });
  const port = await freePort();
  await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', () => r()));
  try {
    const name = `127.0.0.1:${port}/e2e/big:v1`;
    const r = await b.docker(['pull', name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(cut, 1);
    assert.equal(ranges.length, 1);
    assert.match(ranges[0]!, /^bytes=\d+-$/);
    assert.match(r.stdout, /Pull complete/);
    await ok(b.docker(['rmi', name]));
  } finally {
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
  }
});

for (const kind of ['basic', 'token'] as const) {
  test(`docker login, push and pull with ${kind} auth`, async () => {
    const r = await authRegistry((host, htpasswd) =>
      kind === 'basic'
        ? `  htpasswd:\n    realm: e2e\n    path: ${htpasswd}`
        : `  token:\n    realm: http://${host}/token\n    service: e2e-registry\n    issuer: e2e\n    htpasswd: ${htpasswd}`,
    );
    try {
      const name = `${r.host}/private/busybox:v1`;
      await ok(a.docker(['tag', 'busybox:latest', name]).then((x) => (x.code ? a.importBusybox(name).then(() => ({ ...x, code: 0 })) : x)));
      const denied = await a.docker(['push', name]);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stdout + denied.stderr, /unauthorized|authentication required|no basic auth credentials/);
      const bad = await a.docker(['login', r.host, '-u', 'alice', '--password-stdin'], { input: 'wrong\n' });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /Error response from daemon: .*(401 Unauthorized|incorrect username or password)/);
      const login = await a.docker(['login', r.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' });
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stdout, /Login Succeeded/);
      const cfg = JSON.parse(readFileSync(join(a.dir, 'cli', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
      assert.equal(Buffer.from(cfg.auths[r.host]!.auth, 'base64').toString(), 'alice:s3cret');
      const pushed = await a.docker(['push', name]);
      assert.equal(pushed.code, 0, pushed.stderr);
      // the fresh daemon: refused without login, fine with it
      const anon = await b.docker(['pull', name]);
      assert.equal(anon.code, 1);
      await ok(b.docker(['login', r.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' }));
      const pulled = await b.docker(['pull', name]);
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.match(pulled.stdout, new RegExp(`Status: (Downloaded newer image|Image is up to date) for ${name}`));
      await ok(b.docker(['logout', r.host]));
    } finally {
      await r.cleanup();
    }
  });
}

test('berth login/push/pull/logout say what docker says', async () => {
  const r = await authRegistry((_host, htpasswd) => `  htpasswd:\n    realm: e2e\n    path: ${htpasswd}`);
  try {
    const login = ['login', r.host, '-u', 'alice', '--password-stdin'];
    const dockerLogin = await a.docker(login, { input: 's3cret\n' });
    const dockerLogout = await a.docker(['logout', r.host]);
    const dockerAgain = await a.docker(['logout', r.host]);
    const berthLogin = await a.berth(login, { input: 's3cret\n' });
    assert.deepEqual(berthLogin, dockerLogin);
    const name = `${r.host}/cli/busybox:v2`;
    await ok(a.berth(['tag', 'busybox:latest', name]));
    const push = await a.berth(['push', name]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, new RegExp(`^The push refers to repository \\[${r.host}/cli/busybox\\]\\n`));
    assert.match(push.stdout, /\nv2: digest: sha256:[a-f0-9]{64} size: \d+\n$/);
    await ok(b.berth(login, { input: 's3cret\n' }));
    const pull = await b.berth(['pull', name]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`^v2: Pulling from cli/busybox\\n(.*\\n)*Status: (Downloaded newer image|Image is up to date) for ${name}\\n${name}\\n$`));
    assert.equal(await ok(b.berth(['pull', '-q', name])), `${name}\n`);
    // berth run pulls a missing image with the stored credentials
    await ok(b.berth(['rmi', name]));
    const run = await b.berth(['run', '--rm', name, 'echo', 'berth-pulled']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`^Unable to find image '${name}' locally\n`));
    assert.equal(run.stdout, 'berth-pulled\n');
    assert.deepEqual(await a.berth(['logout', r.host]), dockerLogout);
    assert.deepEqual(await a.berth(['logout', r.host]), dockerAgain);
    await ok(b.berth(['logout', r.host]));
  } finally {
    await r.cleanup();
  }
});

test('multi-arch index: the amd64 manifest is pulled; docker manifest inspect shows both; pull -a; distribution inspect', async () => {
  const { createHash } = await import('node:crypto');
  const { gzipSync } = await import('node:zlib');
  const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const base = `http://${reg.host}/v2/e2e/busybox`;
  const put = async (b: Buffer) => {
    const r = await fetch(`${base}/blobs/uploads/?digest=${sha(b)}`, { method: 'POST', body: new Uint8Array(b) });
    assert.equal(r.status, 201);
  };
  // an arm64 stand-in: one empty-tar layer
  const tar = Buffer.alloc(1024);
  const layer = gzipSync(tar);
  await put(layer);
  const cfg = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(tar)] }, config: { Cmd: ['sh'] } }));
  await put(cfg);
  const armManifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(cfg), size: cfg.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
    }),
  );
  let r = await fetch(`${base}/manifests/${sha(armManifest)}`, { method: 'PUT', body: new Uint8Array(armManifest), headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(r.status, 201);
  const amd = await fetch(`${base}/manifests/${pushedDigest}`);
  const amdBytes = Buffer.from(await amd.arrayBuffer());
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(armManifest), size: armManifest.length, platform: { architecture: 'arm64', os: 'linux' } },
        { mediaType: amd.headers.get('content-type'), digest: pushedDigest, size: amdBytes.length, platform: { architecture: 'amd64', os: 'linux' } },
      ],
    }),
  );
  r = await fetch(`${base}/manifests/multi`, { method: 'PUT', body: new Uint8Array(index), headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' } });
  assert.equal(r.status, 201);

  const name = `${reg.host}/e2e/busybox:multi`;
  const pulled = await b.docker(['pull', name]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stdout, new RegExp(`Digest: ${sha(index)}\n`));
  const ins = JSON.parse(await ok(b.docker(['image', 'inspect', name])))[0];
  assert.equal(ins.Id, imageId);
  assert.equal(ins.Architecture, 'amd64');
  const arm = await b.docker(['pull', '--platform', 'linux/arm64', name]);
  assert.equal(arm.code, 0, arm.stderr);
  assert.equal(JSON.parse(await ok(b.docker(['image', 'inspect', name])))[0].Architecture, 'arm64');

  // pushing the pulled index (only the amd64 image is here) pushes that image under the tag
  await ok(b.docker(['pull', name]));
  await ok(b.docker(['tag', name, `${reg.host}/e2e/repush:v1`]));
  const repushed = await b.docker(['push', `${reg.host}/e2e/repush:v1`]);
  assert.equal(repushed.code, 0, repushed.stderr);
  assert.match(repushed.stdout, new RegExp(`v1: digest: ${pushedDigest} size: \\d+\n$`));

  const mi = JSON.parse(await ok(b.docker(['manifest', 'inspect', '--insecure', name]))) as { manifests: { platform: { architecture: string } }[] };
  assert.deepEqual(mi.manifests.map((m) => m.platform.architecture), ['arm64', 'amd64']);

  const dist = await b.request('GET', `/v1.41/distribution/${name}/json`);
  assert.equal(dist.status, 200, dist.body);
  const di = JSON.parse(dist.body);
  assert.equal(di.Descriptor.digest, sha(index));
  assert.deepEqual(di.Platforms.map((p: { architecture: string }) => p.architecture), ['arm64', 'amd64']);

  const all = await b.docker(['pull', '-a', `${reg.host}/e2e/busybox`]);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^multi: Pulling from e2e\/busybox\n/);
  assert.match(all.stdout, /\nv1: Pulling from e2e\/busybox\n/);
  assert.match(all.stdout, new RegExp(`Status: (Downloaded newer image|Image is up to date) for ${reg.host}/e2e/busybox\n${reg.host}/e2e/busybox\n$`));
});

test('registry-mirrors: docker pull alpine is served by a loopback mirror', async () => {
  const name = `${reg.host}/library/alpine:latest`;
  await ok(a.docker(['tag', 'busybox:latest', name]));
  await ok(a.docker(['push', name]));
  const c = await startDaemon({ configJson: { 'registry-mirrors': [`http://${reg.host}`] } });
  try {
    const r = await c.docker(['pull', 'alpine']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Using default tag: latest\nlatest: Pulling from library\/alpine\n/);
    assert.match(r.stdout, /Status: Downloaded newer image for alpine:latest\ndocker.io\/library\/alpine:latest\n$/);
    assert.equal(await ok(c.docker(['run', '--rm', 'alpine', 'echo', 'from-mirror'])), 'from-mirror\n');
  } finally {
    await c.cleanup();
  }
});

// scripts/deps.sh installs docker-registry for the tests: missing, this test fails
const distribution = ['/usr/bin/docker-registry'].find((p) => existsSync(p)) ?? 'docker-registry';

test('the distribution registry (docker-registry) as a peer: push and pull through berthd', async () => {
  const { writeFileSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/be-dist-');
  const port = await freePort();
  const cfg = join(dir, 'config.yml');
  writeFileSync(cfg, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const fd = openSync(join(dir, 'log'), 'a');
  const proc = spawn(distribution, ['serve', cfg], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status === 200, () => false)) break;
      await sleep(50);
    }
    const name = `127.0.0.1:${port}/peer/busybox:v1`;
    await ok(a.docker(['tag', 'busybox:latest', name]));
    const pushed = await a.docker(['push', name]);
    assert.equal(pushed.code, 0, pushed.stderr + readFileSync(join(dir, 'log'), 'utf8'));
    const digest = /v1: digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)![1]!;
    // the gzip blob recorded by the first push is reused: same manifest in another registry
    assert.equal(digest, pushedDigest);
    await assertGzipLayers(`http://127.0.0.1:${port}`, 'peer/busybox', digest);
    const sk = await new Promise<string>((resolve, reject) => {
      const p = spawn('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://127.0.0.1:${port}/peer/busybox:v1`], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (c: Buffer) => (out += c.toString()));
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`skopeo exited ${code}`))));
    });
    const raw = JSON.parse(sk) as { layers: { mediaType: string }[] };
    assert.ok(raw.layers.every((l) => l.mediaType.endsWith('.tar.gzip')), sk);
    const pulled = await b.docker(['pull', name]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, new RegExp(`Digest: ${digest}\n`));
    assert.equal(JSON.parse(await ok(b.docker(['image', 'inspect', name])))[0].Id, imageId);
    const byDigest = await b.docker(['pull', `127.0.0.1:${port}/peer/busybox@${digest}`]);
    assert.equal(byDigest.code, 0, byDigest.stderr);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
});

test('a build FROM an image only the registry has pulls it first', async () => {
  const dir = mkdtempSync('/tmp/be-build-');
  try {
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${reg.host}/e2e/other:v1\nRUN echo built > /built\n`);
    await b.docker(['rmi', `${reg.host}/e2e/other:v1`]);
    const r = await b.docker(['build', '-t', 'from-registry', dir], { env: { DOCKER_BUILDKIT: '0' } });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(await ok(b.docker(['run', '--rm', 'from-registry', 'cat', '/built'])), 'built\n');
    const missing = await b.docker(['build', '-'], { input: `FROM ${reg.host}/e2e/nosuch:v1\n`, env: { DOCKER_BUILDKIT: '0' } });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr + missing.stdout, /nosuch/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
