/**
 * IPAM: Docker's default driver for one IPv4 pool (moby libnetwork/ipam), and the choice of a
 * free pool for a bridge (netutils.FindAvailableNetwork with the local-scope default pools).
 *
 * A pool is a subnet with a gateway and an optional sub-range (`--fixed-cidr`) addresses are
 * handed out from. The subnet's network and broadcast addresses and the gateway are never
 * handed out. Allocation takes the lowest free address of the range (libnetwork's non-serial
 * bitmask), so a released address is the next one given.
 *
 * Persistence: the allocator itself holds no files. Each allocation is recorded in the
 * endpoint it belongs to (endpoint-store.ts), written before the address is configured; at
 * boot the controller re-reserves the addresses of the endpoints that survived and drops the
 * others, so the allocations always match the endpoints, whatever a crash cut short.
 */
import { conflict, invalidParameter, unavailable } from '../lib/index.js';
import { Cidr, formatIPv4 } from './ipnet.js';

export interface PoolConfig {
  subnet: Cidr;
  gateway: number;
  /** Where container addresses come from (`--fixed-cidr`); the whole subnet when absent. */
  range?: Cidr;
}

/** The allocator of one pool. */
export interface IpamDriver {
  readonly pool: Readonly<PoolConfig>;
  /**
   * Takes `preferred` (anywhere in the subnet: the range only bounds the automatic choice, as
   * in moby's getAddress), or the lowest free address of the range.
   * Throws invalidParameter `requested address is out of range` for a preferred address outside
   * the subnet, conflict `Address already in use` when it is taken (the gateway, the network
   * and broadcast addresses always are), unavailable `no available addresses on this pool`
   * when the range is full.
   */
  request(preferred?: number): number;
  /** Gives an address back; releasing a free one is a no-op. */
  release(ip: number): void;
  isAllocated(ip: number): boolean;
  /** Allocated addresses, ascending. */
  allocated(): number[];
}

export class DefaultIpam implements IpamDriver {
  private readonly taken = new Set<number>();
  readonly pool: Readonly<PoolConfig>;

  /** Throws invalidParameter when the gateway or the range lie outside the subnet. */
  constructor(pool: PoolConfig) {
    const { subnet, gateway, range } = pool;
    if (!subnet.contains(gateway)) throw invalidParameter(`gateway ${formatIPv4(gateway)} is not in subnet ${subnet}`);
    if (range && !subnet.covers(range)) throw invalidParameter(`fixed-cidr ${range} is not in subnet ${subnet}`);
    this.pool = { subnet, gateway, range };
  }

  private reserved(ip: number): boolean {
    const { subnet, gateway } = this.pool;
    if (ip === gateway) return true;
    // /31 and /32 have no network or broadcast address to keep back
    return subnet.prefix < 31 && (ip === subnet.base || ip === subnet.last);
  }

  request(preferred?: number): number {
    const range = this.pool.range ?? this.pool.subnet;
    if (preferred !== undefined) {
      if (!this.pool.subnet.contains(preferred)) throw invalidParameter('requested address is out of range');
      if (this.taken.has(preferred) || this.reserved(preferred)) throw conflict('Address already in use');
      this.taken.add(preferred);
      return preferred;
    }
    for (let ip = range.base; ip <= range.last; ip++) {
      if (!this.taken.has(ip) && !this.reserved(ip)) {
        this.taken.add(ip);
        return ip;
      }
    }
    throw unavailable('no available addresses on this pool');
  }

  release(ip: number): void {
    this.taken.delete(ip);
  }

  isAllocated(ip: number): boolean {
    return this.taken.has(ip);
  }

  allocated(): number[] {
    return [...this.taken].sort((a, b) => a - b);
  }
}

/** A configured address pool (daemon.json `default-address-pools`): `base` split into /`size` subnets. */
export interface AddressPoolSpec {
  base: string;
  size: number;
}

/**
 * Docker's local-scope default pools (libnetwork ipamutils): 172.17.0.0/16 … 172.31.0.0/16,
 * then 192.168.0.0/16 in /20s.
 */
export const DEFAULT_ADDRESS_POOLS: readonly AddressPoolSpec[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/** The candidate subnets of pool specs, in order. Throws invalidParameter for a bad spec. */
export function expandPools(specs: readonly AddressPoolSpec[]): Cidr[] {
  const out: Cidr[] = [];
  for (const s of specs) {
    const base = Cidr.parse(s.base);
    if (!Number.isInteger(s.size) || s.size < base.prefix || s.size > 32) {
      throw invalidParameter(`invalid pool size ${s.size} for base ${s.base}`);
    }
    const step = 2 ** (32 - s.size);
    for (let n = base.base; n <= base.last && out.length < 65536; n += step) out.push(new Cidr(n, s.size));
  }
  return out;
}

/**
 * The first candidate that overlaps none of `inUse` (the host's routes and nameservers).
 * Throws unavailable `could not find an available, non-overlapping IPv4 address pool among the
 * defaults to assign to the network` (moby's wording) when all overlap.
 */
export function chooseSubnet(candidates: readonly Cidr[], inUse: readonly Cidr[]): Cidr {
  for (const c of candidates) if (!inUse.some((u) => u.overlaps(c))) return c;
  throw unavailable('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}
