/**
 * The network controller (moby libnetwork's Controller, for the predefined networks of one
 * host): `bridge` (the default bridge, driver bridge), `host` and `none` (driver null). It owns
 * the sandboxes of containers and their endpoints, the bridge's IPAM, the port allocator, the
 * userland proxies and the iptables rules, and keeps them consistent across crashes.
 *
 *   <data-root>/network/networks.json      IDs and creation times of the predefined networks
 *   <exec-root>/network/sandboxes/*.json   sandbox-store.ts
 *   <exec-root>/netns/<key>                netns.ts
 *
 * Lifecycle of a bridge sandbox: attach (allocate address and ports, record, create namespace +
 * veth, bind proxies, add rules) before the container's task starts; detach when its process
 * has exited: the proxies close at once, the rules, host ports, namespace, veth, address and
 * record go in the background just after (see detach()). restore at boot keeps the
 * sandboxes of containers still running, takes down the others and whatever a crash left
 * unrecorded, and rewrites our iptables chains to match.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { isConflict, mkdirp, notFound, readJson, system, writeJsonAtomic, type Ctx, type Exec, type Logger } from '../lib/index.js';
import { formatIPv4, macFromIPv4, parseIPv4 } from './ipnet.js';
import { DefaultIpam, type AddressPoolSpec, type IpamDriver } from './ipam.js';
import { IpRoute } from './iproute.js';
import { Iptables } from './iptables.js';
import { NetnsStore } from './netns.js';
import { BridgeDriver, vethName, type BridgeState } from './bridge.js';
import { parsePortRange, portMap, wantedBindings, type PublishRequest } from './portmap.js';
import { PortMapper, forwardsOf, type Published } from './port-mapper.js';
import { reconcileScript, type BridgeFirewall, type PortForward } from './rules.js';
import { SandboxStore, type EndpointRecord, type SandboxRecord } from './sandbox-store.js';

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

export interface NetworkControllerDeps {
  exec: Exec;
  log: Logger;
  /** Binaries resolved at startup (STYLE D7); defaults are looked up in PATH. */
  bins?: { ip?: string; iptables?: string; iptablesSave?: string; iptablesRestore?: string; unshare?: string; umount?: string };
  /** berthd's pid (the host network namespace). */
  hostPid?: number;
}

export type NetworkMode = 'bridge' | 'host' | 'none';

/** A predefined network as the API shows it (daemon/ renders Docker's JSON). */
export interface NetworkInfo {
  name: NetworkMode;
  id: string;
  created: string;
  driver: 'bridge' | 'host' | 'null';
  ipam: { subnet: string; gateway?: string; ipRange?: string }[];
  options: Record<string, string>;
}

export interface AttachRequest {
  containerId: string;
  /** Without the leading slash: the endpoint's name in Docker's errors. */
  containerName: string;
  mode: NetworkMode;
  publish: PublishRequest;
  /** Chosen by the caller when it needs netnsPath() before attach() resolves (the runtime spec). */
  sandboxId?: string;
}

/** What a container gets from its network (daemon/ turns it into NetworkSettings). */
export interface Attachment {
  mode: NetworkMode;
  networkId: string;
  sandboxId: string;
  /** The namespace for runc (bridge only; none and host leave it to runc). */
  netnsPath?: string;
  /** Docker's SandboxKey. */
  sandboxKey: string;
  endpointId: string;
  ip?: string;
  prefixLen?: number;
  gateway?: string;
  mac?: string;
  /** NetworkSettings.Ports. */
  ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
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

export class NetworkController {
  private readonly ip: IpRoute;
  private readonly iptables: Iptables;
  private readonly netns: NetnsStore;
  private readonly store: SandboxStore;
  private readonly hostPid: number;
  private bridge: BridgeDriver | undefined;
  private state: BridgeState | undefined;
  private ipam: IpamDriver | undefined;
  private ports: PortMapper | undefined;
  private ids: Ids = {};
  private ipv6 = false;
  private readonly live = new Map<string, Live>();
  /** Background teardowns per container: a new attach of the same container waits for its own. */
  private readonly teardowns = new Map<string, Promise<void>>();
  private restored = false;
  /** Containers detached before restore() ran: not to be claimed. */
  private readonly goneBeforeRestore = new Set<string>();

