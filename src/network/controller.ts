/**
 * The network controller (moby libnetwork's Controller): the networks (networks.ts: the
 * predefined bridge, host and none, user-defined bridge networks with their embedded DNS, and
 * macvlan networks), the sandboxes of containers with their endpoints (one per network), the
 * port allocator, the userland proxies and the iptables rules, kept consistent across crashes.
 *
 *   <exec-root>/network/sandboxes/*.json   sandbox-store.ts
 *   <exec-root>/netns/<key>                netns.ts
 *
 * Lifecycle of a sandbox: attach (allocate addresses and ports, record, create namespace +
 * veths and macvlan children, bind proxies, add rules; a DNS link, filtered on the host
 * (firewall.ts), when only macvlan networks would leave it without the embedded DNS:
 * dns-link.ts) before the container's task starts; connect/disconnect add and take endpoints
 * while it runs (a DNS link too when the last user-defined bridge of a sandbox with the
 * resolver goes); detach when its process has exited: the proxies close at
 * once, the rules, host ports, namespace, veths, addresses and record go in the background
 * just after (see detach()). restore at boot keeps the sandboxes of containers still running,
 * takes down the others and whatever a crash left unrecorded, and rewrites our iptables chains
 * to match.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { forbidden, invalidParameter, isConflict, KeyedMutex, notFound, system, withoutCancel, type Ctx, type Exec, type Logger } from '../lib/index.js';
import { parseIPv4 } from './ipnet.js';
import { IpRoute } from './iproute.js';
import { Iptables } from './iptables.js';
import { NetnsStore } from './netns.js';
import { parsePortRange, wantedBindings } from './portmap.js';
import { PortMapper, v6Listenable, wrapPortError, type Published } from './port-mapper.js';
import { firewallState, HostFirewall } from './firewall.js';
import { SandboxStore, type EndpointRecord, type SandboxRecord } from './sandbox-store.js';
import { hostEnds, hostLinks, SandboxKernel, type DnsScript } from './sandbox.js';
import { endpointAttachment, gatewayEndpoint, kernelSpec, newEndpoint, releaseEndpoints, routeOf, type EndpointAttachment, type EndpointRequest } from './endpoint.js';
import { DnsLinks, type DnsLinkRecord } from './dns-link.js';
import { SandboxDns } from './sandbox-dns.js';
import { macvlanPortError } from './macvlan.js';
import { attachmentOf, type AttachRequest, type Attachment } from './attachment.js';
import { parseIPv6 } from './ipnet6.js';
import { Networks, newId, type DnsBackend, type DnsServer, type Net, type NetworkInfo, type NetworksConfig } from './networks.js';
import { DnsNames } from './dns-names.js';
import type { CreateNetworkRequest } from './network-config.js';

/** The controller's settings are the networks'. */
export type NetworkControllerConfig = NetworksConfig;

export interface NetworkControllerDeps {
  exec: Exec;
  log: Logger;
  /** Binaries resolved at startup (STYLE D7); defaults are looked up in PATH. */
  bins?: { ip?: string; iptables?: string; iptablesSave?: string; iptablesRestore?: string; unshare?: string; umount?: string; nsenter?: string; sh?: string; mount?: string };
  /** berthd's pid (the host network namespace). */
  hostPid?: number;
  /** The embedded DNS of user-defined networks, made for this controller (absent: no DNS). */
  dns?: { server: (backend: DnsBackend) => DnsServer; script: DnsScript };
}

interface Live {
  rec: SandboxRecord;
  published: Published;
}

const TEARDOWN_DELAY_MS = 25;

export class NetworkController {
  private readonly ip: IpRoute;
  private readonly iptables: Iptables;
  private readonly firewall: HostFirewall;
  private readonly netns: NetnsStore;
  private readonly store: SandboxStore;
  private readonly kernel: SandboxKernel;
  private readonly nets: Networks;
  private readonly names: DnsNames;
  /** Where sandboxes' DNS goes: a bridge's gateway, or their DNS links. */
  private readonly dns: SandboxDns;
  private readonly hostPid: number;
  private ports: PortMapper | undefined;
  private ipv6 = false;
  private readonly live = new Map<string, Live>();
  /** Background teardowns per container: a new attach of the same container waits for its own. */
  private readonly teardowns = new Map<string, Promise<void>>();
  /** A container's connect/disconnect run one at a time. */
  private readonly mutex = new KeyedMutex();
  private restored = false;
  /** Containers detached before restore() ran: not to be claimed. */
  private readonly goneBeforeRestore = new Set<string>();

