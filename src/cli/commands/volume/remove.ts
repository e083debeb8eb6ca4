/**
 * `berth volume rm` / `berth volume remove VOLUME...`: DELETE /volumes/{name} for each name in
 * turn, printing each removed name; failures are reported together at the end, exit 1
 * (docker's runRemove with errors.Join).
 */
import { escapePath } from '../../../client/index.js';
import { defineCommand, StatusError } from '../../command.js';

export default defineCommand({
  name: 'rm',
  aliases: ['remove'],
  usage: 'rm [OPTIONS] VOLUME [VOLUME...]',
  description: 'Remove one or more volumes',
  flags: [{ name: 'force', short: 'f', kind: 'bool', usage: 'Force the removal of one or more volumes' }] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    const errs: string[] = [];
    for (const name of args) {
      try {
        await cli.client.delete(`/volumes/${escapePath(name)}`, { query: { force: opts.force || undefined } });
      } catch (e) {
        errs.push(cli.errorText(e));
        continue;
      }
      cli.out.write(`${name}\n`);
    }
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
});
