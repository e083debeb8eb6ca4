/**
 * `--network` values and the endpoint settings docker derives from them (opts.NetworkOpt,
 * parseNetworkOpts, applyContainerOptions, parseNetworkAttachmentOpt): the first network gets
 * the legacy per-container flags (--network-alias, --link, --ip, --ip6, --mac-address,
 * --link-local-ip); a single network without options sends no endpoint at all; without
 * --network the "default" endpoint is always sent.
 */
import { isMacAddress, readCsvLine, ValueError } from './values.js';
import { ParseError, type EndpointSettingsValue } from './model.js';

/** The per-container network flags that apply to the first network. */
export interface LegacyNetworkFlags {
  aliases: readonly string[];
  links: readonly string[];
  ip: string;
  ip6: string;
  mac: string;
  linkLocalIPs: readonly string[];
}

/** NetworkMode.IsUserDefined (unix): not default, bridge, host, none or container:…. */
export const isUserDefined = (n: string) => n !== 'default' && n !== 'bridge' && n !== 'host' && n !== 'none' && !n.startsWith('container:');

/** A `--network` value (opts.NetworkAttachmentOpts). */
export interface NetworkAttachment {
  target: string;
  aliases: string[];
  driverOpts: Map<string, string> | null;
  links: string[];
  ipv4Address: string;
  ipv6Address: string;
  linkLocalIPs: string[];
  macAddress: string;
  gwPriority: number;
}

/** opts.NetworkOpt.Set: a name, or the CSV form `name=x,alias=y,ip=...,driver-opt=k=v`. */
export function parseNetworkOpt(value: string): NetworkAttachment {
  const n: NetworkAttachment = { target: '', aliases: [], driverOpts: null, links: [], ipv4Address: '', ipv6Address: '', linkLocalIPs: [], macAddress: '', gwPriority: 0 };
  if (!/\w+=\w+(,\w+=\w+)*/.test(value)) {
    n.target = value;
    return n;
  }
  for (const field of readCsvLine(value)) {
    const lower = field.toLowerCase();
    const eq = lower.indexOf('=');
    const key = (eq < 0 ? lower : lower.slice(0, eq)).trim();
    const val = (eq < 0 ? '' : lower.slice(eq + 1)).trim();
    if (eq < 0 || key === '') throw new ValueError(`invalid field ${field}`);
    switch (key) {
      case 'name':
        n.target = val;
        break;
      case 'alias':
        n.aliases.push(val);
        break;
      case 'ip':
        n.ipv4Address = val;
        break;
      case 'ip6':
        n.ipv6Address = val;
        break;
      case 'mac-address':
        n.macAddress = val;
        break;
      case 'link-local-ip':
        n.linkLocalIPs.push(val);
        break;
      case 'driver-opt': {
        const e = val.indexOf('=');
        const k = (e < 0 ? val : val.slice(0, e)).trim();
        if (e < 0 || k === '') throw new ValueError('invalid key value pair format in driver options');
        (n.driverOpts ??= new Map()).set(k, val.slice(e + 1).trim());
        break;
      }
      case 'gw-priority':
        if (!/^[+-]?\d+$/.test(val)) throw new ValueError(`invalid gw-priority (${val}): invalid syntax`);
        n.gwPriority = Number(val);
        break;
      default:
        throw new ValueError('invalid field key ' + key);
    }
  }
  if (n.target.length === 0) throw new ValueError('network name/id is not specified');
  return n;
}

function emptyEndpoint(): EndpointSettingsValue {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}

function isEmptyEndpoint(ep: EndpointSettingsValue): boolean {
  return (
    ep.IPAMConfig === null &&
    (ep.Links === null || ep.Links.length === 0) &&
    ep.Aliases === null &&
    ep.MacAddress === '' &&
    ep.DriverOpts === null &&
    ep.GwPriority === 0
  );
}

