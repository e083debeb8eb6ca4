/**
 * `berth compose [OPTIONS] COMMAND`: the compose-wide flags, then one of the subcommands
 * below (each in its own module, loaded on demand). Compose's own errors (bad files) are
 * printed as they are, exit 1; flag errors exit 1 too, as docker compose does.
 */
import { defineCommand, CliError, type CommandModule } from '../../command.js';
import { FlagError, flagUsages, parseFlags } from '../../flags.js';
import { COMPOSE_FLAGS, ComposeContext, type ComposeCommand, type ComposeGlobals } from './context.js';

type Loader = () => Promise<{ default: ComposeCommand }>;

const COMMANDS: Record<string, { description: string; load: Loader }> = {
  build: { description: 'Build or rebuild services', load: () => import('./images-transfer.js').then((m) => ({ default: m.build })) as never },
  config: { description: 'Parse, resolve and render compose file in canonical format', load: () => import('./config.js') as never },
  down: { description: 'Stop and remove containers, networks', load: () => import('./down.js') as never },
  exec: { description: 'Execute a command in a running container', load: () => import('./exec.js') as never },
  images: { description: 'List images used by the created containers', load: () => import('./images.js') as never },
  kill: { description: 'Force stop service containers', load: () => import('./verbs.js').then((m) => ({ default: m.kill })) as never },
  logs: { description: 'View output from containers', load: () => import('./logs.js') as never },
  ls: { description: 'List running compose projects', load: () => import('./ls.js') as never },
  pause: { description: 'Pause services', load: () => import('./verbs.js').then((m) => ({ default: m.pause })) as never },
  port: { description: 'Print the public port for a port binding', load: () => import('./port.js') as never },
  ps: { description: 'List containers', load: () => import('./ps.js') as never },
  pull: { description: 'Pull service images', load: () => import('./images-transfer.js').then((m) => ({ default: m.pull })) as never },
  push: { description: 'Push service images', load: () => import('./images-transfer.js').then((m) => ({ default: m.push })) as never },
  restart: { description: 'Restart service containers', load: () => import('./verbs.js').then((m) => ({ default: m.restart })) as never },
  rm: { description: 'Removes stopped service containers', load: () => import('./verbs.js').then((m) => ({ default: m.rm })) as never },
  run: { description: 'Run a one-off command on a service', load: () => import('./run.js') as never },
  start: { description: 'Start services', load: () => import('./verbs.js').then((m) => ({ default: m.start })) as never },
  stop: { description: 'Stop services', load: () => import('./verbs.js').then((m) => ({ default: m.stop })) as never },
  top: { description: 'Display the running processes', load: () => import('./top.js') as never },
  unpause: { description: 'Unpause services', load: () => import('./verbs.js').then((m) => ({ default: m.unpause })) as never },
  up: { description: 'Create and start containers', load: () => import('./up.js') as never },
  version: { description: 'Show the Docker Compose version information', load: () => import('./version.js') as never },
};

function rootHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 3;
  let s = 'Usage:  berth compose [OPTIONS] COMMAND\n\nDefine and run multi-container applications with Berth\n\nOptions:\n';
  s += flagUsages(COMPOSE_FLAGS, 80);
  s += '\nCommands:\n';
  for (const [k, c] of Object.entries(COMMANDS)) s += `  ${k.padEnd(width)}${c.description}\n`;
  s += "\nRun 'berth compose COMMAND --help' for more information on a command.\n";
  return s;
}

function commandHelp(c: ComposeCommand): string {
  let s = `Usage:  berth compose ${c.usage}\n\n${c.description}\n`;
  if (c.flags.length) s += '\nOptions:\n' + flagUsages(c.flags, 80);
  return s;
}

const command: CommandModule = defineCommand({
  name: 'compose',
  usage: 'compose [OPTIONS] COMMAND',
  description: 'Define and run multi-container applications',
  flags: COMPOSE_FLAGS,
  interspersed: false,
  async run(cli, opts, args) {
    const [name, ...rest] = args;
    if (!name) {
      cli.out.write(rootHelp());
      return 0;
    }
    const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!entry) throw new CliError(`unknown docker command: "compose ${name}"`);
    const sub = (await entry.load()).default;
    let parsed;
    try {
      parsed = parseFlags(sub.flags, rest, { interspersed: sub.interspersed ?? true });
    } catch (e) {
      if (e instanceof FlagError) throw new CliError(e.message);
      throw e;
    }
    if (parsed.values['help']) {
      cli.out.write(commandHelp(sub));
      return 0;
    }
    if (sub.minArgs !== undefined && parsed.args.length < sub.minArgs) throw new CliError(`"compose ${name}" requires at least ${sub.minArgs} argument${sub.minArgs > 1 ? 's' : ''}.\nUsage:  berth compose ${sub.usage}`);
    if (sub.maxArgs !== undefined && parsed.args.length > sub.maxArgs) throw new CliError(`"compose ${name}" accepts at most ${sub.maxArgs} argument${sub.maxArgs === 1 ? '' : 's'}.\nUsage:  berth compose ${sub.usage}`);
    const { help: _h, ...values } = parsed.values;
    const ctx = new ComposeContext(cli, opts as ComposeGlobals);
    return (await sub.run(ctx, values as never, parsed.args, parsed.changed)) ?? 0;
  },
});

export default command;
