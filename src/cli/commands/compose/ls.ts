/** `berth compose ls`: projects known to the daemon (from container labels), with their states. */
import { tabulate } from '../../format/tabwriter.js';
import { defineComposeCommand } from './context.js';

export default defineComposeCommand({
  name: 'ls',
  usage: 'ls [OPTIONS]',
  description: 'List running compose projects',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Show all stopped Compose projects' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display project names' },
    { name: 'format', kind: 'string', default: 'table', usage: 'Format the output. Values: [table | json]' },
  ] as const,
  async run(ctx, o) {
    const projects = await ctx.service.projects(o.all);
    if (o.quiet) {
      for (const p of projects) ctx.cli.out.write(p.name + '\n');
      return;
    }
    if (o.format === 'json') {
      ctx.cli.out.write(JSON.stringify(projects.map((p) => ({ Name: p.name, Status: p.status, ConfigFiles: p.configFiles }))) + '\n');
      return;
    }
    let text = 'NAME\tSTATUS\tCONFIG FILES\n';
    for (const p of projects) text += `${p.name}\t${p.status}\t${p.configFiles}\n`;
    ctx.cli.out.write(tabulate(text, 0, 4, 3));
  },
});