  constructor(
    private readonly deps: NetworkControllerDeps,
    readonly cfg: NetworksConfig,
  ) {
    const b = deps.bins ?? {};
    this.ip = new IpRoute(deps.exec, b.ip ?? 'ip');
    this.iptables = new Iptables(deps.exec, { iptables: b.iptables ?? 'iptables', save: b.iptablesSave ?? 'iptables-save', restore: b.iptablesRestore ?? 'iptables-restore' });
    this.netns = new NetnsStore(deps.exec, { dir: join(cfg.execRoot, 'netns'), unshare: b.unshare, umount: b.umount });
    this.store = new SandboxStore(join(cfg.execRoot, 'network', 'sandboxes'));
    this.hostPid = deps.hostPid ?? process.pid;
    this.kernel = new SandboxKernel({ ip: this.ip, netns: this.netns, exec: deps.exec, hostPid: this.hostPid, nsenter: b.nsenter ?? 'nsenter', sh: b.sh ?? 'sh', mount: b.mount ?? 'mount', dnsScript: deps.dns?.script });
    this.names = new DnsNames(
      () => [...this.live.values()].map((l) => l.rec),
      (id) => this.nets.byId.get(id)?.info,
    );
    const server = deps.dns?.server(this.names);
    this.nets = new Networks({ ip: this.ip, iptables: this.iptables, log: deps.log, dns: server, reconcile: (c, r) => this.reconcileRules(c, r) }, cfg);
    const links = server && new DnsLinks({ server }, cfg.dnsLinkPool);
    this.dns = new SandboxDns({ nets: this.nets.byId, links, kernel: this.kernel, store: this.store, log: deps.log });
    const state = () => firewallState(this.nets, [...this.live.values()].map((l) => l.rec), (r) => this.dns.linkPort(r));
    this.firewall = new HostFirewall({ iptables: this.iptables, log: deps.log, state }, { enabled: cfg.bridge.iptables, prefix: cfg.chainPrefix, userlandProxy: cfg.bridge.userlandProxy });
  }

  private get byId(): ReadonlyMap<string, Net> {
    return this.nets.byId;
  }

  /** A network containers join, by ID (host and none are not: Docker's message for mixing them). */
  private joinable(info: NetworkInfo): Net {
    const n = this.byId.get(info.id);
    if (!n) throw invalidParameter(`container cannot be connected to network ${info.name} with others of driver ${info.driver}`);
    return n;
  }

  /**
   * Before macvlan children are made: Docker's error for a parent that is gone (moby
   * createMacVlan), and the teardowns still under way are waited for, since a child of a
   * container just removed may still hold the same MAC on the parent (the kernel refuses a
   * second one: EADDRINUSE), e.g. the same address on a network made again.
   */
  private async checkParents(nets: readonly Net[]): Promise<void> {
    for (const n of nets) {
      if (n.kind === 'macvlan' && !(await this.nets.parents.has(n.parent))) throw system(`the requested parent interface ${n.parent} was not found on the Docker host`);
    }
    if (nets.some((n) => n.kind === 'macvlan')) await this.settled();
  }

