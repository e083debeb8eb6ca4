/** `berth compose top [SERVICE...]`: each running container's processes, under its name. */
import { nameOf } from '../../../compose/index.js';
import { tabulate } from '../../format/tabwriter.js';
import { defineComposeCommand } from './context.js';

export default defineComposeCommand({
  name: 'top',
  usage: 'top [SERVICES...]',
  description: 'Display the running processes',
  flags: [] as const,
  async run(ctx, _o, args) {
    const list = await ctx.service.containers(ctx.projectName(), { services: args, oneoff: false });
    const tops = await Promise.all(list.map((c) => ctx.cli.client.get<{ Titles: string[] | null; Processes: string[][] | null }>(`/containers/${c.Id}/top`)));
    list.forEach((c, i) => {
      const t = tops[i]!;
      let text = (t.Titles ?? []).join('\t') + '\n';
      for (const p of t.Processes ?? []) text += p.join('\t') + '\n';
      ctx.cli.out.write(`${nameOf(c)}\n${tabulate(text, 0, 4, 3)}\n`);
    });
  },
});
