/**
 * The CLI entry: `main(argv, io)` parses the global flags (they stop at the first positional,
 * as docker's root command), resolves the command through the lazy table, parses the command's
 * flags, runs it, and returns the exit code:
 *
 *   0    success; also help pages and `berth` alone (help on stderr)
 *   1    errors: daemon errors ("Error response from daemon: …"), connection errors, unknown
 *        commands, wrong argument counts
 *   125  flag errors ("unknown flag: --foo" + usage)
 *   64   template parsing errors of version/info/events (docker's StatusError codes)
 *
 * Stack traces are printed only with -D.
 */
import { kindOf } from '../lib/index.js';
import { Cli, defaultCertPath, defaultGlobalOptions, type GlobalOptions } from './cli.js';
import { BIN, CliError, ROOT_USE, StatusError, canonicalPath, flagErrorText, useLine, type CommandModule } from './command.js';
import { defaultConfigDir } from './config.js';
import { FlagError, HELP_FLAG, parseFlags, type FlagSpec } from './flags.js';
import type { CliIO } from './io.js';
import { ROOT_COMMANDS, type CommandEntry, type ManagementEntry } from './registry.js';
import { clientBuild } from './version-info.js';
import { join } from 'node:path';

/** Help pages are rendered by usage.js, loaded only when one is asked for. */
const usage = () => import('./usage.js');

const LOG_LEVELS = ['panic', 'fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace'];
const HELP_DEPRECATED = 'Flag shorthand -h has been deprecated, use --help\n';

/** docker's global options (cli/flags/options.go), with defaults from the environment. */
export function globalFlags(env: Record<string, string | undefined>): FlagSpec[] {
  const certPath = defaultCertPath(env);
  return [
    { name: 'config', kind: 'string', usage: 'Location of client config files', default: defaultConfigDir(env) },
    {
      name: 'context',
      short: 'c',
      kind: 'string',
      usage:
        'Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with "docker context use")',
    },
    { name: 'debug', short: 'D', kind: 'bool', usage: 'Enable debug mode' },
    { name: 'host', short: 'H', kind: 'list', usage: 'Daemon socket to connect to' },
    {
      name: 'log-level',
      short: 'l',
      kind: 'string',
      usage: 'Set the logging level ("debug", "info", "warn", "error", "fatal")',
      default: 'info',
    },
    { name: 'tls', kind: 'bool', usage: 'Use TLS; implied by --tlsverify', default: !!env['DOCKER_TLS'] },
    { name: 'tlscacert', kind: 'string', usage: 'Trust certs signed only by this CA', default: join(certPath, 'ca.pem') },
    { name: 'tlscert', kind: 'string', usage: 'Path to TLS certificate file', default: join(certPath, 'cert.pem') },
    { name: 'tlskey', kind: 'string', usage: 'Path to TLS key file', default: join(certPath, 'key.pem') },
    { name: 'tlsverify', kind: 'bool', usage: 'Use TLS and verify the remote', default: !!env['DOCKER_TLS_VERIFY'] },
    { name: 'version', short: 'v', kind: 'bool', usage: 'Print version information and quit' },
    HELP_FLAG,
  ];
}

function write(stream: CliIO['stdout'], text: string) {
  if (text) stream.write(text);
}

function pluralize(word: string, n: number) {
  return n === 1 ? word : word + 's';
}