  constructor(
    private readonly deps: NetworkControllerDeps,
    readonly cfg: NetworkControllerConfig,
  ) {
    const b = deps.bins ?? {};
    this.ip = new IpRoute(deps.exec, b.ip ?? 'ip');
    this.iptables = new Iptables(deps.exec, { iptables: b.iptables ?? 'iptables', save: b.iptablesSave ?? 'iptables-save', restore: b.iptablesRestore ?? 'iptables-restore' });
    this.netns = new NetnsStore(deps.exec, { dir: join(cfg.execRoot, 'netns'), unshare: b.unshare, umount: b.umount });
    this.store = new SandboxStore(join(cfg.execRoot, 'network', 'sandboxes'));
    this.hostPid = deps.hostPid ?? process.pid;
  }

  get bridgeName(): string {
    return this.cfg.bridge.name || 'berth0';
  }

  private get bridgeEnabled(): boolean {
    return this.cfg.bridge.name !== 'none';
  }

  private firewall(): BridgeFirewall {
    const b = this.cfg.bridge;
    return { prefix: this.cfg.chainPrefix, bridge: this.bridgeName, subnet: this.state!.subnet.toString(), icc: b.icc, ipMasq: b.ipMasq, userlandProxy: b.userlandProxy };
  }

  /**
   * Brings up the default bridge (address, sysctls) and loads the networks' IDs. Sandboxes and
   * rules wait for restore(). Throws invalidParameter for bad bridge settings.
   */
  async init(ctx: Ctx): Promise<void> {
    await mkdirp(this.cfg.dataDir, 0o700);
    const idsPath = join(this.cfg.dataDir, 'networks.json');
    this.ids = (await readJson<Ids>(idsPath)) ?? {};
    let dirty = false;
    for (const n of ['bridge', 'host', 'none']) {
      if (!this.ids[n]) {
        this.ids[n] = { id: newId(), created: new Date().toISOString() };
        dirty = true;
      }
    }
    if (dirty) await writeJsonAtomic(idsPath, this.ids);
    this.ipv6 = await v6Listenable();
    if (!this.bridgeEnabled) return;
    const b = this.cfg.bridge;
    const range = await fs.readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => undefined);
    this.ports = new PortMapper({ iptables: this.iptables, log: this.deps.log }, { userlandProxy: b.userlandProxy, iptables: b.iptables, range: parsePortRange(range) });
    this.bridge = new BridgeDriver(
      { ip: this.ip, netns: this.netns, log: this.deps.log, hostPid: this.hostPid },
      { name: this.bridgeName, mtu: b.mtu, bip: b.bip, fixedCidr: b.fixedCidr, pools: b.pools, hairpin: !b.userlandProxy },
    );
    this.state = await this.bridge.ensure(ctx);
    this.ipam = new DefaultIpam({ subnet: this.state.subnet, gateway: this.state.gateway, range: this.state.range });
    if (b.ipForward) {
      const fwd = await fs.readFile('/proc/sys/net/ipv4/ip_forward', 'utf8').catch(() => '1');
      if (fwd.startsWith('0')) {
        await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');
        // compat: Docker drops forwarded traffic by default when it turned forwarding on itself.
        if (b.iptables) await this.iptables.policy(ctx, 'filter', 'FORWARD', 'DROP');
      }
    }
    if (b.iptables) await this.bridge.enableNetfilter().catch((e) => this.deps.log.warn('cannot enable netfilter on the bridge', { error: e }));
    this.deps.log.info('default bridge ready', { bridge: this.bridgeName, subnet: this.state.subnet.toString(), gateway: formatIPv4(this.state.gateway) });
  }

  /** The predefined networks. */
  networks(): NetworkInfo[] {
    const out: NetworkInfo[] = [];
    if (this.state) {
      const b = this.cfg.bridge;
      const cfg: NetworkInfo['ipam'][number] = { subnet: this.state.subnet.toString() };
      if (this.state.range) cfg.ipRange = this.state.range.toString();
      if (this.state.gatewayKnown) cfg.gateway = formatIPv4(this.state.gateway);
      out.push({
        name: 'bridge',
        ...this.meta('bridge'),
        driver: 'bridge',
        ipam: [cfg],
        options: {
          'com.docker.network.bridge.default_bridge': 'true',
          'com.docker.network.bridge.enable_icc': String(b.icc),
          'com.docker.network.bridge.enable_ip_masquerade': String(b.ipMasq),
          'com.docker.network.bridge.host_binding_ipv4': b.defaultBindIp || '0.0.0.0',
          'com.docker.network.bridge.name': this.bridgeName,
          'com.docker.network.driver.mtu': String(b.mtu),
        },
      });
    }
    out.push({ name: 'host', ...this.meta('host'), driver: 'host', ipam: [], options: {} });
    out.push({ name: 'none', ...this.meta('none'), driver: 'null', ipam: [], options: {} });
    return out;
  }

