/**
 * Port publishing, the pure part: from a container's port bindings to the list of host
 * bindings to make (moby daemon buildCreateEndpointOptions, libnetwork bridge
 * allocatePortsInternal), and Docker's port allocator (libnetwork portallocator).
 *
 * A binding without a host address becomes two: `0.0.0.0` and, when the host can listen on
 * IPv6, `::` (served by the userland proxy, relayed to the container's IPv4 address). An
 * explicit IPv4 address binds IPv4 only, an explicit IPv6 address IPv6 only.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { conflict, invalidParameter, unavailable } from '../lib/index.js';

export type Proto = 'tcp' | 'udp';

/** A binding as requested (HostConfig.PortBindings, wire strings). */
export interface RequestedBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface PublishRequest {
  /** HostConfig.PortBindings: `"80/tcp": [{HostIp, HostPort}]`. */
  bindings: Record<string, RequestedBinding[] | null | undefined>;
  /** Config.ExposedPorts keys (`80/tcp`). */
  exposed: string[];
  /** -P: every exposed port without a binding gets a random host port. */
  publishAll: boolean;
}

/** One host binding to make. hostPortEnd > hostPortStart for a range; 0/0 means any port. */
export interface WantedBinding {
  proto: Proto;
  containerPort: number;
  hostIp: string;
  hostPortStart: number;
  hostPortEnd: number;
}

/** A binding made: what NetworkSettings.Ports shows and what the rules and proxies serve. */
export interface PortBinding {
  proto: Proto;
  containerPort: number;
  hostIp: string;
  hostPort: number;
}

/** `80/tcp` → [80, 'tcp']. Throws invalidParameter for anything else (sctp is not supported). */
export function parsePortKey(key: string): { port: number; proto: Proto } {
  const [num, proto = 'tcp'] = key.split('/');
  const port = Number(num);
  if (!/^\d+$/.test(num ?? '') || port < 1 || port > 65535) throw invalidParameter(`invalid port specification: "${key}"`);
  if (proto !== 'tcp' && proto !== 'udp') throw invalidParameter(`invalid proto: ${proto}`);
  return { port, proto };
}

/** "8080", "8000-8010" or "" (any). Throws invalidParameter with Docker's wording. */
export function parseHostPort(s: string | undefined): { start: number; end: number } {
  const v = (s ?? '').trim();
  if (v === '' || v === '0') return { start: 0, end: 0 };
  const m = /^(\d+)(?:-(\d+))?$/.exec(v);
  const start = m ? Number(m[1]) : NaN;
  const end = m?.[2] !== undefined ? Number(m[2]) : start;
  if (!m || start > 65535 || end > 65535 || end < start) throw invalidParameter(`Error parsing HostPort value(${v}):invalid port range`);
  return { start, end };
}

/**
 * The bindings to make, in Docker's order: ports with an explicit host port first (so a random
 * choice cannot take one that is asked for later), then by container port; IPv4 before IPv6.
 * Also returns the exposed ports, which NetworkSettings.Ports lists with `null`.
 */
export function wantedBindings(req: PublishRequest, opts: { defaultHostIp: string; ipv6: boolean }): { wanted: WantedBinding[]; exposed: { proto: Proto; port: number }[] } {
  const keys = new Set([...req.exposed, ...Object.keys(req.bindings ?? {})]);
  const entries: { key: string; port: number; proto: Proto; b?: RequestedBinding }[] = [];
  for (const key of keys) {
    const { port, proto } = parsePortKey(key);
    const bs = req.bindings?.[key] ?? [];
    if (bs.length) for (const b of bs) entries.push({ key, port, proto, b });
    else entries.push({ key, port, proto, b: req.publishAll ? {} : undefined });
  }
  const explicit = (e: (typeof entries)[number]) => (e.b ? parseHostPort(e.b.HostPort).start : 0);
  entries.sort((x, y) => explicit(y) - explicit(x) || x.port - y.port || (x.proto === y.proto ? 0 : x.proto === 'tcp' ? -1 : 1));
  const wanted: WantedBinding[] = [];
  const exposed: { proto: Proto; port: number }[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (!seen.has(e.key)) {
      seen.add(e.key);
      exposed.push({ proto: e.proto, port: e.port });
    }
    if (!e.b) continue;
    const { start, end } = parseHostPort(e.b.HostPort);
    const ip = (e.b.HostIp ?? '').trim();
    if (ip !== '' && !isIPv4(ip) && !isIPv6(ip)) throw invalidParameter(`invalid host IP address: ${ip}`);
    const base = { proto: e.proto, containerPort: e.port, hostPortStart: start, hostPortEnd: end };
    if (ip === '') {
      if (isIPv4(opts.defaultHostIp)) wanted.push({ ...base, hostIp: opts.defaultHostIp });
      if (opts.ipv6 && (opts.defaultHostIp === '0.0.0.0' || isIPv6(opts.defaultHostIp))) {
        wanted.push({ ...base, hostIp: opts.defaultHostIp === '0.0.0.0' ? '::' : opts.defaultHostIp });
      }
    } else if (isIPv4(ip) || opts.ipv6) {
      wanted.push({ ...base, hostIp: canonicalIp(ip) });
    }
  }
  return { wanted, exposed };
}