/** docker's positional-argument checks (cli/required.go). */
function checkArgs(path: readonly string[], mod: CommandModule, args: string[]): string | undefined {
  const { min, max } = mod.args ?? {};
  const cmdPath = [BIN, ...path].join(' ');
  const tail = (see: 'Run' | 'See' | 'SRun') => `\n\nUsage:  ${useLine(path, mod)}\n\n${see} '${cmdPath} --help' for more information`;
  if (max === 0 && args.length > 0) return `${BIN}: '${cmdPath}' accepts no arguments${tail('Run')}`;
  if (min !== undefined && max !== undefined && min === max && args.length !== min) {
    return `${BIN}: '${cmdPath}' requires ${min} ${pluralize('argument', min)}${tail('Run')}`;
  }
  if (min !== undefined && max !== undefined && (args.length < min || args.length > max)) {
    return `${BIN}: '${cmdPath}' requires at least ${min} and at most ${max} ${pluralize('argument', max)}${tail('Run')}`;
  }
  if (min !== undefined && args.length < min) {
    return `${BIN}: '${cmdPath}' requires at least ${min} ${pluralize('argument', min)}${tail('See')}`;
  }
  if (max !== undefined && args.length > max) {
    // compat: docker 28's RequiresMaxArgs really says "SRun" (cli/required.go)
    return `${BIN}: '${cmdPath}' requires at most ${max} ${pluralize('argument', max)}${tail('SRun')}`;
  }
  return undefined;
}

class Runner {
  constructor(
    private readonly io: CliIO,
    private readonly cli: Cli,
    private readonly globals: FlagSpec[],
  ) {}

  private get cols(): number {
    return (this.io.stdin.isTTY && this.io.stdout.columns) || 80;
  }

  async dispatch(args: string[]): Promise<number> {
    const name = args[0]!;
    if (name === 'help') return this.help(args.slice(1));
    const entry = ROOT_COMMANDS[name];
    if (!entry) {
      write(this.io.stderr, `${BIN}: unknown command: ${BIN} ${name}\n\nRun '${BIN} --help' for more information\n`);
      return 1;
    }
    if (entry.kind === 'management') return this.management(name, entry, args.slice(1));
    return this.leaf([name], entry, args.slice(1));
  }

  private async management(name: string, m: ManagementEntry, rest: string[]): Promise<number> {
    const sub = rest[0];
    if (sub !== undefined && Object.hasOwn(m.subcommands, sub)) return this.leaf([name, sub], m.subcommands[sub]!, rest.slice(1));
    let parsed;
    try {
      parsed = parseFlags([], rest, { interspersed: false });
    } catch (e) {
      if (!(e instanceof FlagError)) throw e;
      write(this.io.stderr, flagErrorText(e.message, `${BIN} ${name}`, `${BIN} ${name}`) + '\n');
      return 125;
    }
    if (parsed.values['help']) {
      if (parsed.helpShorthand) write(this.io.stdout, HELP_DEPRECATED);
      write(this.io.stdout, await (await usage()).managementHelp(name, m));
      return 0;
    }
    if (parsed.args.length > 0) {
      write(
        this.io.stderr,
        `${BIN}: unknown command: ${BIN} ${name} ${parsed.args[0]}\n\nUsage:  ${BIN} ${name}\n\nRun '${BIN} ${name} --help' for more information\n`,
      );
      return 1;
    }
    write(this.io.stderr, await (await usage()).managementHelp(name, m));
    return 0;
  }

  private async leaf(typed: string[], entry: CommandEntry, rest: string[]): Promise<number> {
    const mod = (await entry.load()).default;
    const path = canonicalPath(typed, mod);
    const cmdPath = [BIN, ...path].join(' ');
    let parsed;
    try {
      parsed = parseFlags(mod.flags, rest, { interspersed: mod.interspersed ?? true });
    } catch (e) {
      if (!(e instanceof FlagError)) throw e;
      write(this.io.stderr, flagErrorText(e.message, useLine(path, mod), cmdPath) + '\n');
      return 125;
    }
    // compat: pflag's deprecation notices go to cobra's output, stdout
    for (const d of parsed.deprecations) write(this.io.stdout, d);
    if (parsed.values['help']) {
      if (parsed.helpShorthand) write(this.io.stdout, HELP_DEPRECATED);
      write(this.io.stdout, (await usage()).commandHelp(path, entry, mod, this.cols));
      return 0;
    }
    const argError = checkArgs(path, mod, parsed.args);
    if (argError) {
      write(this.io.stderr, argError + '\n');
      return 1;
    }
    this.cli.initialize();
    this.cli.commandPath = typed;
    const { help: _help, ...opts } = parsed.values;
    const code = await mod.run(this.cli, opts as never, parsed.args, { changed: parsed.changed });
    return code ?? 0;
  }

