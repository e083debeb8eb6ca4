/**
 * The dispatcher against a typed fake BuildBackend (images in memory, RUN answered by a
 * function): the message stream, config and history per instruction, the cache, errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { background, notFound } from '../lib/index.js';
import type { ImageConfig } from '../oci/index.js';
import type { BuildBackend, BuildImage, ImageLookup, NewBuildImage, RestoreRequest, RunRequest } from './backend.js';
import { build, type BuildMessage, type BuildOptions } from './build.js';

class FakeBackend implements BuildBackend {
  readonly all = new Map<string, BuildImage>();
  readonly names = new Map<string, string>();
  readonly runs: RunRequest[] = [];
  /** Chunks of output per RUN (backpressure test). */
  chunks = 1;
  produced = 0;
  constructor(private readonly exitCode: (cmd: string[]) => number = () => 0) {
    const config: ImageConfig = {
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: ['sha256:base'] },
      history: [{ created_by: 'base' }],
    };
    this.add(config, 'busybox:latest');
  }
  /** What a registry has: name -> config (a pull makes it local). */
  readonly remote = new Map<string, ImageConfig>();
  readonly lookups: ImageLookup[] = [];
  add(config: ImageConfig, name?: string, parent?: string): BuildImage {
    const id = 'sha256:' + createHash('sha256').update(JSON.stringify(config)).digest('hex');
    const img: BuildImage = { id, config, ...(parent !== undefined ? { parent } : {}) };
    this.all.set(id, img);
    if (name) this.names.set(name, id);
    return img;
  }
  async image(_ctx: unknown, ref: string, lookup: ImageLookup) {
    this.lookups.push(lookup);
    const name = ref.includes(':') ? ref : `${ref}:latest`;
    const remote = this.remote.get(name);
    if (remote && (lookup.pull === 'always' || (lookup.pull === 'missing' && !this.names.has(name)))) {
      await lookup.progress({ status: 'Pulling from ' + ref, id: 'latest' });
      this.add(remote, name);
      await lookup.progress({ status: `Status: Downloaded newer image for ${name}` });
    }
    const id = this.names.get(ref.includes(':') ? ref : `${ref}:latest`) ?? ref;
    const img = this.all.get(id);
    if (!img) throw notFound(`No such image: ${ref}`);
    return img;
  }
  async images() {
    return [...this.all.values()];
  }
  async newImage(_ctx: unknown, req: NewBuildImage) {
    const layer = req.layer.kind === 'tar' ? 'sha256:' + createHash('sha256').update(readFileSync(req.layer.path)).digest('hex') : req.layer.kind === 'container' ? 'sha256:run-' + req.layer.id : undefined;
    const base = req.parent?.config;
    const config: ImageConfig = {
      created: req.created.toISOString(),
      container_config: req.containerConfig,
      config: req.config,
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [...(base?.rootfs.diff_ids ?? []), ...(layer ? [layer] : [])] },
      history: [...(base?.history ?? []), { created_by: req.createdBy, ...(layer ? {} : { empty_layer: true }) }],
    };
    return this.add(config, undefined, req.parent?.id ?? '');
  }
  readonly restored: RestoreRequest[] = [];
  async restoreCached(_ctx: unknown, req: RestoreRequest) {
    this.restored.push(req);
    const th = req.target.config.history!;
    const li = th.slice(0, req.index).filter((h) => !h.empty_layer).length;
    const base = req.parent?.config;
    const entry = th[req.index]!;
    const config: ImageConfig = {
      config: req.config,
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [...(base?.rootfs.diff_ids ?? []), ...(entry.empty_layer ? [] : [req.target.config.rootfs.diff_ids[li]!])] },
      history: [...(base?.history ?? []), entry],
    };
    return this.add(config, undefined, req.parent?.id ?? '');
  }
  /** Forgets every image but the base and `keep` (as a daemon that loaded `keep` would have them), unrelated to each other. */
  forgetAllBut(keep: string) {
    for (const [id, img] of this.all) {
      if (id === keep) this.all.set(id, { id, config: img.config });
      else if (id !== this.names.get('busybox:latest')) this.all.delete(id);
    }
    for (const [n, id] of this.names) if (!this.all.has(id)) this.names.delete(n);
  }
  async createContainer(_ctx: unknown, req: RunRequest) {
    this.runs.push(req);
    return 'c'.repeat(60) + String(this.runs.length).padStart(4, '0');
  }
  async runContainer(_ctx: unknown, id: string, output: (b: Buffer) => Promise<void>) {
    const req = this.runs[Number(id.slice(-4)) - 1]!;
    for (let i = 0; i < this.chunks; i++) {
      this.produced++;
      await output(Buffer.from(`ran ${req.config.Cmd!.join(' ')}\n`));
    }
    return this.exitCode(req.config.Cmd!);
  }
  async removeContainer() {}
  async isDirectory(_ctx: unknown, _img: BuildImage, path: string) {
    return path === '/etc';
  }
  async archive(): Promise<never> {
    throw new Error('not in this fake');
  }
  async tag(_ctx: unknown, id: string, name: string) {
    this.names.set(name.includes(':') ? name : `${name}:latest`, id);
  }
}

function ctxDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-builder-test-'));
  mkdirSync(join(dir, 'context'));
  for (const [n, c] of Object.entries(files)) {
    mkdirSync(join(dir, 'context', n, '..'), { recursive: true });
    writeFileSync(join(dir, 'context', n), c);
  }
  return dir;
}

async function runBuild(backend: FakeBackend, files: Record<string, string>, o: Partial<BuildOptions> = {}): Promise<BuildMessage[]> {
  const dir = ctxDir(files);
  try {
    const msgs: BuildMessage[] = [];
    const opts: BuildOptions = {
      contextDir: join(dir, 'context'),
      buildRoot: dir,
      dockerfile: 'Dockerfile',
      tags: [],
      buildArgs: {},
      labels: {},
      target: '',
      noCache: false,
      rm: true,
      forceRm: false,
      quiet: false,
      ...o,
    };
    for await (const m of build(background(), backend, opts)) msgs.push(m);
    return msgs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const text = (msgs: BuildMessage[]) => msgs.map((m) => m.stream ?? '').join('');
const lastImage = async (b: FakeBackend, msgs: BuildMessage[]) => b.image(undefined, msgs.find((m) => m.aux)!.aux!.ID, { pull: 'never', authConfigs: {}, progress: async () => {} });

test('the stream of the traced build, message by message', async () => {
  const b = new FakeBackend();
  const msgs = await runBuild(b, {
    Dockerfile: 'FROM busybox\nCOPY hello.txt /hello.txt\nRUN wc -c /hello.txt > /size.txt\nCMD ["cat", "/hello.txt", "/size.txt"]\n',
    'hello.txt': 'hello\n',
  }, { tags: ['tracebuild:classic'] });
  const shaped = msgs.map((m) => JSON.stringify(m).replace(/[0-9a-f]{64}/g, '<ID>').replace(/[0-9a-fc]{12}/g, '<id>'));
  assert.deepEqual(shaped, [
    '{"stream":"Step 1/4 : FROM busybox"}',
    '{"stream":"\\n"}',
    '{"stream":" ---> <id>\\n"}',
    '{"stream":"Step 2/4 : COPY hello.txt /hello.txt"}',
    '{"stream":"\\n"}',
    '{"stream":" ---> <id>\\n"}',
    '{"stream":"Step 3/4 : RUN wc -c /hello.txt > /size.txt"}',
    '{"stream":"\\n"}',
    '{"stream":" ---> Running in <id>\\n"}',
    '{"stream":"ran /bin/sh -c wc -c /hello.txt > /size.txt\\n"}',
    '{"stream":"Removing intermediate container <id>\\n"}',
    '{"stream":" ---> <id>\\n"}',
    '{"stream":"Step 4/4 : CMD [\\"cat\\", \\"/hello.txt\\", \\"/size.txt\\"]"}',
    '{"stream":"\\n"}',
    '{"stream":" ---> Running in <id>\\n"}',
    '{"stream":"Removing intermediate container <id>\\n"}',
    '{"stream":" ---> <id>\\n"}',
    '{"aux":{"ID":"sha256:<ID>"}}',
    '{"stream":"Successfully built <id>\\n"}',
    '{"stream":"Successfully tagged tracebuild:classic\\n"}',
  ]);
  const img = await lastImage(b, msgs);
  assert.deepEqual(img.config.history!.map((h) => h.created_by), [
    'base',
    `/bin/sh -c #(nop) COPY file:${/COPY file:([0-9a-f]{64})/.exec(img.config.history![1]!.created_by!)![1]} in /hello.txt `,
    '/bin/sh -c wc -c /hello.txt > /size.txt',
    '/bin/sh -c #(nop)  CMD ["cat" "/hello.txt" "/size.txt"]',
  ]);
  // Dated like the base image (reproducible), not now.
  assert.equal(img.config.created, '2024-01-01T00:00:00.000Z');

  const again = await runBuild(b, {
    Dockerfile: 'FROM busybox\nCOPY hello.txt /hello.txt\nRUN wc -c /hello.txt > /size.txt\nCMD ["cat", "/hello.txt", "/size.txt"]\n',
    'hello.txt': 'hello\n',
  });
  assert.equal((text(again).match(/Using cache/g) ?? []).length, 3);
  assert.equal(again.find((m) => m.aux)!.aux!.ID, img.id);
  assert.equal(b.runs.length, 1);
});

test('instructions: config, substitution, ARG before FROM, labels option, ENTRYPOINT clears an inherited CMD', async () => {
  const b = new FakeBackend();
  const msgs = await runBuild(
    b,
    {
      Dockerfile: [
        'ARG IMG=busybox',
        'ARG GLOBAL=from-meta',
        'FROM $IMG',
        'ARG GLOBAL',
        'LABEL global=$GLOBAL',
        'ENV DIR=/srv NAME="my app"',
        'WORKDIR $DIR',
        'WORKDIR sub',
        'ARG PORT=80',
        'EXPOSE $PORT 9000-9001/udp',
        'LABEL app="$NAME" other=x',
        'USER 1000:1000',
        'VOLUME ["/data"]',
        'STOPSIGNAL SIGINT',
        'ENTRYPOINT ["/app"]',
        'HEALTHCHECK --interval=5s --retries=2 CMD wget -q localhost',
        'ONBUILD RUN echo hi',
        'SHELL ["/bin/ash", "-c"]',
        'RUN echo $PORT',
        '',
      ].join('\n'),
    },
    { labels: { 'org.x': 'y' }, buildArgs: { PORT: '8080', http_proxy: 'http://proxy:3128' } },
  );
  assert.equal(msgs.find((m) => m.errorDetail), undefined, text(msgs));
  assert.match(text(msgs), /^Step 1\/20 : ARG IMG=busybox\nStep 2\/20 : ARG GLOBAL=from-meta\nStep 3\/20 : FROM \$IMG\n/);
  assert.match(text(msgs), /Step 20\/20 : LABEL "org.x"="y"/);
  const c = (await lastImage(b, msgs)).config.config!;
  assert.deepEqual(c.Env, ['PATH=/bin', 'DIR=/srv', 'NAME=my app']);
  assert.equal(c.WorkingDir, '/srv/sub');
  assert.deepEqual(c.ExposedPorts, { '8080/tcp': {}, '9000/udp': {}, '9001/udp': {} });
  assert.deepEqual(c.Labels, { global: 'from-meta', app: 'my app', other: 'x', 'org.x': 'y' });
  assert.equal(c.User, '1000:1000');
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.Entrypoint, ['/app']);
  assert.equal(c.Cmd, null);
  assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'wget -q localhost'], Interval: 5e9, Retries: 2 });
  assert.deepEqual(c.OnBuild, ['RUN echo hi']);
  assert.deepEqual(c.Shell, ['/bin/ash', '-c']);
  const run = b.runs[0]!;
  assert.deepEqual(run.config.Cmd, ['/bin/ash', '-c', 'echo $PORT']);
  assert.ok(run.config.Env!.includes('PORT=8080'));
  assert.ok(run.config.Env!.includes('http_proxy=http://proxy:3128'));
  assert.equal(text(msgs).includes('not consumed'), false);
  assert.equal(run.config.Entrypoint, null);
  const hist = (await lastImage(b, msgs)).config.history!.map((h) => h.created_by);
  assert.ok(hist.includes('|2 GLOBAL=from-meta PORT=8080 /bin/ash -c echo $PORT'), hist.join('\n'));
  assert.ok(hist.includes('/bin/sh -c #(nop)  EXPOSE map[8080/tcp:{} 9000/udp:{} 9001/udp:{}]'), hist.join('\n'));
});

