/**
 * The network controller (moby libnetwork's Controller): the predefined networks `bridge` (the
 * default bridge), `host` and `none` (driver null), and user-defined bridge networks. It owns
 * the networks' bridges and IPAM, the sandboxes of containers with their endpoints (one per
 * network), the port allocator, the userland proxies, the iptables rules and the embedded DNS,
 * and keeps them consistent across crashes.
 *
 *   <data-root>/network/networks.json      IDs and creation times of the predefined networks
 *   <data-root>/network/networks/*.json    user-defined networks (network-store.ts)
 *   <exec-root>/network/sandboxes/*.json   sandbox-store.ts
 *   <exec-root>/netns/<key>                netns.ts
 *
 * Lifecycle of a sandbox: attach (allocate addresses and ports, record, create namespace +
 * veths, bind proxies, add rules) before the container's task starts; connect/disconnect add
 * and take endpoints while it runs; detach when its process has exited: the proxies close at
 * once, the rules, host ports, namespace, veths, addresses and record go in the background
 * just after (see detach()). restore at boot keeps the sandboxes of containers still running,
 * takes down the others and whatever a crash left unrecorded, and rewrites our iptables chains
 * to match.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { forbidden, invalidParameter, isConflict, KeyedMutex, mkdirp, notFound, readJson, system, writeJsonAtomic, type Ctx, type Exec, type Logger } from '../lib/index.js';
import { Cidr, formatIPv4, macFromIPv4, parseIPv4 } from './ipnet.js';
import { DefaultIpam, type AddressPoolSpec, type IpamDriver } from './ipam.js';
import { IpRoute } from './iproute.js';
import { Iptables } from './iptables.js';
import { NetnsStore } from './netns.js';
import { BridgeDriver, vethName } from './bridge.js';
import { parsePortRange, portMap, wantedBindings, type PublishRequest } from './portmap.js';
import { PortMapper, forwardsOf, type Published } from './port-mapper.js';
import { reconcileScript, type BridgeFirewall, type PortForward } from './rules.js';
import { SandboxStore, type EndpointRecord, type SandboxRecord } from './sandbox-store.js';
import { SandboxKernel, type DnsRedirect, type DnsScript, type EndpointKernelSpec } from './sandbox.js';
import { NetworkStore, type NetworkRecord } from './network-store.js';
import { bridgeSettings, newNetworkRecord, BRIDGE_NAME_OPT, ICC_OPT, MASQ_OPT, BIND_IP_OPT, MTU_OPT, type CreateNetworkRequest } from './network-config.js';

export interface NetworkControllerConfig {
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
}

/** The embedded DNS server (dns.ts) as the controller drives it. */
export interface DnsServer {
  /** Serves UDP and TCP on host:port (0 or absent: any free port); resolves to the port. */
  listen(host: string, port?: number): Promise<number>;
  close(host: string): Promise<void> | void;
}

/** What the DNS server asks the controller (answers are scoped to the client's networks). */
export interface DnsBackend {
  resolve(clientIp: string, name: string): string[] | undefined;
  reverse(clientIp: string, ip: string): string | undefined;
  upstreams(clientIp: string): string[];
}

export interface NetworkControllerDeps {
  exec: Exec;
  log: Logger;
  /** Binaries resolved at startup (STYLE D7); defaults are looked up in PATH. */
  bins?: { ip?: string; iptables?: string; iptablesSave?: string; iptablesRestore?: string; unshare?: string; umount?: string; nsenter?: string; sh?: string };
  /** berthd's pid (the host network namespace). */
  hostPid?: number;
  /** The embedded DNS of user-defined networks, made for this controller (absent: no DNS). */
  dns?: { server: (backend: DnsBackend) => DnsServer; script: DnsScript };
}

/** A network as the API shows it (daemon/ renders Docker's JSON). */
export interface NetworkInfo extends NetworkRecord {
  /** bridge, host and none. */
  predefined: boolean;
}

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
  /** `--link target:alias` on a user-defined network: names only this container resolves. */
  links?: string[];
}

export interface AttachRequest {
  containerId: string;
  /** Without the leading slash: the endpoint's name in Docker's errors and in DNS. */
  containerName: string;
  /** The networks, in the order they are joined (the first names the kind: bridge, host, none). */
  networks: EndpointRequest[];
  publish: PublishRequest;
  /** `--dns`: where the embedded DNS forwards other names (the host's resolvers when empty). */
  dnsServers?: string[];
  /** Chosen by the caller when it needs netnsPath() before attach() resolves (the runtime spec). */
  sandboxId?: string;
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
}

