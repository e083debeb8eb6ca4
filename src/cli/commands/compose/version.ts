/** `berth compose version`: the Compose version whose behaviour berth compose follows. */
import { COMPOSE_VERSION } from '../../../compose/index.js';
import { defineComposeCommand } from './context.js';

export default defineComposeCommand({
  name: 'version',
  usage: 'version [OPTIONS]',
  description: 'Show the Docker Compose version information',
  flags: [
    { name: 'short', kind: 'bool', usage: "Shows only Compose's version number" },
    { name: 'format', short: 'f', kind: 'string', usage: 'Format the output. Values: [pretty | json]. (Default: pretty)' },
  ] as const,
  async run(ctx, o) {
    if (o.short) ctx.cli.out.write(`${COMPOSE_VERSION}\n`);
    else if (o.format === 'json') ctx.cli.out.write(JSON.stringify({ version: `v${COMPOSE_VERSION}` }) + '\n');
    else ctx.cli.out.write(`Berth Compose version v${COMPOSE_VERSION}\n`);
  },
});