test('errors come as errorDetail messages: parse errors name the file and line, RUN failures carry the code', async () => {
  const b = new FakeBackend((cmd) => (cmd.join(' ').includes('exit 7') ? 7 : 0));
  const bad = await runBuild(b, { Dockerfile: 'FROM busybox\nRUNN x\n' });
  assert.deepEqual(bad.at(-1), {
    errorDetail: { message: 'dockerfile parse error on line 2 (Dockerfile): unknown instruction: RUNN' },
    error: 'dockerfile parse error on line 2 (Dockerfile): unknown instruction: RUNN',
  });
  const failed = await runBuild(b, { Dockerfile: 'FROM busybox\nRUN exit 7\n' });
  assert.deepEqual(failed.at(-1)!.errorDetail, { code: 7, message: "The command '/bin/sh -c exit 7' returned a non-zero code: 7" });
  const linked = ctxDir({});
  try {
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/etc/passwd', join(linked, 'context', 'Dockerfile'));
    const msgs: BuildMessage[] = [];
    const o: BuildOptions = { contextDir: join(linked, 'context'), buildRoot: linked, dockerfile: 'Dockerfile', tags: [], buildArgs: {}, labels: {}, target: '', noCache: false, rm: true, forceRm: false, quiet: false };
    for await (const m of build(background(), b, o)) msgs.push(m);
    assert.match(msgs.at(-1)!.error!, /forbidden path outside the build context/);
  } finally {
    rmSync(linked, { recursive: true, force: true });
  }
  const dup = await runBuild(b, { Dockerfile: 'FROM busybox AS a\nFROM busybox AS a\n' });
  assert.equal(dup.at(-1)!.error, 'a stage name already used');
  const badName = await runBuild(b, { Dockerfile: 'FROM busybox AS 1st\n' });
  assert.match(badName.at(-1)!.error!, /invalid name for build stage: "1st"/);
  const mount = await runBuild(b, { Dockerfile: 'FROM busybox\nRUN --mount=type=cache,target=/x true\n' });
  assert.match(mount.at(-1)!.error!, /line 2 \(Dockerfile\): the --mount option requires BuildKit/);
  const missing = await runBuild(b, { Dockerfile: 'FROM busybox\nCOPY nope /x\n' });
  assert.match(missing.at(-1)!.error!, /file not found in build context/);
  const outside = await runBuild(b, { Dockerfile: 'FROM busybox\nCOPY ../../etc/passwd /x\n' });
  assert.match(outside.at(-1)!.error!, /forbidden path outside the build context: \.\.\/\.\.\/etc\/passwd/);
  const noStage = await runBuild(b, { Dockerfile: 'FROM busybox AS a\nRUN true\n' }, { target: 'b' });
  assert.match(noStage.at(-1)!.error!, /failed to reach build target b in Dockerfile/);
  const multi = await runBuild(b, { Dockerfile: 'FROM busybox\nCOPY a b /dst\n', a: '', b: '' });
  assert.match(multi.at(-1)!.error!, /When using COPY with more than one source file, the destination must be a directory and end with a \//);
});

test('backpressure: RUN output waits for a slow client (at most 256 messages queued)', async () => {
  const b = new FakeBackend();
  b.chunks = 2000;
  const dir = ctxDir({ Dockerfile: 'FROM busybox\nRUN yes\n' });
  try {
    let consumed = 0;
    let maxAhead = 0;
    const opts: BuildOptions = {
      contextDir: join(dir, 'context'),
      buildRoot: dir,
      dockerfile: 'Dockerfile',
      tags: [],
      buildArgs: {},
      labels: {},
      target: '',
      noCache: false,
      rm: true,
      forceRm: false,
      quiet: false,
    };
    for await (const _m of build(background(), b, opts)) {
      consumed++;
      maxAhead = Math.max(maxAhead, b.produced - consumed);
      if (consumed % 100 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(b.produced, 2000);
    assert.ok(maxAhead <= 260, `ran ${maxAhead} messages ahead of the client`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--pull: FROM pulls even with a local image, the progress inside the FROM step, with the credentials; stages and scratch are not pulled', async () => {
  const be = new FakeBackend();
  const newer: ImageConfig = { architecture: 'amd64', os: 'linux', created: '2024-02-01T00:00:00Z', config: { Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: ['sha256:v2'] }, history: [{ created_by: 'v2' }] };
  be.remote.set('busybox:latest', newer);
  const auths = { '127.0.0.1:5000': { username: 'u', password: 'p' } };
  const msgs = await runBuild(be, { Dockerfile: 'FROM busybox AS a\nENV Y=1\nFROM a\n' }, { pull: true, authConfigs: auths });
  const text = msgs.map((m) => m.stream ?? `[${m.id ? m.id + ': ' : ''}${m.status}]`).join('');
  assert.match(text, /^Step 1\/3 : FROM busybox AS a\n\[latest: Pulling from busybox\]\[Status: Downloaded newer image for busybox:latest\] ---> ([0-9a-f]{12})\n/);
  assert.equal(be.lookups.length, 1);
  assert.equal(be.lookups[0]!.pull, 'always');
  assert.deepEqual(be.lookups[0]!.authConfigs, auths);
  const scratch = new FakeBackend();
  await runBuild(scratch, { Dockerfile: 'FROM scratch\nENV X=1\n' }, { pull: true });
  assert.equal(scratch.lookups.length, 0);
  const without = new FakeBackend();
  await runBuild(without, { Dockerfile: 'FROM busybox\n' });
  assert.equal(without.lookups[0]!.pull, 'missing');
});

test('--cache-from: a loaded image (no local parent links) is cache only when named; the final image is it', async () => {
  const be = new FakeBackend();
  const files = { Dockerfile: 'FROM busybox\nENV A=1\nRUN make\nCMD ["x"]\n' };
  const first = await runBuild(be, files);
  const id = first.find((m) => m.aux)!.aux!.ID;
  be.forgetAllBut(id);
  be.names.set('app:latest', id);
  const again = await runBuild(be, files);
  assert.ok(!again.some((m) => m.stream === ' ---> Using cache\n'));
  be.forgetAllBut(id);
  be.names.set('app:latest', id);
  const cached = await runBuild(be, files, { cacheFrom: ['app', 'missing:v1'] });
  assert.equal(cached.filter((m) => m.stream === ' ---> Using cache\n').length, 3, JSON.stringify(cached));
  assert.equal(cached.find((m) => m.aux)!.aux!.ID, id);
  assert.deepEqual(be.restored.map((r) => r.index), [1, 2]);
  assert.ok(!be.lookups.some((l) => l.pull !== 'never' && l.pull !== 'missing'));
});
