/**
 * The bridge driver's kernel side (moby libnetwork drivers/bridge): the Linux bridge of a
 * network with its gateway address (endpoints are sandbox.ts's).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { invalidParameter, type Ctx, type Logger } from '../lib/index.js';
import { Cidr, formatIPv4, parseAddrCidr, parseIPv4 } from './ipnet.js';
import { DEFAULT_ADDRESS_POOLS, chooseSubnet, expandPools, type AddressPoolSpec } from './ipam.js';
import type { IpRoute } from './iproute.js';

export interface BridgeConfig {
  /** Device name (`--bridge`, default berth0). */
  name: string;
  mtu: number;
  /** `--bip`: the bridge's address with its prefix (gateway and subnet). */
  bip: string;
  /** `--fixed-cidr`: where container addresses come from. */
  fixedCidr: string;
  /** daemon.json default-address-pools (Docker's defaults when empty). */
  pools: AddressPoolSpec[];
  /** Hairpin mode (userland proxy off): route_localnet on the bridge, hairpin on its ports. */
  hairpin: boolean;
  /** The bridge's IPv6 gateway address with its prefix (`--ipv6` networks). */
  bip6?: string;
}

/** What the bridge ended up with. */
export interface BridgeState {
  subnet: Cidr;
  gateway: number;
  range?: Cidr;
  /** Docker shows the gateway in the network's IPAM config only when it was given or found. */
  gatewayKnown: boolean;
}

export interface BridgeDeps {
  ip: IpRoute;
  log: Logger;
  /** Reads a file, undefined when it is absent (sysctls, resolv.conf). */
  readFile?: (path: string) => Promise<string | undefined>;
  writeFile?: (path: string, data: string) => Promise<void>;
}

const defaultRead = (p: string) => fs.readFile(p, 'utf8').catch(() => undefined);
const defaultWrite = (p: string, d: string) => fs.writeFile(p, d);

function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02; // unicast, locally administered
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** A veth host-end name as Docker makes them: `veth` and 7 hex digits. */
export function vethName(): string {
  return 'veth' + randomBytes(4).toString('hex').slice(0, 7);
}

export class BridgeDriver {
  private readonly read: (p: string) => Promise<string | undefined>;
  private readonly write: (p: string, d: string) => Promise<void>;

  constructor(
    private readonly deps: BridgeDeps,
    readonly cfg: BridgeConfig,
  ) {
    this.read = deps.readFile ?? defaultRead;
    this.write = deps.writeFile ?? defaultWrite;
  }

