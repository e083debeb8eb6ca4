/** `berth container kill` / `berth kill [-s SIGNAL] CONTAINER...`: POST /containers/{name}/kill, in parallel. */
import { defineCommand, StatusError } from '../../command.js';
import { containerPath } from './create.js';
import { checkName, forEachContainer } from './session.js';

export default defineCommand({
  name: 'kill',
  usage: 'kill [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Kill one or more running containers',
  flags: [{ name: 'signal', short: 's', kind: 'string', usage: 'Signal to send to the container' }] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    const errs = await forEachContainer(cli, args, async (name) => {
      await cli.client.post(`${containerPath(checkName(name))}/kill`, { query: { signal: opts.signal || undefined } });
    });
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
});
