/**
 * A container's side of networking (moby daemon/container_operations.go): which network its
 * NetworkMode names, NetworkSettings as Docker fills them at create, start and exit, and the
 * /etc/hosts entry of its address. The network controller (network/) does the work.
 */
import { promises as fs } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { isIPv4 } from 'node:net';
import { conflict, invalidParameter } from '../../lib/index.js';
import type { ContainerConfig, EndpointSettings, HostConfig, NetworkSettings } from '../../api/types/index.js';
import type { ContainerRecord } from '../../containers/index.js';
import { parseLink, type AttachRequest, type Attachment, type EndpointAttachment, type NetworkController } from '../../network/index.js';

/** What the container service needs of the network controller. */
export type ContainerNetwork = Pick<NetworkController, 'attach' | 'detach' | 'restore' | 'has' | 'find' | 'netnsPath' | 'shutdown' | 'connect' | 'disconnect' | 'hostGatewayIp'>;

/**
 * How a container is networked: the default bridge, a user-defined network, host, none, no
 * network at all, or another container's.
 */
export type ModeKind = 'bridge' | 'user' | 'host' | 'none' | 'disabled' | 'container';

const PREDEFINED = new Set(['bridge', 'host', 'none']);

/** Whether a network name is one of the predefined ones (user-defined networks cannot take their names). */
export const isPredefined = (name: string) => PREDEFINED.has(name);

/** The `type` attribute of a network event (the network's driver). */
export const driverOfName = (name: string) => (name === 'none' ? 'null' : name === 'host' ? 'host' : 'bridge');

/**
 * The network a NetworkMode names. `default` is the bridge (or no network at all when the
 * daemon runs with `--bridge none`, as Docker disables networking then).
 * Throws notFound `network <name> not found` for a network that does not exist.
 */
export function modeOf(net: Pick<ContainerNetwork, 'has' | 'find'>, mode: string | undefined): ModeKind {
  const m = mode || 'default';
  if (m.startsWith('container:')) return 'container';
  if (m === 'default') return net.has('bridge') ? 'bridge' : 'disabled';
  const info = net.find(m);
  if (info.driver === 'host') return 'host';
  if (info.driver === 'null') return 'none';
  return info.predefined ? 'bridge' : 'user';
}