  /**
   * Makes the bridge exist, up, with its gateway address: `--bip` if given, else the address
   * it already has (a restart), else the first default pool that overlaps no route and no
   * nameserver of the host (moby netutils.ElectInterfaceAddresses). Throws invalidParameter for
   * a bad --bip/--fixed-cidr, unavailable when no pool is free.
   */
  async ensure(ctx: Ctx): Promise<BridgeState> {
    const { name, mtu } = this.cfg;
    const link = await this.deps.ip.link(ctx, name);
    const v4 = (link?.addrs ?? []).filter((a) => a.family === 'inet');
    const fixed = this.cfg.fixedCidr ? Cidr.parse(this.cfg.fixedCidr) : undefined;
    let subnet: Cidr;
    let gateway: number;
    let gatewayKnown: boolean;
    let chosen = false;
    if (this.cfg.bip) {
      const b = parseAddrCidr(this.cfg.bip);
      if (b.ip === b.net.base) throw invalidParameter(`invalid value for "bip": ${this.cfg.bip} is a network address, not an address in it`);
      subnet = b.net;
      gateway = b.ip;
      gatewayKnown = true;
    } else if (v4.length) {
      const a = v4.find((x) => fixed && new Cidr(parseIPv4(x.local), x.prefixlen).covers(fixed)) ?? v4[0]!;
      gateway = parseIPv4(a.local);
      subnet = new Cidr(gateway, a.prefixlen);
      gatewayKnown = gateway !== subnet.base;
      if (!gatewayKnown) gateway = subnet.base + 1;
    } else {
      subnet = chooseSubnet(expandPools(this.cfg.pools.length ? this.cfg.pools : DEFAULT_ADDRESS_POOLS), await this.inUse(ctx));
      gateway = subnet.base + 1;
      gatewayKnown = false;
      chosen = true;
    }
    if (fixed && !subnet.covers(fixed)) throw invalidParameter(`invalid value for "fixed-cidr": ${this.cfg.fixedCidr} is not in the bridge subnet ${subnet}`);
    const want = `${formatIPv4(gateway)}/${subnet.prefix}`;
    const lines: string[] = [];
    if (!link) lines.push(`link add name ${name} mtu ${mtu} address ${randomMac()} type bridge`);
    for (const a of v4) if (`${a.local}/${a.prefixlen}` !== want) lines.push(`addr del ${a.local}/${a.prefixlen} dev ${name}`);
    if (!v4.some((a) => `${a.local}/${a.prefixlen}` === want)) lines.push(`addr add ${want} broadcast ${formatIPv4(subnet.last)} dev ${name}`);
    if (this.cfg.bip6) {
      const have6 = (link?.addrs ?? []).some((a) => a.family === 'inet6' && `${a.local}/${a.prefixlen}` === this.cfg.bip6);
      if (!have6) lines.push(`addr add ${this.cfg.bip6} dev ${name} nodad`);
    }
    lines.push(`link set ${name} up`);
    await this.deps.ip.batch(ctx, lines);
    if (chosen) {
      // Another daemon may have taken the same free subnet at the same moment: check once more.
      const clash = (await this.deps.ip.routes4(ctx)).some((r) => r.dev !== name && r.dst !== 'default' && routeCidr(r.dst)?.overlaps(subnet));
      if (clash) {
        await this.deps.ip.batch(ctx, [`addr del ${want} dev ${name}`]);
        this.deps.log.warn('bridge subnet taken meanwhile, choosing again', { subnet: subnet.toString() });
        return this.ensure(ctx);
      }
    }
    if (this.cfg.hairpin) await this.write(`/proc/sys/net/ipv4/conf/${name}/route_localnet`, '1\n');
    return { subnet, gateway, range: fixed, gatewayKnown: gatewayKnown || !!link };
  }

  /** Enables bridged traffic to traverse iptables on this bridge (moby checkBridgeNetFiltering). */
  async enableNetfilter(): Promise<void> {
    const p = `/sys/class/net/${this.cfg.name}/bridge/nf_call_iptables`;
    if ((await this.read(p))?.startsWith('0')) await this.write(p, '1\n');
  }

  /** Host routes and nameservers: what a new bridge subnet must not overlap. */
  async inUse(ctx: Ctx): Promise<Cidr[]> {
    const out: Cidr[] = [];
    for (const r of await this.deps.ip.routes4(ctx)) {
      const c = r.dst === 'default' ? undefined : routeCidr(r.dst);
      if (c) out.push(c);
    }
    const resolv = (await this.read('/etc/resolv.conf')) ?? '';
    for (const m of resolv.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)) out.push(new Cidr(parseIPv4(m[1]!), 32));
    return out;
  }

  /** Host ends of veths plugged into the bridge now (to find leftovers at boot). */
  async ports(ctx: Ctx): Promise<string[]> {
    return (await this.deps.ip.links(ctx)).filter((l) => l.master === this.cfg.name).map((l) => l.ifname);
  }
}

/** A route destination as a prefix (`10.0.0.0/8`, or a bare address meaning /32). */
function routeCidr(dst: string): Cidr | undefined {
  try {
    return dst.includes('/') ? Cidr.parse(dst) : new Cidr(parseIPv4(dst), 32);
  } catch {
    return undefined;
  }
}
