/**
 * `berth image rm` / `berth image remove` / `berth rmi IMAGE...`: DELETE /images/{name} for each
 * name in turn (docker's runRemove), printing what the daemon did:
 *
 *   Untagged: busybox:latest
 *   Deleted: sha256:6b03d9d8398c…
 *
 * Failures are collected and reported together at the end, one per line, exit 1. With --force,
 * names that do not exist are reported on stderr but do not fail the command.
 */
import type { ImageDeleteItem } from '../../../api/types/index.js';
import { escapePath } from '../../../client/index.js';
import { isNotFound } from '../../../lib/index.js';
import { defineCommand, StatusError } from '../../command.js';
import { encodePlatform, requireApiVersion } from '../../platform.js';

export default defineCommand({
  name: 'rm',
  aliases: ['rmi', 'remove'],
  helpAliases: ['image rm', 'image remove', 'rmi'],
  usage: 'rm [OPTIONS] IMAGE [IMAGE...]',
  description: 'Remove one or more images',
  flags: [
    { name: 'force', short: 'f', kind: 'bool', usage: 'Force removal of the image' },
    { name: 'no-prune', kind: 'bool', usage: 'Do not delete untagged parents' },
    {
      name: 'platform',
      kind: 'list',
      typeName: 'strings',
      usage: 'Remove only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
    },
  ] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    if (opts.platform.length) await requireApiVersion(cli, '1.50', '--platform');
    // pflag's StringSlice: comma-separated values, repeatable
    const platforms = [...new Set(opts.platform.flatMap((p) => p.split(',')).map((p) => encodePlatform(p)))];
    let fatal = false;
    const errs: string[] = [];
    for (const name of args) {
      let dels: ImageDeleteItem[];
      try {
        dels =
          (await cli.client.delete<ImageDeleteItem[] | null>(`/images/${escapePath(name)}`, {
            query: { force: opts.force, noprune: opts.noPrune, platforms },
          })) ?? [];
      } catch (e) {
        if (!isNotFound(e)) fatal = true;
        errs.push(cli.errorText(e));
        continue;
      }
      let text = '';
      for (const d of dels) text += d.Deleted ? `Deleted: ${d.Deleted}\n` : `Untagged: ${d.Untagged ?? ''}\n`;
      cli.out.write(text);
    }
    if (errs.length === 0) return;
    if (!opts.force || fatal) throw new StatusError(errs.join('\n'), 1);
    cli.err.write(errs.join('\n') + '\n');
  },
});