  private meta(name: string): { id: string; created: string } {
    return this.ids[name] ?? { id: '', created: '' };
  }

  /** Where the namespace of a bridge sandbox is (Docker's SandboxKey: the ID's first 12 digits). */
  netnsPath(sandboxId: string): string {
    return this.netns.path(sandboxId.slice(0, 12));
  }

  /** Whether `name` is a network containers can join (bridge only when the bridge is on). */
  has(name: string): boolean {
    return name === 'host' || name === 'none' || (name === 'bridge' && !!this.state);
  }

  /**
   * Joins a container to its network before its task starts. For `bridge`: a sandbox namespace
   * with eth0, an address, published ports (proxies and rules). On failure nothing is left.
   * Throws notFound for the bridge when it is disabled, conflict/unavailable from IPAM and the
   * port allocator, system `driver failed programming external connectivity on endpoint ...`
   * when a port cannot be bound.
   */
  async attach(ctx: Ctx, req: AttachRequest): Promise<Attachment> {
    const sandboxId = req.sandboxId ?? newId();
    const endpointId = newId();
    if (req.mode !== 'bridge') {
      return {
        mode: req.mode,
        networkId: this.meta(req.mode).id,
        sandboxId,
        endpointId,
        sandboxKey: req.mode === 'host' ? join(this.cfg.execRoot, 'netns', 'default') : '',
        ports: {},
      };
    }
    if (!this.state || !this.bridge || !this.ipam || !this.ports) throw notFound('network bridge not found');
    const ports = this.ports;
    await this.teardowns.get(req.containerId);
    const state = this.state;
    const ipNum = this.ipam.request();
    const ep: EndpointRecord = {
      id: endpointId,
      networkId: this.meta('bridge').id,
      networkName: 'bridge',
      ifHost: vethName(),
      ip: formatIPv4(ipNum),
      prefixLen: state.subnet.prefix,
      gateway: formatIPv4(state.gateway),
      mac: macFromIPv4(ipNum),
      ports: [],
      exposed: [],
    };
    const key = sandboxId.slice(0, 12);
    const rec: SandboxRecord = { containerId: req.containerId, sandboxId, netnsPath: this.netnsPath(sandboxId), endpoints: [ep] };
    const live: Live = { rec, published: { proxies: [], rules: [] } };
    let kernel: Promise<unknown> | undefined;
    try {
      // compat: IPv6 host bindings reach the container's IPv4 address through the proxy only
      // (containers have no IPv6 address yet); without it there are none (libnetwork 20.10).
      const ipv6 = this.ipv6 && this.cfg.bridge.userlandProxy;
      const { wanted, exposed } = wantedBindings(req.publish, { defaultHostIp: this.cfg.bridge.defaultBindIp || '0.0.0.0', ipv6 });
      ep.exposed = exposed;
      try {
        ep.ports = ports.allocate(wanted);
      } catch (e) {
        // compat: Docker gives ports back before `stop`/`rm` return; ours may still be on their way
        if (!isConflict(e) || this.teardowns.size === 0) throw wrapPortError(req.containerName, endpointId, e);
        await this.settled();
        try {
          ep.ports = ports.allocate(wanted);
        } catch (e2) {
          throw wrapPortError(req.containerName, endpointId, e2);
        }
      }
      await this.store.put(rec);
      this.live.set(req.containerId, live);
      kernel = this.bridge.createEndpoint(ctx, {
        netnsKey: key,
        ifHost: ep.ifHost,
        ip: ipNum,
        prefixLen: ep.prefixLen,
        gateway: state.gateway,
        mac: ep.mac,
        mtu: this.cfg.bridge.mtu,
      });
      const mapped = ports.map(ctx, this.firewall(), ep.ip, ep.ports).then(
        (p) => void (live.published = p),
        (e) => {
          throw wrapPortError(req.containerName, endpointId, e);
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
      await this.teardownKernel(bg, rec).catch((err) => this.deps.log.warn('cleaning up a failed attach', { error: err }));
      ports.release(ep.ports);
      this.live.delete(req.containerId);
      throw e;
    }
    return this.attachmentOf(rec);
  }

  private attachmentOf(rec: SandboxRecord): Attachment {
    const ep = rec.endpoints[0]!;
    return {
      mode: 'bridge',
      networkId: ep.networkId,
      sandboxId: rec.sandboxId,
      netnsPath: rec.netnsPath,
      sandboxKey: rec.netnsPath,
      endpointId: ep.id,
      ip: ep.ip,
      prefixLen: ep.prefixLen,
      gateway: ep.gateway,
      mac: ep.mac,
      ports: portMap(ep.exposed, ep.ports),
    };
  }

  /** Deletes a sandbox's veth and namespace, then gives its address back (when `release`) and drops its record. */
  private async teardownKernel(ctx: Ctx, rec: SandboxRecord, release = true): Promise<void> {
    const ep = rec.endpoints[0];
    if (this.bridge && ep) await this.bridge.deleteEndpoint(ctx, { ifHost: ep.ifHost, netnsPath: rec.netnsPath });
    else await this.netns.remove(ctx, rec.netnsPath);
    if (release) for (const e of rec.endpoints) if (this.ipam && e.ip) this.ipam.release(parseIPv4(e.ip));
    await this.store.remove(rec.containerId);
  }

  /**
   * Leaves the network after the container's process exited. When this resolves, its published
   * ports no longer answer (the proxies are closed); the rest follows in the background, 25 ms
   * later so that no process start (a fork blocks the event loop) holds up the exit being
   * reported: the rules go, then the host ports are free again, then the namespace and veth go
   * and the address is free again, then the record. settled() waits for all of it; attach()
   * waits for it when it wants a port still being given back. A container without a sandbox is
   * a no-op.
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
      .then(() => {
        for (const ep of live.rec.endpoints) ports.release(ep.ports);
        return this.teardownKernel(bg, live.rec);
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
   * and veths on our bridge, then makes our iptables chains match. Returns the attachments of
   * the kept ones.
   */
  async restore(ctx: Ctx, running: ReadonlySet<string>): Promise<Map<string, Attachment>> {
    const kept = new Map<string, Attachment>();
    const recs = await this.store.list();
    for (const rec of recs) {
      const ep = rec.endpoints[0];
      const keep = running.has(rec.containerId) && !this.goneBeforeRestore.has(rec.containerId) && ep && this.state && this.state.subnet.contains(parseIPv4(ep.ip));
      if (!keep) {
        // its address was never reserved in this boot: nothing to give back
        await this.teardownKernel(ctx, rec, false).catch((e) => this.deps.log.warn('removing a stale sandbox failed', { container: rec.containerId.slice(0, 12), error: e }));
        continue;
      }
      try {
        this.ipam!.request(parseIPv4(ep.ip));
      } catch (e) {
        this.deps.log.warn('address of a restored endpoint is taken', { container: rec.containerId.slice(0, 12), ip: ep.ip, error: e });
      }
      const ports = this.ports!;
      ports.reserve(ep.ports);
      const proxies = await ports.relisten(ep.ip, ep.ports, rec.containerId.slice(0, 12));
      this.live.set(rec.containerId, { rec, published: { proxies, rules: ports.rulesOf(this.firewall(), ep.ip, ep.ports) } });
      kept.set(rec.containerId, this.attachmentOf(rec));
    }
    const paths = new Set([...this.live.values()].map((l) => l.rec.netnsPath));
    for (const p of await this.netns.list()) {
      if (!paths.has(p)) await this.netns.remove(ctx, p).catch((e) => this.deps.log.warn('removing a stale namespace failed', { path: p, error: e }));
    }
    if (this.bridge) {
      const veths = new Set([...this.live.values()].flatMap((l) => l.rec.endpoints.map((e) => e.ifHost)));
      const stale = (await this.bridge.ports(ctx)).filter((n) => !veths.has(n));
      if (stale.length) await this.ip.host(ctx, stale.map((n) => `link del ${n}`)).catch((e) => this.deps.log.warn('removing stale veths failed', { error: e }));
    }
    await this.reconcileRules(ctx);
    this.restored = true;
    this.goneBeforeRestore.clear();
    return kept;
  }

  /** Rewrites our chains and our rules in the built-in chains for the live sandboxes. */
  async reconcileRules(ctx: Ctx): Promise<void> {
    if (!this.state || !this.cfg.bridge.iptables) return;
    const forwards: PortForward[] = [...this.live.values()].flatMap((l) => l.rec.endpoints.flatMap((ep) => forwardsOf(ep.ip, ep.ports)));
    const script = reconcileScript(this.firewall(), forwards, await this.iptables.save(ctx));
    if (script) {
      this.deps.log.debug('reconciling iptables', { script });
      await this.iptables.restore(ctx, script);
    }
  }

  /** berthd stops (containers keep running): close the proxies, wait for teardowns. */
  async shutdown(): Promise<void> {
    await this.settled();
    await Promise.all([...this.live.values()].map((l) => this.ports?.closeProxies(l.published)));
    this.ip.close();
  }
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