/** Go's net.IP.String() for the usual spellings ("::0" → "::"). */
function canonicalIp(ip: string): string {
  if (isIPv4(ip)) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}


/**
 * Docker's port allocator: host ports taken per (host address, protocol); random ports come
 * from the dynamic range (the kernel's ip_local_port_range), sequentially after the last one
 * given, wrapping around.
 */
export class PortAllocator {
  private readonly taken = new Map<string, Set<number>>();
  private readonly cursors = new Map<string, number>();

  constructor(private readonly dynamic: { start: number; end: number } = { start: 49153, end: 65535 }) {}

  private set(ip: string, proto: Proto): Set<number> {
    const k = `${ip}/${proto}`;
    let s = this.taken.get(k);
    if (!s) this.taken.set(k, (s = new Set()));
    return s;
  }

  /**
   * Takes a port: `start` alone, the first free one of start..end, or (0/0) the next free
   * dynamic one; `prefer` is tried first for a random port (to give an IPv6 binding the port of
   * its IPv4 twin). Throws conflict `Bind for 0.0.0.0:8080 failed: port is already allocated`,
   * unavailable `all ports are allocated`.
   */
  request(ip: string, proto: Proto, start: number, end: number, prefer?: number): number {
    const s = this.set(ip, proto);
    if (start !== 0 && start === end) {
      if (s.has(start)) // compat: libnetwork prints the address as is, `Bind for :::8080 failed` for IPv6.
      throw conflict(`Bind for ${ip}:${start} failed: port is already allocated`);
      s.add(start);
      return start;
    }
    const [lo, hi] = start === 0 ? [this.dynamic.start, this.dynamic.end] : [start, end];
    if (prefer !== undefined && prefer >= lo && prefer <= hi && !s.has(prefer)) {
      s.add(prefer);
      this.cursors.set(`${ip}/${proto}/${lo}-${hi}`, prefer);
      return prefer;
    }
    const ck = `${ip}/${proto}/${lo}-${hi}`;
    let p = this.cursors.get(ck) ?? hi;
    for (let i = 0; i <= hi - lo; i++) {
      p = p >= hi ? lo : p + 1;
      if (!s.has(p)) {
        s.add(p);
        this.cursors.set(ck, p);
        return p;
      }
    }
    throw unavailable('all ports are allocated');
  }

  /** Marks a port as taken again (restore); false when it already was. */
  reserve(ip: string, proto: Proto, port: number): boolean {
    const s = this.set(ip, proto);
    if (s.has(port)) return false;
    s.add(port);
    return true;
  }

  release(ip: string, proto: Proto, port: number): void {
    this.taken.get(`${ip}/${proto}`)?.delete(port);
  }
}

/** Parses /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999"); Docker's fallback otherwise. */
export function parsePortRange(text: string | undefined): { start: number; end: number } {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(text ?? '');
  if (!m || Number(m[1]) > Number(m[2])) return { start: 49153, end: 65535 };
  return { start: Number(m[1]), end: Number(m[2]) };
}

/**
 * NetworkSettings.Ports: every exposed port, `null` when unbound, its bindings in order
 * otherwise; keys sorted as Go's encoding/json sorts map keys.
 */
export function portMap(exposed: readonly { proto: Proto; port: number }[], made: readonly PortBinding[]): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const m = new Map<string, { HostIp: string; HostPort: string }[] | null>();
  for (const e of exposed) m.set(`${e.port}/${e.proto}`, null);
  for (const b of made) {
    const k = `${b.containerPort}/${b.proto}`;
    const list = m.get(k) ?? [];
    list.push({ HostIp: b.hostIp, HostPort: String(b.hostPort) });
    m.set(k, list);
  }
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
