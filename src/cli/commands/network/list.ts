/**
 * `berth network ls` / `berth network list`: GET /networks (filters as given), sorted by name
 * in natural order and printed as docker 28's table (cli/command/network/list.go, formatter.go):
 *
 *   NETWORK ID     NAME      DRIVER    SCOPE
 *   1b2c3d4e5f60   bridge    bridge    local
 *
 * `--format` takes the usual table/json/Go templates over the fields ID, Name, Driver, Scope,
 * IPv4, IPv6, Internal, Labels, CreatedAt and the method Label "key"; -q prints IDs only;
 * IDs are cut to 12 characters unless --no-trunc. The config file's networksFormat is the
 * default format when neither --format nor -q is given.
 */
import type { NetworkResource } from '../../../api/types/index.js';
import { Filters } from '../../../lib/index.js';
import { defineCommand } from '../../command.js';
import { FORMAT_HELP } from '../../common-flags.js';
import type { FlagSpec } from '../../flags.js';
import { renderList, rowContext, TABLE_FORMAT_KEY, type Formatter } from '../../format/formatter.js';
import { goTimeString } from '../../format/gotime.js';
import { GO_TYPE } from '../../format/template.js';
import { naturalLess } from '../container/ports.js';

const DEFAULT_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

/** A network as listed; API versions differ in which fields they send. */
export type NetworkSummary = Partial<NetworkResource> & { EnableIPv4?: boolean };

/** NewFormat: the template for a --format value and -q. */
export function networkFormat(source: string, quiet: boolean): string {
  if (source === TABLE_FORMAT_KEY) return quiet ? '{{.ID}}' : DEFAULT_TABLE;
  if (source === 'raw') return quiet ? 'network_id: {{.ID}}' : 'network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: {{.Scope}}\\n';
  return source;
}

/** stringid.TruncateID. */
function truncateId(id: string): string {
  const hex = id.slice(id.indexOf(':') + 1);
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}

/** The list's columns (networkContext). */
export const networkFormatter: Formatter<NetworkSummary> = {
  headers: {
    ID: 'NETWORK ID',
    Name: 'NAME',
    Driver: 'DRIVER',
    Scope: 'SCOPE',
    IPv4: 'IPV4',
    IPv6: 'IPV6',
    Internal: 'INTERNAL',
    Labels: 'LABELS',
    CreatedAt: 'CREATED AT',
  },
  defaultTable: DEFAULT_TABLE,
  row: (n, { trunc }) => {
    const labels = n.Labels ?? null;
    const row = rowContext({
      ID: () => (trunc ? truncateId(n.Id ?? '') : (n.Id ?? '')),
      Name: () => n.Name ?? '',
      Driver: () => n.Driver ?? '',
      Scope: () => n.Scope ?? '',
      IPv4: () => String(n.EnableIPv4 ?? false),
      IPv6: () => String(n.EnableIPv6 ?? false),
      Internal: () => String(n.Internal ?? false),
      // compat: docker joins a Go map here, in random order
      Labels: () => (labels ? Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') : ''),
      Label: (name: string) => (labels ? (labels[name] ?? '') : ''),
      CreatedAt: () => goTimeString(n.Created ?? '') ?? '0001-01-01 00:00:00 +0000 UTC',
    });
    Object.defineProperty(row, GO_TYPE, { value: '*network.networkContext' });
    return row;
  },
};

/** -f/--filter of network ls (opts.FilterOpt; an empty value is ignored). */
const filterFlag = {
  name: 'filter',
  short: 'f',
  kind: 'list',
  typeName: 'filter',
  usage: 'Provide filter values (e.g. "driver=bridge")',
  validate: (v: string) => {
    if (v !== '') Filters.fromArgs([v]);
  },
} as const satisfies FlagSpec;

export default defineCommand({
  name: 'ls',
  aliases: ['list'],
  usage: 'ls [OPTIONS]',
  description: 'List networks',
  flags: [
    filterFlag,
    { name: 'format', kind: 'string', usage: FORMAT_HELP },
    { name: 'no-trunc', kind: 'bool', usage: 'Do not truncate the output' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display network IDs' },
  ] as const,
  args: { max: 0 },
  async run(cli, opts) {
    const filters = Filters.fromArgs(opts.filter.filter((v) => v !== ''));
    const networks = (await cli.client.get<NetworkSummary[] | null>('/networks', { query: { filters } })) ?? [];
    let format = opts.format;
    if (format === '') {
      const configured = cli.config().networksFormat;
      format = configured && !opts.quiet ? configured : TABLE_FORMAT_KEY;
    }
    networks.sort((a, b) => (naturalLess(a.Name ?? '', b.Name ?? '') ? -1 : naturalLess(b.Name ?? '', a.Name ?? '') ? 1 : 0));
    cli.out.write(renderList(networkFormat(format, opts.quiet), networks, networkFormatter, { trunc: !opts.noTrunc }));
  },
});
