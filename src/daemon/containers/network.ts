/**
 * A container's side of networking (moby daemon/container_operations.go): which network its
 * NetworkMode names, NetworkSettings as Docker fills them at create, start and exit, and the
 * /etc/hosts entry of its address. The network controller (network/) does the work.
 */
import { promises as fs } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { notFound } from '../../lib/index.js';
import type { EndpointSettings, HostConfig, NetworkSettings } from '../../api/types/index.js';
import type { ContainerRecord } from '../../containers/index.js';
import type { AttachRequest, Attachment, NetworkController, NetworkMode } from '../../network/index.js';

/** What the container service needs of the network controller. */
export type ContainerNetwork = Pick<NetworkController, 'attach' | 'detach' | 'restore' | 'has' | 'netnsPath' | 'shutdown'>;

/** How a container is networked: one of the predefined networks, none at all, or another container's. */
export type ModeKind = NetworkMode | 'disabled' | 'container';

/**
 * The network a NetworkMode names. `default` is the bridge (or no network at all when the
 * daemon runs with `--bridge none`, as Docker disables networking then).
 * Throws notFound `network <name> not found` for a name that is none of the predefined ones.
 */
export function modeOf(net: Pick<ContainerNetwork, 'has'>, mode: string | undefined): ModeKind {
  const m = mode || 'default';
  if (m.startsWith('container:')) return 'container';
  if (m === 'default') return net.has('bridge') ? 'bridge' : 'disabled';
  if (m === 'bridge' || m === 'host' || m === 'none') {
    if (!net.has(m)) throw notFound(`network ${m} not found`);
    return m;
  }
  throw notFound(`network ${m} not found`);
}

/** An EndpointSettings with Docker's (API 1.41) fields in Docker's order. */
export function endpointSettings(from: EndpointSettings | undefined = {}): EndpointSettings {
  return {
    IPAMConfig: from.IPAMConfig ?? null,
    Links: from.Links ?? null,
    Aliases: from.Aliases ?? null,
    NetworkID: from.NetworkID ?? '',
    EndpointID: from.EndpointID ?? '',
    Gateway: from.Gateway ?? '',
    IPAddress: from.IPAddress ?? '',
    IPPrefixLen: from.IPPrefixLen ?? 0,
    IPv6Gateway: from.IPv6Gateway ?? '',
    GlobalIPv6Address: from.GlobalIPv6Address ?? '',
    GlobalIPv6PrefixLen: from.GlobalIPv6PrefixLen ?? 0,
    MacAddress: from.MacAddress ?? '',
    DriverOpts: from.DriverOpts ?? null,
  };
}

/** NetworkSettings with every field, in Docker's order (the default network's fields from Networks.bridge). */
export function fullSettings(ns: Partial<NetworkSettings> = {}): NetworkSettings {
  const networks = ns.Networks ?? {};
  const b = networks['bridge'];
  return {
    Bridge: ns.Bridge ?? '',
    SandboxID: ns.SandboxID ?? '',
    HairpinMode: ns.HairpinMode ?? false,
    LinkLocalIPv6Address: ns.LinkLocalIPv6Address ?? '',
    LinkLocalIPv6PrefixLen: ns.LinkLocalIPv6PrefixLen ?? 0,
    Ports: ns.Ports ?? {},
    SandboxKey: ns.SandboxKey ?? '',
    SecondaryIPAddresses: ns.SecondaryIPAddresses ?? null,
    SecondaryIPv6Addresses: ns.SecondaryIPv6Addresses ?? null,
    // compat: the top-level address fields mirror the default bridge network (getDefaultNetworkSettings)
    EndpointID: b?.EndpointID ?? '',
    Gateway: b?.Gateway ?? '',
    GlobalIPv6Address: b?.GlobalIPv6Address ?? '',
    GlobalIPv6PrefixLen: b?.GlobalIPv6PrefixLen ?? 0,
    IPAddress: b?.IPAddress ?? '',
    IPPrefixLen: b?.IPPrefixLen ?? 0,
    IPv6Gateway: b?.IPv6Gateway ?? '',
    MacAddress: b?.MacAddress ?? '',
    Networks: networks,
  };
}

/**
 * NetworkSettings at create: the network the mode names with an empty endpoint (or the
 * request's settings for it: "default" is the bridge's key), nothing for a disabled network.
 */
export function createSettings(kind: ModeKind, requested: Record<string, EndpointSettings> | undefined): NetworkSettings {
  if (kind === 'disabled' || kind === 'container') return fullSettings();
  const req = requested?.[kind] ?? (kind === 'bridge' ? requested?.['default'] : undefined);
  return fullSettings({ Networks: { [kind]: endpointSettings({ IPAMConfig: req?.IPAMConfig, Links: req?.Links, Aliases: req?.Aliases, DriverOpts: req?.DriverOpts }) } });
}

/** NetworkSettings of a running container from its attachment. */
export function runningSettings(prev: NetworkSettings, att: Attachment): NetworkSettings {
  const old = prev.Networks?.[att.mode];
  const ep = endpointSettings({
    ...old,
    NetworkID: att.networkId,
    EndpointID: att.endpointId,
    Gateway: att.gateway ?? '',
    IPAddress: att.ip ?? '',
    IPPrefixLen: att.prefixLen ?? 0,
    MacAddress: att.mac ?? '',
  });
  return fullSettings({ ...prev, SandboxID: att.sandboxId, SandboxKey: att.sandboxKey, Ports: att.ports, Networks: { ...prev.Networks, [att.mode]: ep } });
}

/**
 * After the process exits (moby releaseNetwork, 20.10): no ports, each endpoint's operational
 * data cleared; the sandbox ID and key stay.
 */
export function stoppedSettings(prev: NetworkSettings): NetworkSettings {
  const networks: Record<string, EndpointSettings> = {};
  for (const [name, ep] of Object.entries(prev.Networks ?? {})) {
    networks[name] = endpointSettings({ ...ep, EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '' });
  }
  return fullSettings({ ...prev, Ports: {}, Networks: networks });
}

/** The attach request of a container about to start. */
export function attachRequest(rec: Readonly<ContainerRecord>, mode: NetworkMode, sandboxId: string): AttachRequest {
  const hc: HostConfig = rec.HostConfig;
  return {
    containerId: rec.ID,
    containerName: rec.Name.replace(/^\//, ''),
    mode,
    sandboxId,
    publish: {
      bindings: (hc.PortBindings ?? {}) as AttachRequest['publish']['bindings'],
      exposed: Object.keys(rec.Config.ExposedPorts ?? {}),
      publishAll: !!hc.PublishAllPorts,
    },
  };
}

/** The host's name (host network mode takes it as the container's). */
export function hostHostname(): string {
  return osHostname();
}

/** Docker's /etc/hosts line for the container's own address (libnetwork etchosts, FQDN first). */
export function hostsEntry(ip: string, hostname: string, domainname: string): string {
  const fqdn = domainname ? `${hostname}.${domainname}` : hostname;
  const dot = fqdn.indexOf('.');
  return `${ip}\t${dot > 0 ? `${fqdn} ${fqdn.slice(0, dot)}` : fqdn}\n`;
}

/** Rewrites /etc/hosts of a container about to start: the base file plus its own address. */
export async function writeHosts(path: string, base: string, ip: string | undefined, hostname: string, domainname: string): Promise<void> {
  await fs.writeFile(path, ip ? base + hostsEntry(ip, hostname, domainname) : base);
}