  /** `berth help [COMMAND...]` and `berth --help COMMAND`. */
  async help(path: string[]): Promise<number> {
    if (path.length === 0) {
      write(this.io.stdout, await (await usage()).rootHelp(this.globals, this.cols));
      return 0;
    }
    const [name, sub, ...more] = path;
    const entry = ROOT_COMMANDS[name!];
    const unknown = () => {
      write(this.io.stderr, `unknown help topic: ${path.join(' ')}\n`);
      return 1;
    };
    if (!entry) return unknown();
    if (entry.kind === 'management') {
      if (sub === undefined) {
        write(this.io.stdout, await (await usage()).managementHelp(name!, entry));
        return 0;
      }
      const s = Object.hasOwn(entry.subcommands, sub) ? entry.subcommands[sub] : undefined;
      if (!s || more.length) return unknown();
      const mod = (await s.load()).default;
      write(this.io.stdout, (await usage()).commandHelp(canonicalPath([name!, sub], mod), s, mod, this.cols));
      return 0;
    }
    if (sub !== undefined) return unknown();
    write(this.io.stdout, (await usage()).commandHelp([name!], entry, (await entry.load()).default, this.cols));
    return 0;
  }
}

/** Runs the berth CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const globals = globalFlags(io.env);
  let parsed;
  try {
    parsed = parseFlags(globals, argv, { interspersed: false });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    write(io.stderr, flagErrorText(e.message, ROOT_USE, BIN) + '\n');
    return 125;
  }
  const v = parsed.values;
  if (v['version']) {
    const b = clientBuild();
    write(io.stdout, `Berth version ${b.version}, build ${b.gitCommit}\n`);
    return 0;
  }
  const options: GlobalOptions = {
    ...defaultGlobalOptions(io.env),
    hosts: v['host'] as string[],
    config: v['config'] as string,
    context: v['context'] as string,
    debug: v['debug'] as boolean,
    logLevel: v['logLevel'] as string,
    // compat: --tlsverify (even =false) implies --tls (SetDefaultOptions)
    tls: (v['tls'] as boolean) || (v['tlsverify'] as boolean) || parsed.changed.has('tlsverify'),
    tlsverify: v['tlsverify'] as boolean,
    tlscacert: v['tlscacert'] as string,
    tlscert: v['tlscert'] as string,
    tlskey: v['tlskey'] as string,
    changed: parsed.changed,
  };
  const cli = new Cli(io, options);
  const runner = new Runner(io, cli, globals);
  try {
    if (v['help']) {
      if (parsed.helpShorthand) write(io.stderr, HELP_DEPRECATED);
      return await runner.help(parsed.args);
    }
    if (parsed.args.length === 0) {
      write(io.stderr, await (await usage()).rootHelp(globals, 80));
      return 0;
    }
    if (options.logLevel && !LOG_LEVELS.includes(options.logLevel.toLowerCase())) {
      write(io.stderr, `Unable to parse logging level: ${options.logLevel}\n`);
      return 1;
    }
    return await runner.dispatch(parsed.args);
  } catch (e) {
    return reportError(cli, e);
  } finally {
    cli.close();
  }
}

/** Prints an error as docker's main does and returns the exit code. */
function reportError(cli: Cli, e: unknown): number {
  if (e instanceof StatusError) {
    if (e.message) write(cli.err, e.message + '\n');
    return e.code;
  }
  // compat: docker exits quietly when the command was cancelled (a signal)
  if (kindOf(e) === 'cancelled' && !(e instanceof CliError)) return 0;
  write(cli.err, cli.errorText(e) + '\n');
  if (cli.debug && e instanceof Error && e.stack) write(cli.err, e.stack + '\n');
  return 1;
}
