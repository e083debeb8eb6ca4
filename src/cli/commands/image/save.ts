/**
 * `berth image save` / `berth save IMAGE...`: GET /images/get?names=…, the tar written to
 * `-o FILE` (atomically: a temporary file beside it, renamed when complete) or to stdout,
 * which must not be a terminal.
 */
import type { Readable } from 'node:stream';
import { CliError, defineCommand } from '../../command.js';
import { AtomicFileWriter, copyToOutput } from '../../files.js';
import { encodePlatform, requireApiVersion } from '../../platform.js';

export default defineCommand({
  name: 'save',
  usage: 'save [OPTIONS] IMAGE [IMAGE...]',
  description: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  flags: [
    { name: 'output', short: 'o', kind: 'string', usage: 'Write to a file, instead of STDOUT' },
    {
      name: 'platform',
      kind: 'string',
      usage: 'Save only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
    },
  ] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    if (opts.platform) await requireApiVersion(cli, '1.48', '--platform');
    const platform = opts.platform ? [encodePlatform(opts.platform, 'invalid platform: ')] : [];
    let file: AtomicFileWriter | undefined;
    if (opts.output === '') {
      if (cli.out.isTTY) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    } else {
      try {
        file = await AtomicFileWriter.create(opts.output, 0o600);
      } catch (e) {
        throw new CliError(`failed to save image: ${(e as Error).message}`, { cause: e });
      }
    }
    try {
      const body: Readable = await cli.client.stream('GET', '/images/get', { query: { names: args, platform } });
      if (file) await file.write(body);
      else await copyToOutput(body, cli.out);
    } catch (e) {
      await file?.abort();
      throw e;
    }
    await file?.commit();
  },
});
