/**
 * `berth image save` / `berth save IMAGE...`: GET /images/get?names=…, the tar written to
 * `-o FILE` (atomically: a temporary file beside it, renamed when complete) or to stdout,
 * which must not be a terminal.
 */
import { defineCommand } from '../../command.js';
import { writeArchive } from '../../files.js';
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
    await writeArchive(cli.out, opts.output, 'failed to save image', () => cli.client.stream('GET', '/images/get', { query: { names: args, platform } }));
  },
});
