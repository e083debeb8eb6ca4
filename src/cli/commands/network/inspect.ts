/**
 * `berth network inspect [OPTIONS] NETWORK [NETWORK...]`: GET /networks/{name} per name
 * (`verbose=true` with -v), printed by docker's inspect machinery (../../inspect.ts): the
 * daemon's documents as one indented array, or a template per network, templates running on
 * docker's typed network.Inspect (below); missing networks reported at the end, exit 1.
 */
import { escapePath } from '../../../client/index.js';
import type { Cli } from '../../cli.js';
import { defineCommand } from '../../command.js';
import { INSPECT_FORMAT_HELP } from '../../common-flags.js';
import { GO_PRINT } from '../../format/gofmt.js';
import { goTimeString } from '../../format/gotime.js';
import { bool, decodeGo, f, int, map, slice, str, struct, time } from '../../format/gotype.js';
import { inspectAll, readText, type InspectDocument } from '../../inspect.js';
import { trimID } from './connect.js';

const ipamConfig = struct('network.IPAMConfig', [
  f('Subnet', str, { omitempty: true }),
  f('IPRange', str, { omitempty: true }),
  f('Gateway', str, { omitempty: true }),
  f('AuxAddress', map(str), { json: 'AuxiliaryAddresses', omitempty: true }),
]);
const endpointResource = struct('network.EndpointResource', [f('Name', str), f('EndpointID', str), f('MacAddress', str), f('IPv4Address', str), f('IPv6Address', str)]);
const task = struct('network.Task', [f('Name', str), f('EndpointID', str), f('EndpointIP', str), f('Info', map(str))]);
const serviceInfo = struct('network.ServiceInfo', [f('VIP', str), f('Ports', slice(str)), f('LocalLBIndex', int), f('Tasks', slice(task))]);

/** network.Inspect of the vendored moby v28.2 api/types/network/network.go, in declaration order. */
export const NETWORK_INSPECT = struct('network.Inspect', [
  f('Name', str),
  f('ID', str, { json: 'Id' }),
  f('Created', time),
  f('Scope', str),
  f('Driver', str),
  f('EnableIPv4', bool),
  f('EnableIPv6', bool),
  f('IPAM', struct('network.IPAM', [f('Driver', str), f('Options', map(str)), f('Config', slice(ipamConfig))])),
  f('Internal', bool),
  f('Attachable', bool),
  f('Ingress', bool),
  f('ConfigFrom', struct('network.ConfigReference', [f('Network', str)])),
  f('ConfigOnly', bool),
  f('Containers', map(endpointResource)),
  f('Options', map(str)),
  f('Labels', map(str)),
  f('Peers', slice(struct('network.PeerInfo', [f('Name', str), f('IP', str)])), { omitempty: true }),
  f('Services', map(serviceInfo), { omitempty: true }),
]);

/** The typed view of a network document; `{{.Created}}` prints as Go's Time.String(). */
export function typedNetworkView(doc: unknown): unknown {
  const view = decodeGo(NETWORK_INSPECT, doc) as Record<string, unknown>;
  const created = String(view['Created']);
  const value = Object.defineProperties(
    {},
    {
      [GO_PRINT]: { value: () => goTimeString(created) ?? created },
      toJSON: { value: () => created },
    },
  );
  Object.defineProperty(view, 'Created', { value, enumerable: true, configurable: true });
  return view;
}

/** NetworkInspectWithRaw. */
export async function inspectNetworkRaw(cli: Cli, ref: string, verbose: boolean): Promise<InspectDocument> {
  const id = trimID('network', ref);
  const res = await cli.client.request('GET', `/networks/${escapePath(id)}`, { query: { verbose: verbose ? 'true' : undefined } });
  const raw = await readText(res.body);
  return { raw, value: typedNetworkView(JSON.parse(raw)) };
}

export default defineCommand({
  name: 'inspect',
  usage: 'inspect [OPTIONS] NETWORK [NETWORK...]',
  description: 'Display detailed information on one or more networks',
  flags: [
    { name: 'format', short: 'f', kind: 'string', usage: INSPECT_FORMAT_HELP },
    { name: 'verbose', short: 'v', kind: 'bool', usage: 'Verbose output for diagnostics' },
  ] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    await inspectAll(cli, args, opts.format, (ref) => inspectNetworkRaw(cli, ref, opts.verbose));
  },
});
