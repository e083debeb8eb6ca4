/**
 * Endpoints of bridge and macvlan networks (moby libnetwork endpoint.go): allocating one
 * (address, MAC, IPv6), giving addresses back, what the kernel side needs of it, which
 * endpoint's gateway is the sandbox's default route, and where its DNS redirect points.
 */
import { forbidden, invalidParameter, isConflict, system } from '../lib/index.js';
import { formatIPv4, macFromIPv4, parseIPv4 } from './ipnet.js';
import { formatIPv6, parseIPv6 } from './ipnet6.js';
import { vethName } from './bridge.js';
import { newId, type Net } from './networks.js';
import type { EndpointRecord } from './sandbox-store.js';
import type { DnsRedirect, EndpointKernelSpec, Gateway } from './sandbox.js';

/** One network a container joins, with its endpoint's settings. */
export interface EndpointRequest {
  /** Name, ID or ID prefix. */
  network: string;
  /** DNS names besides the container's name (Docker's Aliases, with the short ID). */
  aliases?: string[];
  /** `--ip`. */
  ipv4?: string;
  /** `--mac-address` (Docker's MAC from the address when absent). */
  mac?: string;
  /** `--ip6`. */
  ipv6?: string;
  /** `--link target:alias` on a user-defined network: names only this container resolves. */
  links?: string[];
}

/** One endpoint of an attachment (daemon/ turns it into EndpointSettings). */
export interface EndpointAttachment {
  networkId: string;
  networkName: string;
  endpointId: string;
  ip?: string;
  prefixLen?: number;
  gateway?: string;
  mac?: string;
  ip6?: string;
  prefixLen6?: number;
  gateway6?: string;
}

/** The endpoint whose gateway is the default route: first by network name, internal ones last (libnetwork). */
export function gatewayEndpoint(nets: ReadonlyMap<string, Net>, eps: readonly EndpointRecord[]): EndpointRecord | undefined {
  const ok = eps.filter((e) => !nets.get(e.networkId)?.info.internal);
  return ok.sort((a, b) => (a.networkName < b.networkName ? -1 : a.networkName > b.networkName ? 1 : 0))[0];
}

/**
 * The DNS redirect of a sandbox through a bridge: to the first user-defined bridge network's
 * embedded DNS (a sandbox with a DNS link uses that instead: dns-link.ts).
 */
export function dnsRedirect(nets: ReadonlyMap<string, Net>, eps: readonly EndpointRecord[]): DnsRedirect | undefined {
  for (const e of eps) {
    const n = nets.get(e.networkId);
    if (n?.kind === 'bridge' && !n.info.predefined && n.dnsPort !== undefined) return { gateway: formatIPv4(n.gateway), port: n.dnsPort, containerIp: e.ip, ifName: e.ifName ?? 'eth0' };
  }
  return undefined;
}

/** Whether any of the endpoints is on a user-defined macvlan network (the sandbox then wants a DNS link, unless a bridge has DNS). */
export function onMacvlan(nets: ReadonlyMap<string, Net>, eps: readonly EndpointRecord[]): boolean {
  return eps.some((e) => nets.get(e.networkId)?.kind === 'macvlan');
}

export function kernelSpec(nets: ReadonlyMap<string, Net>, ep: EndpointRecord, hairpin: boolean): EndpointKernelSpec {
  const n = nets.get(ep.networkId)!;
  const common = { ifName: ep.ifName ?? 'eth0', ip: parseIPv4(ep.ip), prefixLen: ep.prefixLen, ip6: ep.ip6 ? `${ep.ip6}/${ep.prefixLen6}` : undefined, mac: ep.mac };
  if (n.kind === 'macvlan') return { ...common, kind: 'macvlan', parent: n.parent, mode: n.mode };
  return { ...common, ifHost: ep.ifHost ?? '', bridge: n.fw.bridge, mtu: n.mtu, hairpin };
}