/** What a container gets from its networks (daemon/ turns it into NetworkSettings). */
export interface Attachment {
  kind: 'bridge' | 'host' | 'none';
  sandboxId: string;
  /** The namespace for runc (bridge only; none and host leave it to runc). */
  netnsPath?: string;
  /** Docker's SandboxKey. */
  sandboxKey: string;
  endpoints: EndpointAttachment[];
  /** NetworkSettings.Ports. */
  ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
}

/** A bridge network at runtime. */
interface Net {
  info: NetworkInfo;
  driver: BridgeDriver;
  subnet: Cidr;
  gateway: number;
  /** Docker shows the gateway of the default bridge only when it was given or found. */
  gatewayKnown: boolean;
  range?: Cidr;
  ipam: IpamDriver;
  fw: BridgeFirewall;
  mtu: number;
  bindIp: string;
  /** Port of the embedded DNS on the gateway (user-defined networks). */
  dnsPort?: number;
}

interface Live {
  rec: SandboxRecord;
  published: Published;
}

interface Ids {
  [name: string]: { id: string; created: string };
}

const newId = () => randomBytes(32).toString('hex');
const TEARDOWN_DELAY_MS = 25;
const PREDEFINED = ['bridge', 'host', 'none'];

export class NetworkController {
  private readonly ip: IpRoute;
  private readonly iptables: Iptables;
  private readonly netns: NetnsStore;
  private readonly store: SandboxStore;
  private readonly nets: NetworkStore;
  private readonly kernel: SandboxKernel;
  private readonly hostPid: number;
  private readonly dns: DnsServer | undefined;
  private ports: PortMapper | undefined;
  private ids: Ids = {};
  private ipv6 = false;
  /** Every network by ID, the predefined ones included. */
  private readonly infos = new Map<string, NetworkInfo>();
  /** Bridge networks by ID. */
  private readonly bridges = new Map<string, Net>();
  private readonly live = new Map<string, Live>();
  /** Background teardowns per container: a new attach of the same container waits for its own. */
  private readonly teardowns = new Map<string, Promise<void>>();
  /** Network create/remove and a container's connect/disconnect run one at a time. */
  private readonly mutex = new KeyedMutex();
  private restored = false;
  /** Containers detached before restore() ran: not to be claimed. */
  private readonly goneBeforeRestore = new Set<string>();
  private hostResolvers: { at: number; servers: string[] } | undefined;

  constructor(
    private readonly deps: NetworkControllerDeps,
    readonly cfg: NetworkControllerConfig,
  ) {
    const b = deps.bins ?? {};
    this.ip = new IpRoute(deps.exec, b.ip ?? 'ip');
    this.iptables = new Iptables(deps.exec, { iptables: b.iptables ?? 'iptables', save: b.iptablesSave ?? 'iptables-save', restore: b.iptablesRestore ?? 'iptables-restore' });
    this.netns = new NetnsStore(deps.exec, { dir: join(cfg.execRoot, 'netns'), unshare: b.unshare, umount: b.umount });
    this.store = new SandboxStore(join(cfg.execRoot, 'network', 'sandboxes'));
    this.nets = new NetworkStore(cfg.dataDir);
    this.hostPid = deps.hostPid ?? process.pid;
    this.kernel = new SandboxKernel({ ip: this.ip, netns: this.netns, exec: deps.exec, hostPid: this.hostPid, nsenter: b.nsenter ?? 'nsenter', sh: b.sh ?? 'sh', dnsScript: deps.dns?.script });
    this.dns = deps.dns?.server({
      resolve: (c, n) => this.resolveName(c, n),
      reverse: (c, ip) => this.reverseName(c, ip),
      upstreams: (c) => this.upstreams(c),
    });
  }

  get bridgeName(): string {
    return this.cfg.bridge.name || 'berth0';
  }

