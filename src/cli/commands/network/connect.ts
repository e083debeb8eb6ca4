/**
 * `berth network connect [OPTIONS] NETWORK CONTAINER`: POST /networks/{network}/connect with
 * the EndpointSettings docker's CLI builds (cli/command/network/connect.go), all of its
 * operational fields zero; prints nothing. Names are trimmed and must not be empty
 * (client.trimID: "invalid network name or ID: value is empty").
 */
import { escapePath } from '../../../client/index.js';
import { defineCommand } from '../../command.js';
import { goMarshal } from '../container/create-request.js';
import { validateLink } from '../container/values.js';
import { check, splitSlice, stringSlice } from './create.js';

/** client.trimID. */
export function trimID(kind: string, id: string): string {
  const t = id.trim();
  if (t === '') throw new Error(`invalid ${kind} name or ID: value is empty`);
  return t;
}

/** convertDriverOpt: `key=value` pairs, both trimmed; a missing "=" or an empty key is an error. */
function convertDriverOpt(options: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const opt of options) {
    const eq = opt.indexOf('=');
    const k = (eq < 0 ? opt : opt.slice(0, eq)).trim();
    if (eq < 0 || k === '') throw new Error('invalid key/value pair format in driver options');
    m.set(k, opt.slice(eq + 1).trim());
  }
  return m;
}

export default defineCommand({
  name: 'connect',
  usage: 'connect [OPTIONS] NETWORK CONTAINER',
  description: 'Connect a container to a network',
  flags: [
    { name: 'ip', kind: 'string', usage: 'IPv4 address (e.g., "172.30.100.104")' },
    { name: 'ip6', kind: 'string', usage: 'IPv6 address (e.g., "2001:db8::33")' },
    { name: 'link', kind: 'list', usage: 'Add link to another container', validate: check(validateLink) },
    stringSlice('alias', 'Add network-scoped alias for the container'),
    stringSlice('link-local-ip', 'Add a link-local address for the container'),
    stringSlice('driver-opt', 'driver options for the network'),
    { name: 'gw-priority', kind: 'int', usage: 'Highest gw-priority provides the default gateway. Accepts positive and negative values.' },
  ] as const,
  args: { min: 2, max: 2 },
  async run(cli, opts, args) {
    const driverOpts = convertDriverOpt(splitSlice(opts.driverOpt));
    const network = trimID('network', args[0]!);
    const container = trimID('container', args[1]!);
    const ipam: Record<string, unknown> = {};
    if (opts.ip) ipam['IPv4Address'] = opts.ip;
    if (opts.ip6) ipam['IPv6Address'] = opts.ip6;
    const linkLocal = splitSlice(opts.linkLocalIp);
    if (linkLocal.length) ipam['LinkLocalIPs'] = linkLocal;
    const body = {
      Container: container,
      EndpointConfig: {
        IPAMConfig: ipam,
        Links: opts.link.length ? opts.link : null,
        Aliases: splitSlice(opts.alias),
        MacAddress: '',
        DriverOpts: driverOpts,
        GwPriority: opts.gwPriority,
        NetworkID: '',
        EndpointID: '',
        Gateway: '',
        IPAddress: '',
        IPPrefixLen: 0,
        IPv6Gateway: '',
        GlobalIPv6Address: '',
        GlobalIPv6PrefixLen: 0,
        DNSNames: null,
      },
    };
    await cli.client.post(`/networks/${escapePath(network)}/connect`, {
      rawBody: goMarshal(body) + '\n',
      headers: { 'Content-Type': 'application/json' },
    });
  },
});
