/**
 * The host's iptables rules of one daemon (rules.ts lays them out, iptables.ts applies them):
 * the bridge networks' chains and jumps, the published ports, and the DNS links' filter, made
 * to match what the daemon has now. Reconciliations run one at a time, each from a snapshot
 * taken under the lock: two computed from different moments could otherwise land in the wrong
 * order (an older one taking back a newer link's ACCEPT).
 */
import { KeyedMutex, type Ctx, type Logger } from '../lib/index.js';
import type { Iptables } from './iptables.js';
import { reconcileScript, type BridgeFirewall, type LinkFilter, type PortForward } from './rules.js';
import { forwardsOf } from './port-mapper.js';
import type { Networks } from './networks.js';
import type { SandboxRecord } from './sandbox-store.js';

/** What the rules are made from, as it is at the time of a reconciliation. */
export interface FirewallState {
  bridges: BridgeFirewall[];
  forwards: PortForward[];
  links: LinkFilter[];
}

/**
 * The state from the networks' bridges and the live sandboxes: their published ports, and
 * their DNS links with the port each link's listener listens on (`linkPort`).
 */
export function firewallState(nets: Pick<Networks, 'bridges' | 'bridge'>, recs: readonly SandboxRecord[], linkPort: (rec: SandboxRecord) => number | undefined): FirewallState {
  const bridgeOf = (id: string) => nets.bridge(id)?.fw.bridge;
  return {
    bridges: nets.bridges().map((n) => n.fw),
    forwards: recs.flatMap((r) => r.endpoints.flatMap((ep) => forwardsOf(ep.ip, ep.ports, bridgeOf(ep.networkId)))),
    links: recs.flatMap((r) => (r.dnsLink ? [{ ifHost: r.dnsLink.ifHost, hostIp: r.dnsLink.hostIp, port: linkPort(r) }] : [])),
  };
}

export interface HostFirewallConfig {
  /** `--iptables`: off, nothing is ever written. */
  enabled: boolean;
  /** `--iptables-chain-prefix`. */
  prefix: string;
  userlandProxy: boolean;
}

export class HostFirewall {
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly deps: { iptables: Pick<Iptables, 'save' | 'restore'>; log: Logger; state: () => FirewallState },
    private readonly cfg: HostFirewallConfig,
  ) {}

  /**
   * Rewrites our chains and our rules in the built-in chains for the state now; `retired`
   * names bridges going away, whose rules go too. A no-op with iptables off. Throws the
   * ExecError of iptables-save/-restore.
   */
  async reconcile(ctx: Ctx, retired: readonly string[] = []): Promise<void> {
    if (!this.cfg.enabled) return;
    await this.mutex.run('rules', async () => {
      const { bridges, forwards, links } = this.deps.state();
      const fws = bridges.length || !retired.length ? bridges : [{ prefix: this.cfg.prefix, bridge: retired[0]!, subnet: '', icc: true, ipMasq: false, userlandProxy: this.cfg.userlandProxy }];
      const script = reconcileScript(fws, forwards, await this.deps.iptables.save(ctx), retired, { prefix: this.cfg.prefix, links });
      if (!script) return;
      this.deps.log.debug('reconciling iptables', { script });
      await this.deps.iptables.restore(ctx, script);
    });
  }
}