  /**
   * Brings up the default bridge (address, sysctls) and the user-defined networks' bridges,
   * and loads the networks. Sandboxes and rules wait for restore(). Throws invalidParameter
   * for bad bridge settings.
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
    this.ipv6 = await v6Listenable();
    const b = this.cfg.bridge;
    const range = await fs.readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => undefined);
    this.ports = new PortMapper({ iptables: this.iptables, log: this.deps.log }, { userlandProxy: b.userlandProxy, iptables: b.iptables, range: parsePortRange(range) });
    for (const name of ['host', 'none']) this.infos.set(this.ids[name]!.id, this.predefinedInfo(name, name === 'host' ? 'host' : 'null', {}, []));
    if (this.cfg.bridge.name !== 'none') await this.initDefaultBridge(ctx);
    for (const rec of await this.nets.list()) {
      await this.bringUp(ctx, { ...rec, predefined: false }).catch((e) => this.deps.log.warn('cannot bring a network up', { network: rec.name, error: e }));
    }
    if (b.ipForward && this.bridges.size) {
      const fwd = await fs.readFile('/proc/sys/net/ipv4/ip_forward', 'utf8').catch(() => '1');
      if (fwd.startsWith('0')) {
        await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');
        // compat: Docker drops forwarded traffic by default when it turned forwarding on itself.
        if (b.iptables) await this.iptables.policy(ctx, 'filter', 'FORWARD', 'DROP');
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
      { ip: this.ip, log: this.deps.log },
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
    this.bridges.set(info.id, {
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

  /** Makes a user-defined network's bridge exist and its embedded DNS listen. */
  private async bringUp(ctx: Ctx, info: NetworkInfo): Promise<Net> {
    const b = this.cfg.bridge;
    const s = bridgeSettings(info, { mtu: b.mtu, bindIp: b.defaultBindIp || '0.0.0.0' });
    const driver = new BridgeDriver(
      { ip: this.ip, log: this.deps.log },
      { name: s.bridge, mtu: s.mtu, bip: `${formatIPv4(s.gateway)}/${s.subnet.prefix}`, fixedCidr: s.range?.toString() ?? '', pools: [], hairpin: !b.userlandProxy },
    );
    await driver.ensure(ctx);
    if (b.iptables) await driver.enableNetfilter().catch((e) => this.deps.log.warn('cannot enable netfilter on the bridge', { error: e }));
    const ipam = new DefaultIpam({ subnet: s.subnet, gateway: s.gateway, range: s.range });
    for (const a of s.aux) if (ipam.pool.subnet.contains(a) && !ipam.isAllocated(a)) ipam.request(a);
    const n: Net = {
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
    };
    if (this.dns) {
      // Port 53 when free, else the port of the last boot (the sandboxes' redirects name it), else any.
      const gw = formatIPv4(s.gateway);
      const file = join(this.cfg.execRoot, 'network', 'dns', info.id);
      const saved = Number(await fs.readFile(file, 'utf8').catch(() => '')) || undefined;
      n.dnsPort = await this.dns.listen(gw, 53).catch(() => (saved ? this.dns!.listen(gw, saved) : Promise.reject(new Error('no saved port')))).catch(() => this.dns!.listen(gw, 0));
      if (n.dnsPort !== saved) {
        await mkdirp(join(this.cfg.execRoot, 'network', 'dns'), 0o700);
        await fs.writeFile(file, String(n.dnsPort));
      }
    }
    this.bridges.set(info.id, n);
    this.infos.set(info.id, info);
    return n;
  }

  /** Every network, predefined first, then the user-defined ones by creation. */
  networks(): NetworkInfo[] {
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
    const b = this.bridges.get(this.ids['bridge']?.id ?? '');
    return b ? formatIPv4(b.gateway) : undefined;
  }

  /** Where the namespace of a bridge sandbox is (Docker's SandboxKey: the ID's first 12 digits). */
  netnsPath(sandboxId: string): string {
    return this.netns.path(sandboxId.slice(0, 12));
  }

  /** Containers with a live endpoint on the network, by container ID. */
  endpointsOn(networkId: string): { containerId: string; containerName: string; ep: EndpointRecord }[] {
    const out = [];
    for (const l of this.live.values()) for (const ep of l.rec.endpoints) if (ep.networkId === networkId) out.push({ containerId: l.rec.containerId, containerName: l.rec.containerName ?? '', ep });
    return out;
  }

  /** POST /networks/create: validates, records, then brings up the bridge and its rules. */
  async create(ctx: Ctx, req: CreateNetworkRequest): Promise<NetworkInfo> {
    return this.mutex.run('networks', async () => {
      const existing = [...this.infos.values()].map((n) => {
        const br = this.bridges.get(n.id);
        return { name: n.name, subnets: br ? [br.subnet] : [], bridge: br?.fw.bridge };
      });
      const routes = await this.anyDriver().inUse(ctx);
      const rec = newNetworkRecord(req, { id: newId(), created: new Date().toISOString(), existing, routes, pools: this.cfg.bridge.pools });
      const info: NetworkInfo = { ...rec, predefined: false };
      await this.nets.put(rec);
      try {
        await this.bringUp(ctx, info);
        await this.reconcileRules(ctx);
      } catch (e) {
        await this.takeDown(ctx, info).catch(() => {});
        await this.nets.remove(rec.id);
        throw e;
      }
      return info;
    });
  }

  private anyDriver(): BridgeDriver {
    return this.bridges.values().next().value?.driver ?? new BridgeDriver({ ip: this.ip, log: this.deps.log }, { name: 'berth-none', mtu: 1500, bip: '', fixedCidr: '', pools: [], hairpin: false });
  }

