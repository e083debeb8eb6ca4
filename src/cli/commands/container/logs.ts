/**
 * `berth container logs` / `berth logs CONTAINER`: GET /containers/{name}/json (for
 * Config.Tty and the ID), then GET /containers/{id}/logs?stdout=1&stderr=1&tail=… with
 * follow/since/until/timestamps/details. A tty container's log is raw bytes to stdout;
 * otherwise stdcopy frames go to stdout and stderr. --since/--until take durations ("10m"),
 * RFC 3339 dates or Unix times and are sent as Unix seconds.
 */
import type { ContainerJSON } from '../../../api/types/index.js';
import { CliError, defineCommand } from '../../command.js';
import { getTimestamp } from '../../format/gotime.js';
import { containerPath } from './create.js';
import { copyStdcopy, copyRawBody } from './output.js';
import { checkName } from './session.js';

export default defineCommand({
  name: 'logs',
  usage: 'logs [OPTIONS] CONTAINER',
  description: 'Fetch the logs of a container',
  flags: [
    { name: 'follow', short: 'f', kind: 'bool', usage: 'Follow log output' },
    { name: 'since', kind: 'string', usage: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { name: 'until', kind: 'string', usage: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { name: 'timestamps', short: 't', kind: 'bool', usage: 'Show timestamps' },
    { name: 'details', kind: 'bool', usage: 'Show extra details provided to logs' },
    { name: 'tail', short: 'n', kind: 'string', default: 'all', usage: 'Number of lines to show from the end of the logs' },
  ] as const,
  args: { min: 1, max: 1 },
  async run(cli, opts, args) {
    const c = await cli.client.get<ContainerJSON>(`${containerPath(checkName(args[0]!))}/json`);
    const time = (what: string, v: string) => {
      if (v === '') return undefined;
      try {
        return getTimestamp(v, cli.now());
      } catch (e) {
        throw new CliError(`invalid value for "${what}": ${(e as Error).message}`);
      }
    };
    const body = await cli.client.stream('GET', `${containerPath(checkName(c.Id))}/logs`, {
      query: {
        stdout: true,
        stderr: true,
        since: time('since', opts.since),
        until: time('until', opts.until),
        timestamps: opts.timestamps,
        details: opts.details,
        follow: opts.follow,
        tail: opts.tail,
      },
    });
    try {
      if (c.Config?.Tty) await copyRawBody(body, cli.out);
      else await copyStdcopy(body, cli.out, cli.err);
    } finally {
      body.destroy();
    }
  },
});
