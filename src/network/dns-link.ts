/**
 * The DNS link: how a sandbox reaches the embedded DNS when none of its networks has a gateway
 * of ours: on macvlan networks only, or once it has the resolver (Docker starts a sandbox's
 * resolver for good when it joins a user-defined network) but its last user-defined bridge
 * went (`network disconnect`), on the default bridge alone or on nothing at all.
 *
 * Docker runs its resolver inside each sandbox (127.0.0.11). berthd cannot enter namespaces,
 * so its server listens in the host namespace and the sandbox's 127.0.0.11:53 is NATed to it
 * (dns-sandbox.ts). On a bridge network the target is the bridge's gateway. A macvlan child
 * has no such way: frames between a macvlan child and its parent's own host are never
 * delivered (the kernel hands the parent's traffic to the children and back out, never up
 * to the host's stack), and the parent may have no address at all. So such a sandbox gets a
 * link of its own, used for nothing but DNS:
 *
 *   sandbox                                host namespace
 *   dns0  169.254.a.b peer 169.254.a.c ─── bdns<7 hex>  169.254.a.c peer 169.254.a.b
 *   127.0.0.11:53 ─DNAT→ 169.254.a.c:<port>   embedded DNS listening on 169.254.a.c:<port>
 *
 * - a veth pair; the two addresses are a /31 pair of the link-local pool (169.254.64.0/18 by
 *   default: clear of 169.254.169.254 and of the reserved first and last /24), unique on the
 *   host: the pair is chosen clear of the host's addresses and of our other links. The
 *   address the server sees is the sandbox end's, which names the sandbox (dns-names.ts);
 * - one listener per link (UDP and TCP on port 53 when free), as Docker has one per sandbox;
 * - in the sandbox, a filter rule lets only DNS to that listener out through dns0
 *   (dns-sandbox.ts onlyDns). A container gets past it with a packet socket (CAP_NET_RAW, in
 *   Docker's default set) or with CAP_NET_ADMIN, so the host end is guarded on its own: the
 *   host's filter takes from it DNS to its listener and nothing else (rules.ts P-DNS-LINKS,
 *   INPUT and FORWARD; none with --iptables=false, which leaves the host's tables alone),
 *   forwarding is off, and IPv6 is off on it (no address generated on either end, nothing
 *   received over IPv6 on the host end);
 * - dns0 is an interface the container can see (`ip link`), besides its eth<N>.
 *
 * The link is made with the sandbox (or when a connect/disconnect leaves it without a bridge
 * DNS), stays until the sandbox goes, and is recorded in the sandbox's record (sandbox-store).
 */
import { randomInt } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { unavailable } from '../lib/index.js';
import { Cidr, formatIPv4, parseIPv4 } from './ipnet.js';
import { vethName } from './bridge.js';
import type { DnsRedirect } from './sandbox.js';

/** The sandbox end's name. */
export const DNS_LINK_IFNAME = 'dns0';
/** What the host ends' names start with (`bdns` + 7 hex): the host's filter matches `bdns+`. */
export const DNS_LINK_HOST_PREFIX = 'bdns';
/** Where the pairs come from, unless configured. */
export const DNS_LINK_POOL = '169.254.64.0/18';

export interface DnsLinkRecord {
  /** The host end (bdns + 7 hex). */
  ifHost: string;
  /** The host end's address: where the server listens. */
  hostIp: string;
  /** The sandbox end's address: who the server sees. */
  ip: string;
}

/** The redirect of a sandbox's 127.0.0.11 to its link's listener. */
export function linkRedirect(link: DnsLinkRecord, port: number): DnsRedirect {
  return { gateway: link.hostIp, port, containerIp: link.ip, ifName: DNS_LINK_IFNAME, onlyDns: true };
}

/**
 * A free /31 pair of `pool` (both addresses unused, the lower one the host's): from a random
 * start, so that daemons sharing a host rarely race for the same pair. Pure but for `random`.
 * Throws unavailable when the pool is full.
 */
export function choosePair(pool: Cidr, used: ReadonlySet<number>, random: (n: number) => number = randomInt): { hostIp: string; ip: string } {
  const pairs = Math.max(1, Math.floor(pool.size / 2));
  const start = random(pairs);
  for (let i = 0; i < pairs; i++) {
    const base = (pool.base + ((start + i) % pairs) * 2) >>> 0;
    if (used.has(base) || used.has(base + 1)) continue;
    return { hostIp: formatIPv4(base), ip: formatIPv4(base + 1) };
  }
  throw unavailable(`no free DNS link address left in ${pool}`);
}