  /** DELETE /networks/{id}. Throws forbidden for the predefined ones and for networks in use. */
  async remove(ctx: Ctx, ref: string): Promise<NetworkInfo> {
    return this.mutex.run('networks', async () => {
      const info = this.find(ref);
      if (info.predefined) throw forbidden(`${info.name} is a pre-defined network and cannot be removed`);
      if (this.endpointsOn(info.id).length) throw forbidden(`error while removing network: network ${info.name} id ${info.id} has active endpoints`);
      await this.takeDown(ctx, info);
      await this.nets.remove(info.id);
      return info;
    });
  }

  /** Rules first (while the bridge is still known as ours), then the DNS listener and the bridge. */
  private async takeDown(ctx: Ctx, info: NetworkInfo): Promise<void> {
    const n = this.bridges.get(info.id);
    this.bridges.delete(info.id);
    this.infos.delete(info.id);
    if (!n) return;
    await this.reconcileRules(ctx, [n.fw.bridge]);
    if (this.dns && n.dnsPort !== undefined) await this.dns.close(formatIPv4(n.gateway));
    await this.ip.host(ctx, [`link del ${n.fw.bridge}`]).catch((e) => this.deps.log.warn('cannot delete a bridge', { bridge: n.fw.bridge, error: e }));
  }

  /** The endpoint whose gateway is the default route: first by network name, internal ones last (libnetwork). */
  private gatewayEndpoint(eps: readonly EndpointRecord[]): EndpointRecord | undefined {
    const ok = eps.filter((e) => !this.bridges.get(e.networkId)?.info.internal);
    return ok.sort((a, b) => (a.networkName < b.networkName ? -1 : a.networkName > b.networkName ? 1 : 0))[0];
  }

  /** The DNS redirect of a sandbox: to the first user-defined network's embedded DNS. */
  private dnsRedirect(eps: readonly EndpointRecord[]): DnsRedirect | undefined {
    for (const e of eps) {
      const n = this.bridges.get(e.networkId);
      if (n && !n.info.predefined && n.dnsPort !== undefined) return { gateway: formatIPv4(n.gateway), port: n.dnsPort, containerIp: e.ip, ifName: e.ifName ?? 'eth0' };
    }
    return undefined;
  }

  private kernelSpec(ep: EndpointRecord): EndpointKernelSpec {
    const n = this.bridges.get(ep.networkId)!;
    return { ifName: ep.ifName ?? 'eth0', ifHost: ep.ifHost, bridge: n.fw.bridge, ip: parseIPv4(ep.ip), prefixLen: ep.prefixLen, mac: ep.mac, mtu: n.mtu, hairpin: !this.cfg.bridge.userlandProxy };
  }

  /** Allocates an endpoint on a bridge network (its address; `--ip` checked as Docker does). */
  private newEndpoint(n: Net, req: EndpointRequest, ifName: string): EndpointRecord {
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
    return {
      id: newId(),
      networkId: n.info.id,
      networkName: n.info.name,
      ifName,
      ifHost: vethName(),
      ip: formatIPv4(ipNum),
      prefixLen: n.subnet.prefix,
      gateway: formatIPv4(n.gateway),
      mac: req.mac || macFromIPv4(ipNum),
      aliases: req.aliases ?? [],
      ...(req.links?.length ? { links: req.links } : {}),
      ports: [],
      exposed: [],
    };
  }

  private release(eps: readonly EndpointRecord[]): void {
    for (const e of eps) this.bridges.get(e.networkId)?.ipam.release(parseIPv4(e.ip));
  }

