/**
 * E2E harness: starts a real berthd (temp data-root and exec-root, its own socket, containerd,
 * bridge and iptables chain names) and runs our `berth` or the real docker CLI against it.
 *
 *   const d = await startDaemon();           // waits until /_ping answers
 *   const r = await d.cli(['version']);      // berth by default; E2E_CLI=docker for docker
 *   await d.docker(['info']);                // always the real docker CLI
 *   await d.kill9(); await d.start();        // crash and restart on the same roots
 *   await d.cleanup();                       // stops berthd and its containerd, removes roots
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (dist/test/e2e -> ../../..). */
export const ROOT = resolve(here, '..', '..', '..');
export const BERTHD = join(ROOT, 'dist', 'src', 'cmd', 'berthd.js');
export const BERTH = join(ROOT, 'bin', 'berth');
export const DOCKER = process.env['DOCKER_CLI'] ?? '/usr/local/bin/docker';

/** The stdout of a command that must succeed (a failure shows its stderr). */
export async function ok(p: Promise<RunResult>): Promise<string> {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs a command to completion, collecting output; never throws on a non-zero exit. */
export function run(bin: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    child.on('close', (code, signal) =>
      resolvePromise({
        code: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** Sends one HTTP request over a unix socket; resolves with status, headers and body. */
export function request(
  socketPath: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request({ socketPath, method, path, headers: { Host: 'api.moby.localhost', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface DaemonOptions {
  /** Extra berthd flags. */
  args?: string[];
  /** Contents of a daemon.json to pass with --config-file. */
  configJson?: unknown;
}

let counter = 0;

export class TestDaemon {
  readonly dir: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly socket: string;
  readonly host: string;
  readonly logPath: string;
  readonly name: string;
  private proc: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;

  constructor(private readonly opts: DaemonOptions = {}) {
    // Short paths: unix sockets live under the exec-root and must stay below 108 bytes.
    this.dir = mkdtempSync('/tmp/be-');
    this.dataRoot = join(this.dir, 'data');
    this.execRoot = join(this.dir, 'run');
    this.socket = join(this.execRoot, 'berth.sock');
    this.host = `unix://${this.socket}`;
    this.logPath = join(this.dir, 'berthd.log');
    this.name = `bt${process.pid % 1000}${counter++}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** berthd's flags for this daemon: own roots, socket, bridge and chain names. */
  flags(): string[] {
    return [
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '-H', this.host,
      '--bridge', `${this.name}0`,
      '--iptables-chain-prefix', this.name.toUpperCase(),
      ...(this.opts.args ?? []),
    ];
  }

  /** Starts berthd (again) and waits until it answers /_ping. */
  async start(extraArgs: string[] = [], timeoutMs = 30_000): Promise<void> {
    const fd = openSync(this.logPath, 'a');
    const args = [BERTHD, ...this.flags(), ...extraArgs];
    if (this.opts.configJson !== undefined) {
      const file = join(this.dir, 'daemon.json');
      (await import('node:fs')).writeFileSync(file, JSON.stringify(this.opts.configJson));
      args.push('--config-file', file);
    }
    const proc = spawn(process.execPath, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.proc = proc;
    this.exited = new Promise((r) => proc.on('exit', (code) => r(code)));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`berthd exited with ${proc.exitCode}:\n${this.logTail()}`);
      try {
        const r = await request(this.socket, 'GET', '/_ping');
        if (r.status === 200) return;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`berthd did not answer within ${timeoutMs} ms:\n${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** SIGTERM and wait: a graceful shutdown. */
  async stop(): Promise<number | null> {
    if (!this.proc || this.proc.exitCode !== null) return this.proc?.exitCode ?? null;
    this.proc.kill('SIGTERM');
    return this.exited!;
  }

  /** SIGKILL: a crash. containerd and the containers must survive it. */
  async kill9(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** Runs the CLI under test (berth, or docker with E2E_CLI=docker) against this daemon. */
  cli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return process.env['E2E_CLI'] === 'docker' ? this.docker(args, opts) : this.berth(args, opts);
  }

  berth(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run(BERTH, args, { ...opts, env: { DOCKER_HOST: this.host, DOCKER_CONFIG: join(this.dir, 'cli'), ...opts.env } });
  }

  docker(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run(DOCKER, args, { ...opts, env: { DOCKER_HOST: this.host, DOCKER_CONFIG: join(this.dir, 'cli'), ...opts.env } });
  }

  request(method: string, path: string, body?: string | Buffer, headers?: Record<string, string>) {
    return request(this.socket, method, path, body, headers);
  }

  /**
   * Makes `busybox:latest` (or `name`) through Berth's own import path, with the real docker
   * CLI: `docker import -c 'CMD ["sh"]' busybox.tar name`. Returns the image ID.
   */
  async importBusybox(name = 'busybox:latest'): Promise<string> {
    const r = await this.docker(['import', '-c', 'CMD ["sh"]', await busyboxTar(), name]);
    if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** containerd's pid as recorded by berthd's supervisor, when it runs its own. */
  containerdPid(): number | undefined {
    const p = join(this.execRoot, 'containerd', 'containerd.pid');
    if (!existsSync(p)) return undefined;
    return parseInt(readFileSync(p, 'utf8'), 10);
  }

  /** Removes the containers (their shims outlive berthd), stops berthd and its containerd, removes the roots. */
  async cleanup(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      try {
        const list = await this.request('GET', '/v1.44/containers/json?all=1');
        const ids = (JSON.parse(list.body) as { Id: string }[]).map((c) => c.Id);
        await Promise.all(ids.map((id) => this.request('DELETE', `/v1.44/containers/${id}?force=1`).catch(() => {})));
      } catch {
        /* the daemon may not serve containers */
      }
    }
    await this.stop();
    const cpid = this.containerdPid();
    if (cpid) {
      try {
        process.kill(cpid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    // Shims outlive containerd by design; a test that left a container behind (or killed berthd
    // before its background cleanup ran) would leave them, and their containers, running.
    await run('sh', ['-c', `for p in $(pgrep -f 'containerd-shim-runc-v[2] .*-address ${this.dir}/'); do pkill -KILL -P $p; kill -KILL $p; done`]);
    await run('sh', ['-c', `grep -F ' ${this.dir}/' /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r -n1 umount -l`]);
    await this.removeNetworking();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The bridge name and iptables chain prefix of this daemon. */
  get bridge(): string {
    return `${this.name}0`;
  }

  get chainPrefix(): string {
    return this.name.toUpperCase();
  }

  /** iptables-save lines (both tables) that belong to this daemon: our chains and rules naming them or our bridge. */
  async ownRules(): Promise<string[]> {
    const save = await run('iptables-save', []);
    const p = this.chainPrefix;
    const re = new RegExp(`(^:${p}(-|\\s))|(-j ${p}(-[A-Z0-9-]+)?( |$))|(^-A ${p}(-[A-Z0-9-]+)? )|( ${this.bridge}( |$))`);
    return save.stdout.split('\n').filter((l) => re.test(l));
  }

  /** The bridges of the user-defined networks this daemon recorded (left behind when a test failed). */
  userBridges(): string[] {
    const dir = join(this.dataRoot, 'network', 'networks');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => {
        const r = JSON.parse(readFileSync(join(dir, n), 'utf8')) as { id: string; options?: Record<string, string> };
        return r.options?.['com.docker.network.bridge.name'] || `br-${r.id.slice(0, 12)}`;
      });
  }

  /** Takes down what the daemon leaves on the host by design: its bridges, its iptables rules and chains. */
  async removeNetworking(): Promise<void> {
    const { parseSave, removalScript, Cidr, parseIPv4 } = await import('../../src/network/index.js');
    const fws = [];
    for (const bridge of [this.bridge, ...this.userBridges()]) {
      const link = await run('ip', ['-json', '-4', 'addr', 'show', 'dev', bridge]);
      let subnet = '';
      try {
        const a = (JSON.parse(link.stdout) as { addr_info: { local: string; prefixlen: number }[] }[])[0]?.addr_info[0];
        if (a) subnet = new Cidr(parseIPv4(a.local), a.prefixlen).toString();
      } catch {
        /* no bridge */
      }
      fws.push({ prefix: this.chainPrefix, bridge, subnet, exists: link.code === 0 });
    }
    const [filter, nat] = await Promise.all([run('iptables-save', ['-t', 'filter']), run('iptables-save', ['-t', 'nat'])]);
    const script = removalScript(fws, parseSave(filter.stdout + nat.stdout));
    if (script) await run('iptables-restore', ['-w', '--noflush'], { input: script });
    for (const f of fws) if (f.exists) await run('ip', ['link', 'del', f.bridge]);
  }
}

/** Starts a daemon; remember to `await d.cleanup()` in an `after` hook. */
export async function startDaemon(opts: DaemonOptions = {}): Promise<TestDaemon> {
  const d = new TestDaemon(opts);
  try {
    await d.start();
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  return d;
}

const tempDirs: string[] = [];

/** A fresh directory under `prefix`, removed when the test process (one per e2e file) exits. */
export function tempDir(prefix: string): string {
  if (tempDirs.length === 0) process.once('exit', () => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const dir = mkdtempSync(prefix);
  tempDirs.push(dir);
  return dir;
}

/** A build context: `files` (path: content) in a fresh temporary directory. */
export function buildContext(files: Record<string, string>): string {
  const dir = tempDir(join(tmpdir(), 'berth-build-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

let busyboxTarPath: string | undefined;

/** A busybox rootfs tarball built from the host's busybox-static (written once per process). */
export async function busyboxTar(): Promise<string> {
  if (busyboxTarPath && existsSync(busyboxTarPath)) return busyboxTarPath;
  const { busyboxRootfsTar } = await import('../../src/images/index.js');
  const p = join(tempDir('/tmp/be-bb-'), 'busybox.tar');
  writeFileSync(p, await busyboxRootfsTar());
  busyboxTarPath = p;
  return p;
}

/** The CLIs the CLI-level cases run with: ours, and the real docker CLI as the oracle. */
export const CLIS = ['berth', 'docker'] as const;
export type CliName = (typeof CLIS)[number];

export function cliRun(d: TestDaemon, cli: CliName, args: string[], opts?: RunOptions): Promise<RunResult> {
  return cli === 'docker' ? d.docker(args, opts) : d.berth(args, opts);
}

/** A TCP port free on `host` right now (`::` for every address, both families). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port: 0 }, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}
