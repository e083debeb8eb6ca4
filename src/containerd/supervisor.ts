/**
 * ContainerdSupervisor runs containerd as berthd's managed child, the way dockerd does
 * (moby libcontainerd/supervisor): a generated config, its own root/state/sockets so it never
 * meets a system containerd, and a pidfile so that a restarted berthd adopts the containerd the
 * previous one left running (containers keep running across a berthd crash).
 *
 * Files (paths come from the config slice; berthd's defaults shown):
 *
 *   <data-root>/containerd/daemon/          root: metadata db, content, snapshots, opt/
 *   <exec-root>/containerd/
 *   ├── containerd.toml                      configPath: rewritten before every spawn
 *   ├── containerd.pid                       pidfile: "<pid>", written atomically after spawn
 *   ├── containerd.sock                      address: gRPC
 *   ├── containerd.sock.ttrpc                ttrpc (shims publish events here)
 *   └── daemon/                              state: runtime state, shim bundles, fifos
 *   logPath                                  containerd's stdout+stderr, appended
 *   /run/containerd/s/<hash>                 shim sockets: a path containerd 1.6 hard-codes; the
 *                                            hash covers our address, so no clash with a system one
 *
 * runc keeps its own state under /run/containerd/runc/<namespace> unless the task's runc options
 * set `root` (moby passes <exec-root>/runtime-runc); that is the runtime layer's choice.
 *
 * Lifecycle: start() adopts a live containerd named by the pidfile (its cmdline must be our
 * binary with our --config) or spawns one detached in its own session, then waits until it
 * answers Version. While supervised, an unexpected exit (or, for an adopted process, its
 * disappearance, polled) triggers a restart with bounded exponential backoff. stop() sends
 * SIGTERM, then SIGKILL after stopTimeoutMs, and removes the pidfile. recoverInterruptedTasks()
 * restarts it once more when a crash left task bundles behind that only its startup cleans up,
 * and kills the shims it lost track of.
 *
 * start() marks the overlayfs `snapshots` directory a top of hierarchies for ext4's Orlov
 * allocator (`chattr +T`): each snapshot gets a block group of its own. Without a journal, ext4
 * skips inodes freed minutes ago, one lookup each, so unpacking where an image was just removed
 * took 3-5 s instead of 1 s.
 *
 * Only processes we started or recorded in the pidfile are ever signalled (STYLE D7), and the
 * shims our containerd started (our socket in their argv) and then lost track of. The
 * supervisor's timers and the detached child do not keep the node process alive by themselves.
 */
import { closeSync, fstatSync, openSync, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Ctx,
  type Exec,
  type Logger,
  type Started,
  invalidParameter,
  mkdirp,
  unavailable,
  writeFileAtomic,
} from '../lib/index.js';
import { ContainerdClient } from './client.js';
import { isAlive, orphanTaskBundles, shimProcesses, signal, TASK_BUNDLES } from './leftovers.js';

export interface SupervisorConfig {
  /** containerd binary, e.g. /usr/bin/containerd. */
  binary: string;
  /** Persistent state (metadata, content, snapshots). */
  root: string;
  /** Runtime state (tmpfs in production). */
  state: string;
  /** gRPC socket path; the ttrpc socket is `<address>.ttrpc`. Must stay under 108 bytes. */
  address: string;
  pidfile: string;
  configPath: string;
  logPath: string;
  /** containerd log level debug instead of info. */
  debug: boolean;
  /** How long start() waits for containerd to answer (default 20 s). */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 10 s). */
  stopTimeoutMs?: number;
  /** containerd's oom_score_adj (default -999, as dockerd). */
  oomScore?: number;
  /** Restart backoff: first delay, doubling up to max (defaults 100 ms, 10 s). */
  restartBackoffMs?: { initial: number; max: number };
  /** Liveness poll interval for an adopted containerd, which is not our child (default 1 s). */
  pollMs?: number;
}

