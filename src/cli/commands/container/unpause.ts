/** `berth container unpause` / `berth unpause CONTAINER...`: POST /containers/{name}/unpause, in parallel. */
import { defineCommand, StatusError } from '../../command.js';
import { containerPath } from './create.js';
import { checkName, forEachContainer } from './session.js';

export default defineCommand({
  name: 'unpause',
  usage: 'unpause CONTAINER [CONTAINER...]',
  description: 'Unpause all processes within one or more containers',
  flags: [] as const,
  args: { min: 1 },
  async run(cli, _opts, args) {
    const errs = await forEachContainer(cli, args, async (name) => {
      await cli.client.post(`${containerPath(checkName(name))}/unpause`);
    });
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
});
