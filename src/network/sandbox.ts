/**
 * The kernel side of a sandbox with any number of bridge endpoints (moby libnetwork osl): its
 * namespace, per endpoint a veth pair whose container end is `eth<N>` (address, MAC, MTU) and
 * whose host end is a port of the network's bridge, the default route through the gateway
 * endpoint, and the embedded DNS redirect.
 *
 * Costs: a new sandbox is one process start (`unshare --net=<file> sh -c 'ip -batch - …'`
 * makes the namespace and configures everything inside it, incl. the DNS rules), plus one line
 * batch on the host's long-lived ip session (the host ends into their bridges). Joining a
 * running sandbox (`network connect`) is one `nsenter --net=<file>` and one host batch; leaving
 * it is a host batch only (deleting the host end deletes the pair).
 */
import { promises as fs } from 'node:fs';
import { ExecError, type Ctx, type Exec } from '../lib/index.js';
import { Cidr, formatIPv4 } from './ipnet.js';
import type { IpRoute } from './iproute.js';
import type { NetnsStore } from './netns.js';

export interface EndpointKernelSpec {
  /** eth0, eth1, … */
  ifName: string;
  /** Host end of the pair. */
  ifHost: string;
  /** The bridge the host end joins. */
  bridge: string;
  ip: number;
  prefixLen: number;
  /** IPv6 address with its prefix length (`--ipv6` networks). */
  ip6?: string;
  mac: string;
  mtu: number;
  /** Hairpin on the bridge port (userland proxy off). */
  hairpin: boolean;
}

/** Where the container's resolver (127.0.0.11:53) is sent: the embedded DNS on a gateway. */
export interface DnsRedirect {
  gateway: string;
  port: number;
  /** The container's address on that network (the source the DNS server sees). */
  containerIp: string;
  ifName: string;
  /** The namespace had a redirect already (its jumps are replaced, not doubled). */
  replace?: boolean;
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
  ip: IpRoute;
  netns: NetnsStore;
  exec: Exec;
  /** A process in berthd's (the host's) network namespace: where host ends of veths go. */
  hostPid: number;
  nsenter: string;
  sh: string;
  mount: string;
  dnsScript?: DnsScript;
  linkExists?: (name: string) => Promise<boolean>;
}

const VETH_GONE_MS = 2000;
const TIMEOUT_MS = 10_000;

/** The ip batch lines that make and configure endpoints inside the namespace. */
export function endpointLines(eps: readonly EndpointKernelSpec[], hostPid: number): string[] {
  const out: string[] = [];
  for (const s of eps) {
    out.push(
      `link add ${s.ifName} mtu ${s.mtu} address ${s.mac} type veth peer name ${s.ifHost} mtu ${s.mtu} netns ${hostPid}`,
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
    out.push(`link set ${s.ifHost} master ${s.bridge} up`);
    if (s.hairpin) out.push(`link set ${s.ifHost} type bridge_slave hairpin on`);
  }
  return out;
}

export class SandboxKernel {
  constructor(private readonly deps: SandboxKernelDeps) {}

  private script(ipLines: string[], dns: DnsRedirect | undefined, first = ''): { argv: string[]; input: string } {
    const ip = this.deps.ip.bin;
    const dnsPart = dns && this.deps.dnsScript ? `\n${this.deps.dnsScript(dns)}` : '';
    return { argv: [this.deps.sh, '-ec', `${first}${ip} -batch -${dnsPart}`], input: ipLines.join('\n') + '\n' };
  }

  /**
   * Makes the namespace at its key with `eps` in it, the default route via `gateway` (when
   * given), the DNS redirect (when given), and plugs the host ends into their bridges. On
   * failure nothing is left; throws the ExecError of the failing step.
   */
  async create(ctx: Ctx, key: string, eps: readonly EndpointKernelSpec[], gateway: Gateway | undefined, dns: DnsRedirect | undefined, adoptPid?: number): Promise<string> {
    const lines = ['link set lo up', ...endpointLines(eps, this.deps.hostPid), ...routeLines('add', gateway)];
    let path: string;
    if (adoptPid === undefined) {
      const { argv, input } = this.script(lines, dns);
      path = await this.deps.netns.create(ctx, key, argv, input);
    } else {
      // the namespace of a process runc made (one its user namespace owns): bound to the
      // sandbox's file from inside it, then configured, in one process start
      const target = this.deps.netns.path(key);
      const { argv, input } = this.script(lines, dns, `${this.deps.mount} --bind /proc/self/ns/net ${target}\n`);
      path = await this.deps.netns.adopt(ctx, key, [this.deps.nsenter, `--net=/proc/${adoptPid}/ns/net`, ...argv], input);
    }
    try {
      await this.deps.ip.host(ctx, hostLines(eps));
    } catch (e) {
      await this.remove(ctx, path, eps.map((x) => x.ifHost)).catch(() => {});
      throw e;
    }
    return path;
  }

  /**
   * Adds an endpoint to a live namespace, with the default route moved to `gateway` and the DNS
   * redirect set when given. On failure the new pair is gone again.
   */
  async join(ctx: Ctx, path: string, ep: EndpointKernelSpec, gateway: Gateway | undefined, dns: DnsRedirect | undefined): Promise<void> {
    const lines = [...endpointLines([ep], this.deps.hostPid), ...routeLines('replace', gateway)];
    const { argv, input } = this.script(lines, dns);
    try {
      await this.deps.exec.run(ctx, this.deps.nsenter, [`--net=${path}`, ...argv], { input, timeoutMs: TIMEOUT_MS });
      await this.deps.ip.host(ctx, hostLines([ep]));
    } catch (e) {
      await this.leave(ctx, path, ep.ifHost, undefined).catch(() => {});
      throw e;
    }
  }

  /** Takes one endpoint out of a live namespace; the default route moves to `gateway` when given. */
  async leave(ctx: Ctx, path: string, ifHost: string, gateway: Gateway | undefined, dns?: DnsRedirect): Promise<void> {
    try {
      await this.deps.ip.host(ctx, [`link del ${ifHost}`]);
    } catch (e) {
      if (!(e instanceof ExecError) || !/Cannot find device|does not exist/.test(e.stderr)) throw e;
    }
    if (gateway || dns) {
      const { argv, input } = this.script(routeLines('replace', gateway), dns && { ...dns, replace: true });
      await this.deps.exec.run(ctx, this.deps.nsenter, [`--net=${path}`, ...argv], { input, timeoutMs: TIMEOUT_MS });
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
      try {
        await this.deps.ip.host(ctx, [`link del ${ifHost}`]);
      } catch (e) {
        if (!(e instanceof ExecError) || !/Cannot find device|does not exist/.test(e.stderr)) throw e;
      }
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
