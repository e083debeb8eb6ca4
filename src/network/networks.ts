/**
 * The networks at runtime (moby libnetwork's networks with their drivers' state): the
 * predefined ones (bridge, host, none), the user-defined bridge networks with their bridge,
 * IPAM pools, firewall settings and embedded DNS listener, and the macvlan networks with their
 * parent (macvlan.ts) and IPAM pools; create and remove.
 *
 *   <data-root>/network/networks.json      IDs and creation times of the predefined networks
 *   <data-root>/network/networks/*.json    user-defined networks (network-store.ts)
 *   <exec-root>/network/dns/<id>           the embedded DNS port of a network this boot
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { forbidden, invalidParameter, KeyedMutex, mkdirp, notFound, readJson, writeJsonAtomic, type Ctx, type Logger } from '../lib/index.js';
import { Cidr, formatIPv4 } from './ipnet.js';
import { Cidr6, formatIPv6, Ipam6 } from './ipnet6.js';
import { DefaultIpam, type AddressPoolSpec, type IpamDriver } from './ipam.js';
import type { IpRoute } from './iproute.js';
import type { Iptables } from './iptables.js';
import { BridgeDriver } from './bridge.js';
import type { BridgeFirewall } from './rules.js';
import { NetworkStore, type NetworkRecord } from './network-store.js';
import { bridgeSettings, ipamSettings, newNetworkRecord, BRIDGE_NAME_OPT, ICC_OPT, MASQ_OPT, BIND_IP_OPT, MTU_OPT, type CreateNetworkRequest } from './network-config.js';
import { checkMacvlanOptions, macvlanSettings, MacvlanParents, type MacvlanMode } from './macvlan.js';

/** The embedded DNS server (dns.ts) as the networks drive it. */
export interface DnsServer {
  /** Serves UDP and TCP on host:port (0 or absent: any free port); resolves to the port. */
  listen(host: string, port?: number): Promise<number>;
  close(host: string): Promise<void> | void;
}

/** What the DNS server asks (answers are scoped to the client's networks): dns-names.ts. */
export interface DnsBackend {
  resolve(clientIp: string, name: string): string[] | undefined;
  reverse(clientIp: string, ip: string): string | undefined;
  upstreams(clientIp: string): string[];
}

/** The daemon's networking settings (`--bridge`, `--bip`, …). */
export interface NetworksConfig {
  /** <data-root>/network */
  dataDir: string;
  /** <exec-root> (sandboxes under network/, namespaces under netns/) */
  execRoot: string;
  bridge: {
    /** `--bridge` ('' → berth0; 'none' → no default bridge). */
    name: string;
    bip: string;
    fixedCidr: string;
    mtu: number;
    icc: boolean;
    ipMasq: boolean;
    ipForward: boolean;
    iptables: boolean;
    userlandProxy: boolean;
    /** `--ip`: the host address of bindings that name none. */
    defaultBindIp: string;
    pools: AddressPoolSpec[];
  };
  chainPrefix: string;
  /** Where sandboxes' DNS links take their addresses (dns-link.ts; default 169.254.64.0/18). */
  dnsLinkPool?: string;
}

/** A network as the API shows it (daemon/ renders Docker's JSON). */
export interface NetworkInfo extends NetworkRecord {
  /** bridge, host and none. */
  predefined: boolean;
}

/** What every network containers join has at runtime: its addresses. */
interface NetBase {
  info: NetworkInfo;
  subnet: Cidr;
  gateway: number;
  /** Docker shows the gateway of the default bridge only when it was given or found. */
  gatewayKnown: boolean;
  range?: Cidr;
  ipam: IpamDriver;
  /** `--ipv6` networks. */
  v6?: { subnet: Cidr6; gateway: bigint; ipam: Ipam6 };
}

/** A bridge network at runtime. */
export interface BridgeNet extends NetBase {
  kind: 'bridge';
  driver: BridgeDriver;
  fw: BridgeFirewall;
  mtu: number;
  bindIp: string;
  /** Port of the embedded DNS on the gateway (user-defined networks). */
  dnsPort?: number;
}

