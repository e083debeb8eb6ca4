/**
 * `berth container stop` / `berth stop CONTAINER...`: POST /containers/{name}/stop for every
 * name in parallel (`t` only when -t/--timeout is given, `signal` with -s), printing each name
 * that stopped and the failures at the end, exit 1 (docker's runStop).
 */
import { compareApiVersions } from '../../../api/types/index.js';
import type { Cli } from '../../cli.js';
import { CliError, defineCommand, StatusError } from '../../command.js';
import { checkName, forEachContainer } from './session.js';
import { containerPath } from './create.js';

export const STOP_FLAGS = [
  { name: 'signal', short: 's', kind: 'string', usage: 'Signal to send to the container' },
  { name: 'timeout', short: 't', kind: 'int', usage: 'Seconds to wait before killing the container' },
  {
    name: 'time',
    kind: 'int',
    usage: 'Seconds to wait before killing the container (deprecated: use --timeout)',
    target: 'timeout',
    deprecated: 'use --timeout instead',
  },
] as const;

/**
 * The query of stop and restart: t when a timeout was given, signal when set (and the daemon
 * speaks API 1.42 or later; older ones never see it, as with docker's client).
 */
export async function stopQuery(cli: Cli, opts: { signal: string; timeout: number }, changed: ReadonlySet<string>) {
  if (changed.has('time') && changed.has('timeout')) throw new CliError('conflicting options: cannot specify both --timeout and --time');
  const timeoutChanged = changed.has('time') || changed.has('timeout');
  let signal = opts.signal || undefined;
  if (signal && compareApiVersions(await cli.client.apiVersion(), '1.42') < 0) signal = undefined;
  return { t: timeoutChanged ? String(opts.timeout) : undefined, signal };
}

export default defineCommand({
  name: 'stop',
  usage: 'stop [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Stop one or more running containers',
  flags: STOP_FLAGS,
  args: { min: 1 },
  async run(cli, opts, args, { changed }) {
    const query = await stopQuery(cli, opts, changed);
    const errs = await forEachContainer(cli, args, async (name) => {
      await cli.client.post(`${containerPath(checkName(name))}/stop`, { query });
    });
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
});
