/**
 * `berth network prune`: POST /networks/prune with --filter and the config file's
 * pruneFilters. Without --force it asks first (on stdout, reading a line from stdin); any
 * answer but "y"/"Y" ends quietly, exit 0. Then, when anything was removed:
 *
 *   Deleted Networks:
 *   net1
 *   net2
 *
 * (the names, then an empty line); nothing at all when nothing was removed.
 */
import type { NetworksPruneReport } from '../../../api/types/index.js';
import { Filters } from '../../../lib/index.js';
import { defineCommand } from '../../command.js';
import { filterFlag } from '../../common-flags.js';
import { confirm } from '../../prompt.js';
import { withConfigPruneFilters } from '../image/prune.js';
import { requireCommandVersion } from './versions.js';

const WARNING = `WARNING! This will remove all custom networks not used by at least one container.
Are you sure you want to continue?`;

export default defineCommand({
  name: 'prune',
  usage: 'prune [OPTIONS]',
  description: 'Remove all unused networks',
  flags: [
    { ...filterFlag, short: undefined, usage: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
  ] as const,
  args: { max: 0 },
  async run(cli, opts) {
    await requireCommandVersion(cli, ['network', 'prune'], '1.25');
    const filters = withConfigPruneFilters(cli, Filters.fromArgs(opts.filter));
    if (!opts.force && !(await confirm(cli, WARNING))) {
      // compat: docker's refusal is a cancellation: nothing printed, exit 0
      return 0;
    }
    const report = await cli.client.post<NetworksPruneReport | null>('/networks/prune', { query: { filters } });
    const deleted = report?.NetworksDeleted ?? [];
    if (deleted.length > 0) cli.out.write(`Deleted Networks:\n${deleted.map((n) => n + '\n').join('')}\n`);
  },
});