  /**
   * Joins a container to its networks before its task starts: for bridge networks a sandbox
   * namespace with one interface per network, addresses, the default route, the DNS redirect
   * and published ports (proxies and rules) on the gateway endpoint. On failure nothing is
   * left. Throws notFound for an unknown network, conflict/forbidden/unavailable from IPAM and
   * the port allocator, system `driver failed programming external connectivity on endpoint ...`
   * when a port cannot be bound.
   */
  async attach(ctx: Ctx, req: AttachRequest): Promise<Attachment> {
    const sandboxId = req.sandboxId ?? newId();
    const infos = req.networks.map((r) => this.find(r.network));
    const first = infos[0];
    if (!first || first.driver === 'host' || first.driver === 'null') {
      const kind = first?.driver === 'host' ? 'host' : 'none';
      return {
        kind,
        sandboxId,
        sandboxKey: kind === 'host' ? join(this.cfg.execRoot, 'netns', 'default') : '',
        endpoints: first ? [{ networkId: first.id, networkName: first.name, endpointId: newId() }] : [],
        ports: {},
      };
    }
    const ports = this.ports!;
    await this.teardowns.get(req.containerId);
    const eps: EndpointRecord[] = [];
    const rec: SandboxRecord = { containerId: req.containerId, containerName: req.containerName, sandboxId, netnsPath: this.netnsPath(sandboxId), endpoints: eps, dnsServers: req.dnsServers ?? [] };
    const live: Live = { rec, published: { proxies: [], rules: [] } };
    let kernel: Promise<unknown> | undefined;
    try {
      infos.forEach((info, i) => {
        const n = this.bridges.get(info.id);
        if (!n) throw invalidParameter(`container cannot be connected to network ${info.name} with others of driver ${info.driver}`);
        if (eps.some((e) => e.networkId === info.id)) return;
        eps.push(this.newEndpoint(n, req.networks[i]!, `eth${eps.length}`));
      });
      const gw = this.gatewayEndpoint(eps);
      const portEp = gw ?? eps[0]!;
      const portNet = this.bridges.get(portEp.networkId)!;
      // compat: IPv6 host bindings reach the container's IPv4 address through the proxy only
      // (containers have no IPv6 address yet); without it there are none (libnetwork 20.10).
      const ipv6 = this.ipv6 && this.cfg.bridge.userlandProxy;
      const { wanted, exposed } = wantedBindings(req.publish, { defaultHostIp: portNet.bindIp, ipv6 });
      portEp.exposed = exposed;
      if (gw) {
        try {
          portEp.ports = ports.allocate(wanted);
        } catch (e) {
          // compat: Docker gives ports back before `stop`/`rm` return; ours may still be on their way
          if (!isConflict(e) || this.teardowns.size === 0) throw wrapPortError(req.containerName, portEp.id, e);
          await this.settled();
          try {
            portEp.ports = ports.allocate(wanted);
          } catch (e2) {
            throw wrapPortError(req.containerName, portEp.id, e2);
          }
        }
      }
      const dns = this.dnsRedirect(eps);
      rec.dnsPort = dns?.port;
      await this.store.put(rec);
      this.live.set(req.containerId, live);
      kernel = this.kernel.create(ctx, sandboxId.slice(0, 12), eps.map((e) => this.kernelSpec(e)), gw && { ip: gw.gateway, ifName: gw.ifName ?? 'eth0' }, dns);
      const mapped = ports.map(ctx, portNet.fw, portEp.ip, portEp.ports).then(
        (p) => void (live.published = p),
        (e) => {
          throw wrapPortError(req.containerName, portEp.id, e);
        },
      );
      // both settle before any cleanup, so that nothing is made after it
      const settled = await Promise.allSettled([kernel, mapped]);
      for (const r of settled) if (r.status === 'rejected') throw r.reason;
    } catch (e) {
      // The request may be gone (its ctx aborted): cleaning up must not be.
      const bg = detached(ctx);
      await kernel?.catch(() => {});
      await ports.unmap(bg, live.published, () => this.reconcileRules(bg)).catch(() => {});
      if (kernel) await this.kernel.remove(bg, rec.netnsPath, eps.map((x) => x.ifHost)).catch((err) => this.deps.log.warn('cleaning up a failed attach', { error: err }));
      await this.store.remove(req.containerId).catch(() => {});
      for (const ep of eps) ports.release(ep.ports);
      this.release(eps);
      this.live.delete(req.containerId);
      throw e;
    }
    return this.attachmentOf(rec);
  }

  private attachmentOf(rec: SandboxRecord): Attachment {
    const withPorts = rec.endpoints.find((e) => e.ports.length || e.exposed.length);
    return {
      kind: 'bridge',
      sandboxId: rec.sandboxId,
      netnsPath: rec.netnsPath,
      sandboxKey: rec.netnsPath,
      endpoints: rec.endpoints.map(endpointAttachment),
      ports: withPorts ? portMap(withPorts.exposed, withPorts.ports) : {},
    };
  }

