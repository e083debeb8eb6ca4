/** `berth compose logs [SERVICE...]`: every container's log, prefixed with its name ("web-1  | "). */
import { streamLogs, nameOf } from '../../../compose/index.js';
import type { ContainerJSON } from '../../../api/types/index.js';
import { defineComposeCommand } from './context.js';
import { LogPrinter, shortName } from './logs-printer.js';

export default defineComposeCommand({
  name: 'logs',
  usage: 'logs [OPTIONS] [SERVICE...]',
  description: 'View output from containers',
  flags: [
    { name: 'follow', short: 'f', kind: 'bool', usage: 'Follow log output' },
    { name: 'tail', short: 'n', kind: 'string', default: 'all', usage: 'Number of lines to show from the end of the logs for each container' },
    { name: 'timestamps', short: 't', kind: 'bool', usage: 'Show timestamps' },
    { name: 'since', kind: 'string', usage: 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
    { name: 'until', kind: 'string', usage: 'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
    { name: 'no-color', kind: 'bool', usage: 'Produce monochrome output' },
    { name: 'no-log-prefix', kind: 'bool', usage: "Don't print prefix in logs" },
    { name: 'index', kind: 'int', usage: 'index of the container if service has multiple replicas' },
  ] as const,
  async run(ctx, opts, args) {
    const project = ctx.projectName();
    let list = await ctx.service.containers(project, { all: true, services: args, oneoff: false });
    if (opts.index > 0) list = list.filter((c) => Number(c.Labels['com.docker.compose.container-number']) === opts.index);
    const shorts = list.map((c) => shortName(project, nameOf(c)));
    const printer = new LogPrinter(ctx.cli.out, shorts, { colour: ctx.colour && !opts.noColor, prefix: !opts.noLogPrefix });
    const abort = new AbortController();
    const stop = () => abort.abort();
    ctx.cli.signals.on('SIGINT', stop);
    try {
      await Promise.all(
        list.map(async (c, i) => {
          const info = await ctx.cli.client.get<ContainerJSON>(`/containers/${c.Id}/json`);
          await streamLogs(ctx.cli.client, c.Id, Boolean(info.Config.Tty), { follow: opts.follow, tail: opts.tail, timestamps: opts.timestamps, since: opts.since || undefined, until: opts.until || undefined, signal: abort.signal }, (_s, line) =>
            printer.line(shorts[i]!, line),
          );
        }),
      );
    } finally {
      ctx.cli.signals.off('SIGINT', stop);
    }
  },
});
