/**
 * `berth container run` / `berth run IMAGE [COMMAND] [ARG...]` (docker's runContainer):
 *
 *   attached    create -> attach (hijacked; waits for the 101) -> wait?condition=next-exit
 *               (or removed with --rm; waits for the headers) -> start -> resize (tty on a
 *               terminal) -> output until the container's streams end -> its exit status
 *   -d          create -> wait -> start; prints the ID (the wait is dropped)
 *
 * Exit codes: the container's status; 125 when berth or the daemon failed before the
 * container ran ("berth: <error>\n\nRun 'berth run --help' …"); 126 when the daemon's error
 * says the command cannot be invoked (permission denied, is a directory), 127 when it was not
 * found (executable file not found, no such file or directory). --rm is the daemon's
 * (HostConfig.AutoRemove). With --sig-proxy (default) the signals the CLI receives are sent
 * to the container (kill?signal=…). A detach (ctrl-p ctrl-q on a tty) ends run quietly, 0.
 */
import type { Duplex } from 'node:stream';
import type { Cli } from '../../cli.js';
import { defineCommand, StatusError } from '../../command.js';
import { containerPath, createContainer, parseForCommand, withHelp } from './create.js';
import { EscapeError, streamHijacked } from './hijack.js';
import { CONTAINER_FLAGS, createOnlyFlags, type ContainerConfigValue } from './opts.js';
import { attachContainer, forwardSignals, monitorTtySize, waitExitOrRemoved } from './session.js';

/** toStatusError: the exit code docker derives from an error's text, and the message with the help hint. */
export function toStatusError(cli: Cli, err: unknown, cmd = 'run'): StatusError {
  const msg = cli.errorText(err);
  let code = 125;
  if (msg.includes('executable file not found') || msg.includes('no such file or directory') || msg.includes('system cannot find the file specified')) code = 127;
  else if (msg.includes('permission denied') || msg.includes('is a directory')) code = 126;
  return new StatusError(withHelp(msg, cmd), code);
}

/** The stdin check of attached sessions (In.CheckTty). */
export function checkTty(cli: Cli, attachStdin: boolean, tty: boolean): void {
  if (tty && attachStdin && !cli.in.isTTY) throw new Error('the input device is not a TTY');
}

export interface RunFlags {
  detach: boolean;
  sigProxy: boolean;
  detachKeys: string;
  autoRemove: boolean;
  attachGiven: boolean;
  name: string;
  platform: string;
  pull: string;
  quiet: boolean;
  useApiSocket?: boolean;
}

/** runContainer. Resolves to the exit code. */
export async function runContainer(cli: Cli, c: ContainerConfigValue, o: RunFlags): Promise<number> {
  const config = c.config;
  config.ArgsEscaped = undefined;
  if (!o.detach) {
    checkTty(cli, config.AttachStdin, config.Tty);
  } else {
    if (o.attachGiven) throw new Error('conflicting options: cannot specify both --attach and --detach');
    config.AttachStdin = false;
    config.AttachStdout = false;
    config.AttachStderr = false;
    config.StdinOnce = false;
  }
  let id: string;
  try {
    id = await createContainer(cli, c, { name: o.name, platform: o.platform, pull: o.pull, quiet: o.quiet, useApiSocket: o.useApiSocket });
  } catch (e) {
    throw toStatusError(cli, e);
  }
  const cleanups: (() => void)[] = [];
  try {
    if (o.sigProxy) cleanups.push(forwardSignals(cli, id));
    const attach = config.AttachStdin || config.AttachStdout || config.AttachStderr;
    if (!attach) cli.out.write(`${id}\n`);

    let conn: Duplex | undefined;
    let session: Promise<unknown> | undefined;
    const sessionCtl = { stop: () => {} };
    if (attach) {
      const detachKeys = o.detachKeys || cli.config().detachKeys || '';
      conn = await attachContainer(cli, id, {
        stdin: config.AttachStdin,
        stdout: config.AttachStdout,
        stderr: config.AttachStderr,
        detachKeys,
      });
      const c2 = conn;
      cleanups.push(() => c2.destroy());
      sessionCtl.stop = () => c2.destroy();
      session = streamHijacked({
        conn,
        tty: config.Tty,
        stdin: config.AttachStdin ? cli.in : undefined,
        stdout: config.AttachStdout ? cli.out : undefined,
        stderr: config.AttachStderr ? (config.Tty ? cli.out : cli.err) : undefined,
        detachKeys,
        env: cli.env,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
    }

    const wait = await waitExitOrRemoved(cli, id, o.autoRemove);
    cleanups.push(() => wait.cancel());

    try {
      await cli.client.post(`${containerPath(id)}/start`);
    } catch (e) {
      if (session) {
        sessionCtl.stop();
        await session;
      }
      if (o.autoRemove) await wait.status;
      throw toStatusError(cli, e);
    }

    if (!attach) return 0;

    if (config.Tty && cli.out.isTTY) cleanups.push(monitorTtySize(cli, id, false));

    const first = await Promise.race([session!.then((err) => ({ kind: 'session' as const, err })), wait.status.then((status) => ({ kind: 'status' as const, status }))]);
    if (first.kind === 'session') {
      if (first.err) {
        if (first.err instanceof EscapeError) return 0;
        throw first.err;
      }
      return await wait.status;
    }
    // the container is gone; its output may still be draining
    if (!config.AttachStdout && !config.AttachStderr) sessionCtl.stop();
    await session;
    return first.status;
  } finally {
    for (const f of cleanups.reverse()) f();
  }
}

export default defineCommand({
  name: 'run',
  usage: 'run [OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create and run a new container from an image',
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', usage: 'Run container in background and print container ID' },
    { name: 'sig-proxy', kind: 'bool', default: true, usage: 'Proxy received signals to the process' },
    { name: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    ...createOnlyFlags('run'),
    ...CONTAINER_FLAGS,
  ],
  args: { min: 1 },
  interspersed: false,
  async run(cli, opts, args, { changed }) {
    const values = opts as unknown as Record<string, unknown>;
    const parsed = await parseForCommand(cli, values, changed, args[0]!, args.slice(1), 'run');
    const code = await runContainer(cli, parsed, {
      detach: opts.detach,
      sigProxy: opts.sigProxy,
      detachKeys: opts.detachKeys,
      autoRemove: opts.rm,
      attachGiven: opts.attach.length > 0,
      name: opts.name,
      platform: opts.platform,
      pull: opts.pull,
      quiet: opts.quiet,
      useApiSocket: opts.useApiSocket,
    });
    if (code !== 0) throw new StatusError('', code);
    return 0;
  },
});