  /**
   * Connects a running container's sandbox to one more network (`network connect`). Throws
   * notFound when the container has no sandbox of ours (host/none/not running: the caller
   * decides), forbidden `endpoint with name <c> already exists in network <n>` when it is on it.
   */
  async connect(ctx: Ctx, containerId: string, req: EndpointRequest): Promise<EndpointAttachment> {
    return this.mutex.run(`c:${containerId}`, async () => {
      const live = this.live.get(containerId);
      if (!live) throw notFound('container has no sandbox');
      const info = this.find(req.network);
      const n = this.bridges.get(info.id);
      if (!n) throw invalidParameter(`container cannot be connected to network ${info.name} with others of driver ${info.driver}`);
      const rec = live.rec;
      if (rec.endpoints.some((e) => e.networkId === info.id)) throw forbidden(`endpoint with name ${rec.containerName} already exists in network ${info.name}`);
      const used = new Set(rec.endpoints.map((e) => e.ifName ?? 'eth0'));
      let i = 0;
      while (used.has(`eth${i}`)) i++;
      const ep = this.newEndpoint(n, req, `eth${i}`);
      const before = this.gatewayEndpoint(rec.endpoints);
      const dnsBefore = this.dnsRedirect(rec.endpoints);
      const next = [...rec.endpoints, ep];
      const after = this.gatewayEndpoint(next);
      const dnsAfter = this.dnsRedirect(next);
      rec.endpoints = next;
      if (!dnsBefore && dnsAfter) rec.dnsPort = dnsAfter.port;
      try {
        await this.store.put(rec);
        await this.kernel.join(ctx, rec.netnsPath, this.kernelSpec(ep), after && after !== before ? { ip: after.gateway, ifName: after.ifName ?? 'eth0' } : undefined, dnsBefore ? undefined : dnsAfter);
      } catch (e) {
        rec.endpoints = rec.endpoints.filter((x) => x !== ep);
        this.release([ep]);
        await this.store.put(rec).catch(() => {});
        throw e;
      }
      return endpointAttachment(ep);
    });
  }

  /** Takes a running container's endpoint on a network away (`network disconnect`). No-op without one. */
  async disconnect(ctx: Ctx, containerId: string, networkId: string): Promise<boolean> {
    return this.mutex.run(`c:${containerId}`, async () => {
      const live = this.live.get(containerId);
      const ep = live?.rec.endpoints.find((e) => e.networkId === networkId);
      if (!live || !ep) return false;
      const rec = live.rec;
      const before = this.gatewayEndpoint(rec.endpoints);
      const dnsBefore = this.dnsRedirect(rec.endpoints);
      rec.endpoints = rec.endpoints.filter((e) => e !== ep);
      const after = this.gatewayEndpoint(rec.endpoints);
      const dnsAfter = this.dnsRedirect(rec.endpoints);
      if (ep.ports.length) {
        await this.ports!.unmap(ctx, live.published, () => this.reconcileRules(ctx));
        this.ports!.release(ep.ports);
      }
      const dnsChanged = dnsAfter && (!dnsBefore || dnsBefore.gateway !== dnsAfter.gateway);
      if (dnsChanged) rec.dnsPort = dnsAfter.port;
      await this.kernel.leave(ctx, rec.netnsPath, ep.ifHost, after && after !== before ? { ip: after.gateway, ifName: after.ifName ?? 'eth0' } : undefined, dnsChanged ? dnsAfter : undefined);
      this.release([ep]);
      await this.store.put(rec);
      return true;
    });
  }

  /**
   * Leaves the networks after the container's process exited. When this resolves, its
   * published ports no longer answer (the proxies are closed); the rest follows in the
   * background, 25 ms later so that no process start (a fork blocks the event loop) holds up
   * the exit being reported: the rules go, then the host ports are free again, then the
   * namespace and veths go and the addresses are free again, then the record. settled() waits
   * for all of it; attach() waits for it when it wants a port still being given back. A
   * container without a sandbox is a no-op.
   */
  async detach(ctx: Ctx, containerId: string): Promise<void> {
    const live = this.live.get(containerId);
    if (!live) {
      if (!this.restored) this.goneBeforeRestore.add(containerId);
      return;
    }
    this.live.delete(containerId);
    const bg = detached(ctx);
    const ports = this.ports!;
    await ports.closeProxies(live.published);
    const done = new Promise((r) => setTimeout(r, TEARDOWN_DELAY_MS))
      .then(() => ports.unmap(bg, live.published, () => this.reconcileRules(bg)))
      .then(async () => {
        for (const ep of live.rec.endpoints) ports.release(ep.ports);
        await this.kernel.remove(bg, live.rec.netnsPath, live.rec.endpoints.map((e) => e.ifHost));
        this.release(live.rec.endpoints);
        await this.store.remove(containerId);
      })
      .catch((e) => this.deps.log.warn('tearing down a sandbox failed', { container: containerId.slice(0, 12), error: e }))
      .finally(() => {
        if (this.teardowns.get(containerId) === done) this.teardowns.delete(containerId);
      });
    this.teardowns.set(containerId, done);
  }

  /** Resolves when the background teardowns started so far are done. */
  async settled(): Promise<void> {
    while (this.teardowns.size) await Promise.all([...this.teardowns.values()]);
  }

