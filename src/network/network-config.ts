/**
 * A user-defined network's configuration (moby daemon/network.go createNetwork, libnetwork
 * bridge driver options, the default IPAM's pool checks): validating a create request into a
 * NetworkRecord, its addresses, and what its bridge is made of (a macvlan network's own
 * options are macvlan.ts's). Pure functions; messages are Docker's.
 */
import { conflict, forbidden, invalidParameter, notFound, system } from '../lib/index.js';
import { Cidr, formatIPv4, parseAddrCidr, parseIPv4 } from './ipnet.js';
import { chooseSubnet, expandPools, DEFAULT_ADDRESS_POOLS, type AddressPoolSpec } from './ipam.js';
import { Cidr6, formatIPv6, parseIPv6 } from './ipnet6.js';
import type { IpamPoolRecord, NetworkRecord } from './network-store.js';

/** POST /networks/create as the controller takes it. */
export interface CreateNetworkRequest {
  name: string;
  driver?: string;
  internal?: boolean;
  attachable?: boolean;
  ipv6?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipam?: { driver?: string; options?: Record<string, string>; config?: { subnet?: string; ipRange?: string; gateway?: string; auxAddresses?: Record<string, string> }[] };
}

export const BRIDGE_NAME_OPT = 'com.docker.network.bridge.name';
export const ICC_OPT = 'com.docker.network.bridge.enable_icc';
export const MASQ_OPT = 'com.docker.network.bridge.enable_ip_masquerade';
export const BIND_IP_OPT = 'com.docker.network.bridge.host_binding_ipv4';
export const MTU_OPT = 'com.docker.network.driver.mtu';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** What an existing network contributes to the checks of a new one. */
export interface Existing {
  name: string;
  subnets: Cidr[];
  subnets6?: Cidr6[];
  bridge?: string;
}

/**
 * Checks a create request against the networks there are and the host's routes, and makes its
 * record: the subnet chosen from the pools when none is given (with its gateway, as Docker
 * shows it), the given ones checked (`Invalid subnet …`, `Pool overlaps with other one on this
 * address space`, `failed to allocate gateway (…): Requested address is out of range`, `Invalid
 * address … : It does not belong to any of this network's subnets`). Throws notFound `plugin "x"
 * not found` for a driver that is none of ours (bridge and macvlan are), conflict for a name
 * taken.
 */
export function newNetworkRecord(req: CreateNetworkRequest, ctx: { id: string; created: string; existing: readonly Existing[]; routes: readonly Cidr[]; pools: readonly AddressPoolSpec[] }): NetworkRecord {
  const name = req.name ?? '';
  if (!NAME_RE.test(name)) throw system(`invalid name: ${name}`);
  if (ctx.existing.some((n) => n.name === name)) throw conflict(`network with name ${name} already exists`);
  const driver = req.driver || 'bridge';
  if (driver !== 'bridge' && driver !== 'macvlan') {
    if (driver === 'host' || driver === 'null') throw forbidden(`only one instance of "${driver}" network is allowed`);
    throw notFound(`plugin "${driver}" not found`);
  }
  const ipamDriver = req.ipam?.driver || 'default';
  if (ipamDriver !== 'default') throw notFound(`plugin "${ipamDriver}" not found`);
  const options = { ...(req.options ?? {}) };
  if (driver === 'bridge') checkBridgeOptions(options, ctx.existing);
  const config = ipamConfig(driver, req, ctx);
  return {
    id: ctx.id,
    name,
    driver,
    created: ctx.created,
    internal: !!req.internal,
    attachable: !!req.attachable,
    ipv6: !!req.ipv6,
    labels: { ...(req.labels ?? {}) },
    options,
    ipam: { driver: ipamDriver, options: { ...(req.ipam?.options ?? {}) }, config },
  };
}

/** The bridge driver's own options, checked with Docker's messages. */
function checkBridgeOptions(options: Record<string, string>, existing: readonly Existing[]): void {
  const bridge = options[BRIDGE_NAME_OPT];
  if (bridge !== undefined && (bridge.length === 0 || bridge.length > 15 || /[\s/]/.test(bridge))) throw invalidParameter(`invalid bridge name: ${bridge}`);
  if (bridge && existing.some((n) => n.bridge === bridge)) throw forbidden(`bridge name ${bridge} is already in use`);
  const mtu = options[MTU_OPT];
  if (mtu !== undefined && !(Number.isInteger(Number(mtu)) && Number(mtu) >= 68 && Number(mtu) <= 65535)) throw invalidParameter(`invalid MTU number: ${mtu}`);
  for (const k of [ICC_OPT, MASQ_OPT]) {
    if (options[k] !== undefined && !/^(true|false|1|0|t|f|TRUE|FALSE|True|False)$/.test(options[k]!)) throw invalidParameter(`failed to parse ${k} value: invalid syntax`);
  }
}

