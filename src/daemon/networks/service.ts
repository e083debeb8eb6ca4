/**
 * The /networks endpoints (moby daemon/network.go, api/server/router/network): the networks of
 * the network controller in Docker's JSON with the containers on them (from the container
 * records, which hold each endpoint's settings), create, remove, prune, and connect/disconnect
 * through the container service. Emits the network events create and destroy (connect and
 * disconnect come from the container service).
 */
import { Filters, invalidParameter, type Ctx } from '../../lib/index.js';
import { parseTimestamp } from '../images/list.js';
import type { EndpointResource, EndpointSettings, NetworkCreateRequest, NetworkResource } from '../../api/types/index.js';
import type { ContainerRecord } from '../../containers/index.js';
import type { EventBus } from '../../events/index.js';
import type { NetworkController, NetworkInfo } from '../../network/index.js';

export interface NetworksDeps {
  controller: Pick<NetworkController, 'networks' | 'find' | 'create' | 'remove' | 'endpointsOn'>;
  /** The container records (who is on which network). */
  containers: () => readonly Readonly<ContainerRecord>[];
  connect: (ctx: Ctx, container: string, network: string, cfg: EndpointSettings | undefined) => Promise<void>;
  disconnect: (ctx: Ctx, container: string, network: string, force: boolean) => Promise<void>;
  events: Pick<EventBus, 'publish'>;
}

export const NETWORK_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'] as const;
const PRUNE_FILTERS = ['until', 'label', 'label!'] as const;

/** moby filters.Args.Match: a value matches when it equals or, as a regular expression, matches. */
function matches(values: string[], source: string): boolean {
  if (values.length === 0) return true;
  return values.some((v) => {
    if (v === source) return true;
    try {
      return new RegExp(v).test(source);
    } catch {
      return false;
    }
  });
}

export class NetworksService {
  constructor(private readonly deps: NetworksDeps) {}

  private resource(n: NetworkInfo, containers: Record<string, EndpointResource>): NetworkResource {
    return {
      Name: n.name,
      Id: n.id,
      Created: n.created,
      Scope: 'local',
      Driver: n.driver,
      EnableIPv6: n.ipv6,
      IPAM: {
        Driver: n.ipam.driver,
        // compat: Docker shows null options for the predefined networks, {} for created ones
        Options: n.predefined ? null : n.ipam.options,
        Config: n.ipam.config.map((c) => ({
          Subnet: c.subnet,
          ...(c.ipRange ? { IPRange: c.ipRange } : {}),
          ...(c.gateway ? { Gateway: c.gateway } : {}),
          ...(c.auxAddresses ? { AuxiliaryAddresses: c.auxAddresses } : {}),
        })),
      },
      Internal: n.internal,
      Attachable: n.attachable,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: containers,
      Options: n.options,
      Labels: n.labels,
    };
  }

