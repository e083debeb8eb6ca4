/**
 * The one wrapper of iproute2's `ip` (STYLE D7): argv and batch scripts are built here, machine
 * output (`ip -json`) is parsed here. Several changes go in one `ip -batch -` invocation: a
 * process start costs more than the netlink calls it makes.
 */
import type { Ctx, Exec } from '../lib/index.js';
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
  constructor(
    private readonly exec: Exec,
    readonly bin = 'ip',
  ) {}

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
