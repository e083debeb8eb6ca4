/**
 * Which registries are insecure (plain HTTP or unverified TLS), as dockerd decides: loopback
 * always (127.0.0.0/8, ::1, localhost), plus `insecure-registries` entries naming a host[:port]
 * or an IPv4 CIDR the registry's address falls in.
 */
import { isIP } from 'node:net';

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((a, p) => (a << 8) + Number(p), 0) >>> 0;
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  if (isIP(ip) !== 4 || isIP(net ?? '') !== 4) return false;
  const n = Number(bits);
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return (ipv4ToInt(ip) & mask) === (ipv4ToInt(net!) & mask);
}

/** `127.0.0.1:5000` -> `127.0.0.1`, `[::1]:5000` -> `::1`. */
export function hostnameOf(host: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (m) return m[1]!;
  return host.replace(/:\d+$/, '');
}

export function insecureMatcher(entries: string[]): (host: string) => boolean {
  const cidrs = entries.filter((e) => /\/\d+$/.test(e));
  const names = new Set(entries.filter((e) => !/\/\d+$/.test(e)).map((e) => e.replace(/^https?:\/\//, '').replace(/\/+$/, '')));
  return (host) => {
    const name = hostnameOf(host);
    if (name === 'localhost' || name === '::1' || inCidr(name, '127.0.0.0/8')) return true;
    if (names.has(host) || names.has(name)) return true;
    return cidrs.some((c) => inCidr(name, c));
  };
}