  /**
   * Brings up the networks (networks.ts) and the port mapper. Sandboxes and rules wait for
   * restore(). Throws invalidParameter for bad bridge settings.
   */
  async init(ctx: Ctx): Promise<void> {
    this.ipv6 = await v6Listenable();
    const b = this.cfg.bridge;
    const range = await fs.readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => undefined);
    this.ports = new PortMapper({ iptables: this.iptables, log: this.deps.log }, { userlandProxy: b.userlandProxy, iptables: b.iptables, range: parsePortRange(range) });
    await this.nets.init(ctx);
  }

  /** Every network, predefined first, then the user-defined ones by creation. */
  networks(): NetworkInfo[] {
    return this.nets.list();
  }

  /** A network by full ID, then name, then unique ID prefix (throws notFound, invalidParameter). */
  find(ref: string): NetworkInfo {
    return this.nets.find(ref);
  }

  /** Whether a network by that reference exists (the default bridge only while it is on). */
  has(ref: string): boolean {
    return this.nets.has(ref);
  }

  /** `host-gateway` in --add-host: the default bridge's gateway (moby HostGatewayIP). */
  hostGatewayIp(): string | undefined {
    return this.nets.hostGatewayIp();
  }

  /** POST /networks/create: validates, records, then brings up the bridge, its rules and DNS. */
  create(ctx: Ctx, req: CreateNetworkRequest): Promise<NetworkInfo> {
    return this.nets.create(ctx, req);
  }

  /** DELETE /networks/{id}. Throws forbidden for the predefined ones and for networks in use. */
  remove(ctx: Ctx, ref: string): Promise<NetworkInfo> {
    return this.nets.remove(ctx, ref, (id) => this.endpointsOn(id).length > 0);
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

  /**
   * Joins a container to its networks before its task starts: a sandbox namespace with one
   * interface per network (a veth on a bridge, a macvlan child of the parent), addresses, the
   * default route, the DNS redirect (through a DNS link when only macvlan networks would leave
   * it without one) and published ports (proxies and rules) on a bridge gateway endpoint. On
   * failure nothing is left. Throws notFound for an unknown network, conflict/forbidden/
   * unavailable from IPAM and the port allocator, system `driver failed programming external
   * connectivity on endpoint ...` when a port cannot be bound, system `the requested parent
   * interface <p> was not found on the Docker host` / `failed to create the macvlan port: …`.
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
    const nets = infos.map((info) => this.joinable(info));
    await this.checkParents(nets);
    const ports = this.ports!;
    await this.teardowns.get(req.containerId);
    const eps: EndpointRecord[] = [];
    const rec: SandboxRecord = { containerId: req.containerId, containerName: req.containerName, sandboxId, netnsPath: this.netnsPath(sandboxId), endpoints: eps, dnsServers: req.dnsServers ?? [] };
    const live: Live = { rec, published: { proxies: [], rules: [] } };
    let kernel: Promise<unknown> | undefined;
    try {
      nets.forEach((n, i) => {
        if (eps.some((e) => e.networkId === n.info.id)) return;
        eps.push(newEndpoint(n, req.networks[i]!, `eth${eps.length}`));
      });
      const gw = gatewayEndpoint(this.byId, eps);
      const portEp = gw ?? eps[0]!;
      // compat: a macvlan endpoint publishes nothing (moby logs "macvlan driver does not support port mappings")
      const portNet = this.nets.bridge(portEp.networkId);
      // compat: IPv6 host bindings reach the container's IPv4 address through the proxy only
      // (containers have no IPv6 address yet); without it there are none (libnetwork 20.10).
      const ipv6 = this.ipv6 && this.cfg.bridge.userlandProxy;
      const { wanted, exposed } = wantedBindings(req.publish, { defaultHostIp: portNet?.bindIp ?? '0.0.0.0', ipv6 });
      portEp.exposed = exposed;
      if (gw && portNet) {
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
      const { dns, link } = this.dns.plan(rec, eps);
      rec.dnsLink = link;
      rec.dnsPort = dns?.port;
      await this.store.put(rec);
      this.live.set(req.containerId, live);
      kernel = this.kernel
        .create(ctx, sandboxId.slice(0, 12), eps.map((e) => kernelSpec(this.byId, e, !this.cfg.bridge.userlandProxy)), { gateway: routeOf(gw), dns, link: rec.dnsLink }, req.adoptPid)
        .then(() => this.dns.serve(ctx, rec), macvlanPortError)
        .then(() => rec.dnsLink && this.reconcileRules(ctx)); // its filter: nothing runs in the sandbox yet
      const mapped = portNet
        ? ports.map(ctx, portNet.fw, portEp.ip, portEp.ports).then(
            (p) => void (live.published = p),
            (e) => {
              throw wrapPortError(req.containerName, portEp.id, e);
            },
          )
        : undefined;
      // both settle before any cleanup, so that nothing is made after it
      const settled = await Promise.allSettled([kernel, mapped]);
      for (const r of settled) if (r.status === 'rejected') throw r.reason;
    } catch (e) {
      // The request may be gone (its ctx aborted): cleaning up must not be.
      const bg = withoutCancel(ctx);
      await kernel?.catch(() => {});
      await ports.unmap(bg, live.published, () => this.reconcileRules(bg)).catch(() => {});
      if (kernel) await this.kernel.remove(bg, rec.netnsPath, hostLinks(rec)).catch((err) => this.deps.log.warn('cleaning up a failed attach', { error: err }));
      await this.dns.release(rec.dnsLink).catch(() => {});
      await this.store.remove(req.containerId).catch(() => {});
      for (const ep of eps) ports.release(ep.ports);
      releaseEndpoints(this.byId, eps);
      this.live.delete(req.containerId);
      if (rec.dnsLink) await this.reconcileRules(bg).catch((err) => this.deps.log.warn('cleaning up a failed attach', { error: err }));
      throw e;
    }
    return attachmentOf(rec);
  }

  /**
   * Connects a running container's sandbox to one more network (`network connect`). Throws
   * notFound when the container has no sandbox of ours (host/none/not running: the caller
   * decides), forbidden `endpoint with name <c> already exists in network <n>` when it is on
   * it, and attach()'s macvlan errors.
   */
  async connect(ctx: Ctx, containerId: string, req: EndpointRequest): Promise<EndpointAttachment> {
    return this.mutex.run(`c:${containerId}`, async () => {
      const live = this.live.get(containerId);
      if (!live) throw notFound('container has no sandbox');
      const info = this.find(req.network);
      const n = this.joinable(info);
      const rec = live.rec;
      if (rec.endpoints.some((e) => e.networkId === info.id)) throw forbidden(`endpoint with name ${rec.containerName} already exists in network ${info.name}`);
      await this.checkParents([n]);
      const used = new Set(rec.endpoints.map((e) => e.ifName ?? 'eth0'));
      let i = 0;
      while (used.has(`eth${i}`)) i++;
      const ep = newEndpoint(n, req, `eth${i}`);
      const before = gatewayEndpoint(this.byId, rec.endpoints);
      const dnsBefore = this.dns.of(rec);
      const next = [...rec.endpoints, ep];
      const after = gatewayEndpoint(this.byId, next);
      let link: DnsLinkRecord | undefined;
      try {
        const plan = this.dns.plan(rec, next);
        link = plan.link;
        const dnsAfter = plan.dns;
        rec.endpoints = next;
        if (link) rec.dnsLink = link;
        if (!dnsBefore && dnsAfter) rec.dnsPort = dnsAfter.port;
        await this.store.put(rec);
        // the container runs: its new link is closed on the host (all dropped) before it exists
        if (link) await this.reconcileRules(ctx);
        await this.kernel.join(ctx, rec.netnsPath, kernelSpec(this.byId, ep, !this.cfg.bridge.userlandProxy), { gateway: after && after !== before ? routeOf(after) : undefined, dns: dnsBefore ? undefined : dnsAfter, link }).catch(macvlanPortError);
        if (link) await this.dns.serve(ctx, rec).then(() => this.openLink(ctx));
      } catch (e) {
        rec.endpoints = rec.endpoints.filter((x) => x !== ep);
        releaseEndpoints(this.byId, [ep]);
        if (link) {
          if (rec.dnsLink === link) delete rec.dnsLink;
          if (!dnsBefore) delete rec.dnsPort;
          await this.dns.release(link).catch(() => {});
          await this.reconcileRules(withoutCancel(ctx)).catch((err) => this.deps.log.warn('cleaning up a failed connect', { error: err }));
        }
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
      const kind = this.byId.get(networkId)?.kind;
      const before = gatewayEndpoint(this.byId, rec.endpoints);
      const dnsBefore = this.dns.of(rec);
      const rest = rec.endpoints.filter((e) => e !== ep);
      const after = gatewayEndpoint(this.byId, rest);
      // the last bridge DNS going while macvlan endpoints stay: a DNS link takes over
      const { dns: dnsAfter, link } = this.dns.plan(rec, rest);
      if (link) {
        // the container runs: the link is closed on the host (all dropped) before it exists
        rec.dnsLink = link;
        await this.reconcileRules(ctx).catch(async (e) => {
          delete rec.dnsLink;
          await this.dns.release(link).catch(() => {});
          throw e;
        });
      }
      rec.endpoints = rest;
      if (ep.ports.length) {
        await this.ports!.unmap(ctx, live.published, () => this.reconcileRules(ctx));
        this.ports!.release(ep.ports);
      }
      const dnsChanged = dnsAfter && (!dnsBefore || dnsBefore.gateway !== dnsAfter.gateway);
      if (dnsChanged) rec.dnsPort = dnsAfter.port;
      if (link) await this.store.put(rec);
      await this.kernel.leave(ctx, rec.netnsPath, { ifName: ep.ifName ?? 'eth0', ifHost: ep.ifHost, kind: kind === 'macvlan' ? 'macvlan' : undefined }, { gateway: after && after !== before ? routeOf(after) : undefined, dns: dnsChanged ? dnsAfter : undefined, link });
      if (link) await this.dns.serve(ctx, rec).then(() => this.openLink(ctx));
      releaseEndpoints(this.byId, [ep]);
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
    const bg = withoutCancel(ctx);
    const ports = this.ports!;
    await ports.closeProxies(live.published);
    const done = new Promise((r) => setTimeout(r, TEARDOWN_DELAY_MS))
      .then(() => ports.unmap(bg, live.published, () => this.reconcileRules(bg)))
      .then(async () => {
        for (const ep of live.rec.endpoints) ports.release(ep.ports);
        await this.kernel.remove(bg, live.rec.netnsPath, hostLinks(live.rec));
        await this.dns.release(live.rec.dnsLink);
        // the link is gone: its rules go (with the last link, the chain and its jumps)
        if (live.rec.dnsLink) await this.reconcileRules(bg).catch((e) => this.deps.log.warn('removing the rules of a DNS link failed', { error: e }));
        releaseEndpoints(this.byId, live.rec.endpoints);
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
   * proxies and DNS links listening again; macvlan children live in the namespaces and need
   * nothing), takes down every other recorded sandbox, unrecorded namespaces and veths on our
   * bridges, then makes our iptables chains match. Returns the attachments of the kept ones.
   */
  async restore(ctx: Ctx, running: ReadonlySet<string>): Promise<Map<string, Attachment>> {
    const kept = new Map<string, Attachment>();
    for (const rec of await this.store.list()) {
      const keep = running.has(rec.containerId) && !this.goneBeforeRestore.has(rec.containerId);
      if (!keep) {
        // its addresses were never reserved in this boot: nothing to give back
        await this.kernel
          .remove(ctx, rec.netnsPath, hostLinks(rec))
          .then(() => this.store.remove(rec.containerId))
          .catch((e) => this.deps.log.warn('removing a stale sandbox failed', { container: rec.containerId.slice(0, 12), error: e }));
        continue;
      }
      rec.endpoints = rec.endpoints.filter((ep) => {
        const n = this.byId.get(ep.networkId);
        if (!n || !n.subnet.contains(parseIPv4(ep.ip))) return false;
        try {
          n.ipam.request(parseIPv4(ep.ip));
          if (ep.ip6) n.v6?.ipam.request(parseIPv6(ep.ip6));
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
        live.published = { proxies: await ports.relisten(ep.ip, ep.ports, rec.containerId.slice(0, 12)), rules: ports.rulesOf(this.nets.bridge(ep.networkId)!.fw, ep.ip, ep.ports) };
      }
      this.live.set(rec.containerId, live);
      kept.set(rec.containerId, attachmentOf(rec));
      await this.dns.restore(ctx, rec);
    }
    const paths = new Set([...this.live.values()].map((l) => l.rec.netnsPath));
    for (const p of await this.netns.list()) {
      if (!paths.has(p)) await this.netns.remove(ctx, p).catch((e) => this.deps.log.warn('removing a stale namespace failed', { path: p, error: e }));
    }
    const veths = new Set([...this.live.values()].flatMap((l) => hostEnds(l.rec.endpoints)));
    for (const n of this.nets.bridges()) {
      const stale = (await n.driver.ports(ctx)).filter((x) => !veths.has(x));
      if (stale.length) await this.ip.host(ctx, stale.map((x) => `link del ${x}`)).catch((e) => this.deps.log.warn('removing stale veths failed', { error: e }));
    }
    await this.reconcileRules(ctx);
    this.restored = true;
    this.goneBeforeRestore.clear();
    return kept;
  }

  /**
   * Rewrites our chains and our rules in the built-in chains for the networks, the live
   * sandboxes' published ports and their DNS links (firewall.ts).
   */
  async reconcileRules(ctx: Ctx, retired: readonly string[] = []): Promise<void> {
    await this.firewall.reconcile(ctx, retired);
  }

  /** A running container's new DNS link listens: DNS is let in (else it stays closed, logged). */
  private async openLink(ctx: Ctx): Promise<void> {
    await this.reconcileRules(ctx).catch((e) => this.deps.log.warn('cannot let DNS in on a new DNS link: it stays closed', { error: e }));
  }

  /** berthd stops (containers keep running): close the proxies and DNS, wait for teardowns. */
  async shutdown(): Promise<void> {
    await this.settled();
    await Promise.all([...this.live.values()].map((l) => this.ports?.closeProxies(l.published)));
    await this.nets.closeDns();
    await this.dns.closeAll([...this.live.values()].map((l) => l.rec));
    this.ip.close();
  }
}
