/**
 * `berth network disconnect [OPTIONS] NETWORK CONTAINER`: POST /networks/{network}/disconnect
 * with `{"Container": …, "Force": …}`; prints nothing.
 */
import { escapePath } from '../../../client/index.js';
import { defineCommand } from '../../command.js';
import { goMarshal } from '../container/create-request.js';
import { trimID } from './connect.js';

export default defineCommand({
  name: 'disconnect',
  usage: 'disconnect [OPTIONS] NETWORK CONTAINER',
  description: 'Disconnect a container from a network',
  flags: [{ name: 'force', short: 'f', kind: 'bool', usage: 'Force the container to disconnect from a network' }] as const,
  args: { min: 2, max: 2 },
  async run(cli, opts, args) {
    const network = trimID('network', args[0]!);
    const container = trimID('container', args[1]!);
    await cli.client.post(`/networks/${escapePath(network)}/disconnect`, {
      rawBody: goMarshal({ Container: container, Force: opts.force }) + '\n',
      headers: { 'Content-Type': 'application/json' },
    });
  },
});
