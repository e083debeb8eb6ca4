/**
 * `berth image prune`: POST /images/prune with `dangling=true` (or `false` with --all) added to
 * the filters, plus the config file's pruneFilters. Without --force it asks first (on stdout,
 * reading a line from stdin); any answer but "y"/"Y" ends quietly, exit 0. Then:
 *
 *   Deleted Images:
 *   untagged: busybox:old
 *   deleted: sha256:…
 *
 *   Total reclaimed space: 4.26MB
 */
import type { ImagesPruneReport } from '../../../api/types/index.js';
import { Filters } from '../../../lib/index.js';
import { defineCommand } from '../../command.js';
import type { Cli } from '../../cli.js';
import { filterFlag } from '../../common-flags.js';
import { humanSize } from '../../format/units.js';
import { confirm } from '../../prompt.js';

const ALL_IMAGES_WARNING = `WARNING! This will remove all images without at least one container associated to them.
Are you sure you want to continue?`;
const DANGLING_WARNING = `WARNING! This will remove all dangling images.
Are you sure you want to continue?`;

/** command.PruneFilters: adds the config file's `pruneFilters` ("label!=x" and "label=x" exclude each other). */
export function withConfigPruneFilters(cli: Cli, filters: Filters): Filters {
  const configured = cli.config()['pruneFilters'];
  if (!Array.isArray(configured)) return filters;
  for (const f of configured) {
    if (typeof f !== 'string') continue;
    const eq = f.indexOf('=');
    if (eq < 0) continue;
    const k = f.slice(0, eq);
    const v = f.slice(eq + 1);
    if (k === 'label' && filters.exactMatch('label!', v)) continue;
    if (k === 'label!' && filters.exactMatch('label', v)) continue;
    filters.add(k, v);
  }
  return filters;
}

/** The report as docker prints it: the "Deleted Images:" block (when any) and the space line. */
export function formatPruneReport(report: ImagesPruneReport): string {
  const deleted = report.ImagesDeleted ?? [];
  let out = '';
  let reclaimed = 0;
  if (deleted.length > 0) {
    out += 'Deleted Images:\n';
    for (const d of deleted) out += d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted ?? ''}\n`;
    out += '\n';
    reclaimed = report.SpaceReclaimed;
  }
  return out + `Total reclaimed space: ${humanSize(reclaimed)}\n`;
}

export default defineCommand({
  name: 'prune',
  usage: 'prune [OPTIONS]',
  description: 'Remove unused images',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused images, not just dangling ones' },
    { ...filterFlag, short: undefined, usage: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
  ] as const,
  args: { max: 0 },
  async run(cli, opts) {
    const filters = Filters.fromArgs(opts.filter);
    filters.add('dangling', String(!opts.all));
    withConfigPruneFilters(cli, filters);
    if (!opts.force && !(await confirm(cli, opts.all ? ALL_IMAGES_WARNING : DANGLING_WARNING))) {
      // compat: docker treats the refusal as a cancellation: nothing printed, exit 0
      return 0;
    }
    const report = await cli.client.post<ImagesPruneReport>('/images/prune', { query: { filters } });
    cli.out.write(formatPruneReport(report ?? { ImagesDeleted: null, SpaceReclaimed: 0 }));
  },
});