/** Allocates an endpoint on a bridge or macvlan network (its address; `--ip` checked as Docker does). */
export function newEndpoint(n: Net, req: EndpointRequest, ifName: string): EndpointRecord {
  let preferred: number | undefined;
  if (req.ipv4) {
    if (n.info.predefined) throw invalidParameter('user specified IP address is supported on user defined networks only');
    try {
      preferred = parseIPv4(req.ipv4);
    } catch {
      throw invalidParameter(`invalid IPv4 address: ${req.ipv4}`);
    }
    if (!n.subnet.contains(preferred)) throw system(`Invalid address ${req.ipv4}: It does not belong to any of this network's subnets`);
  }
  let ipNum: number;
  try {
    ipNum = n.ipam.request(preferred);
  } catch (e) {
    if (isConflict(e)) throw forbidden('Address already in use', e);
    throw e;
  }
  let v6: Pick<EndpointRecord, 'ip6' | 'prefixLen6' | 'gateway6'> = {};
  if (n.v6) {
    try {
      const ip6 = n.v6.ipam.request(req.ipv6 ? parseIPv6(req.ipv6) : undefined);
      v6 = { ip6: formatIPv6(ip6), prefixLen6: n.v6.subnet.prefix, gateway6: formatIPv6(n.v6.gateway) };
    } catch (e) {
      n.ipam.release(ipNum);
      if (e instanceof Error && e.message === 'Address already in use') throw forbidden(e.message, e);
      throw e;
    }
  } else if (req.ipv6) {
    n.ipam.release(ipNum);
    throw invalidParameter(`network ${n.info.name} has no IPv6 pool for the address ${req.ipv6}`);
  }
  // compat: a macvlan endpoint of an --internal network has no gateway (moby macvlan Join sets none)
  if (n.kind === 'macvlan' && n.info.internal) delete v6.gateway6;
  return {
    ...v6,
    id: newId(),
    networkId: n.info.id,
    networkName: n.info.name,
    ifName,
    ...(n.kind === 'bridge' ? { ifHost: vethName() } : {}),
    ip: formatIPv4(ipNum),
    prefixLen: n.subnet.prefix,
    gateway: n.kind === 'macvlan' && n.info.internal ? '' : formatIPv4(n.gateway),
    mac: req.mac || macFromIPv4(ipNum),
    aliases: req.aliases ?? [],
    ...(req.links?.length ? { links: req.links } : {}),
    ports: [],
    exposed: [],
  };
}

export function releaseEndpoints(nets: ReadonlyMap<string, Net>, eps: readonly EndpointRecord[]): void {
  for (const e of eps) {
    const n = nets.get(e.networkId);
    n?.ipam.release(parseIPv4(e.ip));
    if (e.ip6) n?.v6?.ipam.release(parseIPv6(e.ip6));
  }
}

export function endpointAttachment(ep: EndpointRecord): EndpointAttachment {
  return { networkId: ep.networkId, networkName: ep.networkName, endpointId: ep.id, ip: ep.ip, prefixLen: ep.prefixLen, gateway: ep.gateway, mac: ep.mac, ip6: ep.ip6, prefixLen6: ep.prefixLen6, gateway6: ep.gateway6 };
}

/** The default routes through an endpoint's gateways. */
export function routeOf(ep: EndpointRecord | undefined): Gateway | undefined {
  return ep && { ip: ep.gateway, ip6: ep.gateway6, ifName: ep.ifName ?? 'eth0' };
}

/** A link's target and alias (`c1`, `c1:db`, or Docker's stored `/c1:/me/db`). */
export function parseLink(link: string): { target: string; alias: string } {
  const i = link.indexOf(':');
  const target = (i < 0 ? link : link.slice(0, i)).replace(/^\//, '');
  const rest = i < 0 ? target : link.slice(i + 1);
  return { target, alias: rest.slice(rest.lastIndexOf('/') + 1) };
}
