/**
 * Port publishing for one bridge network (moby libnetwork portmapper): host ports from the
 * allocator, a userland proxy per binding (proxy.ts) and the DNAT/ACCEPT/MASQUERADE rules per
 * IPv4 binding (rules.ts), made and unmade together.
 */
import net, { isIPv4 } from 'node:net';
import { system, type Ctx, type Logger } from '../lib/index.js';
import type { Iptables } from './iptables.js';
import { PortAllocator, type PortBinding, type WantedBinding } from './portmap.js';
import { startProxy, type Proxy } from './proxy.js';
import { addScript, deleteScript, portRules, type BridgeFirewall, type PortForward, type Rule } from './rules.js';

/** What is live for one endpoint's bindings. */
export interface Published {
  proxies: Proxy[];
  rules: Rule[];
}

export interface PortMapperConfig {
  userlandProxy: boolean;
  iptables: boolean;
  /** The kernel's dynamic port range (random host ports). */
  range: { start: number; end: number };
}

/** The IPv4 forwards of an endpoint's bindings (IPv6 ones are served by the proxy alone). */
export function forwardsOf(containerIp: string, bindings: readonly PortBinding[], bridge?: string): PortForward[] {
  return bindings
    .filter((p) => isIPv4(p.hostIp))
    .map((p) => ({ proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, containerIp, containerPort: p.containerPort, bridge }));
}

export class PortMapper {
  private readonly allocator: PortAllocator;

  constructor(
    private readonly deps: { iptables: Iptables; log: Logger },
    private readonly cfg: PortMapperConfig,
  ) {
    this.allocator = new PortAllocator(cfg.range);
  }

  /**
   * Takes host ports for every wanted binding, all or none; an IPv6 twin of a random IPv4
   * binding gets the same port when it is free. Throws conflict (`Bind for ... failed: port is
   * already allocated`) or unavailable (`all ports are allocated`).
   */
  allocate(wanted: readonly WantedBinding[]): PortBinding[] {
    const made: PortBinding[] = [];
    try {
      let lastV4: number | undefined;
      for (const w of wanted) {
        const v6 = w.hostIp.includes(':');
        const random = w.hostPortStart !== w.hostPortEnd || w.hostPortStart === 0;
        const port = this.allocator.request(w.hostIp, w.proto, w.hostPortStart, w.hostPortEnd, v6 && random ? lastV4 : undefined);
        if (!v6) lastV4 = port;
        made.push({ proto: w.proto, containerPort: w.containerPort, hostIp: w.hostIp, hostPort: port });
      }
    } catch (e) {
      this.release(made);
      throw e;
    }
    return made;
  }

  /** Marks ports as taken again (restore). */
  reserve(bindings: readonly PortBinding[]): void {
    for (const p of bindings) this.allocator.reserve(p.hostIp, p.proto, p.hostPort);
  }

  release(bindings: readonly PortBinding[]): void {
    for (const p of bindings) this.allocator.release(p.hostIp, p.proto, p.hostPort);
  }

  /**
   * Starts the proxies, then adds the rules. On failure what was started is stopped again and
   * an Error is thrown: `Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address
   * already in use`, or the iptables-restore error.
   */
  async map(ctx: Ctx, fw: BridgeFirewall, containerIp: string, bindings: readonly PortBinding[]): Promise<Published> {
    const out: Published = { proxies: [], rules: [] };
    if (bindings.length === 0) return out;
    try {
      if (this.cfg.userlandProxy) {
        const started = await Promise.allSettled(bindings.map((p) => startProxy({ ...p, containerIp })));
        for (const s of started) if (s.status === 'fulfilled') out.proxies.push(s.value);
        const failed = started.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
        if (failed) throw new Error(`Error starting userland proxy: ${(failed.reason as Error).message}`, { cause: failed.reason });
      }
      if (this.cfg.iptables) {
        const rules = this.rulesOf(fw, containerIp, bindings);
        await this.deps.iptables.restore(ctx, addScript(rules));
        out.rules = rules;
      }
    } catch (e) {
      await this.closeProxies(out);
      throw e;
    }
    return out;
  }

  /** The rules of an endpoint's bindings (none with --iptables=false). */
  rulesOf(fw: BridgeFirewall, containerIp: string, bindings: readonly PortBinding[]): Rule[] {
    return this.cfg.iptables ? forwardsOf(containerIp, bindings, fw.bridge).flatMap((f) => portRules(fw, f)) : [];
  }

  /** Listens again for an endpoint kept across a restart; a port that cannot be bound is logged. */
  async relisten(containerIp: string, bindings: readonly PortBinding[], who: string): Promise<Proxy[]> {
    const out: Proxy[] = [];
    if (!this.cfg.userlandProxy) return out;
    for (const p of bindings) {
      await startProxy({ ...p, containerIp }).then(
        (px) => out.push(px),
        (e) => this.deps.log.warn('cannot listen again on a published port', { container: who, error: e }),
      );
    }
    return out;
  }

  async closeProxies(pub: Published): Promise<void> {
    await Promise.all(pub.proxies.splice(0).map((p) => p.close()));
  }

  /** Deletes the rules; when that fails (someone changed our chains), `reconcile` repairs them. */
  async unmap(ctx: Ctx, pub: Published, reconcile: () => Promise<void>): Promise<void> {
    await this.closeProxies(pub);
    const rules = pub.rules.splice(0);
    if (rules.length === 0) return;
    try {
      await this.deps.iptables.restore(ctx, deleteScript(rules));
    } catch (e) {
      this.deps.log.warn('deleting port rules failed; reconciling the chains', { error: e });
      await reconcile();
    }
  }
}

/** moby IsV6Listenable: whether [::1]:0 can be listened on (false with ipv6.disable=1). */
export function v6Listenable(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '::1', port: 0, ipv6Only: true }, () => s.close(() => resolve(true)));
  });
}

/** A port that cannot be published, as Docker words it for the endpoint. */
export function wrapPortError(containerName: string, endpointId: string, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  return system(`driver failed programming external connectivity on endpoint ${containerName} (${endpointId}): ${msg}`, e);
}
