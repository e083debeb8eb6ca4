/**
 * `berth system df`: GET /system/df, printed as docker 28.2's `docker system df`
 * (cli/command/system/df.go; the formatting is df-format.ts). docker 28.2 sends no `type`
 * filter and asks for every object type, with or without -v.
 */
import { defineCommand } from '../../command.js';
import { FORMAT_HELP } from '../../common-flags.js';
import { writeDiskUsage, type DiskUsageReport } from './df-format.js';

export default defineCommand({
  name: 'df',
  usage: 'df [OPTIONS]',
  description: 'Show berth disk usage',
  flags: [
    { name: 'format', kind: 'string', usage: FORMAT_HELP },
    { name: 'verbose', short: 'v', kind: 'bool', usage: 'Show detailed information on space usage' },
  ] as const,
  args: { max: 0 },
  async run(cli, opts) {
    const du = (await cli.client.get<DiskUsageReport>('/system/df')) ?? {};
    writeDiskUsage(du, { format: opts.format, verbose: opts.verbose, now: () => cli.now() }, (s) => cli.out.write(s));
  },
});
