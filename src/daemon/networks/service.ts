/**
 * GET /networks and GET /networks/{id} (moby daemon/network.go, api/server/router/network):
 * the predefined networks of the network controller in Docker's JSON, with the containers
 * on them (from the container records, which hold each endpoint's settings).
 */
import { notFound, type Ctx, type Filters } from '../../lib/index.js';
import type { EndpointResource, NetworkResource } from '../../api/types/index.js';
import type { ContainerRecord } from '../../containers/index.js';
import type { NetworkController, NetworkInfo } from '../../network/index.js';

export interface NetworksDeps {
  controller: Pick<NetworkController, 'networks'>;
  /** The container records (who is on which network). */
  containers: () => readonly Readonly<ContainerRecord>[];
}

export const NETWORK_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'] as const;

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
      EnableIPv6: false,
      IPAM: {
        Driver: 'default',
        Options: null,
        Config: n.ipam.map((c) => ({ Subnet: c.subnet, ...(c.ipRange ? { IPRange: c.ipRange } : {}), ...(c.gateway ? { Gateway: c.gateway } : {}) })),
      },
      Internal: false,
      Attachable: false,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: containers,
      Options: n.options,
      Labels: {},
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

  async list(_ctx: Ctx, f: Filters): Promise<NetworkResource[]> {
    f.validate(NETWORK_FILTERS);
    return this.deps.controller
      .networks()
      .filter((n) => matches(f.get('name'), n.name) && matches(f.get('id'), n.id))
      .filter((n) => f.exactMatch('driver', n.driver) && f.exactMatch('scope', 'local') && f.matchKVList('label', {}))
      // predefined networks are "builtin", never "custom", never dangling
      .filter(() => f.exactMatch('type', 'builtin') && f.bool('dangling') !== true)
      .map((n) => this.resource(n, {}));
  }

  async inspect(_ctx: Ctx, ref: string, _opts: { verbose: boolean; scope: string }): Promise<NetworkResource> {
    const all = this.deps.controller.networks();
    const n =
      all.find((x) => x.id === ref) ??
      all.find((x) => x.name === ref) ??
      (() => {
        const byPrefix = all.filter((x) => ref.length > 0 && x.id.startsWith(ref));
        return byPrefix.length === 1 ? byPrefix[0] : undefined;
      })();
    if (!n) throw notFound(`network ${ref} not found`);
    return this.resource(n, this.containersOn(n.name));
  }
}
