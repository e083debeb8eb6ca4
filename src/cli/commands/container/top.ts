/**
 * `berth container top` / `berth top CONTAINER [ps OPTIONS]`: GET /containers/{name}/top
 * (ps_args = the rest of the line, space-joined), printed as a table (tabwriter 20, 1, 3).
 */
import { defineCommand } from '../../command.js';
import { tabulate } from '../../format/tabwriter.js';
import { containerPath } from './create.js';
import { checkName } from './session.js';

export default defineCommand({
  name: 'top',
  usage: 'top CONTAINER [ps OPTIONS]',
  description: 'Display the running processes of a container',
  flags: [] as const,
  args: { min: 1 },
  interspersed: false,
  async run(cli, _opts, args) {
    const psArgs = args.slice(1);
    const procs = await cli.client.get<{ Titles: string[] | null; Processes: string[][] | null }>(`${containerPath(checkName(args[0]!))}/top`, {
      query: { ps_args: psArgs.length ? psArgs.join(' ') : undefined },
    });
    let text = (procs.Titles ?? []).join('\t') + '\n';
    for (const p of procs.Processes ?? []) text += p.join('\t') + '\n';
    cli.out.write(tabulate(text, 20, 1, 3));
  },
});
