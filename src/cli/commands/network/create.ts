/**
 * `berth network create [OPTIONS] NETWORK`: POST /networks/create with docker's
 * NetworkCreateRequest (cli/command/network/create.go), printing the new network's ID.
 *
 * The body is what the Go client encodes: CreateOptions' fields in declaration order, then
 * Name; EnableIPv4/EnableIPv6 only when --ipv4/--ipv6 were given; maps (Options, Labels,
 * IPAM.Options, AuxiliaryAddresses) with sorted keys and never null; IPAM.Config consolidated
 * from --subnet/--ip-range/--gateway/--aux-address (ipam.ts); CheckDuplicate: true below
 * API 1.44.
 */
import { versionLessThan, type NetworkCreateResponse } from '../../../api/types/index.js';
import { defineCommand } from '../../command.js';
import type { FlagSpec } from '../../flags.js';
import { goMarshal } from '../container/create-request.js';
import { readCsvLine, validateLabel } from '../container/values.js';
import { createIPAMConfig } from './ipam.js';
import { requireFlagVersions } from './versions.js';

/** The flags' "version" annotations (the API version that introduced them). */
const FLAG_VERSIONS = { attachable: '1.25', ingress: '1.29', scope: '1.30', 'config-only': '1.30', 'config-from': '1.30' };

/** A flag validator from a parser: the parser's error is the flag's. */
export const check = (fn: (v: string) => unknown) => (v: string) => {
  fn(v);
};

/** pflag's StringSlice flag: comma-separated (CSV) values, repeatable. */
export const stringSlice = <const N extends string>(name: N, usage: string) =>
  ({ name, kind: 'list', typeName: 'strings', usage, validate: check(readCsvLine) }) as const satisfies FlagSpec;
/** opts.MapOpts without a validator: `key=value` (a bare key gets ""). */
const mapOpt = <const N extends string>(name: N, usage: string, short?: string) =>
  ({ name, short, kind: 'list', typeName: 'map', defaultText: 'map[]', usage }) as const satisfies FlagSpec;

/** The values of StringSlice flags: each occurrence split as CSV. */
export const splitSlice = (values: readonly string[]) => values.flatMap((v) => (v === '' ? [] : readCsvLine(v)));

/** MapOpts.GetAll: the last value of each key, keys sorted when marshalled. */
export function mapOf(values: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of values) {
    const eq = kv.indexOf('=');
    m.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1));
  }
  return m;
}

export default defineCommand({
  name: 'create',
  usage: 'create [OPTIONS] NETWORK',
  description: 'Create a network',
  flags: [
    { name: 'driver', short: 'd', kind: 'string', usage: 'Driver to manage the Network', default: 'bridge' },
    mapOpt('opt', 'Set driver specific options', 'o'),
    { name: 'label', kind: 'list', usage: 'Set metadata on a network', validate: check(validateLabel) },
    { name: 'internal', kind: 'bool', usage: 'Restrict external access to the network' },
    { name: 'ipv4', kind: 'bool', usage: 'Enable or disable IPv4 address assignment', default: true },
    { name: 'ipv6', kind: 'bool', usage: 'Enable or disable IPv6 address assignment' },
    { name: 'attachable', kind: 'bool', usage: 'Enable manual container attachment' },
    { name: 'ingress', kind: 'bool', usage: 'Create swarm routing-mesh network' },
    { name: 'scope', kind: 'string', usage: "Control the network's scope" },
    { name: 'config-only', kind: 'bool', usage: 'Create a configuration only network' },
    { name: 'config-from', kind: 'string', usage: 'The network from which to copy the configuration' },
    { name: 'ipam-driver', kind: 'string', usage: 'IP Address Management Driver', default: 'default' },
    stringSlice('subnet', 'Subnet in CIDR format that represents a network segment'),
    stringSlice('ip-range', 'Allocate container ip from a sub-range'),
    stringSlice('gateway', 'IPv4 or IPv6 Gateway for the master subnet'),
    mapOpt('aux-address', 'Auxiliary IPv4 or IPv6 addresses used by Network driver'),
    mapOpt('ipam-opt', 'Set IPAM driver specific options'),
  ] as const,
  args: { min: 1, max: 1 },
  async run(cli, opts, args, { changed }) {
    await requireFlagVersions(cli, changed, FLAG_VERSIONS);
    const ipam = createIPAMConfig({
      driver: opts.ipamDriver,
      subnets: splitSlice(opts.subnet),
      ipRanges: splitSlice(opts.ipRange),
      gateways: splitSlice(opts.gateway),
      auxAddresses: [...mapOf(opts.auxAddress)],
      driverOpts: mapOf(opts.ipamOpt),
    });
    const apiVersion = await cli.client.apiVersion();
    const body = {
      Driver: opts.driver,
      Scope: opts.scope,
      EnableIPv4: changed.has('ipv4') ? opts.ipv4 : undefined,
      EnableIPv6: changed.has('ipv6') ? opts.ipv6 : undefined,
      IPAM: ipam,
      Internal: opts.internal,
      Attachable: opts.attachable,
      Ingress: opts.ingress,
      ConfigOnly: opts.configOnly,
      ConfigFrom: opts.configFrom ? { Network: opts.configFrom } : null,
      Options: mapOf(opts.opt),
      Labels: mapOf(opts.label),
      Name: args[0]!,
      // compat: the Go client asks older daemons to refuse duplicate names (client.NetworkCreate)
      CheckDuplicate: versionLessThan(apiVersion, '1.44') ? true : undefined,
    };
    const res = await cli.client.post<NetworkCreateResponse>('/networks/create', {
      rawBody: goMarshal(body) + '\n',
      headers: { 'Content-Type': 'application/json' },
    });
    cli.out.write(`${res?.Id ?? ''}\n`);
  },
});
