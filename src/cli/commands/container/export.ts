/**
 * `berth container export` / `berth export CONTAINER`: GET /containers/{id}/export, the tar
 * written to `-o FILE` (atomically, mode 0600) or to stdout, which must not be a terminal.
 */
import type { Readable } from 'node:stream';
import { CliError, defineCommand } from '../../command.js';
import { AtomicFileWriter, copyToOutput } from '../../files.js';
import { containerPath } from './create.js';
import { checkName } from './session.js';

export default defineCommand({
  name: 'export',
  usage: 'export [OPTIONS] CONTAINER',
  description: "Export a container's filesystem as a tar archive",
  flags: [{ name: 'output', short: 'o', kind: 'string', usage: 'Write to a file, instead of STDOUT' }] as const,
  args: { min: 1, max: 1 },
  async run(cli, opts, args) {
    let file: AtomicFileWriter | undefined;
    if (opts.output === '') {
      if (cli.out.isTTY) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    } else {
      try {
        file = await AtomicFileWriter.create(opts.output, 0o600);
      } catch (e) {
        throw new CliError(`failed to export container: ${(e as Error).message}`, { cause: e });
      }
    }
    try {
      const body: Readable = await cli.client.stream('GET', `${containerPath(checkName(args[0]!))}/export`);
      if (file) await file.write(body);
      else await copyToOutput(body, cli.out);
    } catch (e) {
      await file?.abort();
      throw e;
    }
    await file?.commit();
  },
});
