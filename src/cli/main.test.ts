/**
 * The built CLI as a child process (bin/berth) against an in-process fake daemon on a temp unix
 * socket. The daemon replays the bodies of api-traces/{version,info,events}.txt (dockerd
 * 20.10, API 1.41); the goldens in testdata/ are what the real docker CLI 28.2.2 printed
 * against this same fake daemon.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BERTH_VERSION } from '../lib/index.js';
import { testdataDir } from './test-helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BERTH = join(ROOT, 'bin', 'berth');
const TESTDATA = testdataDir(import.meta.url);
const golden = (name: string) => readFileSync(join(TESTDATA, name), 'utf8');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function berth(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((done, fail) => {
    const base: Record<string, string | undefined> = { ...process.env, TZ: 'UTC' };
    for (const k of ['DOCKER_HOST', 'DOCKER_API_VERSION', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONTEXT', 'DOCKER_CONFIG']) delete base[k];
    const child = spawn(BERTH, args, { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

class FakeDaemon {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-cli-test-'));
  readonly socket = join(this.dir, 'd.sock');
  readonly seen: string[] = [];
  apiVersion: string | undefined = '1.41';
  failWith: number | undefined;
  private readonly server = http.createServer((req, res) => {
    this.seen.push(`${req.method} ${req.url}`);
    if (this.apiVersion) res.setHeader('Api-Version', this.apiVersion);
    res.setHeader('Ostype', 'linux');
    if (req.url === '/_ping') return res.end(req.method === 'GET' ? 'OK' : undefined);
    res.setHeader('Content-Type', 'application/json');
    if (this.failWith) {
      res.statusCode = this.failWith;
      return res.end('{"message":"boom: something failed"}\n');
    }
    const path = req.url!.replace(/^\/v[0-9.]+/, '').replace(/\?.*$/, '');
    if (path === '/version') return res.end(JSON.stringify(JSON.parse(golden('version-20.10.json'))) + '\n');
    if (path === '/info') return res.end(JSON.stringify(JSON.parse(golden('info-20.10.json'))) + '\n');
    if (path === '/events') {
      res.flushHeaders();
      // one event per chunk, as dockerd sends them
      const lines = golden('events.jsonl').split(/(?<=\n)/);
      const next = () => (lines.length ? (res.write(lines.shift()), setImmediate(next)) : res.end());
      return next();
    }
    res.statusCode = 404;
    res.end('{"message":"page not found"}\n');
  });

  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.socket, r));
  }

  get host() {
    return `unix://${this.socket}`;
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

test('berth --version / -v', async () => {
  for (const flag of ['--version', '-v']) {
    const r = await berth([flag]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^Berth version ${BERTH_VERSION.replace(/\./g, '\\.')}, build ([0-9a-f]{7}|dev)\\n$`));
    assert.equal(r.stderr, '');
  }
});

describe('against a fake daemon', () => {
  const d = new FakeDaemon();
  before(() => d.listen());
  after(() => d.close());

  test("version: docker 28's layout, negotiated down to the daemon's 1.41", async () => {
    d.seen.length = 0;
    d.apiVersion = '1.41';
    const r = await berth(['version'], { DOCKER_HOST: d.host });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(d.seen, ['HEAD /_ping', 'GET /v1.41/version']);
    const [client, server] = r.stdout.split('\n\n');
    assert.match(
      client!,
      new RegExp(
        [
          '^Client:',
          ` Version:           ${BERTH_VERSION.replace(/\./g, '\\.')}`,
          ' API version:       1\\.41 \\(downgraded from 1\\.44\\)',
          ' Go version:        node\\d+\\.\\d+\\.\\d+',
          ' Git commit:        ([0-9a-f]{7}|dev)',
          ' Built:             \\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}',
          ' OS/Arch:           linux/\\w+',
          ' Context:           default$',
        ].join('\\n'),
      ),
    );
    const want = golden('version-20.10.golden');
    assert.equal(server, want.slice(want.indexOf('Server:')));
  });

  test('version: a newer daemon is spoken to at 1.44; no header means 1.24', async () => {
    d.apiVersion = '1.50';
    d.seen.length = 0;
    let r = await berth(['version', '--format', '{{.Client.APIVersion}} {{.Server.Version}}'], { DOCKER_HOST: d.host });
    assert.equal(r.stdout, '1.44 20.10.24+dfsg1\n');
    assert.deepEqual(d.seen, ['HEAD /_ping', 'GET /v1.44/version']);
    d.apiVersion = undefined;
    d.seen.length = 0;
    r = await berth(['version', '--format', '{{.Client.APIVersion}}'], { DOCKER_HOST: d.host });
    assert.equal(r.stdout, '1.24\n');
    assert.deepEqual(d.seen, ['HEAD /_ping', 'GET /v1.24/version']);
    d.apiVersion = '1.41';
  });

  test('version: DOCKER_API_VERSION pins the version and skips the ping', async () => {
    d.seen.length = 0;
    const r = await berth(['version'], { DOCKER_HOST: d.host, DOCKER_API_VERSION: '1.40' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(d.seen, ['GET /v1.40/version']);
    assert.match(r.stdout, / API version:       1\.40 \(downgraded from 1\.44\)\n/);
  });

  test('version --format json and templates over Client/Server', async () => {
    const r = await berth(['-H', d.host, 'version', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout) as { Client: Record<string, string>; Server: { Components: { Name: string }[] } };
    assert.deepEqual(Object.keys(v.Client), ['Version', 'ApiVersion', 'DefaultAPIVersion', 'GitCommit', 'GoVersion', 'Os', 'Arch', 'BuildTime', 'Context']);
    assert.deepEqual(v.Server.Components.map((c) => c.Name), ['Engine', 'containerd', 'runc', 'docker-init']);
    const t = await berth(['-H', d.host, 'version', '-f', '{{range .Server.Components}}{{.Name}}={{.Version}} {{end}}']);
    assert.equal(t.stdout, 'Engine=20.10.24+dfsg1 containerd=1.6.20~ds1 runc=1.1.5+ds1 docker-init=0.19.0 \n');
  });

  test("info: docker 28's layout with every field the daemon sent", async () => {
    const r = await berth(['info'], { DOCKER_HOST: d.host });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, golden('info-20.10.golden').replace(' Version:    28.2.2', ` Version:    ${BERTH_VERSION}`));
    const dbg = await berth(['-D', 'info'], { DOCKER_HOST: d.host });
    assert.equal(dbg.stdout, golden('info-20.10-debug.golden').replace(' Version:    28.2.2', ` Version:    ${BERTH_VERSION}`));
  });

  test('info --format: server fields at the top, ClientInfo beside them', async () => {
    const r = await berth(['info', '--format', '{{.ServerVersion}} {{.NCPU}} {{.ClientInfo.Context}} {{json .Plugins.Volume}}'], { DOCKER_HOST: d.host });
    assert.equal(r.stdout, '20.10.24+dfsg1 2 default ["local"]\n');
    d.seen.length = 0;
    const c = await berth(['info', '--format', '{{.ClientInfo.Version}}'], { DOCKER_HOST: d.host });
    assert.equal(c.stdout, `${BERTH_VERSION}\n`);
    assert.deepEqual(d.seen, [], 'a client-only template does not contact the daemon');
  });

  test('events: default lines as docker prints them', async () => {
    const r = await berth(['events'], { DOCKER_HOST: d.host });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, golden('events.golden'));
  });

  test('events: --since/--until durations become Unix seconds; --filter in map form', async () => {
    d.seen.length = 0;
    const t0 = Math.floor(Date.now() / 1000);
    const r = await berth(['events', '--since', '30s', '--until', '0s', '--filter', 'type=container', '--format', '{{.Status}} {{.Actor.Attributes.name}}'], {
      DOCKER_HOST: d.host,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'create evt\n bridge\ndie evt\n');
    const q = new URL('http://x' + d.seen[1]!.split(' ')[1]!).searchParams;
    assert.equal(q.get('filters'), '{"type":{"container":true}}');
    assert.ok(Math.abs(Number(q.get('since')) - (t0 - 30)) <= 2, q.get('since')!);
    assert.ok(Math.abs(Number(q.get('until')) - t0) <= 2, q.get('until')!);
  });

  test('events --format json keeps int64 timeNano exact', async () => {
    const r = await berth(['events', '--format', 'json'], { DOCKER_HOST: d.host });
    assert.equal(r.stdout, golden('events.jsonl'));
  });

  test('daemon errors: "Error response from daemon: …", exit 1', async () => {
    d.failWith = 500;
    try {
      const v = await berth(['version'], { DOCKER_HOST: d.host });
      assert.equal(v.code, 1);
      assert.match(v.stdout, /^Client:\n/);
      assert.equal(v.stderr, 'Error response from daemon: boom: something failed\n');
      const i = await berth(['info'], { DOCKER_HOST: d.host });
      assert.equal(i.code, 1);
      assert.equal(i.stdout, `Client:\n Version:    ${BERTH_VERSION}\n Context:    default\n Debug Mode: false\n\nServer:\n`);
      assert.equal(i.stderr, 'ERROR: Error response from daemon: boom: something failed\nerrors pretty printing info\n');
      const e = await berth(['events'], { DOCKER_HOST: d.host });
      assert.equal(e.code, 1);
      assert.equal(e.stderr, 'Error response from daemon: boom: something failed\n');
      const f = await berth(['info', '--format', '{{.ID}}'], { DOCKER_HOST: d.host });
      assert.equal(f.code, 0);
      assert.equal(f.stdout, '\n');
    } finally {
      d.failWith = undefined;
    }
  });
});

test("an unreachable daemon: docker's sentence, exit 1; version still prints the Client block", async () => {
  const host = `unix://${join(tmpdir(), 'berth-no-such-daemon.sock')}`;
  const r = await berth(['version'], { DOCKER_HOST: host });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^Client:\n Version: {11}/);
  assert.equal(r.stderr, `Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?\n`);
  const e = await berth(['-H', host, 'events']);
  assert.equal(e.code, 1);
  assert.equal(e.stderr, `Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?\n`);
});

test('the default host is Berth\'s socket', async () => {
  const r = await berth(['info', '--format', '{{.ID}}']);
  if (r.code === 0) return; // a berthd happens to run here
  assert.equal(r.stderr, 'Cannot connect to the Docker daemon at unix:///run/berth/berth.sock. Is the docker daemon running?\n');
});

describe("flag and command errors in docker's wording", () => {
  const cases: [string[], number, string][] = [
    [['version', '--foo'], 125, "unknown flag: --foo\n\nUsage:  berth version [OPTIONS]\n\nRun 'berth version --help' for more information\n"],
    [['--foo'], 125, "unknown flag: --foo\n\nUsage:  berth [OPTIONS] COMMAND [ARG...]\n\nRun 'berth --help' for more information\n"],
    [['nosuchcmd'], 1, "berth: unknown command: berth nosuchcmd\n\nRun 'berth --help' for more information\n"],
    [['system', 'nosuch'], 1, "berth: unknown command: berth system nosuch\n\nUsage:  berth system\n\nRun 'berth system --help' for more information\n"],
    [['version', 'extra'], 1, "berth: 'berth version' accepts no arguments\n\nUsage:  berth version [OPTIONS]\n\nRun 'berth version --help' for more information\n"],
    [['info', '-f'], 125, "flag needs an argument: 'f' in -f\n\nUsage:  berth info [OPTIONS]\n\nRun 'berth info --help' for more information\n"],
    [['events', '--filter', 'foo'], 125, 'invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)\n\nUsage:  berth events [OPTIONS]\n\nRun \'berth events --help\' for more information\n'],
    [['events', '--format', '{{.bad}}'], 64, 'Error parsing format: template: :1:2: executing "" at <.bad>: can\'t evaluate field bad in type *events.Message\n'],
    [['events', '--since', 'foo'], 1, 'failed to parse value as time or duration: "foo"\n'],
    [['version', '--format', '{{.Bad'], 64, 'template parsing error: template: version:1: unclosed action\n'],
    [['-l', 'bogus', 'version'], 1, 'Unable to parse logging level: bogus\n'],
    [['-H', 'bogus://x', 'version'], 1, 'Failed to initialize: unable to resolve docker endpoint: invalid bind address format: bogus://x\n'],
    [['-H', 'unix:///a', '-H', 'unix:///b', 'version'], 1, 'Failed to initialize: unable to resolve docker endpoint: Specify only one -H\n'],
    [['--tlsverify', '--tlscacert', '/nonexistent/ca.pem', 'version'], 1, 'Failed to initialize: unable to resolve docker endpoint: open /nonexistent/ca.pem: no such file or directory\n'],
    [['help', 'nosuch'], 1, 'unknown help topic: nosuch\n'],
    // cobra names an alias by its command (`image list` is `image ls`); shortcuts keep theirs
    [['image', 'list', '--foo'], 125, "unknown flag: --foo\n\nUsage:  berth image ls [OPTIONS] [REPOSITORY[:TAG]]\n\nRun 'berth image ls --help' for more information\n"],
    [['images', 'a', 'b'], 1, "berth: 'berth images' requires at most 1 argument\n\nUsage:  berth images [OPTIONS] [REPOSITORY[:TAG]]\n\nSRun 'berth images --help' for more information\n"],
  ];
  for (const [args, code, stderr] of cases) {
    test(`berth ${args.join(' ')} -> ${code}`, async () => {
      const r = await berth(args);
      assert.equal(r.stderr, stderr);
      assert.equal(r.code, code);
      assert.equal(r.stdout, '');
    });
  }
});

describe('--help', () => {
  test('command help on stdout, exit 0, in docker\'s layout', async () => {
    for (const [args, file] of [
      [['version', '--help'], 'help-version.golden'],
      [['help', 'version'], 'help-version.golden'],
      [['events', '--help'], 'help-events.golden'],
    ] as const) {
      const r = await berth([...args]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, golden(file), args.join(' '));
      assert.equal(r.stderr, '');
    }
    const rmi = await berth(['image', 'rmi', '--help']);
    assert.match(rmi.stdout, /^Usage:  berth image rm \[OPTIONS\] IMAGE \[IMAGE\.\.\.\]\n\nRemove one or more images\n\nAliases:\n  berth image rm, berth image remove, berth rmi\n\nOptions:\n/);
    const ls = await berth(['images', '--help']);
    assert.match(ls.stdout, /\n\nAliases:\n  berth image ls, berth image list, berth images\n\n/);
    const sys = await berth(['system', 'info', '--help']);
    assert.match(sys.stdout, /^Usage:  berth system info \[OPTIONS\]\n\nDisplay system-wide information\n\nAliases:\n  berth system info, berth info\n\nOptions:\n/);
  });

  test('root help lists the commands; bare `berth` prints it on stderr', async () => {
    const r = await berth(['--help']);
    assert.equal(r.code, 0);
    assert.match(
      r.stdout,
      /^Usage:  berth \[OPTIONS\] COMMAND\n\nA self-sufficient runtime for containers\n\nCommon Commands:\n  run         Create and run a new container from an image\n  exec        Execute a command in a running container\n  ps          List containers\n  build       Build an image from a Dockerfile\n  pull        Download an image from a registry\n  push        Upload an image to a registry\n  images      List images\n  login       Authenticate to a registry\n  logout      Log out from a registry\n  search      Search Docker Hub for images\n  version     Show the Berth version information\n  info        Display system-wide information\n\nManagement Commands:\n  compose     Define and run multi-container applications\n  container   Manage containers\n  image       Manage images\n  network     Manage networks\n  system      Manage Berth\n  volume      Manage volumes\n\nCommands:\n  attach      Attach local standard input, output, and error streams to a running container\n  commit      Create a new image from a container's changes\n  cp          Copy files\/folders between a container and the local filesystem\n  create      Create a new container\n  diff        Inspect changes to files or directories on a container's filesystem\n  events      Get real time events from the server\n  export      Export a container's filesystem as a tar archive\n/,
    );
    assert.match(r.stdout, /\n  wait        Block until one or more containers stop, then print their exit codes\n\nGlobal Options:\n/);
    assert.match(r.stdout, /\n  -H, --host list          Daemon socket to connect to\n/);
    const bare = await berth([]);
    assert.equal(bare.code, 0);
    assert.equal(bare.stdout, '');
    assert.equal(bare.stderr, r.stdout);
  });

  test('`berth system` lists its subcommands (help on stderr, exit 0)', async () => {
    const r = await berth(['system']);
    assert.equal(r.code, 0);
    assert.equal(
      r.stderr,
      "Usage:  berth system COMMAND\n\nManage Berth\n\nCommands:\n  df          Show berth disk usage\n  events      Get real time events from the server\n  info        Display system-wide information\n\nRun 'berth system COMMAND --help' for more information on a command.\n",
    );
  });
});

describe('TLS flags and environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cli-tls-'));
  let server: https.Server;
  let host: string;
  before(async () => {
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca');
    ssl('req', ...ec, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=localhost');
    execFileSync('sh', ['-c', "printf 'subjectAltName = IP:127.0.0.1\\n' > ext.cnf"], { cwd: dir });
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server-cert.pem', '-days', '2', '-extfile', 'ext.cnf');
    ssl('req', ...ec, '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=client');
    ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'cert.pem', '-days', '2');
    const pem = (n: string) => readFileSync(join(dir, n));
    server = https.createServer({ key: pem('server-key.pem'), cert: pem('server-cert.pem'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      res.setHeader('Api-Version', '1.44');
      if (req.url === '/_ping') return res.end();
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(JSON.parse(golden('version-20.10.json'))));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  test('-H tcp://… --tlsverify with --tlscacert/--tlscert/--tlskey', async () => {
    const r = await berth(['-H', host, '--tlsverify', '--tlscacert', join(dir, 'ca.pem'), '--tlscert', join(dir, 'cert.pem'), '--tlskey', join(dir, 'key.pem'), 'version', '--format', '{{.Server.Version}}']);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '20.10.24+dfsg1\n');
  });

  test('DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async () => {
    const r = await berth(['version', '--format', '{{.Server.Version}}'], { DOCKER_HOST: host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '20.10.24+dfsg1\n');
  });

  test('without client certificates the refusal carries docker\'s hint', async () => {
    const r = await berth(['-H', host, '--tlsverify', '--tlscacert', join(dir, 'ca.pem'), '--tlscert', '/nonexistent', 'version', '--format', '{{.Server.Version}}'], { DOCKER_CERT_PATH: join(dir, 'none') });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /open \/nonexistent: no such file or directory/);
    const bare = await berth(['-H', host, '--tlsverify', '--tlscacert', join(dir, 'ca.pem'), 'version', '--format', '{{.Server.Version}}'], { DOCKER_CERT_PATH: join(dir, 'none') });
    assert.equal(bare.code, 1);
    assert.match(bare.stderr, /the server probably has client authentication \(--tlsverify\) enabled/);
  });
});
