/**
 * What the embedded DNS answers (moby libnetwork sandbox_dns / service discovery), scoped to
 * the networks of the container that asks (known by its address): container names, network
 * aliases (with the short ID), `name.network`, `--link` aliases of the asking container, PTR
 * names; and where other names are forwarded (its --dns servers, else the host's resolvers;
 * none for strangers and for containers on internal networks only). The asking container's
 * address is one of its endpoints', or its DNS link's (dns-link.ts).
 */
import { readFileSync } from 'node:fs';
import type { SandboxRecord } from './sandbox-store.js';
import type { NetworkRecord } from './network-store.js';
import type { DnsBackend } from './networks.js';
import { parseLink } from './endpoint.js';
import { parseIPv6 } from './ipnet6.js';

/** Whether two IPv6 texts name the same address (false when either is not one). */
function sameIPv6(a: string, b: string): boolean {
  try {
    return parseIPv6(a) === parseIPv6(b);
  } catch {
    return false;
  }
}

export class DnsNames implements DnsBackend {
  private hostResolvers: { at: number; servers: string[] } | undefined;

  constructor(
    /** The live sandboxes. */
    private readonly sandboxes: () => Iterable<SandboxRecord>,
    /** A network by ID, with whether it is predefined. */
    private readonly network: (id: string) => (NetworkRecord & { predefined: boolean }) | undefined,
  ) {}

  /** The sandbox an address of the host's DNS listeners sees belongs to. */
  private client(clientIp: string): SandboxRecord | undefined {
    for (const l of this.sandboxes()) if (l.dnsLink?.ip === clientIp || l.endpoints.some((e) => e.ip === clientIp)) return l;
    return undefined;
  }

  /** The live endpoints of the client (by its address) on user-defined networks. */
  private clientNetworks(clientIp: string): Set<string> | undefined {
    const l = this.client(clientIp);
    return l && new Set(l.endpoints.filter((e) => !this.network(e.networkId)?.predefined).map((e) => e.networkId));
  }

  resolve(clientIp: string, raw: string): string[] | undefined {
    const nets = this.clientNetworks(clientIp);
    if (!nets?.size) return undefined;
    const name = raw.toLowerCase().replace(/\.$/, '');
    // the client's own links first: `--link c1:db` makes db name c1 on the same network
    const client = this.client(clientIp);
    for (const ep of client?.endpoints ?? []) {
      for (const link of ep.links ?? []) {
        const { target, alias } = parseLink(link);
        if (name !== alias.toLowerCase()) continue;
        const ips = this.namesOn(new Set([ep.networkId]), target.toLowerCase());
        if (ips.length) return ips;
      }
    }
    const out = this.namesOn(nets, name);
    return out.length ? out : undefined;
  }

  /** Addresses (IPv4, and IPv6 when they have one) of the live endpoints on `nets` that answer to `name` (container name, alias, name.network). */
  private namesOn(nets: ReadonlySet<string>, name: string): string[] {
    const out: string[] = [];
    for (const l of this.sandboxes()) {
      for (const ep of l.endpoints) {
        if (!nets.has(ep.networkId)) continue;
        const names = [l.containerName ?? '', ...(ep.aliases ?? [])].filter(Boolean).map((x) => x.toLowerCase());
        const net = ep.networkName.toLowerCase();
        if (names.some((x) => x === name || `${x}.${net}` === name)) out.push(ep.ip, ...(ep.ip6 ? [ep.ip6] : []));
      }
    }
    return out;
  }

  reverse(clientIp: string, ip: string): string | undefined {
    const nets = this.clientNetworks(clientIp);
    if (!nets?.size) return undefined;
    for (const l of this.sandboxes()) {
      const ep = l.endpoints.find((e) => (e.ip === ip || (e.ip6 !== undefined && sameIPv6(e.ip6, ip))) && nets.has(e.networkId));
      if (ep && l.containerName) return `${l.containerName}.${ep.networkName}`;
    }
    return undefined;
  }

  upstreams(clientIp: string): string[] {
    // compat: nothing is forwarded for a client that is not ours (no open resolver on the
    // gateways) or that is on internal networks only (Docker's resolver has no way out there)
    const client = this.client(clientIp);
    if (!client || client.endpoints.every((e) => this.network(e.networkId)?.internal)) return [];
    if (client.dnsServers?.length) return client.dnsServers;
    const now = Date.now();
    if (!this.hostResolvers || now - this.hostResolvers.at > 5000) {
      let text = '';
      try {
        text = readFileSync('/etc/resolv.conf', 'utf8');
      } catch {
        /* no resolvers: SERVFAIL for other names */
      }
      const servers = [...text.matchAll(/^\s*nameserver\s+(\S+)\s*$/gm)].map((m) => m[1]!);
      this.hostResolvers = { at: now, servers };
    }
    return this.hostResolvers.servers;
  }
}
