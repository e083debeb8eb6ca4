/**
 * `network create`'s IPAM flags consolidated as docker's createIPAMConfig does
 * (cli/command/network/create.go): one IPAMConfig per --subnet, each --ip-range, --gateway and
 * --aux-address attached to the subnet that contains it, with docker's error texts:
 *
 *   every ip-range or gateway must have a corresponding subnet
 *   multiple overlapping subnet configuration is not supported
 *   invalid subnet: invalid CIDR address: <s>
 *   cannot configure multiple ranges (<r>, <r0>) on the same subnet (<s>)
 *   no matching subnet for range|gateway|aux-address <x>
 *
 * and Go's net.ParseCIDR / net.ParseIP / IPNet.Contains underneath (16-byte addresses, IPv4
 * in its v4-in-v6 form, as package net keeps them).
 *
 * compat: docker collects the subnets in a Go map, so with several subnets the order of
 * IPAM.Config on the wire is random; ours is the order of the --subnet flags.
 */

/** A parsed address: 16 bytes, as Go's net.IP from ParseIP/ParseCIDR. */
type IP = Uint8Array;

interface IPNet {
  ip: IP;
  mask: Uint8Array;
}

const V4_IN_V6_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** netip.ParseAddr's IPv4 form: four decimal fields, no leading zeros, each at most 255. */
function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** netip.ParseAddr's IPv6 form (with an optional trailing dotted IPv4); zones are refused. */
function parseV6(s: string): number[] | undefined {
  if (s.includes('%')) return undefined;
  let text = s;
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseV4(last);
    if (!v4) return undefined;
    text = s.slice(0, lastColon + 1) + ((v4[0]! << 8) | v4[1]!).toString(16) + ':' + ((v4[2]! << 8) | v4[3]!).toString(16);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      const n = parseInt(g, 16);
      out.push(n >> 8, n & 0xff);
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  if (!head) return undefined;
  if (halves.length === 1) return head.length === 16 ? head : undefined;
  const rest = parseGroups(halves[1]!);
  if (!rest) return undefined;
  const known = head.length + rest.length;
  // "::" stands for at least one group of zeros
  if (known > 14) return undefined;
  return [...head, ...new Array<number>(16 - known).fill(0), ...rest];
}

/** net.ParseIP (nil for anything netip.ParseAddr refuses, zones included). */
function parseIP(s: string): { ip: IP; is4: boolean } | undefined {
  const v4 = s.includes(':') ? undefined : parseV4(s);
  if (v4) return { ip: Uint8Array.from([...V4_IN_V6_PREFIX, ...v4]), is4: true };
  if (!s.includes(':')) return undefined;
  const v6 = parseV6(s);
  return v6 ? { ip: Uint8Array.from(v6), is4: false } : undefined;
}

/** Go's *net.ParseError of ParseCIDR. */
class ParseError extends Error {}

/** net.ParseCIDR: the address as written and the network (masked address and mask). */
function parseCIDR(s: string): { ip: IP; net: IPNet } {
  const slash = s.indexOf('/');
  const fail = () => new ParseError(`invalid CIDR address: ${s}`);
  if (slash < 0) throw fail();
  const addr = parseIP(s.slice(0, slash));
  if (!addr) throw fail();
  const maskText = s.slice(slash + 1);
  const bits = addr.is4 ? 32 : 128;
  // dtoi: decimal digits, leading zeros allowed, all of the text
  if (!/^[0-9]+$/.test(maskText) || maskText.length > 8) throw fail();
  const n = Number(maskText);
  if (n > bits) throw fail();
  const mask = new Uint8Array(bits / 8);
  for (let i = 0; i < n; i++) mask[i >> 3]! |= 0x80 >> (i & 7);
  const masked = Uint8Array.from(addr.ip);
  const off = 16 - mask.length;
  for (let i = 0; i < 16; i++) masked[i] = i < off ? (mask.length === 4 ? masked[i]! : 0) : masked[i]! & mask[i - off]!;
  return { ip: addr.ip, net: { ip: masked, mask } };
}

