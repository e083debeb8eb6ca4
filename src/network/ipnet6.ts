/**
 * IPv6 addresses and prefixes as bigints, for the IPv6 pools of user-defined networks (`--ipv6
 * --subnet fd00:1::/64`), with RFC 5952 formatting (what Docker prints: lower case, the longest
 * run of zero groups as `::`).
 */
import { isIPv6 } from 'node:net';
import { invalidParameter } from '../lib/index.js';

const ALL = (1n << 128n) - 1n;

/** Parses an IPv6 address (no zone). Throws invalidParameter `invalid IPv6 address: <s>`. */
export function parseIPv6(s: string): bigint {
  if (!isIPv6(s) || s.includes('%')) throw invalidParameter(`invalid IPv6 address: ${s}`);
  let text = s;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const p = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function formatIPv6(n: bigint): string {
  const g = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let len = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > len && j - i >= 2) {
      best = i;
      len = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + len).join(':')}`;
}

export class Cidr6 {
  readonly base: bigint;
  constructor(
    base: bigint,
    readonly prefix: number,
  ) {
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 128) throw invalidParameter(`invalid prefix length: ${prefix}`);
    this.base = base & this.mask;
  }

  /** `a:b::/n`. Throws invalidParameter `invalid CIDR address: <s>`. */
  static parse(s: string): Cidr6 {
    const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(s.trim());
    if (!m || !isIPv6(m[1]!) || Number(m[2]) > 128) throw invalidParameter(`invalid CIDR address: ${s}`);
    return new Cidr6(parseIPv6(m[1]!), Number(m[2]));
  }

  get mask(): bigint {
    return this.prefix === 0 ? 0n : (ALL << BigInt(128 - this.prefix)) & ALL;
  }

  get last(): bigint {
    return this.base | (~this.mask & ALL);
  }

  contains(ip: bigint): boolean {
    return (ip & this.mask) === this.base;
  }

  covers(other: Cidr6): boolean {
    return other.prefix >= this.prefix && this.contains(other.base);
  }

  overlaps(other: Cidr6): boolean {
    return this.contains(other.base) || other.contains(this.base);
  }

  toString(): string {
    return `${formatIPv6(this.base)}/${this.prefix}`;
  }
}

/**
 * The default IPAM of an IPv6 pool: the lowest free address of the subnet (or range), never the
 * subnet-router anycast address (the subnet's first) nor the gateway.
 */
export class Ipam6 {
  private readonly taken = new Set<bigint>();

  constructor(
    readonly subnet: Cidr6,
    readonly gateway: bigint,
    readonly range?: Cidr6,
  ) {}

  /** Throws invalidParameter out of range, forbidden-worthy `Address already in use` (as Error). */
  request(preferred?: bigint): bigint {
    const r = this.range ?? this.subnet;
    if (preferred !== undefined) {
      if (!this.subnet.contains(preferred)) throw invalidParameter(`Invalid address ${formatIPv6(preferred)}: It does not belong to any of this network's subnets`);
      if (preferred === this.gateway || preferred === this.subnet.base || this.taken.has(preferred)) throw new Error('Address already in use');
      this.taken.add(preferred);
      return preferred;
    }
    for (let ip = r.base + 1n, n = 0; ip <= r.last && n < 1 << 20; ip++, n++) {
      if (ip !== this.gateway && !this.taken.has(ip)) {
        this.taken.add(ip);
        return ip;
      }
    }
    throw invalidParameter('no available IPv6 addresses on this pool');
  }

  release(ip: bigint): void {
    this.taken.delete(ip);
  }
}