/** A macvlan network at runtime. */
export interface MacvlanNet extends NetBase {
  kind: 'macvlan';
  /** The parent link (the dummy's name without `-o parent`). */
  parent: string;
  mode: MacvlanMode;
}

/** A network containers join (not host, not none). */
export type Net = BridgeNet | MacvlanNet;

interface Ids {
  [name: string]: { id: string; created: string };
}

export const newId = () => randomBytes(32).toString('hex');
const PREDEFINED = ['bridge', 'host', 'none'];

export class Networks {
  private readonly nets: NetworkStore;
  private ids: Ids = {};
  /** Every network by ID, the predefined ones included. */
  private readonly infos = new Map<string, NetworkInfo>();
  /** The networks containers join (bridge and macvlan) by ID. */
  readonly byId = new Map<string, Net>();
  readonly parents: MacvlanParents;
  /** Network create and remove run one at a time. */
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly deps: {
      ip: IpRoute;
      iptables: Iptables;
      log: Logger;
      dns?: DnsServer;
      /** Rewrites the iptables rules for the networks there are (`retired`: bridges going away). */
      reconcile: (ctx: Ctx, retired?: readonly string[]) => Promise<void>;
    },
    readonly cfg: NetworksConfig,
  ) {
    this.nets = new NetworkStore(cfg.dataDir);
    this.parents = new MacvlanParents({ ip: deps.ip });
  }

  /** The bridge networks. */
  bridges(): BridgeNet[] {
    return [...this.byId.values()].filter((n): n is BridgeNet => n.kind === 'bridge');
  }

  /** A bridge network by ID. */
  bridge(id: string): BridgeNet | undefined {
    const n = this.byId.get(id);
    return n?.kind === 'bridge' ? n : undefined;
  }

  get bridgeName(): string {
    return this.cfg.bridge.name || 'berth0';
  }

  /**
   * Brings up the default bridge (address, sysctls), the user-defined networks' bridges with
   * their embedded DNS and the macvlan networks' own parents, and loads the networks. Throws invalidParameter for bad bridge
   * settings.
   */
  async init(ctx: Ctx): Promise<void> {
    await mkdirp(this.cfg.dataDir, 0o700);
    const idsPath = join(this.cfg.dataDir, 'networks.json');
    this.ids = (await readJson<Ids>(idsPath)) ?? {};
    let dirty = false;
    for (const n of PREDEFINED) {
      if (!this.ids[n]) {
        this.ids[n] = { id: newId(), created: new Date().toISOString() };
        dirty = true;
      }
    }
    if (dirty) await writeJsonAtomic(idsPath, this.ids);
    const b = this.cfg.bridge;
    for (const name of ['host', 'none']) this.infos.set(this.ids[name]!.id, this.predefinedInfo(name, name === 'host' ? 'host' : 'null', {}, []));
    if (this.cfg.bridge.name !== 'none') await this.initDefaultBridge(ctx);
    for (const rec of await this.nets.list()) {
      await this.bringUp(ctx, { ...rec, predefined: false }).catch((e) => this.deps.log.warn('cannot bring a network up', { network: rec.name, error: e }));
    }
    if (b.ipForward && this.bridges().length) {
      const fwd = await fs.readFile('/proc/sys/net/ipv4/ip_forward', 'utf8').catch(() => '1');
      if (fwd.startsWith('0')) {
        await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');
        // compat: Docker drops forwarded traffic by default when it turned forwarding on itself.
        if (b.iptables) await this.deps.iptables.policy(ctx, 'filter', 'FORWARD', 'DROP');
      }
    }
  }

  private predefinedInfo(name: string, driver: string, options: Record<string, string>, config: NetworkRecord['ipam']['config']): NetworkInfo {
    const m = this.ids[name]!;
    return { id: m.id, name, driver, created: m.created, internal: false, attachable: false, ipv6: false, labels: {}, options, ipam: { driver: 'default', options: {}, config }, predefined: true };
  }

  private async initDefaultBridge(ctx: Ctx): Promise<void> {
    const b = this.cfg.bridge;
    const driver = new BridgeDriver(
      { ip: this.deps.ip, log: this.deps.log },
      { name: this.bridgeName, mtu: b.mtu, bip: b.bip, fixedCidr: b.fixedCidr, pools: b.pools, hairpin: !b.userlandProxy },
    );
    const state = await driver.ensure(ctx);
    const cfg: NetworkRecord['ipam']['config'][number] = { subnet: state.subnet.toString() };
    if (state.range) cfg.ipRange = state.range.toString();
    if (state.gatewayKnown) cfg.gateway = formatIPv4(state.gateway);
    const info = this.predefinedInfo(
      'bridge',
      'bridge',
      {
        'com.docker.network.bridge.default_bridge': 'true',
        [ICC_OPT]: String(b.icc),
        [MASQ_OPT]: String(b.ipMasq),
        [BIND_IP_OPT]: b.defaultBindIp || '0.0.0.0',
        [BRIDGE_NAME_OPT]: this.bridgeName,
        [MTU_OPT]: String(b.mtu),
      },
      [cfg],
    );
    this.byId.set(info.id, {
      kind: 'bridge',
      info,
      driver,
      subnet: state.subnet,
      gateway: state.gateway,
      gatewayKnown: state.gatewayKnown,
      range: state.range,
      ipam: new DefaultIpam({ subnet: state.subnet, gateway: state.gateway, range: state.range }),
      fw: { prefix: this.cfg.chainPrefix, bridge: this.bridgeName, subnet: state.subnet.toString(), icc: b.icc, ipMasq: b.ipMasq, userlandProxy: b.userlandProxy },
      mtu: b.mtu,
      bindIp: b.defaultBindIp || '0.0.0.0',
    });
    this.infos.set(info.id, info);
    if (b.iptables) await driver.enableNetfilter().catch((e) => this.deps.log.warn('cannot enable netfilter on the bridge', { error: e }));
    this.deps.log.info('default bridge ready', { bridge: this.bridgeName, subnet: state.subnet.toString(), gateway: formatIPv4(state.gateway) });
  }

  /**
   * Makes a user-defined network's kernel side exist: a bridge with its embedded DNS listening,
   * or a macvlan network's parent when the driver made it (a parent of the host's own that is
   * missing is the endpoints' problem, as with Docker).
   */
  async bringUp(ctx: Ctx, info: NetworkInfo): Promise<Net> {
    if (info.driver === 'macvlan') {
      const m = macvlanSettings(info.id, info.options);
      if (info.createdParent) await this.parents.create(ctx, info.id, info.createdParent);
      const s = ipamSettings(info);
      const ipam = new DefaultIpam({ subnet: s.subnet, gateway: s.gateway, range: s.range });
      for (const a of s.aux) if (ipam.pool.subnet.contains(a) && !ipam.isAllocated(a)) ipam.request(a);
      const n: MacvlanNet = {
        kind: 'macvlan',
        info,
        parent: m.parent,
        mode: m.mode,
        subnet: s.subnet,
        gateway: s.gateway,
        gatewayKnown: true,
        range: s.range,
        ipam,
        v6: s.subnet6 && s.gateway6 !== undefined ? { subnet: s.subnet6, gateway: s.gateway6, ipam: new Ipam6(s.subnet6, s.gateway6, s.range6) } : undefined,
      };
      this.byId.set(info.id, n);
      this.infos.set(info.id, info);
      return n;
    }
    const b = this.cfg.bridge;
    const s = bridgeSettings(info, { mtu: b.mtu, bindIp: b.defaultBindIp || '0.0.0.0' });
    const driver = new BridgeDriver(
      { ip: this.deps.ip, log: this.deps.log },
      {
        name: s.bridge,
        mtu: s.mtu,
        bip: `${formatIPv4(s.gateway)}/${s.subnet.prefix}`,
        fixedCidr: s.range?.toString() ?? '',
        pools: [],
        hairpin: !b.userlandProxy,
        bip6: s.subnet6 && s.gateway6 !== undefined ? `${formatIPv6(s.gateway6)}/${s.subnet6.prefix}` : undefined,
      },
    );
    await driver.ensure(ctx);
    if (b.iptables) await driver.enableNetfilter().catch((e) => this.deps.log.warn('cannot enable netfilter on the bridge', { error: e }));
    const ipam = new DefaultIpam({ subnet: s.subnet, gateway: s.gateway, range: s.range });
    for (const a of s.aux) if (ipam.pool.subnet.contains(a) && !ipam.isAllocated(a)) ipam.request(a);
    const n: BridgeNet = {
      kind: 'bridge',
      info,
      driver,
      subnet: s.subnet,
      gateway: s.gateway,
      gatewayKnown: true,
      range: s.range,
      ipam,
      fw: { prefix: this.cfg.chainPrefix, bridge: s.bridge, subnet: s.subnet.toString(), icc: s.icc, ipMasq: s.ipMasq, userlandProxy: b.userlandProxy, internal: info.internal },
      mtu: s.mtu,
      bindIp: s.bindIp,
      v6: s.subnet6 && s.gateway6 !== undefined ? { subnet: s.subnet6, gateway: s.gateway6, ipam: new Ipam6(s.subnet6, s.gateway6, s.range6) } : undefined,
    };
    if (this.deps.dns) {
      // Port 53 when free, else the port of the last boot (the sandboxes' redirects name it), else any.
      const gw = formatIPv4(s.gateway);
      const file = join(this.cfg.execRoot, 'network', 'dns', info.id);
      const saved = Number(await fs.readFile(file, 'utf8').catch(() => '')) || undefined;
      n.dnsPort = await this.deps.dns.listen(gw, 53).catch(() => (saved ? this.deps.dns!.listen(gw, saved) : Promise.reject(new Error('no saved port')))).catch(() => this.deps.dns!.listen(gw, 0));
      if (n.dnsPort !== saved) {
        await mkdirp(join(this.cfg.execRoot, 'network', 'dns'), 0o700);
        await fs.writeFile(file, String(n.dnsPort));
      }
    }
    this.byId.set(info.id, n);
    this.infos.set(info.id, info);
    return n;
  }

  /** Every network, predefined first, then the user-defined ones by creation. */
  list(): NetworkInfo[] {
    return [...this.infos.values()].sort((a, b) => Number(b.predefined) - Number(a.predefined) || a.created.localeCompare(b.created));
  }

  /**
   * A network by full ID, then name, then unique ID prefix (moby FindNetwork). Throws notFound
   * `network <ref> not found`, invalidParameter when a prefix is ambiguous.
   */
  find(ref: string): NetworkInfo {
    const byId = this.infos.get(ref);
    if (byId) return byId;
    const all = [...this.infos.values()];
    const byName = all.filter((n) => n.name === ref);
    if (byName.length === 1) return byName[0]!;
    const byPrefix = ref ? all.filter((n) => n.id.startsWith(ref)) : [];
    if (byPrefix.length === 1) return byPrefix[0]!;
    if (byPrefix.length > 1) throw invalidParameter(`network ${ref} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
    throw notFound(`network ${ref} not found`);
  }

  /** Whether a network by that reference exists (the default bridge only while it is on). */
  has(ref: string): boolean {
    try {
      this.find(ref);
      return true;
    } catch {
      return false;
    }
  }

  /** `host-gateway` in --add-host: the default bridge's gateway (moby HostGatewayIP). */
  hostGatewayIp(): string | undefined {
    const b = this.bridge(this.ids['bridge']?.id ?? '');
    return b ? formatIPv4(b.gateway) : undefined;
  }

  /**
   * POST /networks/create: validates, records, then brings up the bridge and its rules, or a
   * macvlan network's parent when it is the driver's to make (macvlan.ts, with Docker's errors
   * for a parent that is missing, shared or cannot be made; nothing is left then).
   */
  async create(ctx: Ctx, req: CreateNetworkRequest): Promise<NetworkInfo> {
    return this.mutex.run('networks', async () => {
      const existing = [...this.infos.values()].map((n) => {
        const x = this.byId.get(n.id);
        return { name: n.name, subnets: x ? [x.subnet] : [], subnets6: x?.v6 ? [x.v6.subnet] : [], bridge: x?.kind === 'bridge' ? x.fw.bridge : undefined };
      });
      const routes = await this.anyDriver().inUse(ctx);
      const rec = newNetworkRecord(req, { id: newId(), created: new Date().toISOString(), existing, routes, pools: this.cfg.bridge.pools });
      if (rec.driver === 'macvlan') {
        const users = [...this.byId.values()].flatMap((n) => (n.kind === 'macvlan' ? [{ id: n.info.id, parent: n.parent }] : []));
        const { parent } = checkMacvlanOptions(rec.id, rec.options, users);
        const made = await this.parents.toCreate(rec.id, parent);
        if (made) rec.createdParent = made;
      }
      const info: NetworkInfo = { ...rec, predefined: false };
      await this.nets.put(rec);
      try {
        await this.bringUp(ctx, info);
        await this.deps.reconcile(ctx);
      } catch (e) {
        await this.takeDown(ctx, info).catch(() => {});
        await this.nets.remove(rec.id);
        throw e;
      }
      return info;
    });
  }

  private anyDriver(): BridgeDriver {
    return this.bridges()[0]?.driver ?? new BridgeDriver({ ip: this.deps.ip, log: this.deps.log }, { name: 'berth-none', mtu: 1500, bip: '', fixedCidr: '', pools: [], hairpin: false });
  }

  /** DELETE /networks/{id}. Throws forbidden for the predefined ones and for networks in use. */
  async remove(ctx: Ctx, ref: string, inUse: (id: string) => boolean): Promise<NetworkInfo> {
    return this.mutex.run('networks', async () => {
      const info = this.find(ref);
      if (info.predefined) throw forbidden(`${info.name} is a pre-defined network and cannot be removed`);
      if (inUse(info.id)) throw forbidden(`error while removing network: network ${info.name} id ${info.id} has active endpoints`);
      await this.takeDown(ctx, info);
      await this.nets.remove(info.id);
      return info;
    });
  }

  /**
   * Rules first (while the bridge is still known as ours), then the DNS listener and the
   * bridge; for a macvlan network the parent the driver made.
   */
  async takeDown(ctx: Ctx, info: NetworkInfo): Promise<void> {
    const n = this.byId.get(info.id);
    this.byId.delete(info.id);
    this.infos.delete(info.id);
    if (info.driver === 'macvlan') {
      if (info.createdParent) await this.parents.remove(ctx, info.createdParent).catch((e) => this.deps.log.warn('cannot delete a macvlan parent', { parent: info.createdParent, error: e }));
      return;
    }
    if (n?.kind !== 'bridge') return;
    await this.deps.reconcile(ctx, [n.fw.bridge]);
    if (this.deps.dns && n.dnsPort !== undefined) await this.deps.dns.close(formatIPv4(n.gateway));
    await this.deps.ip.host(ctx, [`link del ${n.fw.bridge}`]).catch((e) => this.deps.log.warn('cannot delete a bridge', { bridge: n.fw.bridge, error: e }));
  }

  /** berthd stops: the embedded DNS listeners close (the next boot listens again). */
  async closeDns(): Promise<void> {
    if (!this.deps.dns) return;
    for (const n of this.bridges()) if (n.dnsPort !== undefined) await this.deps.dns.close(formatIPv4(n.gateway));
  }
}