/** The ip batch lines inside the sandbox: the pair (host end sent to the host), no IPv6 link-local, dns0's address, up. */
export function linkSandboxLines(link: DnsLinkRecord, hostPid: number, ipv6: boolean): string[] {
  const n = DNS_LINK_IFNAME;
  return [
    `link add ${n} type veth peer name ${link.ifHost} netns ${hostPid}`,
    // (addrgenmode needs IPv6 in the kernel; without it there is no link-local to suppress)
    ...(ipv6 ? [`link set ${n} addrgenmode none`] : []),
    `addr add ${link.ip} peer ${link.hostIp} dev ${n}`,
    `link set ${n} up`,
  ];
}

/** The host side: no IPv6 link-local, the host end's address, up (its forwarding sysctl: linkHostSysctls). */
export function linkHostLines(link: DnsLinkRecord, ipv6: boolean): string[] {
  return [...(ipv6 ? [`link set ${link.ifHost} addrgenmode none`] : []), `addr add ${link.hostIp} peer ${link.ip} dev ${link.ifHost}`, `link set ${link.ifHost} up`];
}

/** /proc/sys paths -> values for the host end: no forwarding, no IPv6 (when the kernel has it). */
export function linkHostSysctls(link: DnsLinkRecord, ipv6: boolean): Record<string, string> {
  return {
    [`/proc/sys/net/ipv4/conf/${link.ifHost}/forwarding`]: '0',
    ...(ipv6 ? { [`/proc/sys/net/ipv6/conf/${link.ifHost}/disable_ipv6`]: '1' } : {}),
  };
}

/** The embedded DNS server as the links use it (dns.ts EmbeddedDns). */
export interface LinkDnsServer {
  listen(host: string, port?: number): Promise<number>;
  close(host: string): Promise<void> | void;
}

/** The addresses of our links and their listeners. */
export class DnsLinks {
  private readonly pool: Cidr;
  private readonly taken = new Set<number>();
  /** Listening links: host address -> port. */
  private readonly ports = new Map<string, number>();

  constructor(
    private readonly deps: {
      server: LinkDnsServer;
      /** The host's IPv4 addresses now (default: os.networkInterfaces(), no process start). */
      hostAddresses?: () => string[];
    },
    pool = DNS_LINK_POOL,
  ) {
    this.pool = Cidr.parse(pool);
  }

  /** A new link for a sandbox: addresses reserved, host end named. Throws unavailable when the pool is full. */
  allocate(): DnsLinkRecord {
    const used = new Set(this.taken);
    for (const a of (this.deps.hostAddresses ?? hostIPv4s)()) used.add(parseIPv4(a));
    const pair = choosePair(this.pool, used);
    this.reserve({ ...pair, ifHost: '' });
    return { ...pair, ifHost: vethName().replace(/^veth/, DNS_LINK_HOST_PREFIX) };
  }

  /** Marks a recorded link's addresses as ours (boot). */
  reserve(link: DnsLinkRecord): void {
    this.taken.add(parseIPv4(link.hostIp));
    this.taken.add(parseIPv4(link.ip));
  }

  /**
   * Serves DNS on the link's host address: on `port` (53 first, or the recorded one) when it
   * can be had, else on any free port. Resolves to the port. The host end must have its address.
   */
  async listen(link: DnsLinkRecord, port = 53): Promise<number> {
    const s = this.deps.server;
    const got = await s.listen(link.hostIp, port).catch(() => (port !== 53 ? s.listen(link.hostIp, 53) : Promise.reject(new Error('taken')))).catch(() => s.listen(link.hostIp, 0));
    this.ports.set(link.hostIp, got);
    return got;
  }

  /** The port the link's listener listens on; undefined while it does not (yet, or any more). */
  port(link: DnsLinkRecord): number | undefined {
    return this.ports.get(link.hostIp);
  }

  /** The listener closes and the addresses are free again (the link itself went with its sandbox). */
  async release(link: DnsLinkRecord): Promise<void> {
    this.ports.delete(link.hostIp);
    await this.deps.server.close(link.hostIp);
    this.taken.delete(parseIPv4(link.hostIp));
    this.taken.delete(parseIPv4(link.ip));
  }

  /** Closes every listener (berthd stops; the links stay with their sandboxes). */
  async closeAll(links: Iterable<DnsLinkRecord>): Promise<void> {
    for (const l of links) {
      this.ports.delete(l.hostIp);
      await this.deps.server.close(l.hostIp);
    }
  }
}

function hostIPv4s(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((l) => l ?? [])
    .filter((a) => a.family === 'IPv4')
    .map((a) => a.address);
}