  /** Containers with a live endpoint on network `name`. */
  private containersOn(name: string): Record<string, EndpointResource> {
    const out: Record<string, EndpointResource> = {};
    for (const r of this.deps.containers()) {
      const ep = r.NetworkSettings.Networks?.[name];
      if (!ep?.EndpointID) continue;
      out[r.ID] = {
        Name: r.Name.replace(/^\//, ''),
        EndpointID: ep.EndpointID,
        MacAddress: ep.MacAddress ?? '',
        IPv4Address: ep.IPAddress ? `${ep.IPAddress}/${ep.IPPrefixLen ?? 0}` : '',
        IPv6Address: ep.GlobalIPv6Address ? `${ep.GlobalIPv6Address}/${ep.GlobalIPv6PrefixLen ?? 0}` : '',
      };
    }
    return out;
  }

  /** Networks some container record names (running or not): not dangling, not pruned. */
  private used(): Set<string> {
    const out = new Set<string>();
    for (const r of this.deps.containers()) for (const name of Object.keys(r.NetworkSettings.Networks ?? {})) out.add(name);
    return out;
  }

  async list(_ctx: Ctx, f: Filters): Promise<NetworkResource[]> {
    f.validate(NETWORK_FILTERS);
    for (const t of f.get('type')) if (t !== 'custom' && t !== 'builtin') throw invalidParameter(`invalid filter: 'type'='${t}'`);
    const used = f.has('dangling') ? this.used() : new Set<string>();
    const dangling = f.has('dangling') ? f.bool('dangling') : undefined;
    return this.deps.controller
      .networks()
      .filter((n) => matches(f.get('name'), n.name) && matches(f.get('id'), n.id))
      .filter((n) => f.exactMatch('driver', n.driver) && f.exactMatch('scope', 'local') && f.matchKVList('label', n.labels))
      .filter((n) => f.exactMatch('type', n.predefined ? 'builtin' : 'custom'))
      // compat: predefined networks are never dangling
      .filter((n) => dangling === undefined || (dangling ? !n.predefined && !used.has(n.name) : n.predefined || used.has(n.name)))
      .map((n) => this.resource(n, {}));
  }

  async inspect(_ctx: Ctx, ref: string, _opts: { verbose: boolean; scope: string }): Promise<NetworkResource> {
    const n = this.deps.controller.find(ref);
    return this.resource(n, this.containersOn(n.name));
  }

  async create(ctx: Ctx, req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    if (req.ConfigOnly || req.ConfigFrom?.Network) throw invalidParameter('config-only networks are not supported');
    if (req.Ingress) throw invalidParameter('ingress networks need swarm mode');
    if (req.Scope && req.Scope !== 'local') throw invalidParameter(`scope ${req.Scope} is not supported by the ${req.Driver || 'bridge'} driver`);
    const n = await this.deps.controller.create(ctx, {
      name: req.Name,
      driver: req.Driver,
      internal: req.Internal,
      attachable: req.Attachable,
      ipv6: !!req.EnableIPv6,
      labels: req.Labels ?? {},
      options: req.Options ?? {},
      ipam: {
        driver: req.IPAM?.Driver,
        options: req.IPAM?.Options ?? {},
        config: (req.IPAM?.Config ?? []).map((c) => ({ subnet: c.Subnet, ipRange: c.IPRange, gateway: c.Gateway, auxAddresses: c.AuxiliaryAddresses })),
      },
    });
    this.deps.events.publish({ type: 'network', action: 'create', actorId: n.id, attributes: { name: n.name, type: n.driver } });
    return { Id: n.id, Warning: '' };
  }

  async remove(ctx: Ctx, ref: string): Promise<void> {
    const n = await this.deps.controller.remove(ctx, ref);
    this.deps.events.publish({ type: 'network', action: 'destroy', actorId: n.id, attributes: { name: n.name, type: n.driver } });
  }

  async connect(ctx: Ctx, ref: string, body: { Container?: string; EndpointConfig?: EndpointSettings }): Promise<void> {
    if (!body.Container) throw invalidParameter('container ID is required');
    this.deps.controller.find(ref);
    await this.deps.connect(ctx, body.Container, ref, body.EndpointConfig);
  }

  async disconnect(ctx: Ctx, ref: string, body: { Container?: string; Force?: boolean }): Promise<void> {
    if (!body.Container) throw invalidParameter('container ID is required');
    this.deps.controller.find(ref);
    await this.deps.disconnect(ctx, body.Container, ref, !!body.Force);
  }

  /** Removes the user-defined networks no container is on (filters until, label). */
  async prune(ctx: Ctx, f: Filters): Promise<{ NetworksDeleted: string[] | null }> {
    f.validate(PRUNE_FILTERS);
    const until = f.get('until').map((u) => parseTimestamp(u));
    const used = this.used();
    const deleted: string[] = [];
    for (const n of this.deps.controller.networks()) {
      if (n.predefined || used.has(n.name) || this.deps.controller.endpointsOn(n.id).length) continue;
      if (until.some((u) => Math.floor(Date.parse(n.created) / 1000) >= u)) continue;
      if (!f.matchKVList('label', n.labels)) continue;
      if (f.get('label!').some((l) => Filters.fromEntries({ label: [l] }).matchKVList('label', n.labels))) continue;
      try {
        await this.remove(ctx, n.id);
        deleted.push(n.name);
      } catch (e) {
        if (!(e instanceof Error && /active endpoints|not found/.test(e.message))) throw e;
      }
    }
    return { NetworksDeleted: deleted.length ? deleted : null };
  }
}
