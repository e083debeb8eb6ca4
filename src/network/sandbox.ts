/**
 * The kernel side of a sandbox with any number of endpoints (moby libnetwork osl): its
 * namespace, per bridge endpoint a veth pair whose container end is `eth<N>` (address, MAC,
 * MTU) and whose host end is a port of the network's bridge, per macvlan endpoint a macvlan
 * child of the network's parent as `eth<N>` (macvlan.ts), the default route through the
 * gateway endpoint, the embedded DNS redirect, and the sandbox's DNS link when it has one
 * (dns-link.ts).
 *
 * Costs: a new sandbox is one process start (`unshare --net=<file> sh -c 'ip -batch - …'`
 * makes the namespace and configures everything inside it, incl. the DNS rules), plus one line
 * batch on the host's long-lived ip session (the host ends into their bridges). Joining a
 * running sandbox (`network connect`) is one `nsenter --net=<file>` and one host batch; leaving
 * it is a host batch only (deleting the host end deletes the pair).
 */
import { existsSync, promises as fs } from 'node:fs';
import { ExecError, type Ctx, type Exec } from '../lib/index.js';
import { Cidr, formatIPv4 } from './ipnet.js';
import type { IpRoute } from './iproute.js';
import type { NetnsStore } from './netns.js';
import { macvlanChildShell, type MacvlanMode } from './macvlan.js';
import { linkHostLines, linkHostSysctls, linkSandboxLines, type DnsLinkRecord } from './dns-link.js';

/** What every endpoint's interface gets inside the sandbox. */
interface InterfaceSpec {
  /** eth0, eth1, … */
  ifName: string;
  ip: number;
  prefixLen: number;
  /** IPv6 address with its prefix length (`--ipv6` networks). */
  ip6?: string;
  mac: string;
}

/** A bridge endpoint: a veth pair. */
export interface VethKernelSpec extends InterfaceSpec {
  kind?: 'veth';
  /** Host end of the pair. */
  ifHost: string;
  /** The bridge the host end joins. */
  bridge: string;
  mtu: number;
  /** Hairpin on the bridge port (userland proxy off). */
  hairpin: boolean;
}

/** A macvlan endpoint: a child of the parent, its MTU the parent's. */
export interface MacvlanKernelSpec extends InterfaceSpec {
  kind: 'macvlan';
  parent: string;
  mode: MacvlanMode;
}

export type EndpointKernelSpec = VethKernelSpec | MacvlanKernelSpec;

/** Where the container's resolver (127.0.0.11:53) is sent: the embedded DNS on a gateway. */
export interface DnsRedirect {
  gateway: string;
  port: number;
  /** The container's address on that network (the source the DNS server sees). */
  containerIp: string;
  ifName: string;
  /** The namespace had a redirect already (its jumps are replaced, not doubled). */
  replace?: boolean;
  /** ifName is a DNS link (dns-link.ts): nothing else may leave through it. */
  onlyDns?: boolean;
}

/** A sandbox being made, or changed, with what goes into it. */
export interface SandboxChange {
  /** The default routes move here (absent: they stay). */
  gateway?: Gateway;
  /** The DNS redirect is set to this (absent: it stays). */
  dns?: DnsRedirect;
  /** A DNS link to make in it. */
  link?: DnsLinkRecord;
}

/** The default routes through a gateway endpoint (IPv4, and IPv6 when it has an IPv6 gateway). */
export interface Gateway {
  ip: string;
  ip6?: string;
  ifName: string;
}

function routeLines(verb: 'add' | 'replace', gw: Gateway | undefined): string[] {
  if (!gw) return [];
  const out = [`route ${verb} default via ${gw.ip} dev ${gw.ifName}`];
  if (gw.ip6) out.push(`route ${verb} default via ${gw.ip6} dev ${gw.ifName}`);
  return out;
}

/** Produces the in-namespace shell commands of a DNS redirect (dns.ts). */
export type DnsScript = (r: DnsRedirect) => string;

export interface SandboxKernelDeps {
  ip: Pick<IpRoute, 'bin' | 'host'>;
  netns: Pick<NetnsStore, 'create' | 'adopt' | 'remove' | 'path'>;
  exec: Exec;
  /** A process in berthd's (the host's) network namespace: where host ends of veths go. */
  hostPid: number;
  nsenter: string;
  sh: string;
  mount: string;
  dnsScript?: DnsScript;
  linkExists?: (name: string) => Promise<boolean>;
  writeFile?: (path: string, data: string) => Promise<void>;
  /** The kernel has IPv6 (default: /proc/sys/net/ipv6 exists). */
  ipv6?: boolean;
}

const VETH_GONE_MS = 2000;
const TIMEOUT_MS = 10_000;

/**
 * The ip batch lines that make and configure endpoints inside the namespace (macvlan children
 * are there already: macvlanShell made them).
 */
