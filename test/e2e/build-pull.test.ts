/**
 * E2E of the classic builder's registry side (issue 8) with the real docker CLI
 * (DOCKER_BUILDKIT=0): FROM an image only an authenticating `berth registry serve` has
 * (X-Registry-Config after `docker login`), `--pull` taking a newer base under the same tag,
 * and `--cache-from` reusing a loaded image's steps on a daemon that did not build it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ok, startDaemon, type TestDaemon, buildContext } from './harness.js';
import { TestRegistry, authRegistry } from './registry-server.js';

let a: TestDaemon;
let b: TestDaemon;
let reg: TestRegistry;
const ENV = { DOCKER_BUILDKIT: '0' };

const context = buildContext;

const build = (d: TestDaemon, args: string[]) => d.docker(['build', ...args], { env: ENV, timeoutMs: 180_000 });
/** The ID the FROM step printed (` ---> <12>` after `Step 1/N : FROM`). */
const fromId = (out: string) => /Step 1\/\d+ : FROM [^\n]*\n(?:[^\n]*\n)*? ---> ([0-9a-f]{12})\n/.exec(out)?.[1];
const imageId = async (d: TestDaemon, ref: string) => (await ok(d.docker(['image', 'inspect', '-f', '{{.Id}}', ref]))).trim();

before(async () => {
  reg = new TestRegistry();
  await reg.start();
  a = await startDaemon();
  b = await startDaemon();
  await a.importBusybox();
});

after(async () => {
  await a?.cleanup();
  await b?.cleanup();
  await reg?.cleanup();
});

test('FROM an image of an authenticating registry: refused without login, pulled with the X-Registry-Config credentials after it (docker and berth)', async () => {
  const r = await authRegistry((_host, htpasswd) => `  htpasswd:\n    realm: e2e\n    path: ${htpasswd}`);
  try {
    const base = `${r.host}/private/base:v1`;
    await ok(a.docker(['tag', 'busybox:latest', base]));
    await ok(a.docker(['login', r.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' }));
    await ok(a.docker(['push', base]));
    const dir = context({ Dockerfile: `FROM ${base}\nCMD ["echo", "private"]\n` });
    const denied = await build(b, ['-t', 'private-app', dir]);
    assert.equal(denied.code, 1, denied.stdout);
    assert.match(denied.stdout, new RegExp(`Step 1/2 : FROM ${base}\n`));
    assert.match(denied.stderr, /no basic auth credentials|pull access denied/);
    await ok(b.docker(['login', r.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' }));
    const built = await build(b, ['-t', 'private-app', dir]);
    assert.equal(built.code, 0, built.stderr + built.stdout);
    assert.match(built.stdout, new RegExp(`Step 1/2 : FROM ${base}\nv1: Pulling from private/base\n(.*\n)*Status: Downloaded newer image for ${base}\n ---> [0-9a-f]{12}\n`));
    assert.match(built.stdout, /Successfully tagged private-app:latest\n/);
    // berth build sends the stored credentials the same way
    await ok(b.docker(['rmi', 'private-app', base]));
    const berth = await b.berth(['build', '-t', 'private-app', dir], { timeoutMs: 180_000 });
    assert.equal(berth.code, 0, berth.stderr + berth.stdout);
    assert.match(berth.stdout, /v1: Pulling from private\/base\n/);
  } finally {
    await r.cleanup();
  }
});

test('--pull: a newer base under the same tag is pulled and used; without it the local one is', async () => {
  const base = `${reg.host}/e2e/base:latest`;
  const push = async (v: string) => {
    const dir = context({ Dockerfile: `FROM busybox\nRUN echo ${v} > /v\n` });
    const r = await build(a, ['-t', base, dir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    await ok(a.docker(['push', base]));
    return (await imageId(a, base)).slice(7, 19);
  };
  const v1 = await push('1');
  const app = context({ Dockerfile: `FROM ${base}\nCMD ["cat", "/v"]\n` });
  const first = await build(b, ['-t', 'pull-app', app]);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  assert.equal(fromId(first.stdout), v1);
  assert.match(first.stdout, /latest: Pulling from e2e\/base\n/);
  const v2 = await push('2');
  assert.notEqual(v2, v1);
  const local = await build(b, ['-t', 'pull-app', app]);
  assert.equal(local.code, 0, local.stderr + local.stdout);
  assert.equal(fromId(local.stdout), v1);
  assert.doesNotMatch(local.stdout, /Pulling from/);
  assert.equal(await ok(b.docker(['run', '--rm', 'pull-app'])), '1\n');
  const pulled = await build(b, ['--pull', '-t', 'pull-app', app]);
  assert.equal(pulled.code, 0, pulled.stderr + pulled.stdout);
  assert.match(pulled.stdout, new RegExp(`Step 1/2 : FROM ${base}\nlatest: Pulling from e2e/base\n(.*\n)*Status: Downloaded newer image for ${base}\n ---> ${v2}\n`));
  assert.equal(await ok(b.docker(['run', '--rm', 'pull-app'])), '2\n');
  // up to date: the pull says so, and the step goes on from the same image
  const again = await build(b, ['--pull', '-t', 'pull-app', app]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.match(again.stdout, new RegExp(`Status: Image is up to date for ${base}\n ---> ${v2}\n`));
  assert.match(again.stdout, / ---> Using cache\n/);
});

test('--cache-from: a loaded image is no cache by itself; named, every step is `Using cache` and the result is it', async () => {
  const dir = context({
    Dockerfile: 'FROM busybox\nCOPY a.txt /a.txt\nRUN date +%s%N > /stamp\nENV X=1\nCMD ["cat", "/stamp"]\n',
    'a.txt': 'cache me\n',
  });
  const first = await build(a, ['-t', 'cf:v1', dir]);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  const id = await imageId(a, 'cf:v1');
  const tar = join(context({}), 'cf.tar');
  await ok(a.docker(['save', '-o', tar, 'cf:v1', 'busybox:latest']));
  // a daemon that built nothing: it has the images only as loaded
  const c = await startDaemon();
  try {
    await ok(c.docker(['load', '-i', tar]));
    const plain = await build(c, ['-t', 'cf:plain', dir]);
    assert.equal(plain.code, 0, plain.stderr + plain.stdout);
    assert.doesNotMatch(plain.stdout, /Using cache/);
    const cached = await build(c, ['--cache-from', 'cf:v1', '-t', 'cf:cached', dir]);
    assert.equal(cached.code, 0, cached.stderr + cached.stdout);
    assert.equal((cached.stdout.match(/ ---> Using cache\n/g) ?? []).length, 4, cached.stdout);
    assert.doesNotMatch(cached.stdout, /Running in/);
    assert.equal(await imageId(c, 'cf:cached'), id);
    // berth build passes --cache-from too
    const berth = await c.berth(['build', '--cache-from', 'cf:v1', '-t', 'cf:berth', dir], { timeoutMs: 180_000 });
    assert.equal(berth.code, 0, berth.stderr + berth.stdout);
    assert.equal((berth.stdout.match(/ ---> Using cache\n/g) ?? []).length, 4, berth.stdout);
    assert.equal(await imageId(c, 'cf:berth'), id);
  } finally {
    await c.cleanup();
  }
});