/** applyContainerOptions: --network-alias, --link, --ip, --ip6, --mac-address, --link-local-ip on the first network. */
export function applyContainerOptions(n: NetworkAttachment, c: LegacyNetworkFlags): void {
  const { aliases, links, ip, ip6, mac, linkLocalIPs: lls } = c;
  if (n.aliases.length > 0 && aliases.length > 0) throw new ParseError('conflicting options: cannot specify both --network-alias and per-network alias');
  if (n.links.length > 0 && links.length > 0) throw new ParseError('conflicting options: cannot specify both --link and per-network links');
  if (n.ipv4Address !== '' && ip !== '') throw new ParseError('conflicting options: cannot specify both --ip and per-network IPv4 address');
  if (n.ipv6Address !== '' && ip6 !== '') throw new ParseError('conflicting options: cannot specify both --ip6 and per-network IPv6 address');
  if (n.macAddress !== '' && mac !== '') throw new ParseError('conflicting options: cannot specify both --mac-address and per-network MAC address');
  if (n.linkLocalIPs.length > 0 && lls.length > 0) {
    throw new ParseError('conflicting options: cannot specify both --link-local-ip and per-network link-local IP addresses');
  }
  if (aliases.length > 0) n.aliases = [...aliases];
  if (isUserDefined(n.target) && links.length > 0) n.links = [...links];
  if (ip !== '') n.ipv4Address = ip;
  if (ip6 !== '') n.ipv6Address = ip6;
  if (mac !== '') n.macAddress = mac;
  if (lls.length > 0) n.linkLocalIPs = [...lls];
}

/** parseNetworkAttachmentOpt. */
function endpointOf(n: NetworkAttachment): EndpointSettingsValue {
  if (n.target.trim() === '') throw new ParseError('no name set for network');
  if (!isUserDefined(n.target)) {
    if (n.aliases.length > 0) throw new ParseError('network-scoped aliases are only supported for user-defined networks');
    if (n.links.length > 0) throw new ParseError('links are only supported for user-defined networks');
  }
  const ep = emptyEndpoint();
  ep.GwPriority = n.gwPriority;
  if (n.aliases.length > 0) ep.Aliases = [...n.aliases];
  if (n.driverOpts && n.driverOpts.size > 0) ep.DriverOpts = n.driverOpts;
  if (n.links.length > 0) ep.Links = n.links;
  if (n.ipv4Address !== '' || n.ipv6Address !== '' || n.linkLocalIPs.length > 0) {
    ep.IPAMConfig = {
      IPv4Address: n.ipv4Address || undefined,
      IPv6Address: n.ipv6Address || undefined,
      LinkLocalIPs: n.linkLocalIPs.length ? n.linkLocalIPs : undefined,
    };
  }
  if (n.macAddress !== '') {
    if (!isMacAddress(n.macAddress)) throw new ParseError(`${n.macAddress} is not a valid mac address`);
    ep.MacAddress = n.macAddress;
  }
  return ep;
}

/** parseNetworkOpts: EndpointsConfig from --network and the legacy per-container flags. */
export function parseNetworkOpts(legacy: LegacyNetworkFlags, networks: NetworkAttachment[]): Map<string, EndpointSettingsValue> {
  const endpoints = new Map<string, EndpointSettingsValue>();
  let hasUserDefined = false;
  let hasNonUserDefined = false;
  if (networks.length === 0) {
    const n = parseNetworkOpt('default');
    applyContainerOptions(n, legacy);
    endpoints.set('default', endpointOf(n));
  }
  networks.forEach((n, i) => {
    if (isUserDefined(n.target)) hasUserDefined = true;
    else hasNonUserDefined = true;
    if (i === 0) applyContainerOptions(n, legacy);
    const ep = endpointOf(n);
    if (endpoints.has(n.target)) throw new ParseError(`network ${JSON.stringify(n.target)} is specified multiple times`);
    if (i === 0 && networks.length === 1 && isEmptyEndpoint(ep)) return;
    endpoints.set(n.target, ep);
  });
  if (hasUserDefined && hasNonUserDefined) {
    throw new ParseError('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  }
  return endpoints;
}
