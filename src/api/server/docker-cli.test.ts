/**
 * The real docker CLI (the API-compatibility oracle, STYLE D11) against the server with fake
 * system backends.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { background, muxFrame, nodeExec, ExecError, StdStream } from '../../lib/index.js';
import type { Route } from './router.js';
import type { EventMessage } from '../types/index.js';
import { createApiServer, type ApiServer } from './server.js';
import { captureLogger, fakeSystem, makePki, startTestServer, type Pki, type TestServer } from './testkit.js';

const DOCKER = '/usr/local/bin/docker';

function ev(action: string, name: string, timeNano: number): EventMessage {
  return {
    status: action,
    id: 'c0ffee',
    from: 'busybox',
    Type: 'container',
    Action: action,
    Actor: { ID: 'c0ffee', Attributes: { image: 'busybox', name } },
    scope: 'local',
    time: Math.floor(timeNano / 1e9),
    timeNano,
  };
}

let ts: TestServer;
let env: NodeJS.ProcessEnv;

/**
 * Just enough of the container routes for `docker attach` and `docker exec -i` (non-tty):
 * the hijacked streams echo stdin back as stdout frames and say goodbye on stderr.
 */
let attachDone: (code: number) => void = () => {};
const attachExit = () => new Promise<number>((r) => (attachDone = r));
let waitFor = attachExit();
const cliRoutes: Route[] = [
  {
    method: 'GET',
    path: '/containers/{name}/json',
    handler: (req) => ({
      Id: 'c0ffee',
      Name: '/' + req.params.name,
      State: { Status: 'running', Running: true, Paused: false, Restarting: false, Pid: 1 },
      Config: { Tty: false, OpenStdin: true, AttachStdin: true, AttachStdout: true, AttachStderr: true },
      HostConfig: {},
    }),
  },
  {
    method: 'POST',
    path: '/containers/{name}/wait',
    handler: async (_req, res) => {
      const out = res.startStream();
      out.write(JSON.stringify({ Error: null, StatusCode: await waitFor }) + '\n');
    },
  },
  {
    method: 'POST',
    path: '/containers/{name}/attach',
    hijack: true,
    handler: async (req, res) => {
      const h = await res.hijack({ multiplexed: true });
      await h.write(muxFrame(StdStream.stdout, 'hello from attach\n'));
      if (req.query.bool('stdin')) for await (const c of h.stdin) await h.write(muxFrame(StdStream.stdout, c as Buffer));
      await h.write(muxFrame(StdStream.stderr, 'bye\n'));
      attachDone(3);
    },
  },
  { method: 'POST', path: '/containers/{name}/exec', handler: (_req, res) => res.json(201, { Id: 'e1' }) },
  {
    method: 'POST',
    path: '/exec/{id}/start',
    hijack: true,
    handler: async (req, res) => {
      const body = await req.json<{ Detach?: boolean; Tty?: boolean }>();
      const h = await res.hijack({ multiplexed: !body.Tty });
      for await (const c of h.stdin) await h.write(muxFrame(StdStream.stdout, c as Buffer));
      await h.write(muxFrame(StdStream.stderr, `done ${JSON.stringify(body.Tty)}\n`));
    },
  },
  {
    method: 'GET',
    path: '/exec/{id}/json',
    handler: (req) => ({ ID: req.params.id, Running: false, ExitCode: 5, ContainerID: 'c0ffee', Pid: 0 }),
  },
];

