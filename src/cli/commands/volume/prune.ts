/**
 * `berth volume prune`: POST /volumes/prune. Since API 1.42 the daemon removes only anonymous
 * volumes unless `all=true` (-a); after a confirmation unless -f:
 *
 *   Deleted Volumes:
 *   myvol
 *
 *   Total reclaimed space: 12B
 */
import type { VolumesPruneReport } from '../../../api/types/index.js';
import { Filters } from '../../../lib/index.js';
import { defineCommand, StatusError } from '../../command.js';
import { filterFlag } from '../../common-flags.js';
import { humanSize } from '../../format/units.js';
import { confirm } from '../../prompt.js';
import { withConfigPruneFilters } from '../image/prune.js';

const UNUSED_WARNING = `WARNING! This will remove anonymous local volumes not used by at least one container.
Are you sure you want to continue?`;
const ALL_WARNING = `WARNING! This will remove all local volumes not used by at least one container.
Are you sure you want to continue?`;

/** The report as docker prints it. */
export function formatVolumePruneReport(report: VolumesPruneReport): string {
  const deleted = report.VolumesDeleted ?? [];
  let out = '';
  let reclaimed = 0;
  if (deleted.length > 0) {
    out = 'Deleted Volumes:\n' + deleted.map((n) => n + '\n').join('') + '\n';
    reclaimed = report.SpaceReclaimed;
  }
  return out + `Total reclaimed space: ${humanSize(reclaimed)}\n`;
}

export default defineCommand({
  name: 'prune',
  usage: 'prune [OPTIONS]',
  description: 'Remove unused local volumes',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused volumes, not just anonymous ones' },
    { ...filterFlag, short: undefined, usage: 'Provide filter values (e.g. "label=<label>")' },
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
  ] as const,
  args: { max: 0 },
  async run(cli, opts) {
    const filters = withConfigPruneFilters(cli, Filters.fromArgs(opts.filter));
    let warning = UNUSED_WARNING;
    if (opts.all) {
      if (filters.has('all')) throw new StatusError('conflicting options: cannot specify both --all and --filter all=1', 1);
      filters.add('all', 'true');
      warning = ALL_WARNING;
    }
    // compat: a refusal is docker's cancelled error: nothing printed, exit 0
    if (!opts.force && !(await confirm(cli, warning))) return 0;
    const report = await cli.client.post<VolumesPruneReport>('/volumes/prune', { query: { filters } });
    cli.out.write(formatVolumePruneReport(report ?? { VolumesDeleted: null, SpaceReclaimed: 0 }));
  },
});