export function endpointLines(eps: readonly EndpointKernelSpec[], hostPid: number): string[] {
  const out: string[] = [];
  for (const s of eps) {
    if (s.kind !== 'macvlan') out.push(`link add ${s.ifName} mtu ${s.mtu} address ${s.mac} type veth peer name ${s.ifHost} mtu ${s.mtu} netns ${hostPid}`);
    out.push(
      `addr add ${formatIPv4(s.ip)}/${s.prefixLen} broadcast ${formatIPv4(new Cidr(s.ip, s.prefixLen).last)} dev ${s.ifName}`,
      `link set ${s.ifName} up`,
    );
    if (s.ip6) out.push(`addr add ${s.ip6} dev ${s.ifName} nodad`);
  }
  return out;
}

/** The host-side lines: host ends into their bridges, up. */
export function hostLines(eps: readonly EndpointKernelSpec[]): string[] {
  const out: string[] = [];
  for (const s of eps) {
    if (s.kind === 'macvlan') continue;
    out.push(`link set ${s.ifHost} master ${s.bridge} up`);
    if (s.hairpin) out.push(`link set ${s.ifHost} type bridge_slave hairpin on`);
  }
  return out;
}

/** The host ends of bridge endpoints (macvlan children have none). */
export function hostEnds(eps: readonly { kind?: string; ifHost?: string }[]): string[] {
  return eps.flatMap((e) => (e.kind !== 'macvlan' && e.ifHost ? [e.ifHost] : []));
}

/** A sandbox's links in the host namespace: host ends of veths and of its DNS link. */
export function hostLinks(rec: { endpoints: readonly { kind?: string; ifHost?: string }[]; dnsLink?: { ifHost: string } }): string[] {
  return [...hostEnds(rec.endpoints), ...(rec.dnsLink ? [rec.dnsLink.ifHost] : [])];
}

/**
 * A macvlan child's creation as a script step: on failure, Docker's `failed to create the
 * macvlan port: <ip's error>` on stderr, and the script stops.
 */
function macvlanShell(cmd: string): string {
  return `if ! out=$(${cmd} 2>&1); then printf 'failed to create the macvlan port: %s\\n' "$out" >&2; exit 1; fi`;
}

export class SandboxKernel {
  private readonly ipv6: boolean;

  constructor(private readonly deps: SandboxKernelDeps) {
    this.ipv6 = deps.ipv6 ?? existsSync('/proc/sys/net/ipv6');
  }

  /**
   * `sh -ec`: `first`, the macvlan children of `eps` (made from the host's namespace), the ip
   * batch (stdin), then the DNS rules.
   */
  private script(ipLines: string[], dns: DnsRedirect | undefined, eps: readonly EndpointKernelSpec[] = [], first = ''): { argv: string[]; input: string } {
    const ip = this.deps.ip.bin;
    const children = eps.flatMap((e) => (e.kind === 'macvlan' ? [macvlanShell(macvlanChildShell(e, { nsenter: this.deps.nsenter, ip, hostPid: this.deps.hostPid }))] : []));
    const dnsPart = dns && this.deps.dnsScript ? `\n${this.deps.dnsScript(dns)}` : '';
    return { argv: [this.deps.sh, '-ec', `${first}${children.map((c) => `${c}\n`).join('')}${ip} -batch -${dnsPart}`], input: ipLines.join('\n') + '\n' };
  }

  /**
   * The host's side of new endpoints and of a new DNS link: the link's sysctls (no forwarding,
   * no IPv6) before it has an address and is up.
   */
  private async hostSide(ctx: Ctx, eps: readonly EndpointKernelSpec[], link: DnsLinkRecord | undefined): Promise<void> {
    const write = this.deps.writeFile ?? ((p: string, d: string) => fs.writeFile(p, d));
    if (link) for (const [p, v] of Object.entries(linkHostSysctls(link, this.ipv6))) await write(p, `${v}\n`);
    await this.deps.ip.host(ctx, [...hostLines(eps), ...(link ? linkHostLines(link, this.ipv6) : [])]);
  }

  /**
   * Makes the namespace at its key with `eps` in it, the default route via `c.gateway` (when
   * given), the DNS redirect and DNS link (when given), and plugs the host ends into their
   * bridges. On failure nothing is left; throws the ExecError of the failing step (a macvlan
   * child that could not be made: its stderr says `failed to create the macvlan port: …`).
   */
  async create(ctx: Ctx, key: string, eps: readonly EndpointKernelSpec[], c: SandboxChange, adoptPid?: number): Promise<string> {
    const lines = ['link set lo up', ...endpointLines(eps, this.deps.hostPid), ...(c.link ? linkSandboxLines(c.link, this.deps.hostPid, this.ipv6) : []), ...routeLines('add', c.gateway)];
    let path: string;
    if (adoptPid === undefined) {
      const { argv, input } = this.script(lines, c.dns, eps);
      path = await this.deps.netns.create(ctx, key, argv, input);
    } else {
      // the namespace of a process runc made (one its user namespace owns): bound to the
      // sandbox's file from inside it, then configured, in one process start
      const target = this.deps.netns.path(key);
      const { argv, input } = this.script(lines, c.dns, eps, `${this.deps.mount} --bind /proc/self/ns/net ${target}\n`);
      path = await this.deps.netns.adopt(ctx, key, [this.deps.nsenter, `--net=/proc/${adoptPid}/ns/net`, ...argv], input);
    }
    try {
      await this.hostSide(ctx, eps, c.link);
    } catch (e) {
      await this.remove(ctx, path, [...hostEnds(eps), ...(c.link ? [c.link.ifHost] : [])]).catch(() => {});
      throw e;
    }
    return path;
  }

