/**
 * `berth container attach` / `berth attach CONTAINER` (docker's RunAttach): opens a wait for
 * the container first, checks it runs (inspect), attaches stdin (unless --no-stdin, and only
 * when the container keeps stdin open), stdout and stderr, resizes a tty, and streams until
 * the container's output ends; then its exit status is berth's. --sig-proxy (default) sends
 * the signals berth receives to a non-tty container. A detach ends with "read escape
 * sequence", exit 1.
 */
import type { ContainerJSON } from '../../../api/types/index.js';
import type { Cli } from '../../cli.js';
import { CliError, defineCommand, StatusError } from '../../command.js';
import { containerPath } from './create.js';
import { streamHijacked } from './hijack.js';
import { checkTty } from './run.js';
import { attachContainer, checkName, containerWait, forwardSignals, monitorTtySize, resizeTtyTo, ttySize } from './session.js';

/** inspectContainerAndCheckState. */
async function inspectRunning(cli: Cli, name: string): Promise<ContainerJSON> {
  const c = await cli.client.get<ContainerJSON>(`${containerPath(checkName(name))}/json`);
  if (!c.State.Running) throw new CliError('You cannot attach to a stopped container, start it first');
  if (c.State.Paused) throw new CliError('You cannot attach to a paused container, unpause it first');
  if (c.State.Restarting) throw new CliError('You cannot attach to a restarting container, wait until it is running');
  return c;
}

export default defineCommand({
  name: 'attach',
  usage: 'attach [OPTIONS] CONTAINER',
  description: 'Attach local standard input, output, and error streams to a running container',
  flags: [
    { name: 'no-stdin', kind: 'bool', usage: 'Do not attach STDIN' },
    { name: 'sig-proxy', kind: 'bool', default: true, usage: 'Proxy all received signals to the process' },
    { name: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
  ] as const,
  args: { min: 1, max: 1 },
  async run(cli, opts, args) {
    const name = args[0]!;
    const cleanups: (() => void)[] = [];
    try {
      let waitErr: unknown;
      const waited = await containerWait(cli, checkName(name), '').catch((e: unknown) => {
        waitErr = e;
        return undefined;
      });
      if (waited) cleanups.push(() => waited.cancel());
      const c = await inspectRunning(cli, name);
      checkTty(cli, !opts.noStdin, c.Config.Tty ?? false);
      const detachKeys = opts.detachKeys || cli.config().detachKeys || '';
      const stdin = !opts.noStdin && (c.Config.OpenStdin ?? false);
      if (opts.sigProxy && !c.Config.Tty) cleanups.push(forwardSignals(cli, name));
      const conn = await attachContainer(cli, name, { stdin, stdout: true, stderr: true, detachKeys });
      cleanups.push(() => conn.destroy());
      await inspectRunning(cli, name);
      if (c.Config.Tty && cli.out.isTTY) {
        const [h, w] = ttySize(cli.out);
        await resizeTtyTo(cli, name, h + 1, w + 1, false).catch(() => {});
        cleanups.push(monitorTtySize(cli, name, false));
      }
      await streamHijacked({
        conn,
        tty: c.Config.Tty ?? false,
        stdin: stdin ? cli.in : undefined,
        stdout: cli.out,
        stderr: cli.err,
        detachKeys,
        env: cli.env,
      });
      if (!waited) throw waitErr;
      const r = await waited.result;
      if (r.Error) throw new CliError(r.Error.Message);
      if (r.StatusCode !== 0) throw new StatusError('', r.StatusCode);
      return 0;
    } finally {
      for (const f of cleanups.reverse()) f();
    }
  },
});
