/**
 * The one wrapper of iproute2's `ip` (STYLE D7): argv and batch scripts are built here, machine
 * output (`ip -json`) is parsed here. Several changes go in one `ip -batch -` invocation: a
 * process start costs more than the netlink calls it makes (and blocks berthd's event loop
 * for the fork, some 2-3 ms).
 *
 * Changes in the host's namespace go through one long-lived `ip -force -batch -` (IpSession),
 * so they cost no process start at all.
 */
import type { Ctx, Exec, Started } from '../lib/index.js';
import { ExecError } from '../lib/index.js';

export interface IpAddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
}

export interface IpLink {
  ifname: string;
  mtu: number;
  flags: string[];
  address?: string;
  /** Set for a port of a bridge (`master`). */
  master?: string;
  addrs: IpAddrInfo[];
}

export interface IpRoute4 {
  /** `default` or a prefix (`192.0.2.0/24`, or a bare address for a /32). */
  dst: string;
  dev?: string;
}

const TIMEOUT_MS = 10_000;

export class IpRoute {
  private session: IpSession | undefined;

  constructor(
    private readonly exec: Exec,
    readonly bin = 'ip',
  ) {}

  /** Runs host-namespace changes through the long-lived session; throws ExecError with ip's errors. */
  async host(ctx: Ctx, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    this.session ??= new IpSession(this.exec, this.bin);
    await this.session.run(ctx, lines);
  }

  /** Ends the session (berthd stops). */
  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  /** The argv that runs `lines` as one batch from stdin (for callers that wrap it, e.g. in unshare). */
  batchArgv(): string[] {
    return [this.bin, '-batch', '-'];
  }

  /** Runs `lines` as one batch; stops at the first failing line (ExecError names it). */
  async batch(ctx: Ctx, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.exec.run(ctx, this.bin, ['-batch', '-'], { input: lines.join('\n') + '\n', timeoutMs: TIMEOUT_MS });
  }

  /** One link with its addresses; undefined when it does not exist. */
  async link(ctx: Ctx, name: string): Promise<IpLink | undefined> {
    try {
      const { stdout } = await this.exec.run(ctx, this.bin, ['-json', 'addr', 'show', 'dev', name], { timeoutMs: TIMEOUT_MS });
      return parseLinks(stdout)[0];
    } catch (e) {
      if (e instanceof ExecError && /does not exist/.test(e.stderr)) return undefined;
      throw e;
    }
  }

  /** All links with their addresses. */
  async links(ctx: Ctx): Promise<IpLink[]> {
    const { stdout } = await this.exec.run(ctx, this.bin, ['-json', 'addr', 'show'], { timeoutMs: TIMEOUT_MS });
    return parseLinks(stdout);
  }

  /** The IPv4 routes of the main table. */
  async routes4(ctx: Ctx): Promise<IpRoute4[]> {
    const { stdout } = await this.exec.run(ctx, this.bin, ['-json', '-4', 'route', 'show'], { timeoutMs: TIMEOUT_MS });
    return parseRoutes(stdout);
  }
}

export function parseLinks(json: string): IpLink[] {
  const raw = JSON.parse(json || '[]') as {
    ifname: string;
    mtu: number;
    flags?: string[];
    address?: string;
    master?: string;
    addr_info?: { family: string; local: string; prefixlen: number }[];
  }[];
  return raw.map((l) => ({
    ifname: l.ifname,
    mtu: l.mtu,
    flags: l.flags ?? [],
    address: l.address,
    master: l.master,
    addrs: (l.addr_info ?? [])
      .filter((a) => a.family === 'inet' || a.family === 'inet6')
      .map((a) => ({ family: a.family as 'inet' | 'inet6', local: a.local, prefixlen: a.prefixlen })),
  }));
}

export function parseRoutes(json: string): IpRoute4[] {
  const raw = JSON.parse(json || '[]') as { dst: string; dev?: string }[];
  return raw.map((r) => ({ dst: r.dst, dev: r.dev }));
}

const MARKER = /Object "berth-done-(\d+)" is unknown, try "ip help"\.\nCommand failed [^\n]*\n/;

/**
 * A long-lived `ip -force -batch -`, fed lines on stdin. Each request's lines are followed by a
 * marker, `berth-done-<n>`: an unknown object, which ip reports on stderr (unbuffered) as soon
 * as it reaches it, so the marker's report means every line before it ran. Whatever a failing
 * line printed comes before the marker's report and belongs to the request; `-force` keeps ip
 * going after a failure. If ip dies (or a request times out) the pending requests fail and the
 * next one starts a new process.
 */
export class IpSession {
  private child: Started | undefined;
  private seq = 0;
  private buf = '';
  private readonly pending: { seq: number; lines: readonly string[]; resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];

  constructor(
    private readonly exec: Exec,
    private readonly bin: string,
    private readonly timeoutMs = 10_000,
  ) {}

  run(ctx: Ctx, lines: readonly string[]): Promise<void> {
    const child = (this.child ??= this.spawn(ctx));
    const seq = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`${this.bin}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.pending.push({ seq, lines, resolve, reject, timer });
      child.stdin!.write(`${lines.join('\n')}\nberth-done-${seq}\n`);
    });
  }

  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private spawn(ctx: Ctx): Started {
    const child = this.exec.start(ctx, this.bin, ['-force', '-batch', '-'], { stdio: 'pipe', unref: true });
    child.stdout?.resume();
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => this.onStderr(chunk));
    void child.exited.then(({ code, signal }) => {
      if (this.child !== child) return; // replaced after a timeout: its requests already failed
      this.child = undefined;
      this.failAll(new ExecError([this.bin, '-force', '-batch', '-'], code, signal, this.buf || 'exited'));
    });
    return child;
  }

  private onStderr(chunk: string): void {
    this.buf += chunk;
    for (let m = MARKER.exec(this.buf); m; m = MARKER.exec(this.buf)) {
      const errors = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      const seq = Number(m[1]);
      const i = this.pending.findIndex((p) => p.seq === seq);
      if (i < 0) continue;
      const [p] = this.pending.splice(i, 1);
      clearTimeout(p!.timer);
      if (/Command failed/.test(errors)) {
        const text = errors.replace(/^Command failed [^\n]*\n/gm, '');
        p!.reject(new ExecError([this.bin, '-batch', '-', ...p!.lines], 1, null, text));
      } else p!.resolve();
    }
  }

  private fail(e: Error): void {
    const child = this.child;
    this.child = undefined;
    child?.kill('SIGKILL');
    this.failAll(e);
  }

  private failAll(e: Error): void {
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.buf = '';
  }
}
