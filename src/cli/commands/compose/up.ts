/**
 * `berth compose up [SERVICE...]`: converge the project (networks, volumes, images, then each
 * service in dependency order, honouring depends_on conditions). Detached (-d) it returns
 * once everything is started (or healthy, with --wait); attached it follows the containers'
 * logs, prefixed and coloured, until they all exit, and Ctrl-C stops them.
 */
import { LABEL, streamLogs, nameOf } from '../../../compose/index.js';
import type { ContainerJSON } from '../../../api/types/index.js';
import { CliError } from '../../command.js';
import { defineComposeCommand, type ComposeContext } from './context.js';
import { LogPrinter, shortName } from './logs-printer.js';
import { buildService } from './build.js';

export default defineComposeCommand({
  name: 'up',
  usage: 'up [OPTIONS] [SERVICE...]',
  description: 'Create and start containers',
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', usage: 'Detached mode: Run containers in the background' },
    { name: 'build', kind: 'bool', usage: 'Build images before starting containers' },
    { name: 'no-build', kind: 'bool', usage: "Don't build an image, even if it's policy" },
    { name: 'force-recreate', kind: 'bool', usage: "Recreate containers even if their configuration and image haven't changed" },
    { name: 'no-recreate', kind: 'bool', usage: "If containers already exist, don't recreate them. Incompatible with --force-recreate." },
    { name: 'no-deps', kind: 'bool', usage: "Don't start linked services" },
    { name: 'no-start', kind: 'bool', usage: "Don't start the services after creating them" },
    { name: 'remove-orphans', kind: 'bool', usage: 'Remove containers for services not defined in the Compose file' },
    { name: 'scale', kind: 'list', typeName: 'scale', usage: 'Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.' },
    { name: 'wait', kind: 'bool', usage: 'Wait for services to be running|healthy. Implies detached mode.' },
    { name: 'wait-timeout', kind: 'int', usage: 'Maximum duration in seconds to wait for the project to be running|healthy' },
    { name: 'timeout', short: 't', kind: 'int', usage: 'Use this timeout in seconds for container shutdown when attached or when containers are already running' },
    { name: 'abort-on-container-exit', kind: 'bool', usage: 'Stops all containers if any container was stopped. Incompatible with -d' },
    { name: 'exit-code-from', kind: 'string', usage: 'Return the exit code of the selected service container. Implies --abort-on-container-exit' },
    { name: 'no-color', kind: 'bool', usage: 'Produce monochrome output' },
    { name: 'no-log-prefix', kind: 'bool', usage: "Don't print prefix in logs" },
    { name: 'quiet-pull', kind: 'bool', usage: 'Pull without printing progress information' },
  ] as const,
  async run(ctx, opts, args, changed) {
    if (opts.forceRecreate && opts.noRecreate) throw new CliError('--force-recreate and --no-recreate are incompatible');
    if (opts.detach && (opts.abortOnContainerExit || opts.exitCodeFrom)) throw new CliError('--abort-on-container-exit and --detach are incompatible');
    const project = ctx.project(args);
    const scale: Record<string, number> = {};
    for (const s of opts.scale) {
      const m = /^([^=]+)=(\d+)$/.exec(s);
      if (!m) throw new CliError(`invalid --scale value ${JSON.stringify(s)}: expected SERVICE=NUM`);
      if (!project.services[m[1]!]) throw new CliError(`no such service: ${m[1]}`);
      scale[m[1]!] = Number(m[2]);
    }
    const timeout = changed.has('timeout') ? opts.timeout : undefined;
    const since = (ctx.cli.now().getTime() / 1000).toFixed(3);
    const names = await ctx.service.up(project, {
      services: args,
      forceRecreate: opts.forceRecreate,
      noRecreate: opts.noRecreate,
      removeOrphans: opts.removeOrphans,
      noDeps: opts.noDeps,
      noStart: opts.noStart,
      scale,
      timeout,
      alwaysBuild: opts.build,
      noBuild: opts.noBuild,
      build: (s) => buildService(ctx, project, s),
    });
    if (opts.wait) {
      const cs = await ctx.service.containers(project.name, { all: true, services: args.length ? ctx.service.selection(project, args) : undefined, oneoff: false });
      await ctx.service.waitRunning(cs.map((c) => c.Id), opts.waitTimeout > 0 ? opts.waitTimeout * 1000 : undefined);
      return 0;
    }
    if (opts.detach || opts.noStart) return 0;
    return attach(ctx, project.name, names, { colour: ctx.colour && !opts.noColor, prefix: !opts.noLogPrefix, abort: opts.abortOnContainerExit || Boolean(opts.exitCodeFrom), exitCodeFrom: opts.exitCodeFrom, timeout, since });
  },
});

async function attach(
  ctx: ComposeContext,
  projectName: string,
  names: string[],
  o: { colour: boolean; prefix: boolean; abort: boolean; exitCodeFrom: string; timeout: number | undefined; since: string },
): Promise<number> {
  const cs = (await ctx.service.containers(projectName, { all: true, oneoff: false })).filter((c) => names.includes(nameOf(c)));
  const shorts = cs.map((c) => shortName(projectName, nameOf(c)));
  const printer = new LogPrinter(ctx.cli.out, shorts, { colour: o.colour, prefix: o.prefix });
  ctx.cli.out.write(`Attaching to ${shorts.join(', ')}\n`);
  const abort = new AbortController();
  let stopping = false;
  let exitCode = 0;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    await ctx.service.each(projectName, ctx.projectIfAny(), [], 'stop', { timeout: o.timeout }).catch(() => {});
    // everything is stopped: streams still open have nothing more to say
    setTimeout(() => abort.abort(), 2000).unref();
  };
  const onSignal = () => {
    if (stopping) {
      abort.abort();
      return;
    }
    ctx.cli.out.write('Gracefully stopping... (press Ctrl+C again to force)\n');
    void stopAll();
  };
  ctx.cli.signals.on('SIGINT', onSignal);
  ctx.cli.signals.on('SIGTERM', onSignal);
  try {
    await Promise.all(
      cs.map(async (c, i) => {
        const short = shorts[i]!;
        try {
          await follow(c, short);
        } catch (e) {
          if (!abort.signal.aborted) throw e;
        }
      }),
    );
  } finally {
    ctx.cli.signals.off('SIGINT', onSignal);
    ctx.cli.signals.off('SIGTERM', onSignal);
  }
  return exitCode;

  async function follow(c: (typeof cs)[number], short: string): Promise<void> {
    const info = await ctx.cli.client.get<ContainerJSON>(`/containers/${c.Id}/json`);
    await streamLogs(ctx.cli.client, c.Id, Boolean(info.Config.Tty), { follow: true, since: o.since, signal: abort.signal }, (_s, line) => printer.line(short, line));
    if (abort.signal.aborted) return;
    // the log ends as the process does; wait reports the exit once the state says so
    const w = await ctx.cli.client.post<{ StatusCode: number }>(`/containers/${c.Id}/wait`, { query: { condition: 'not-running' }, signal: abort.signal });
    const after = { State: { ExitCode: w.StatusCode } };
    printer.event(short, `exited with code ${after.State.ExitCode}`);
    const svc = c.Labels[LABEL.service];
    if (o.exitCodeFrom ? svc === o.exitCodeFrom : o.abort) {
      if (o.exitCodeFrom || exitCode === 0) exitCode = after.State.ExitCode;
    }
    if (o.abort && !stopping) {
      ctx.cli.out.write('Aborting on container exit...\n');
      await stopAll();
    }
  }
}
