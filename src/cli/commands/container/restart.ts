/**
 * `berth container restart` / `berth restart CONTAINER...`: POST /containers/{name}/restart
 * for each name in turn (docker does not parallelize restart), with stop's -t and -s.
 */
import { defineCommand, StatusError } from '../../command.js';
import { containerPath } from './create.js';
import { checkName } from './session.js';
import { STOP_FLAGS, stopQuery } from './stop.js';

export default defineCommand({
  name: 'restart',
  usage: 'restart [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Restart one or more containers',
  flags: STOP_FLAGS,
  args: { min: 1 },
  async run(cli, opts, args, { changed }) {
    const query = await stopQuery(cli, opts, changed);
    const errs: string[] = [];
    for (const name of args) {
      try {
        await cli.client.post(`${containerPath(checkName(name))}/restart`, { query });
      } catch (e) {
        errs.push(cli.errorText(e));
        continue;
      }
      cli.out.write(`${name}\n`);
    }
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
});