  /**
   * Boot: keeps the sandboxes of `running` containers (addresses and ports reserved again,
   * proxies listening again), takes down every other recorded sandbox, unrecorded namespaces
   * and veths on our bridges, then makes our iptables chains match. Returns the attachments of
   * the kept ones.
   */
  async restore(ctx: Ctx, running: ReadonlySet<string>): Promise<Map<string, Attachment>> {
    const kept = new Map<string, Attachment>();
    for (const rec of await this.store.list()) {
      const keep = running.has(rec.containerId) && !this.goneBeforeRestore.has(rec.containerId);
      if (!keep) {
        // its addresses were never reserved in this boot: nothing to give back
        await this.kernel
          .remove(ctx, rec.netnsPath, rec.endpoints.map((e) => e.ifHost))
          .then(() => this.store.remove(rec.containerId))
          .catch((e) => this.deps.log.warn('removing a stale sandbox failed', { container: rec.containerId.slice(0, 12), error: e }));
        continue;
      }
      rec.endpoints = rec.endpoints.filter((ep) => {
        const n = this.bridges.get(ep.networkId);
        if (!n || !n.subnet.contains(parseIPv4(ep.ip))) return false;
        try {
          n.ipam.request(parseIPv4(ep.ip));
        } catch (e) {
          this.deps.log.warn('address of a restored endpoint is taken', { container: rec.containerId.slice(0, 12), ip: ep.ip, error: e });
        }
        return true;
      });
      const live: Live = { rec, published: { proxies: [], rules: [] } };
      const ports = this.ports!;
      for (const ep of rec.endpoints) {
        if (!ep.ports.length) continue;
        ports.reserve(ep.ports);
        live.published = { proxies: await ports.relisten(ep.ip, ep.ports, rec.containerId.slice(0, 12)), rules: ports.rulesOf(this.bridges.get(ep.networkId)!.fw, ep.ip, ep.ports) };
      }
      this.live.set(rec.containerId, live);
      kept.set(rec.containerId, this.attachmentOf(rec));
      const dns = this.dnsRedirect(rec.endpoints);
      if (dns && rec.dnsPort !== dns.port) {
        // the server could not have its port back: point the redirect at the new one
        await this.kernel.redirectDns(ctx, rec.netnsPath, dns).then(
          () => this.store.put({ ...rec, dnsPort: dns.port }),
          (e) => this.deps.log.warn('cannot point a sandbox at the embedded DNS', { container: rec.containerId.slice(0, 12), error: e }),
        );
      }
    }
    const paths = new Set([...this.live.values()].map((l) => l.rec.netnsPath));
    for (const p of await this.netns.list()) {
      if (!paths.has(p)) await this.netns.remove(ctx, p).catch((e) => this.deps.log.warn('removing a stale namespace failed', { path: p, error: e }));
    }
    const veths = new Set([...this.live.values()].flatMap((l) => l.rec.endpoints.map((e) => e.ifHost)));
    for (const n of this.bridges.values()) {
      const stale = (await n.driver.ports(ctx)).filter((x) => !veths.has(x));
      if (stale.length) await this.ip.host(ctx, stale.map((x) => `link del ${x}`)).catch((e) => this.deps.log.warn('removing stale veths failed', { error: e }));
    }
    await this.reconcileRules(ctx);
    this.restored = true;
    this.goneBeforeRestore.clear();
    return kept;
  }

  /** Rewrites our chains and our rules in the built-in chains for the networks and live sandboxes. */
  async reconcileRules(ctx: Ctx, retired: readonly string[] = []): Promise<void> {
    if (!this.cfg.bridge.iptables) return;
    const fws = [...this.bridges.values()].map((n) => n.fw);
    if (fws.length === 0 && retired.length === 0) return;
    const bridgeOf = (id: string) => this.bridges.get(id)?.fw.bridge;
    const forwards: PortForward[] = [...this.live.values()].flatMap((l) => l.rec.endpoints.flatMap((ep) => forwardsOf(ep.ip, ep.ports, bridgeOf(ep.networkId))));
    const all = fws.length ? fws : [{ prefix: this.cfg.chainPrefix, bridge: retired[0]!, subnet: '', icc: true, ipMasq: false, userlandProxy: this.cfg.bridge.userlandProxy }];
    const script = reconcileScript(all, forwards, await this.iptables.save(ctx), retired);
    if (script) {
      this.deps.log.debug('reconciling iptables', { script });
      await this.iptables.restore(ctx, script);
    }
  }

  /** berthd stops (containers keep running): close the proxies and DNS, wait for teardowns. */
  async shutdown(): Promise<void> {
    await this.settled();
    await Promise.all([...this.live.values()].map((l) => this.ports?.closeProxies(l.published)));
    if (this.dns) for (const n of this.bridges.values()) if (n.dnsPort !== undefined) await this.dns.close(formatIPv4(n.gateway));
    this.ip.close();
  }