/** IP.To4: the last 4 bytes of a v4-in-v6 address. */
function to4(ip: IP): IP | undefined {
  if (ip.length === 4) return ip;
  for (let i = 0; i < 12; i++) if (ip[i] !== V4_IN_V6_PREFIX[i]) return undefined;
  return ip.subarray(12);
}

/** IPNet.Contains. */
function contains(n: IPNet, ipIn: IP): boolean {
  let nn: IP = to4(n.ip) ?? n.ip;
  let m = n.mask;
  if (m.length === 4 && nn.length !== 4) return false;
  if (m.length === 16 && nn.length === 4) m = m.subarray(12);
  const ip = to4(ipIn) ?? ipIn;
  if (ip.length !== nn.length) return false;
  for (let i = 0; i < ip.length; i++) if ((nn[i]! & m[i]!) !== (ip[i]! & m[i]!)) return false;
  return true;
}

/** subnetMatches: is `data` (an address or a CIDR) inside `subnet`? */
function subnetMatches(subnet: string, data: string): boolean {
  let s: IPNet;
  try {
    s = parseCIDR(subnet).net;
  } catch (e) {
    throw new Error(`invalid subnet: ${(e as Error).message}`);
  }
  const ip = data.includes('/') ? parseCIDR(data).ip : parseIP(data)?.ip;
  return ip !== undefined && contains(s, ip);
}

/** api/types IPAMConfig with its map as a Map (marshalled with sorted keys). */
export interface IpamConfigValue {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Map<string, string>;
}

/** api/types IPAM, in the Go field order. */
export interface IpamValue {
  Driver: string;
  Options: Map<string, string>;
  Config: IpamConfigValue[];
}

export interface IpamOptions {
  driver: string;
  subnets: string[];
  ipRanges: string[];
  gateways: string[];
  /** --aux-address in command-line order (a later one with the same name wins). */
  auxAddresses: [string, string][];
  driverOpts: Map<string, string>;
}

/** The IPAM block of the create request, or an Error with docker's text. */
export function createIPAMConfig(o: IpamOptions): IpamValue {
  if (o.subnets.length < o.ipRanges.length || o.subnets.length < o.gateways.length) {
    throw new Error('every ip-range or gateway must have a corresponding subnet');
  }
  const data = new Map<string, IpamConfigValue & { AuxiliaryAddresses: Map<string, string> }>();
  for (const s of o.subnets) {
    for (const k of data.keys()) {
      const ok1 = subnetMatches(s, k);
      const ok2 = subnetMatches(k, s);
      if (ok1 || ok2) throw new Error('multiple overlapping subnet configuration is not supported');
    }
    data.set(s, { Subnet: s, AuxiliaryAddresses: new Map() });
  }
  for (const r of o.ipRanges) {
    let match = false;
    for (const s of o.subnets) {
      parseCIDR(r);
      if (!subnetMatches(s, r)) continue;
      const d = data.get(s)!;
      if (d.IPRange) throw new Error(`cannot configure multiple ranges (${r}, ${d.IPRange}) on the same subnet (${s})`);
      d.IPRange = r;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for range ${r}`);
  }
  for (const g of o.gateways) {
    let match = false;
    for (const s of o.subnets) {
      if (!subnetMatches(s, g)) continue;
      const d = data.get(s)!;
      if (d.Gateway) throw new Error(`cannot configure multiple gateways (${g}, ${d.Gateway}) for the same subnet (${s})`);
      d.Gateway = g;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for gateway ${g}`);
  }
  const aux = new Map(o.auxAddresses);
  for (const [key, aa] of aux) {
    let match = false;
    for (const s of o.subnets) {
      if (!subnetMatches(s, aa)) continue;
      data.get(s)!.AuxiliaryAddresses.set(key, aa);
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for aux-address ${aa}`);
  }
  const config = [...data.values()].map((d) => {
    const c: IpamConfigValue = {};
    if (d.Subnet) c.Subnet = d.Subnet;
    if (d.IPRange) c.IPRange = d.IPRange;
    if (d.Gateway) c.Gateway = d.Gateway;
    if (d.AuxiliaryAddresses.size) c.AuxiliaryAddresses = d.AuxiliaryAddresses;
    return c;
  });
  return { Driver: o.driver, Options: o.driverOpts, Config: config };
}
