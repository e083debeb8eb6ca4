/** `berth compose images [SERVICE...]`: the images of the project's containers. */
import { nameOf } from '../../../compose/index.js';
import type { ImageInspect } from '../../../api/types/index.js';
import { tabulate } from '../../format/tabwriter.js';
import { defineComposeCommand } from './context.js';

function size(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0).replace(/\.0+$/, '')}${units[i]}`;
}

export default defineComposeCommand({
  name: 'images',
  usage: 'images [OPTIONS] [SERVICE...]',
  description: 'List images used by the created containers',
  flags: [
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display IDs' },
    { name: 'format', kind: 'string', default: 'table', usage: 'Format the output. Values: [table | json]' },
  ] as const,
  async run(ctx, o, args) {
    const list = await ctx.service.containers(ctx.projectName(), { all: true, services: args, oneoff: false });
    const rows: { container: string; repo: string; tag: string; id: string; size: number }[] = [];
    for (const c of list) {
      const img = await ctx.cli.client.get<ImageInspect>(`/images/${c.ImageID}/json`).catch(() => undefined);
      const ref = img?.RepoTags?.[0] ?? c.Image;
      const colon = ref.lastIndexOf(':');
      const slash = ref.lastIndexOf('/');
      const [repo, tag] = colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
      rows.push({ container: nameOf(c), repo, tag, id: (img?.Id ?? c.ImageID).replace(/^sha256:/, ''), size: img?.Size ?? 0 });
    }
    if (o.quiet) {
      for (const id of new Set(rows.map((r) => r.id))) ctx.cli.out.write(`sha256:${id}\n`);
      return;
    }
    if (o.format === 'json') {
      ctx.cli.out.write(JSON.stringify(rows.map((r) => ({ ContainerName: r.container, Repository: r.repo, Tag: r.tag, ID: `sha256:${r.id}`, Size: r.size }))) + '\n');
      return;
    }
    let text = 'CONTAINER\tREPOSITORY\tTAG\tIMAGE ID\tSIZE\n';
    for (const r of rows) text += `${r.container}\t${r.repo}\t${r.tag}\t${r.id.slice(0, 12)}\t${size(r.size)}\n`;
    ctx.cli.out.write(tabulate(text, 0, 4, 3));
  },
});