  /**
   * Adds an endpoint to a live namespace, with the default route moved to `c.gateway`, the DNS
   * redirect set and a DNS link made when given. On failure the new interfaces are gone again.
   */
  async join(ctx: Ctx, path: string, ep: EndpointKernelSpec, c: SandboxChange): Promise<void> {
    const lines = [...endpointLines([ep], this.deps.hostPid), ...(c.link ? linkSandboxLines(c.link, this.deps.hostPid, this.ipv6) : []), ...routeLines('replace', c.gateway)];
    const { argv, input } = this.script(lines, c.dns, [ep]);
    try {
      await this.deps.exec.run(ctx, this.deps.nsenter, [`--net=${path}`, ...argv], { input, timeoutMs: TIMEOUT_MS });
      await this.hostSide(ctx, [ep], c.link);
    } catch (e) {
      await this.leave(ctx, path, ep, {}).catch(() => {});
      if (c.link) await this.deleteHostLink(ctx, c.link.ifHost).catch(() => {});
      throw e;
    }
  }

  /**
   * Takes one endpoint out of a live namespace (a veth by its host end, a macvlan child from
   * inside); the default route moves to `c.gateway`, the DNS redirect to `c.dns`, and a DNS link
   * is made, when given.
   */
  async leave(ctx: Ctx, path: string, ep: Pick<EndpointKernelSpec, 'ifName' | 'kind'> & { ifHost?: string }, c: SandboxChange): Promise<void> {
    if (ep.kind !== 'macvlan' && ep.ifHost) await this.deleteHostLink(ctx, ep.ifHost);
    const inside = ep.kind === 'macvlan' ? [`link del ${ep.ifName}`] : [];
    if (c.gateway || c.dns || c.link || inside.length) {
      const lines = [...inside, ...(c.link ? linkSandboxLines(c.link, this.deps.hostPid, this.ipv6) : []), ...routeLines('replace', c.gateway)];
      const { argv, input } = this.script(lines, c.dns && { ...c.dns, replace: true });
      await this.deps.exec.run(ctx, this.deps.nsenter, [`--net=${path}`, ...argv], { input, timeoutMs: TIMEOUT_MS });
      if (c.link) await this.hostSide(ctx, [], c.link);
    }
  }

  private async deleteHostLink(ctx: Ctx, ifHost: string): Promise<void> {
    try {
      await this.deps.ip.host(ctx, [`link del ${ifHost}`]);
    } catch (e) {
      if (!(e instanceof ExecError) || !/Cannot find device|does not exist/.test(e.stderr)) throw e;
    }
  }

  /** Points a live namespace's DNS redirect somewhere else (the server's port changed). */
  async redirectDns(ctx: Ctx, path: string, dns: DnsRedirect): Promise<void> {
    const { argv, input } = this.script([], { ...dns, replace: true });
    await this.deps.exec.run(ctx, this.deps.nsenter, [`--net=${path}`, ...argv], { input, timeoutMs: TIMEOUT_MS });
  }

  /**
   * Takes a sandbox down. With no process left inside, unmounting the namespace frees it and
   * the kernel deletes the veth pairs on its own (one process start instead of several; `ip
   * link del` would also wait ~10-20 ms for the kernel). Resolves once the host ends are gone,
   * so that their addresses can go to other endpoints; any that outlives VETH_GONE_MS
   * (something still holds the namespace) is deleted explicitly. What is already gone is fine.
   */
  async remove(ctx: Ctx, path: string, ifHosts: readonly string[]): Promise<void> {
    await this.deps.netns.remove(ctx, path);
    for (const ifHost of ifHosts) {
      if (await this.waitGone(ifHost, VETH_GONE_MS)) continue;
      await this.deleteHostLink(ctx, ifHost);
    }
  }

  /** Polls sysfs (no process start) until the host link is gone; false after `ms`. */
  private async waitGone(ifname: string, ms: number): Promise<boolean> {
    const exists = this.deps.linkExists ?? ((n: string) => fs.access(`/sys/class/net/${n}`).then(() => true, () => false));
    const deadline = Date.now() + ms;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      if (!(await exists(ifname))) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
