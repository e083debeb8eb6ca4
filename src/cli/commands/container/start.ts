/**
 * `berth container start` / `berth start CONTAINER...` (docker's RunStart):
 *
 *   no -a/-i   POST /containers/{name}/start for each name in turn; each started name is
 *              printed, each failure on stderr, then "Error: failed to start containers: a, b"
 *   -a / -i    one container: inspect, attach (stdin with -i when the container keeps it
 *              open), wait?condition=next-exit (removed for --rm containers), start, resize
 *              on a terminal, stream; the container's exit status is berth's
 *
 * --checkpoint and --checkpoint-dir are experimental in docker and hidden, as docker hides
 * them in front of a daemon that is not experimental.
 */
import type { ContainerJSON } from '../../../api/types/index.js';
import { CliError, defineCommand, StatusError } from '../../command.js';
import { containerPath } from './create.js';
import { EscapeError, streamHijacked } from './hijack.js';
import { attachContainer, checkName, forwardSignals, monitorTtySize, waitExitOrRemoved } from './session.js';

export default defineCommand({
  name: 'start',
  usage: 'start [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Start one or more stopped containers',
  flags: [
    { name: 'attach', short: 'a', kind: 'bool', usage: 'Attach STDOUT/STDERR and forward signals' },
    { name: 'interactive', short: 'i', kind: 'bool', usage: "Attach container's STDIN" },
    { name: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    { name: 'checkpoint', kind: 'string', usage: 'Restore from this checkpoint', hidden: true },
    { name: 'checkpoint-dir', kind: 'string', usage: 'Use a custom checkpoint storage directory', hidden: true },
  ] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    if (opts.attach || opts.interactive) {
      if (args.length > 1) throw new CliError('you cannot start and attach multiple containers at once');
      const c = await cli.client.get<ContainerJSON>(`${containerPath(checkName(args[0]!))}/json`);
      const cleanups: (() => void)[] = [];
      try {
        if (!c.Config.Tty) cleanups.push(forwardSignals(cli, c.Id));
        const detachKeys = opts.detachKeys || cli.config().detachKeys || '';
        const stdin = opts.interactive && (c.Config.OpenStdin ?? false);
        const conn = await attachContainer(cli, c.Id, { stdin, stdout: true, stderr: true, detachKeys });
        cleanups.push(() => conn.destroy());
        const session = streamHijacked({
          conn,
          tty: c.Config.Tty ?? false,
          stdin: stdin ? cli.in : undefined,
          stdout: cli.out,
          stderr: cli.err,
          detachKeys,
          env: cli.env,
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        const autoRemove = c.HostConfig?.AutoRemove ?? false;
        const wait = await waitExitOrRemoved(cli, c.Id, autoRemove);
        cleanups.push(() => wait.cancel());
        try {
          await cli.client.post(`${containerPath(c.Id)}/start`, {
            query: { checkpoint: opts.checkpoint || undefined, 'checkpoint-dir': opts.checkpointDir || undefined },
          });
        } catch (e) {
          conn.destroy();
          await session;
          if (autoRemove) await wait.status;
          throw e;
        }
        if (c.Config.Tty && cli.out.isTTY) cleanups.push(monitorTtySize(cli, c.Id, false));
        const attachErr = await session;
        if (attachErr) {
          if (attachErr instanceof EscapeError) return 0;
          throw attachErr;
        }
        const status = await wait.status;
        if (status !== 0) throw new StatusError('', status);
        return 0;
      } finally {
        for (const f of cleanups.reverse()) f();
      }
    }
    if (opts.checkpoint !== '') {
      if (args.length > 1) throw new CliError('you cannot restore multiple containers at once');
      await cli.client.post(`${containerPath(checkName(args[0]!))}/start`, {
        query: { checkpoint: opts.checkpoint, 'checkpoint-dir': opts.checkpointDir || undefined },
      });
      return 0;
    }
    const failed: string[] = [];
    for (const name of args) {
      try {
        await cli.client.post(`${containerPath(checkName(name))}/start`);
      } catch (e) {
        cli.err.write(cli.errorText(e) + '\n');
        failed.push(name);
        continue;
      }
      cli.out.write(`${name}\n`);
    }
    if (failed.length) throw new CliError(`Error: failed to start containers: ${failed.join(', ')}`);
    return 0;
  },
});
