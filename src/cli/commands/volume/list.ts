/**
 * `berth volume ls` / `berth volume list`: GET /volumes, sorted by name in natural order, printed
 * as docker 28's table (cli/command/formatter/volume.go):
 *
 *   DRIVER    VOLUME NAME
 *   local     myvol
 */
import type { Volume, VolumeListResponse } from '../../../api/types/index.js';
import { Filters } from '../../../lib/index.js';
import { defineCommand } from '../../command.js';
import { FORMAT_HELP, filterFlag } from '../../common-flags.js';
import { renderList, rowContext, TABLE_FORMAT_KEY, type Formatter } from '../../format/formatter.js';
import { GO_TYPE } from '../../format/template.js';
import { humanSize } from '../../format/units.js';

const DEFAULT_TABLE = 'table {{.Driver}}\t{{.Name}}';

/** formatter.NewVolumeFormat. */
export function volumeFormat(source: string, quiet: boolean): string {
  if (source === TABLE_FORMAT_KEY) return quiet ? '{{.Name}}' : DEFAULT_TABLE;
  if (source === 'raw') return quiet ? 'name: {{.Name}}' : 'name: {{.Name}}\ndriver: {{.Driver}}\n';
  return source;
}

/** The volume columns (formatter.volumeContext). */
export const volumeFormatter: Formatter<Volume> = {
  headers: {
    Name: 'VOLUME NAME',
    Group: 'GROUP',
    Driver: 'DRIVER',
    Scope: 'SCOPE',
    Availability: 'AVAILABILITY',
    Mountpoint: 'MOUNTPOINT',
    Labels: 'LABELS',
    Links: 'LINKS',
    Size: 'SIZE',
    Status: 'STATUS',
  },
  defaultTable: DEFAULT_TABLE,
  row: (v) => {
    const row = rowContext({
      Name: () => v.Name,
      Driver: () => v.Driver,
      Scope: () => v.Scope,
      Mountpoint: () => v.Mountpoint,
      // compat: docker joins the labels in Go map order (random); we sort them
      Labels: () => (v.Labels ? Object.entries(v.Labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => `${k}=${x}`).join(',') : ''),
      Label: (name: string) => v.Labels?.[name] ?? '',
      Links: () => (v.UsageData ? String(v.UsageData.RefCount) : 'N/A'),
      Size: () => (v.UsageData ? humanSize(v.UsageData.Size) : 'N/A'),
      Group: () => 'N/A',
      Availability: () => 'N/A',
      Status: () => 'N/A',
    });
    Object.defineProperty(row, GO_TYPE, { value: '*formatter.volumeContext' });
    return row;
  },
};

/** sortorder.NaturalLess: digit runs compare as numbers. */
export function naturalLess(a: string, b: string): boolean {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = x.replace(/^0+/, '');
      const ny = y.replace(/^0+/, '');
      if (nx.length !== ny.length) return nx.length < ny.length;
      if (nx !== ny) return nx < ny;
      return x.length < y.length;
    }
    return x < y;
  }
  return pa.length < pb.length;
}

export default defineCommand({
  name: 'ls',
  aliases: ['list'],
  usage: 'ls [OPTIONS]',
  description: 'List volumes',
  flags: [
    { name: 'cluster', kind: 'bool', hidden: true, usage: 'Display only cluster volumes, and use cluster volume list formatting' },
    { ...filterFlag, usage: "Provide filter values (e.g. \"dangling=true\")" },
    { name: 'format', kind: 'string', usage: FORMAT_HELP },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display volume names' },
  ] as const,
  args: { max: 0 },
  async run(cli, opts) {
    const filters = Filters.fromArgs(opts.filter);
    const res = await cli.client.get<VolumeListResponse>('/volumes', { query: { filters } });
    const volumes = [...(res?.Volumes ?? [])].sort((a, b) => (naturalLess(a.Name, b.Name) ? -1 : naturalLess(b.Name, a.Name) ? 1 : 0));
    let format = opts.format;
    if (format === '') {
      const configured = cli.config()['volumesFormat'];
      format = typeof configured === 'string' && configured && !opts.quiet ? configured : TABLE_FORMAT_KEY;
    }
    cli.out.write(renderList(volumeFormat(format, opts.quiet), volumes, volumeFormatter));
  },
});
