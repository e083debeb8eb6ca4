/**
 * `berth container rename` / `berth rename CONTAINER NEW_NAME`: POST /containers/{name}/rename?name=…
 * A daemon error is printed, then "Error: failed to rename container named <name>", exit 1.
 */
import { CliError, defineCommand } from '../../command.js';
import { containerPath } from './create.js';
import { checkName } from './session.js';

export default defineCommand({
  name: 'rename',
  usage: 'rename CONTAINER NEW_NAME',
  description: 'Rename a container',
  flags: [] as const,
  args: { min: 2, max: 2 },
  async run(cli, _opts, args) {
    const oldName = args[0]!.trim();
    const newName = args[1]!.trim();
    if (oldName === '' || newName === '') throw new CliError('Error: Neither old nor new names may be empty');
    try {
      await cli.client.post(`${containerPath(checkName(oldName))}/rename`, { query: { name: newName } });
    } catch (e) {
      cli.err.write(cli.errorText(e) + '\n');
      throw new CliError(`Error: failed to rename container named ${oldName}`);
    }
  },
});
