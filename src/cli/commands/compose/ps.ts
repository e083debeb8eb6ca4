/**
 * `berth compose ps`: the project's containers as Compose v2 lists them
 * (NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS), or `-q` IDs, `--services` names,
 * `--format json` one JSON object per line.
 */
import { LABEL, nameOf } from '../../../compose/index.js';
import type { ContainerSummary } from '../../../api/types/index.js';
import { humanDuration } from '../../../lib/index.js';
import { tabulate } from '../../format/tabwriter.js';
import { parseUserTemplate, preFormat } from '../../format/formatter.js';
import { displayablePorts } from '../container/ports.js';
import { ellipsis, goQuote } from '../container/list.js';
import { defineComposeCommand } from './context.js';

export function psJson(c: ContainerSummary, now: number): Record<string, unknown> {
  return {
    Command: c.Command,
    CreatedAt: new Date(c.Created * 1000).toISOString(),
    ExitCode: Number(/Exited \((\d+)\)/.exec(c.Status)?.[1] ?? 0),
    Health: /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace('health: ', '') ?? '',
    ID: c.Id,
    Image: c.Image,
    Labels: c.Labels,
    Name: nameOf(c),
    Names: nameOf(c),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
    Ports: displayablePorts(c.Ports),
    Project: c.Labels[LABEL.project],
    Publishers: c.Ports.map((p) => ({ URL: p.IP ?? '', TargetPort: p.PrivatePort, PublishedPort: p.PublicPort ?? 0, Protocol: p.Type })),
    RunningFor: humanDuration(now - c.Created * 1000) + ' ago',
    Service: c.Labels[LABEL.service],
    State: c.State,
    Status: c.Status,
  };
}

export default defineComposeCommand({
  name: 'ps',
  usage: 'ps [OPTIONS] [SERVICE...]',
  description: 'List containers',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Show all stopped containers (including those created by the run command)' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display IDs' },
    { name: 'services', kind: 'bool', usage: 'Display services' },
    { name: 'format', kind: 'string', default: 'table', usage: 'Format the output. Values: [table | json]' },
    { name: 'status', kind: 'list', typeName: 'stringArray', usage: 'Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]' },
  ] as const,
  async run(ctx, opts, args) {
    const name = ctx.projectName();
    let list = await ctx.service.containers(name, { all: opts.all || opts.status.length > 0, services: args, oneoff: opts.all ? undefined : false });
    if (opts.status.length) list = list.filter((c) => opts.status.includes(c.State));
    if (opts.quiet) {
      for (const c of list) ctx.cli.out.write(c.Id + '\n');
      return;
    }
    if (opts.services) {
      for (const s of [...new Set(list.map((c) => c.Labels[LABEL.service]))]) ctx.cli.out.write(s + '\n');
      return;
    }
    const now = ctx.cli.now().getTime();
    if (opts.format === 'json') {
      for (const c of list) ctx.cli.out.write(JSON.stringify(psJson(c, now)) + '\n');
      return;
    }
    if (opts.format !== 'table' && opts.format !== '') {
      // a Go template over the JSON fields ({{.Name}}, {{.Service}}, {{.State}}, ...)
      const t = parseUserTemplate(preFormat(opts.format));
      for (const c of list) ctx.cli.out.write(t.execute(psJson(c, now)) + '\n');
      return;
    }
    let text = 'NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS\n';
    for (const c of list) {
      text += [nameOf(c), c.Image, goQuote(ellipsis(c.Command, 20)), c.Labels[LABEL.service] ?? '', humanDuration(now - c.Created * 1000) + ' ago', c.Status, displayablePorts(c.Ports)].join('\t') + '\n';
    }
    ctx.cli.out.write(tabulate(text, 0, 4, 3));
  },
});