/** Runs docker with `input` on its stdin; resolves with the exit code and outputs. */
function dockerWithInput(
  args: string[],
  input: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, args, { env: { ...env, ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

before(async () => {
  assert.ok(existsSync(DOCKER), `${DOCKER} is required for this test`);
  const t = Date.now() * 1e6;
  ts = await startTestServer({
    extraRoutes: cliRoutes,
    backends: {
      system: fakeSystem({
        events: async function* (ctx, opts) {
          yield ev('create', 'web', t - 2e9);
          yield ev('start', 'web', t - 1e9);
          if (opts.until !== undefined && opts.until <= Date.now() * 1e6) return;
          await new Promise((r) => ctx.signal.addEventListener('abort', r));
        },
      }),
    },
  });
  env = { PATH: process.env.PATH, HOME: ts.dir, DOCKER_CONFIG: join(ts.dir, 'docker-config') };
});

after(async () => {
  await ts.close();
});

function docker(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return nodeExec.run(background(), DOCKER, args, { env: { ...env, ...extraEnv }, timeoutMs: 30_000 });
}

test('docker version negotiates API 1.44', async () => {
  const r = await docker(['-H', `unix://${ts.sock}`, 'version', '--format', '{{.Server.APIVersion}}']);
  assert.equal(r.stdout.trim(), '1.44');
  const full = await docker(['-H', `unix://${ts.sock}`, 'version']);
  assert.match(full.stdout, /API version:\s+1\.44 \(minimum version 1\.24\)/);
  assert.match(full.stdout, /Version:\s+0\.1\.0/);
});

test('DOCKER_API_VERSION=1.41 requests are served under /v1.41', async () => {
  ts.logs.length = 0;
  const r = await docker(['-H', `unix://${ts.sock}`, 'version', '--format', '{{.Client.APIVersion}} {{.Server.APIVersion}}'], {
    DOCKER_API_VERSION: '1.41',
  });
  assert.equal(r.stdout.trim(), '1.41 1.44');
  const paths = ts.logs.map((l) => JSON.parse(l) as { msg: string; path: string }).filter((l) => l.msg === 'calling').map((l) => l.path);
  assert.ok(paths.includes('/v1.41/version'), paths.join(' '));
});

test('docker info --format', async () => {
  const r = await docker(['-H', `unix://${ts.sock}`, 'info', '--format', '{{.ID}} {{.Name}}']);
  assert.equal(r.stdout.trim(), 'TEST:INFO berth-test');
});

test('docker events with --since/--until/--filter', async () => {
  const r = await docker([
    '-H',
    `unix://${ts.sock}`,
    'events',
    '--since',
    '30s',
    '--until',
    '0s',
    '--filter',
    'type=container',
    '--format',
    '{{.Status}} {{.Actor.Attributes.name}}',
  ]);
  assert.equal(r.stdout, 'create web\nstart web\n');
});

test('a too-new DOCKER_API_VERSION gets the daemon\'s message', async () => {
  await assert.rejects(docker(['-H', `unix://${ts.sock}`, 'version', '--format', '{{.Server.APIVersion}}'], { DOCKER_API_VERSION: '1.45' }), (e: unknown) => {
    assert.ok(e instanceof ExecError);
    assert.match(e.stderr, /client version 1\.45 is too new\. Maximum supported API version is 1\.44/);
    return true;
  });
});

test('TLS: --tlsverify with a CA-signed client certificate; plain HTTP gets the CLI hint', async () => {
  let pki: Pki | undefined;
  let srv: ApiServer | undefined;
  try {
    pki = await makePki();
    srv = createApiServer({
      backends: { system: fakeSystem() },
      log: captureLogger([], 'error'),
      serverHeader: 'Berth/test (linux)',
      experimental: false,
    });
    await srv.listen(['tcp://127.0.0.1:0'], { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, verify: true });
    const host = srv.addresses()[0]!;
    const d = pki.dir;
    const ok = await docker([
      '--tlsverify',
      '--tlscacert',
      join(d, 'ca.pem'),
      '--tlscert',
      join(d, 'client-cert.pem'),
      '--tlskey',
      join(d, 'client-key.pem'),
      '-H',
      host,
      'version',
      '--format',
      '{{.Server.APIVersion}}',
    ]);
    assert.equal(ok.stdout.trim(), '1.44');
    await assert.rejects(docker(['-H', host, 'version', '--format', '{{.Server.APIVersion}}']), (e: unknown) => {
      assert.ok(e instanceof ExecError);
      assert.match(e.stderr, /Client sent an HTTP request to an HTTPS server/);
      return true;
    });
  } finally {
    await srv?.close();
    if (pki) await rm(pki.dir, { recursive: true, force: true });
  }
});

test('docker attach: hijacked stream with stdin, half-close, frames demuxed by the CLI', async () => {
  waitFor = attachExit();
  const r = await dockerWithInput(['-H', `unix://${ts.sock}`, 'attach', 'web'], 'typed input\n');
  assert.equal(r.stdout, 'hello from attach\ntyped input\n', r.stderr);
  assert.equal(r.stderr, 'bye\n');
  assert.equal(r.code, 3);
});

test('docker exec -i: upgrade request with a JSON body, then stdin', async () => {
  const r = await dockerWithInput(['-H', `unix://${ts.sock}`, 'exec', '-i', 'web', 'cat'], 'abc\n');
  assert.equal(r.stdout, 'abc\n', r.stderr);
  assert.equal(r.stderr, 'done false\n');
  assert.equal(r.code, 5);
  // API 1.41: the 101 says raw-stream although the bytes are frames (20.10's behaviour)
  const v41 = await dockerWithInput(['-H', `unix://${ts.sock}`, 'exec', '-i', 'web', 'cat'], 'x', { DOCKER_API_VERSION: '1.41' });
  assert.equal(v41.stdout, 'x', v41.stderr);
  assert.equal(v41.code, 5);
});