export interface SupervisorDeps {
  exec: Exec;
  log: Logger;
}

/** Unix socket paths are limited by sockaddr_un.sun_path (108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;
/** A process that stayed up this long has its restart backoff reset. */
const STABLE_UPTIME_MS = 30_000;

export function ttrpcAddress(cfg: Pick<SupervisorConfig, 'address'>): string {
  return `${cfg.address}.ttrpc`;
}

/** The argv of containerd (STYLE D7: built here and nowhere else). */
export function containerdArgv(cfg: Pick<SupervisorConfig, 'configPath'>): string[] {
  return ['--config', cfg.configPath];
}

/**
 * containerd's environment: ours minus NOTIFY_SOCKET, so that containerd does not tell systemd
 * that *berthd* is ready (moby's supervisor drops it for the same reason).
 */
export function containerdEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NOTIFY_SOCKET: _, ...rest } = env;
  return rest;
}

const toml = (s: string) => JSON.stringify(s); // JSON string escapes are valid TOML basic strings

/**
 * containerd's config (version 2). Everything that could touch a system containerd is pointed
 * at our own paths: root, state, both sockets, the opt plugin's directory; debug and metrics
 * listeners are off; the CRI plugin is disabled (dockerd does the same).
 */
export function containerdConfigToml(cfg: SupervisorConfig): string {
  const lines = [
    '# Generated by berthd; rewritten on every start. Do not edit.',
    'version = 2',
    `root = ${toml(cfg.root)}`,
    `state = ${toml(cfg.state)}`,
    `oom_score = ${cfg.oomScore ?? -999}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '',
    '[grpc]',
    `  address = ${toml(cfg.address)}`,
    '  uid = 0',
    '  gid = 0',
    '',
    '[ttrpc]',
    `  address = ${toml(ttrpcAddress(cfg))}`,
    '  uid = 0',
    '  gid = 0',
    '',
    '[debug]',
    '  address = ""',
    `  level = ${toml(cfg.debug ? 'debug' : 'info')}`,
    '',
    '[metrics]',
    '  address = ""',
    '',
    '[plugins]',
    '  [plugins."io.containerd.internal.v1.opt"]',
    `    path = ${toml(`${cfg.root}/opt`)}`,
    '',
  ];
  return lines.join('\n');
}

/** Checks the config slice; throws invalidParameter naming the offending key. */
export function validateSupervisorConfig(cfg: SupervisorConfig): void {
  for (const key of ['binary', 'root', 'state', 'address', 'pidfile', 'configPath', 'logPath'] as const) {
    if (!cfg[key] || !cfg[key].startsWith('/')) throw invalidParameter(`containerd.${key} must be an absolute path`);
  }
  for (const [key, p] of [['address', cfg.address], ['address (ttrpc)', ttrpcAddress(cfg)]] as const) {
    if (Buffer.byteLength(p) > MAX_SOCKET_PATH) {
      throw invalidParameter(`containerd.${key}: socket path ${p} is longer than ${MAX_SOCKET_PATH} bytes`);
    }
  }
}


export { orphanTaskBundles, parseShimArgv } from './leftovers.js';

export class ContainerdSupervisor {
  private readonly exec: Exec;
  private readonly log: Logger;
  private readonly cfg: SupervisorConfig;

  private currentPid: number | undefined;
  private startedAt = 0;
  private attempt = 0;
  private stopping = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  /** Aborted by stop(): the lifetime of the spawned processes and of background restarts. */
  private lifetime = new AbortController();
  private readonly restartListeners = new Set<(pid: number) => void>();

  constructor(deps: SupervisorDeps, config: SupervisorConfig) {
    this.exec = deps.exec;
    this.log = deps.log.with({ module: 'containerd' });
    this.cfg = config;
  }

  /** The gRPC socket path (give it to ContainerdClient). */
  get address(): string {
    return this.cfg.address;
  }

  /** The pid of the supervised containerd, undefined when none runs. */
  get pid(): number | undefined {
    return this.currentPid;
  }

  /** Calls `fn(pid)` after each restart of containerd (after it answers). Returns an unsubscribe. */
  onRestart(fn: (pid: number) => void): () => void {
    this.restartListeners.add(fn);
    return () => this.restartListeners.delete(fn);
  }

  /**
   * Makes a containerd answer on `address`: adopts the one named by the pidfile if it is ours
   * and alive, else spawns one. Throws invalidParameter for a bad config, unavailable (with
   * containerd's log tail) when it does not come up within startTimeoutMs.
   */
  async start(ctx: Ctx): Promise<void> {
    validateSupervisorConfig(this.cfg);
    this.stopping = false;
    this.lifetime = new AbortController();
    for (const dir of [this.cfg.root, this.cfg.state]) await mkdirp(dir, 0o711);
    for (const f of [this.cfg.address, this.cfg.pidfile, this.cfg.configPath, this.cfg.logPath]) {
      await mkdirp(dirname(f), 0o711);
    }
    await this.spreadSnapshots(ctx);
    if (await this.adopt(ctx)) return;
    await this.spawn(ctx);
  }

  /** `chattr +T` on the overlayfs snapshots directory (made as containerd makes it); a hint, so failures only log. */
  private async spreadSnapshots(ctx: Ctx): Promise<void> {
    const dir = join(this.cfg.root, 'io.containerd.snapshotter.v1.overlayfs', 'snapshots');
    try {
      await mkdirp(dir, 0o700);
      await this.exec.run(ctx, 'chattr', ['+T', dir]);
    } catch (e) {
      this.log.debug('cannot mark the snapshots directory as a top directory (not ext4?)', { dir, error: e });
    }
  }

  /**
   * Stops the containerd we started or adopted: SIGTERM, SIGKILL after stopTimeoutMs; removes
   * the pidfile. Containers (shims) keep running. No-op when nothing runs.
   */
  async stop(ctx: Ctx): Promise<void> {
    this.stopping = true;
    this.lifetime.abort();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.pollTimer = this.restartTimer = undefined;
    await this.restarting?.catch(() => {});
    const pid = this.currentPid;
    if (pid !== undefined && (await this.isOurs(pid))) {
      this.log.info('stopping containerd', { pid });
      signal(pid, 'SIGTERM');
      if (!(await this.waitGone(ctx, pid, this.cfg.stopTimeoutMs ?? 10_000))) {
        this.log.warn('containerd did not stop in time, killing it', { pid });
        signal(pid, 'SIGKILL');
        await this.waitGone(ctx, pid, 5_000);
      }
    }
    this.currentPid = undefined;
    await fs.rm(this.cfg.pidfile, { force: true });
  }

  /**
   * containerd 1.6 handles a task create that was cut short (its client went away mid-call:
   * berthd was killed) badly. Either it leaves the task's bundle directory and shim behind: the
   * task is in no list, yet every later create of that container fails with "mkdir <bundle>:
   * file exists". Or it deletes the bundle but loses track of the shim, which then idles
   * forever (and would serve, bundle-less, the next create of that container: a shim's socket
   * is named after the container alone). So, after start() (it matters after an adoption):
   * - bundles that are not tasks: containerd picks their shims up only as it starts, so it is
   *   restarted (shims, and so containers, keep running), and the tasks are then deleted (they
   *   were never anyone's: no create of theirs returned; those whose container was never made
   *   are not even listed, but containerd now knows their shims);
   * - shims of this containerd (its address in their argv) without a bundle are SIGKILLed.
   * Returns what it found ("<namespace>/<id>").
   */
  async recoverInterruptedTasks(ctx: Ctx): Promise<{ bundles: string[]; shims: string[] }> {
    const found = await this.withClient((client) =>
      orphanTaskBundles(this.cfg.state, async (ns) => (await client.withNamespace(ns).tasks.list(ctx)).map((t) => t.id)),
    );
    const bundles = found.map((b) => `${b.namespace}/${b.id}`);
    if (bundles.length) {
      this.log.warn('restarting containerd to clean up task creates cut short', { tasks: bundles });
      await this.stop(ctx);
      await this.start(ctx);
      await this.withClient(async (client) => {
        for (const b of found) {
          await client.withNamespace(b.namespace).tasks.delete(ctx, b.id).catch((e) =>
            this.log.debug('deleting a task whose create was cut short', { task: `${b.namespace}/${b.id}`, error: e }),
          );
        }
      });
    }
    const shims: string[] = [];
    for (const { pid, shim } of await shimProcesses()) {
      if (shim.address !== this.cfg.address) continue;
      if (await fs.stat(join(this.cfg.state, TASK_BUNDLES, shim.namespace, shim.id)).then(() => true, () => false)) continue;
      this.log.warn('killing a shim containerd lost track of', { pid, task: `${shim.namespace}/${shim.id}` });
      signal(pid, 'SIGKILL');
      shims.push(`${shim.namespace}/${shim.id}`);
    }
    return { bundles, shims };
  }

  private async withClient<T>(fn: (client: ContainerdClient) => Promise<T>): Promise<T> {
    const client = this.probeClient();
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  }

  // ---- start paths ----

  private async adopt(ctx: Ctx): Promise<boolean> {
    const pid = await this.readPidfile();
    if (pid === undefined) return false;
    if (!(await this.isOurs(pid))) {
      this.log.debug('ignoring stale containerd pidfile', { pid });
      return false;
    }
    const client = this.probeClient();
    try {
      await client.ready(ctx, this.cfg.startTimeoutMs ?? 20_000);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      this.log.warn('containerd from pidfile does not answer, killing it', { pid, error: e });
      signal(pid, 'SIGKILL');
      await this.waitGone(ctx, pid, 5_000);
      return false;
    } finally {
      client.close();
    }
    this.log.info('adopted running containerd', { pid, address: this.cfg.address });
    this.currentPid = pid;
    this.startedAt = Date.now();
    this.watchAdopted(pid);
    return true;
  }

  private async spawn(ctx: Ctx): Promise<number> {
    await writeFileAtomic(this.cfg.configPath, containerdConfigToml(this.cfg), 0o600);
    // No containerd of ours is alive here, so sockets left by a dead one are stale.
    for (const sock of [this.cfg.address, ttrpcAddress(this.cfg)]) await fs.rm(sock, { force: true });

    const fd = openSync(this.cfg.logPath, 'a', 0o600);
    const logStart = fstatSync(fd).size;
    let child: Started;
    try {
      const lifeCtx: Ctx = { signal: this.lifetime.signal, log: this.log };
      child = this.exec.start(lifeCtx, this.cfg.binary, containerdArgv(this.cfg), {
        stdio: fd,
        detached: true,
        env: containerdEnv(process.env),
      });
    } finally {
      closeSync(fd);
    }
    if (child.pid <= 0) {
      const info = await child.exited;
      throw unavailable(`cannot start ${this.cfg.binary}: ${exitText(info)}`);
    }
    const pid = child.pid;
    this.log.info('started containerd', { pid, address: this.cfg.address, config: this.cfg.configPath });
    await writeFileAtomic(this.cfg.pidfile, String(pid));

    let exitedEarly: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const early = new AbortController();
    void child.exited.then((info) => {
      exitedEarly = info;
      early.abort();
    });
    const client = this.probeClient();
    try {
      await client.ready({ ...ctx, signal: AbortSignal.any([ctx.signal, early.signal]) }, this.cfg.startTimeoutMs ?? 20_000);
    } catch (e) {
      child.kill('SIGKILL');
      await fs.rm(this.cfg.pidfile, { force: true });
      if (ctx.signal.aborted) throw e;
      const tail = await this.logTail(logStart);
      const why = exitedEarly ? `exited (${exitText(exitedEarly)})` : `did not answer within ${this.cfg.startTimeoutMs ?? 20_000} ms`;
      throw unavailable(`containerd ${why}; log ${this.cfg.logPath}:\n${tail}`, e);
    } finally {
      client.close();
    }
    this.currentPid = pid;
    this.startedAt = Date.now();
    void child.exited.then((info) => this.onDeath(pid, info));
    return pid;
  }

  // ---- supervision ----

  private watchAdopted(pid: number): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = setInterval(() => {
      if (this.currentPid !== pid || this.stopping) return;
      if (!isAlive(pid)) {
        clearInterval(this.pollTimer);
        this.pollTimer = undefined;
        this.onDeath(pid, undefined);
      }
    }, this.cfg.pollMs ?? 1_000);
    this.pollTimer.unref();
  }

  private onDeath(pid: number, info: { code: number | null; signal: NodeJS.Signals | null } | undefined): void {
    if (this.stopping || this.currentPid !== pid) return;
    this.currentPid = undefined;
    if (Date.now() - this.startedAt >= STABLE_UPTIME_MS) this.attempt = 0;
    this.log.error('containerd exited unexpectedly; restarting', { pid, status: info ? exitText(info) : 'gone' });
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const { initial, max } = this.cfg.restartBackoffMs ?? { initial: 100, max: 10_000 };
    const delay = Math.min(max, initial * 2 ** this.attempt);
    this.attempt++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      const ctx: Ctx = { signal: this.lifetime.signal, log: this.log };
      this.restarting = this.spawn(ctx).then(
        (newPid) => {
          this.log.info('containerd restarted', { pid: newPid, attempt: this.attempt });
          for (const fn of this.restartListeners) fn(newPid);
        },
        (e: unknown) => {
          if (this.stopping) return;
          this.log.error('containerd restart failed', { error: e, attempt: this.attempt });
          this.scheduleRestart();
        },
      );
    }, delay);
    this.restartTimer.unref();
  }

  // ---- helpers ----

  private probeClient(): ContainerdClient {
    return new ContainerdClient({ address: this.cfg.address, namespace: 'default' });
  }

  private async readPidfile(): Promise<number | undefined> {
    try {
      const n = Number.parseInt((await fs.readFile(this.cfg.pidfile, 'utf8')).trim(), 10);
      return Number.isInteger(n) && n > 0 ? n : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Whether `pid` is alive and is our binary running with our --config. */
  private async isOurs(pid: number): Promise<boolean> {
    if (!isAlive(pid)) return false;
    let argv: string[];
    try {
      argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    } catch {
      return false;
    }
    const bin = argv[0] ?? '';
    const sameBinary = bin === this.cfg.binary || basename(bin) === basename(this.cfg.binary);
    const i = argv.indexOf('--config');
    return sameBinary && i >= 0 && argv[i + 1] === this.cfg.configPath;
  }

  private async waitGone(ctx: Ctx, pid: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) return true;
      await sleep(25, undefined, { signal: ctx.signal });
    }
    return !isAlive(pid);
  }

  private async logTail(from: number, maxBytes = 4096): Promise<string> {
    try {
      const fh = await fs.open(this.cfg.logPath, 'r');
      try {
        const size = (await fh.stat()).size;
        const start = Math.max(from, size - maxBytes);
        const buf = Buffer.alloc(Math.max(0, size - start));
        await fh.read(buf, 0, buf.length, start);
        return buf.toString('utf8').trimEnd().split('\n').slice(-20).join('\n');
      } finally {
        await fh.close();
      }
    } catch {
      return '(no log)';
    }
  }
}

function exitText(info: { code: number | null; signal: NodeJS.Signals | null }): string {
  if (info.code !== null) return `exit status ${info.code}`;
  if (info.signal) return `signal ${info.signal}`;
  return 'spawn failed';
}