/** The name of the network a mode names (the key of NetworkSettings.Networks). */
export function networkNameOf(net: Pick<ContainerNetwork, 'find'>, kind: ModeKind, mode: string | undefined): string {
  if (kind === 'bridge' || kind === 'host' || kind === 'none') return kind;
  return net.find(mode!).name;
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
export function createSettings(kind: ModeKind, name: string, mode: string | undefined, requested: Record<string, EndpointSettings> | undefined): NetworkSettings {
  if (kind === 'disabled' || kind === 'container') return fullSettings();
  const req = requested?.[mode || 'default'] ?? requested?.[name] ?? (kind === 'bridge' ? requested?.['default'] : undefined);
  return fullSettings({ Networks: { [name]: endpointSettings({ IPAMConfig: req?.IPAMConfig, Links: req?.Links, Aliases: req?.Aliases, DriverOpts: req?.DriverOpts }) } });
}

/**
 * Docker's checks of the requested endpoint settings at create (moby verifyNetworkingConfig):
 * addresses and aliases belong to user-defined networks only.
 */
export function validateEndpoints(kind: ModeKind, requested: Record<string, EndpointSettings> | undefined): void {
  for (const ep of Object.values(requested ?? {})) {
    const ipam = ep?.IPAMConfig;
    if (ipam?.IPv4Address && !isIPv4(ipam.IPv4Address)) throw invalidParameter(`invalid IPv4 address: ${ipam.IPv4Address}`);
    if (kind === 'user') continue;
    if (ipam?.IPv4Address || ipam?.IPv6Address) throw invalidParameter('user specified IP address is supported on user defined networks only');
    if (ep?.Aliases?.length && kind !== 'disabled' && kind !== 'container') throw invalidParameter('network-scoped alias is supported only for containers in user defined networks');
  }
}

/** moby's conflicts of `--network container:<x>` with options that belong to the other container. */
export function validateContainerMode(config: Readonly<ContainerConfig>, hc: Readonly<HostConfig>): void {
  const bad = (what: string) => invalidParameter(`conflicting options: ${what}`);
  if (config.Hostname) throw bad('hostname and the network mode');
  if (hc.Links?.length) throw bad("container type network can't be used with links. This would result in undefined behavior");
  if (hc.Dns?.length) throw bad('dns and the network mode');
  if (hc.ExtraHosts?.length) throw bad('custom host-to-IP mapping and the network mode');
  if (Object.keys(hc.PortBindings ?? {}).length || hc.PublishAllPorts) throw bad('port publishing and the container type network mode');
  if (config.MacAddress) throw bad('mac-address and the network mode');
}

/** Docker's Aliases on a user-defined network: the requested ones and the container's short ID. */
export function aliasesFor(id: string, name: string, aliases: readonly string[] | null | undefined): string[] | null {
  if (isPredefined(name)) return aliases?.length ? [...aliases] : null;
  const short = id.slice(0, 12);
  const out = [...(aliases ?? [])];
  if (!out.includes(short)) out.push(short);
  return out;
}

/** One endpoint of a running container in its NetworkSettings. */
export function endpointOf(old: EndpointSettings | undefined, id: string, ep: EndpointAttachment): EndpointSettings {
  return endpointSettings({
    ...old,
    Aliases: aliasesFor(id, ep.networkName, old?.Aliases),
    NetworkID: ep.networkId,
    EndpointID: ep.endpointId,
    Gateway: ep.gateway ?? '',
    IPAddress: ep.ip ?? '',
    IPPrefixLen: ep.prefixLen ?? 0,
    IPv6Gateway: ep.gateway6 ?? '',
    GlobalIPv6Address: ep.ip6 ?? '',
    GlobalIPv6PrefixLen: ep.prefixLen6 ?? 0,
    MacAddress: ep.mac ?? '',
  });
}

/** NetworkSettings of a running container from its attachment. */
export function runningSettings(prev: NetworkSettings, id: string, att: Attachment): NetworkSettings {
  const networks = { ...prev.Networks };
  for (const ep of att.endpoints) networks[ep.networkName] = endpointOf(prev.Networks?.[ep.networkName], id, ep);
  return fullSettings({ ...prev, SandboxID: att.sandboxId, SandboxKey: att.sandboxKey, Ports: att.ports, Networks: networks });
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

/** The attach request of a container about to start: every network it is on, its own first. */
export function attachRequest(rec: Readonly<ContainerRecord>, sandboxId: string, adoptPid?: number): AttachRequest {
  const hc: HostConfig = rec.HostConfig;
  return {
    ...(adoptPid !== undefined ? { adoptPid } : {}),
    containerId: rec.ID,
    containerName: rec.Name.replace(/^\//, ''),
    sandboxId,
    networks: Object.entries(rec.NetworkSettings.Networks ?? {}).map(([name, ep], i) => ({
      network: name,
      mac: i === 0 ? rec.Config.MacAddress || undefined : undefined,
      aliases: aliasesFor(rec.ID, name, ep.Aliases) ?? [],
      // compat: HostConfig.Links (docker-compose 1's) name the linked containers on user-defined networks too
      links: [...(ep.Links ?? []), ...(isPredefined(name) ? [] : (hc.Links ?? []))],
      ipv4: ep.IPAMConfig?.IPv4Address || undefined,
      ipv6: ep.IPAMConfig?.IPv6Address || undefined,
    })),
    dnsServers: hc.Dns ?? [],
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

/** Rewrites /etc/hosts of a container about to start: the base file plus its own addresses. */
export async function writeHosts(path: string, base: string, ips: readonly string[], hostname: string, domainname: string): Promise<void> {
  await fs.writeFile(path, base + ips.map((ip) => hostsEntry(ip, hostname, domainname)).join(''));
}

/** `--network container:<x>`: x's /etc/hosts and /etc/resolv.conf become the joiner's. */
export async function copyNetworkFiles(peer: Readonly<ContainerRecord>, rec: Readonly<ContainerRecord>): Promise<void> {
  await Promise.all([
    fs.copyFile(peer.HostsPath, rec.HostsPath).catch(() => {}),
    fs.copyFile(peer.ResolvConfPath, rec.ResolvConfPath).catch(() => {}),
  ]);
}

/** The container a legacy link names. Throws invalidParameter `Could not get container for <x>`. */
export function linkTarget(svc: { store: { find(ref: string): Readonly<ContainerRecord> | undefined } }, link: string): Readonly<ContainerRecord> {
  const { target } = parseLink(link);
  const t = svc.store.find(target);
  if (!t) throw invalidParameter(`Could not get container for ${target}`);
  return t;
}

/** HostConfig.Links as Docker stores them: /<target>:/<container>/<alias>. */
export function normalizeLinks(svc: Parameters<typeof linkTarget>[0], ownName: string, links: readonly string[]): string[] {
  return links.map((l) => `${linkTarget(svc, l).Name}:${ownName}/${parseLink(l).alias}`);
}

/**
 * The /etc/hosts lines of a container's legacy links on the default bridge (moby
 * buildSandboxOptions): `<ip>\t<alias> <hostname> [<name>]` per linked container, which must be
 * running. Throws conflict `Cannot link to a non running container: /c1 AS /me/db`.
 */
export function linkHosts(svc: Parameters<typeof linkTarget>[0], rec: Readonly<ContainerRecord>): string {
  // compat: legacy links live on the default bridge only (moby setupLinkedContainers returns
  // nothing when the container has no "bridge" endpoint); on a user-defined network a link is a
  // name the embedded DNS answers anyway, and its target need not run (docker-compose 1.x's
  // `run` links the one-off container to its service's own containers).
  const mode = rec.HostConfig.NetworkMode ?? '';
  if (!['', 'default', 'bridge'].includes(mode) && !rec.NetworkSettings?.Networks?.['bridge']) return '';
  let out = '';
  for (const l of rec.HostConfig.Links ?? []) {
    const { alias } = parseLink(l);
    const t = linkTarget(svc, l);
    const ip = t.NetworkSettings.Networks?.['bridge']?.IPAddress;
    if (!t.State.Running || !ip) throw conflict(`Cannot link to a non running container: ${t.Name} AS ${rec.Name}/${alias}`);
    const name = t.Name.replace(/^\//, '');
    out += `${ip}\t${alias} ${t.Config.Hostname}${alias !== name ? ` ${name}` : ''}\n`;
  }
  return out;
}