/** The IPAM pools of a new network: chosen from the default pools, or the given ones checked. */
function ipamConfig(driver: string, req: CreateNetworkRequest, ctx: { existing: readonly Existing[]; routes: readonly Cidr[]; pools: readonly AddressPoolSpec[] }): IpamPoolRecord[] {
  const taken = ctx.existing.flatMap((n) => n.subnets);
  const v4 = (req.ipam?.config ?? []).filter((c) => !(c.subnet ?? '').includes(':') && !(!c.subnet && (c.gateway ?? '').includes(':')));
  if (v4.length > 1) throw invalidParameter(`${driver} networks take one IPv4 subnet`);
  const config: IpamPoolRecord[] = [];
  const given = v4[0];
  if (!given?.subnet) {
    if (given && (given.gateway || given.ipRange)) throw invalidParameter('a gateway or an ip range needs a subnet');
    const subnet = chooseSubnet(expandPools(ctx.pools.length ? ctx.pools : DEFAULT_ADDRESS_POOLS), [...taken, ...ctx.routes]);
    config.push({ subnet: subnet.toString(), gateway: formatIPv4(subnet.base + 1) });
  } else {
    let subnet: Cidr;
    try {
      subnet = parseAddrCidr(given.subnet).net;
    } catch {
      throw system(`Invalid subnet ${given.subnet} : invalid CIDR address: ${given.subnet}`);
    }
    if (taken.some((t) => t.overlaps(subnet))) throw forbidden('Pool overlaps with other one on this address space');
    const pool: IpamPoolRecord = { subnet: subnet.toString() };
    if (given.ipRange) {
      let range: Cidr;
      try {
        range = parseAddrCidr(given.ipRange).net;
      } catch {
        throw system(`Invalid range ${given.ipRange} : invalid CIDR address: ${given.ipRange}`);
      }
      if (!subnet.covers(range)) throw system(`Invalid range ${given.ipRange}: it is not in subnet ${subnet}`);
      pool.ipRange = range.toString();
    }
    if (given.gateway) {
      const gw = addressIn(subnet, given.gateway, () => system(`failed to allocate gateway (${given.gateway}): Requested address is out of range`));
      pool.gateway = formatIPv4(gw);
    }
    if (given.auxAddresses && Object.keys(given.auxAddresses).length) {
      for (const a of Object.values(given.auxAddresses)) {
        addressIn(subnet, a, () => system(`Invalid address ${a}: It does not belong to any of this network's subnets`));
      }
      pool.auxAddresses = { ...given.auxAddresses };
    }
    config.push(pool);
  }
  const v6 = (req.ipam?.config ?? []).filter((c) => (c.subnet ?? '').includes(':'));
  // compat: an IPv6 pool without --ipv6 is kept (and shown) but gives no addresses
  if (req.ipv6 || v6.length) config.push(v6Pool(driver, v6, ctx.existing.flatMap((n) => n.subnets6 ?? [])));
  return config;
}

/** The IPv6 pool of an `--ipv6` network: given (Docker 20.10 has no default IPv6 pools), checked like IPv4's. */
function v6Pool(driver: string, v6: NonNullable<NonNullable<CreateNetworkRequest['ipam']>['config']>, taken: readonly Cidr6[]): IpamPoolRecord {
  if (v6.length === 0) throw invalidParameter('could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network');
  if (v6.length > 1) throw invalidParameter(`${driver} networks take one IPv6 subnet`);
  const given = v6[0]!;
  let subnet: Cidr6;
  try {
    subnet = Cidr6.parse(given.subnet!);
  } catch {
    throw system(`Invalid subnet ${given.subnet} : invalid CIDR address: ${given.subnet}`);
  }
  if (taken.some((t) => t.overlaps(subnet))) throw forbidden('Pool overlaps with other one on this address space');
  const pool: IpamPoolRecord = { subnet: subnet.toString() };
  if (given.ipRange) {
    const range = Cidr6.parse(given.ipRange);
    if (!subnet.covers(range)) throw system(`Invalid range ${given.ipRange}: it is not in subnet ${subnet}`);
    pool.ipRange = range.toString();
  }
  if (given.gateway) {
    const gw = parseIPv6(given.gateway);
    if (!subnet.contains(gw)) throw system(`failed to allocate gateway (${given.gateway}): Requested address is out of range`);
    pool.gateway = formatIPv6(gw);
  }
  return pool;
}

function addressIn(subnet: Cidr, s: string, err: () => Error): number {
  let ip: number;
  try {
    ip = parseIPv4(s);
  } catch {
    throw invalidParameter(`invalid address ${s}`);
  }
  if (!subnet.contains(ip)) throw err();
  return ip;
}

const truthy = (v: string | undefined, dflt: boolean) => (v === undefined ? dflt : /^(true|1|t)$/i.test(v));

/** A user-defined network's addresses: its subnets, gateways, ranges and auxiliary addresses. */
export function ipamSettings(rec: NetworkRecord) {
  const pool = rec.ipam.config.find((c) => !c.subnet.includes(':'))!;
  const subnet = Cidr.parse(pool.subnet);
  const p6 = rec.ipv6 ? rec.ipam.config.find((c) => c.subnet.includes(':')) : undefined;
  const subnet6 = p6 ? Cidr6.parse(p6.subnet) : undefined;
  const gateway = pool.gateway ? parseIPv4(pool.gateway) : subnet.base + 1;
  return {
    subnet,
    gateway,
    range: pool.ipRange ? Cidr.parse(pool.ipRange) : undefined,
    subnet6,
    gateway6: p6 && subnet6 ? (p6.gateway ? parseIPv6(p6.gateway) : subnet6.base + 1n) : undefined,
    range6: p6?.ipRange ? Cidr6.parse(p6.ipRange) : undefined,
    aux: Object.values(pool.auxAddresses ?? {}).map(parseIPv4),
  };
}

/** The bridge of a user-defined network: device name, its addresses, flags from its options. */
export function bridgeSettings(rec: NetworkRecord, dflt: { mtu: number; bindIp: string }) {
  return {
    ...ipamSettings(rec),
    bridge: rec.options[BRIDGE_NAME_OPT] || `br-${rec.id.slice(0, 12)}`,
    icc: truthy(rec.options[ICC_OPT], true),
    ipMasq: truthy(rec.options[MASQ_OPT], true),
    mtu: rec.options[MTU_OPT] ? Number(rec.options[MTU_OPT]) : dflt.mtu,
    bindIp: rec.options[BIND_IP_OPT] || dflt.bindIp,
  };
}
