/**
 * IPv4 addresses and prefixes as unsigned 32-bit numbers, the arithmetic IPAM and the rule
 * generator need (moby libnetwork/types, netutils), and Docker's MAC derivation.
 */
import { isIPv4 } from 'node:net';
import { invalidParameter } from '../lib/index.js';

/** Parses a dotted quad. Throws invalidParameter `invalid IP address: <s>`. */
export function parseIPv4(s: string): number {
  if (!isIPv4(s)) throw invalidParameter(`invalid IP address: ${s}`);
  const p = s.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** An IPv4 prefix: `base` is the network address (host bits zero). */
export class Cidr {
  readonly base: number;
  constructor(
    base: number,
    readonly prefix: number,
  ) {
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw invalidParameter(`invalid prefix length: ${prefix}`);
    this.base = (base & maskOf(prefix)) >>> 0;
  }

  /** `a.b.c.d/n`; the address may have host bits set (they are dropped, see parseAddrCidr). */
  static parse(s: string): Cidr {
    return parseAddrCidr(s).net;
  }

  get mask(): number {
    return maskOf(this.prefix);
  }

  get size(): number {
    return 2 ** (32 - this.prefix);
  }

  /** The last address of the prefix (the broadcast address for prefixes up to /30). */
  get last(): number {
    return (this.base + this.size - 1) >>> 0;
  }

  contains(ip: number): boolean {
    return ((ip & this.mask) >>> 0) === this.base;
  }

  /** Whether `other` lies entirely inside this prefix. */
  covers(other: Cidr): boolean {
    return other.prefix >= this.prefix && this.contains(other.base);
  }

  overlaps(other: Cidr): boolean {
    return this.contains(other.base) || other.contains(this.base);
  }

  equals(other: Cidr): boolean {
    return this.base === other.base && this.prefix === other.prefix;
  }

  toString(): string {
    return `${formatIPv4(this.base)}/${this.prefix}`;
  }
}

/**
 * `a.b.c.d/n` as both the address and its network (`--bip 192.168.5.1/24`: gateway and subnet).
 * Throws invalidParameter `invalid CIDR address: <s>`.
 */
export function parseAddrCidr(s: string): { ip: number; net: Cidr } {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s.trim());
  if (!m || !isIPv4(m[1]!) || Number(m[2]) > 32) throw invalidParameter(`invalid CIDR address: ${s}`);
  const ip = parseIPv4(m[1]!);
  return { ip, net: new Cidr(ip, Number(m[2])) };
}

/** Docker's MAC for an IPv4 endpoint (libnetwork netutils.GenerateMACFromIP): 02:42 + the address. */
export function macFromIPv4(ip: number): string {
  const b = [0x02, 0x42, ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
