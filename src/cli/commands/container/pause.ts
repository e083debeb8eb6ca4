/** `berth container pause` / `berth pause CONTAINER...`: POST /containers/{name}/pause, in parallel. */
import { defineCommand, StatusError } from '../../command.js';
import { containerPath } from './create.js';
import { checkName, forEachContainer } from './session.js';

export default defineCommand({
  name: 'pause',
  usage: 'pause CONTAINER [CONTAINER...]',
  description: 'Pause all processes within one or more containers',
  flags: [] as const,
  args: { min: 1 },
  async run(cli, _opts, args) {
    const errs = await forEachContainer(cli, args, async (name) => {
      await cli.client.post(`${containerPath(checkName(name))}/pause`);
    });
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
});
