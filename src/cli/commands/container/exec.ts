/**
 * `berth container exec` / `berth exec [OPTIONS] CONTAINER COMMAND [ARG...]` (docker's RunExec):
 *
 *   GET /containers/{name}/json              (a missing container is reported first)
 *   POST /containers/{name}/exec             {"User","Privileged","Tty","ConsoleSize"?,"AttachStdin",…,"Cmd"}
 *   POST /exec/{id}/start                    hijacked, {"Detach":false,"Tty":…}; -d: not hijacked
 *   POST /exec/{id}/resize?h=&w=             with -t on a terminal, and on SIGWINCH
 *   GET /exec/{id}/json                      the exit code of the command, berth's exit code
 *
 * -i attaches stdin (half-closed when it ends), -t a pseudo-TTY (stdin must then be a
 * terminal: "the input device is not a TTY"). A detach on a tty ends with "read escape
 * sequence", exit 1, as in docker.
 */
import type { ContainerJSON, ExecInspect } from '../../../api/types/index.js';
import { ConnectionError, escapePath } from '../../../client/index.js';
import { defineCommand, StatusError } from '../../command.js';
import { goMarshal } from './create-request.js';
import { containerPath } from './create.js';
import { streamHijacked } from './hijack.js';
import { checkTty } from './run.js';
import { checkName, monitorTtySize, ttySize } from './session.js';
import { parseKvFile, validateEnv } from './values.js';

export default defineCommand({
  name: 'exec',
  usage: 'exec [OPTIONS] CONTAINER COMMAND [ARG...]',
  description: 'Execute a command in a running container',
  flags: [
    { name: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    { name: 'interactive', short: 'i', kind: 'bool', usage: 'Keep STDIN open even if not attached' },
    { name: 'tty', short: 't', kind: 'bool', usage: 'Allocate a pseudo-TTY' },
    { name: 'detach', short: 'd', kind: 'bool', usage: 'Detached mode: run command in the background' },
    { name: 'user', short: 'u', kind: 'string', usage: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { name: 'privileged', kind: 'bool', usage: 'Give extended privileges to the command' },
    {
      name: 'env',
      short: 'e',
      kind: 'list',
      usage: 'Set environment variables',
      validate: (v: string) => {
        validateEnv(v);
      },
    },
    { name: 'env-file', kind: 'list', usage: 'Read in a file of environment variables' },
    { name: 'workdir', short: 'w', kind: 'string', usage: 'Working directory inside the container' },
  ] as const,
  args: { min: 2 },
  interspersed: false,
  async run(cli, opts, args) {
    const container = args[0]!;
    const lookup = (k: string) => cli.env[k];
    let env: string[] | null = [...opts.envFile.flatMap((f) => parseKvFile(f, lookup)), ...opts.env.map((e) => validateEnv(e, lookup))];
    if (env.length === 0) env = null;
    const attachStdin = !opts.detach && opts.interactive;
    const attachOut = !opts.detach;
    const detachKeys = opts.detachKeys || cli.config().detachKeys || '';

    await cli.client.get<ContainerJSON>(`${containerPath(checkName(container))}/json`);
    if (!opts.detach) checkTty(cli, attachStdin, opts.tty);
    const consoleSize = opts.tty ? ttySize(cli.out) : undefined;

    const body = {
      User: opts.user,
      Privileged: opts.privileged,
      Tty: opts.tty,
      ConsoleSize: consoleSize,
      AttachStdin: attachStdin,
      AttachStderr: attachOut,
      AttachStdout: attachOut,
      Detach: opts.detach,
      DetachKeys: detachKeys,
      Env: env,
      WorkingDir: opts.workdir,
      Cmd: args.slice(1),
    };
    const created = await cli.client.post<{ Id: string }>(`${containerPath(checkName(container))}/exec`, {
      rawBody: goMarshal(body) + '\n',
      headers: { 'Content-Type': 'application/json' },
    });
    const execId = created?.Id ?? '';
    if (execId === '') throw new Error('exec ID empty');
    const startBody = goMarshal({ Detach: opts.detach, Tty: opts.tty, ConsoleSize: consoleSize }) + '\n';
    const execPath = `/exec/${escapePath(execId)}`;

    if (opts.detach) {
      await cli.client.post(`${execPath}/start`, { rawBody: startBody, headers: { 'Content-Type': 'application/json' } });
      return 0;
    }

    const { socket } = await cli.client.hijack('POST', `${execPath}/start`, { rawBody: startBody, headers: { 'Content-Type': 'application/json' } });
    let stopMonitor = () => {};
    try {
      const session = streamHijacked({
        conn: socket,
        tty: opts.tty,
        stdin: attachStdin ? cli.in : undefined,
        stdout: cli.out,
        stderr: opts.tty ? cli.out : cli.err,
        detachKeys,
        env: cli.env,
      });
      if (opts.tty && cli.in.isTTY) stopMonitor = monitorTtySize(cli, execId, true);
      await session;
    } finally {
      stopMonitor();
      socket.destroy();
    }

    let inspect: ExecInspect;
    try {
      inspect = await cli.client.get<ExecInspect>(`${execPath}/json`);
    } catch (e) {
      if (!(e instanceof ConnectionError)) throw e;
      throw new StatusError('', 255);
    }
    const status = inspect.ExitCode ?? 0;
    if (status !== 0) throw new StatusError('', status);
    return 0;
  },
});