  // --- embedded DNS answers ---

  /** The live endpoints of the client (by its address) on user-defined networks. */
  private clientNetworks(clientIp: string): Set<string> | undefined {
    for (const l of this.live.values()) {
      if (l.rec.endpoints.some((e) => e.ip === clientIp)) return new Set(l.rec.endpoints.filter((e) => !this.bridges.get(e.networkId)?.info.predefined).map((e) => e.networkId));
    }
    return undefined;
  }

  private resolveName(clientIp: string, raw: string): string[] | undefined {
    const nets = this.clientNetworks(clientIp);
    if (!nets?.size) return undefined;
    const name = raw.toLowerCase().replace(/\.$/, '');
    // the client's own links first: `--link c1:db` makes db name c1 on the same network
    const client = [...this.live.values()].find((l) => l.rec.endpoints.some((e) => e.ip === clientIp));
    for (const ep of client?.rec.endpoints ?? []) {
      for (const link of ep.links ?? []) {
        const i = link.indexOf(':');
        const target = (i < 0 ? link : link.slice(0, i)).replace(/^\//, '').toLowerCase();
        const rest = i < 0 ? target : link.slice(i + 1);
        const alias = rest.slice(rest.lastIndexOf('/') + 1).toLowerCase();
        if (name !== alias) continue;
        const ips = this.namesOn(new Set([ep.networkId]), target);
        if (ips.length) return ips;
      }
    }
    const out = this.namesOn(nets, name);
    return out.length ? out : undefined;
  }

  /** Addresses of the live endpoints on `nets` that answer to `name` (container name, alias, name.network). */
  private namesOn(nets: ReadonlySet<string>, name: string): string[] {
    const out: string[] = [];
    for (const l of this.live.values()) {
      for (const ep of l.rec.endpoints) {
        if (!nets.has(ep.networkId)) continue;
        const names = [l.rec.containerName ?? '', ...(ep.aliases ?? [])].filter(Boolean).map((x) => x.toLowerCase());
        const net = ep.networkName.toLowerCase();
        if (names.some((x) => x === name || `${x}.${net}` === name)) out.push(ep.ip);
      }
    }
    return out;
  }

  private reverseName(clientIp: string, ip: string): string | undefined {
    const nets = this.clientNetworks(clientIp);
    if (!nets?.size) return undefined;
    for (const l of this.live.values()) {
      const ep = l.rec.endpoints.find((e) => e.ip === ip && nets.has(e.networkId));
      if (ep && l.rec.containerName) return `${l.rec.containerName}.${ep.networkName}`;
    }
    return undefined;
  }

  private upstreams(clientIp: string): string[] {
    // compat: nothing is forwarded for a client that is not ours (no open resolver on the
    // gateways) or that is on internal networks only (Docker's resolver has no way out there)
    const client = [...this.live.values()].find((l) => l.rec.endpoints.some((e) => e.ip === clientIp));
    if (!client || client.rec.endpoints.every((e) => this.bridges.get(e.networkId)?.info.internal)) return [];
    if (client.rec.dnsServers?.length) return client.rec.dnsServers;
    const now = Date.now();
    if (!this.hostResolvers || now - this.hostResolvers.at > 5000) {
      let text = '';
      try {
        text = readFileSync('/etc/resolv.conf', 'utf8');
      } catch {
        /* no resolvers: SERVFAIL for other names */
      }
      const servers = [...text.matchAll(/^\s*nameserver\s+(\S+)\s*$/gm)].map((m) => m[1]!);
      this.hostResolvers = { at: now, servers };
    }
    return this.hostResolvers.servers;
  }
}

function endpointAttachment(ep: EndpointRecord): EndpointAttachment {
  return { networkId: ep.networkId, networkName: ep.networkName, endpointId: ep.id, ip: ep.ip, prefixLen: ep.prefixLen, gateway: ep.gateway, mac: ep.mac };
}

/** The same context without its cancellation: for work that must finish once begun. */
function detached(ctx: Ctx): Ctx {
  return { ...ctx, signal: new AbortController().signal };
}

function wrapPortError(containerName: string, endpointId: string, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  return system(`driver failed programming external connectivity on endpoint ${containerName} (${endpointId}): ${msg}`, e);
}

/** moby IsV6Listenable: whether [::1]:0 can be listened on (false with ipv6.disable=1). */
function v6Listenable(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '::1', port: 0, ipv6Only: true }, () => s.close(() => resolve(true)));
  });
}
