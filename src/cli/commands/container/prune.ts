/**
 * `berth container prune`: POST /containers/prune (filters from --filter and the config file's
 * pruneFilters), after a confirmation unless -f. Prints the deleted IDs and the space:
 *
 *   Deleted Containers:
 *   4a7f…
 *
 *   Total reclaimed space: 12B
 */
import type { ContainersPruneReport } from '../../../api/types/index.js';
import { Filters } from '../../../lib/index.js';
import { defineCommand } from '../../command.js';
import { filterFlag } from '../../common-flags.js';
import { humanSize } from '../../format/units.js';
import { confirm } from '../../prompt.js';
import { withConfigPruneFilters } from '../image/prune.js';

const WARNING = `WARNING! This will remove all stopped containers.
Are you sure you want to continue?`;

/** The report as docker prints it. */
export function formatContainerPruneReport(report: ContainersPruneReport): string {
  const deleted = report.ContainersDeleted ?? [];
  let out = '';
  let reclaimed = 0;
  if (deleted.length > 0) {
    out = 'Deleted Containers:\n' + deleted.map((id) => id + '\n').join('') + '\n';
    reclaimed = report.SpaceReclaimed;
  }
  return out + `Total reclaimed space: ${humanSize(reclaimed)}\n`;
}

export default defineCommand({
  name: 'prune',
  usage: 'prune [OPTIONS]',
  description: 'Remove all stopped containers',
  flags: [
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
    { ...filterFlag, short: undefined, usage: 'Provide filter values (e.g. "until=<timestamp>")' },
  ] as const,
  args: { max: 0 },
  async run(cli, opts) {
    const filters = withConfigPruneFilters(cli, Filters.fromArgs(opts.filter));
    // compat: a refusal is docker's cancelled error: nothing printed, exit 0
    if (!opts.force && !(await confirm(cli, WARNING))) return 0;
    const report = await cli.client.post<ContainersPruneReport>('/containers/prune', { query: { filters } });
    cli.out.write(formatContainerPruneReport(report ?? { ContainersDeleted: null, SpaceReclaimed: 0 }));
  },
});
