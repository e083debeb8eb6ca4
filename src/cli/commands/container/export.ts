/**
 * `berth container export` / `berth export CONTAINER`: GET /containers/{id}/export, the tar
 * written to `-o FILE` (atomically, mode 0600) or to stdout, which must not be a terminal.
 */
import { defineCommand } from '../../command.js';
import { writeArchive } from '../../files.js';
import { containerPath } from './create.js';
import { checkName } from './session.js';

export default defineCommand({
  name: 'export',
  usage: 'export [OPTIONS] CONTAINER',
  description: "Export a container's filesystem as a tar archive",
  flags: [{ name: 'output', short: 'o', kind: 'string', usage: 'Write to a file, instead of STDOUT' }] as const,
  args: { min: 1, max: 1 },
  async run(cli, opts, args) {
    await writeArchive(cli.out, opts.output, 'failed to export container', () => cli.client.stream('GET', `${containerPath(checkName(args[0]!))}/export`));
  },
});
