/**
 * `berth network rm` / `berth network remove NETWORK...`: for each name in turn, GET
 * /networks/{name} (to ask before removing the swarm routing-mesh network) and DELETE
 * /networks/{name}; prints each removed name as given. A failure is printed on stderr at once
 * and the others are still tried; any failure ends with exit status 1. With -f, networks
 * that do not exist are skipped silently (cli/command/network/remove.go).
 */
import { escapePath } from '../../../client/index.js';
import { isNotFound } from '../../../lib/index.js';
import { BIN, defineCommand, StatusError } from '../../command.js';
import { confirm } from '../../prompt.js';
import { trimID } from './connect.js';

// compat: docker's text, with its name swapped for ours as in every message
const INGRESS_WARNING =
  `WARNING! Before removing the routing-mesh network, make sure all the nodes in your swarm run the same ${BIN} engine version. ` +
  'Otherwise, removal may not be effective and functionality of newly create ingress networks will be impaired.\nAre you sure you want to continue?';

export default defineCommand({
  name: 'rm',
  aliases: ['remove'],
  usage: 'rm NETWORK [NETWORK...]',
  description: 'Remove one or more networks',
  flags: [{ name: 'force', short: 'f', kind: 'bool', usage: 'Do not error if the network does not exist' }] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    let status = 0;
    for (const name of args) {
      let ingress = false;
      try {
        const nw = await cli.client.get<{ Ingress?: boolean } | null>(`/networks/${escapePath(trimID('network', name))}`);
        ingress = nw?.Ingress === true;
      } catch {
        // compat: docker only looks at the answer to warn about ingress; the removal reports errors
      }
      if (ingress && !(await confirm(cli, INGRESS_WARNING))) continue;
      try {
        await cli.client.delete(`/networks/${escapePath(trimID('network', name))}`);
      } catch (e) {
        if (opts.force && isNotFound(e)) continue;
        cli.err.write(cli.errorText(e) + '\n');
        status = 1;
        continue;
      }
      cli.out.write(name + '\n');
    }
    if (status !== 0) throw new StatusError(`exit status ${status}`, status);
  },
});
