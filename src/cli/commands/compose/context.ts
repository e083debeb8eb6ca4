/**
 * What a `berth compose <verb>` gets: the Cli, the compose-wide flags (-f, -p,
 * --project-directory, --env-file, --profile), the project (loaded once, on demand), and a
 * ComposeService printing Compose v2's plain progress lines on stderr.
 */
import type { Cli } from '../../cli.js';
import type { CommandModule, ParsedFlagsInfo } from '../../command.js';
import { parseFlags, type FlagSpec, type OptionsOf } from '../../flags.js';
import { ComposeService, loadProject, normaliseProjectName, type Project } from '../../../compose/index.js';

export const COMPOSE_FLAGS = [
  { name: 'file', short: 'f', kind: 'list', typeName: 'stringArray', usage: 'Compose configuration files' },
  { name: 'project-name', short: 'p', kind: 'string', usage: 'Project name' },
  { name: 'project-directory', kind: 'string', usage: 'Specify an alternate working directory\n(default: the path of the, first specified, Compose file)' },
  { name: 'env-file', kind: 'list', typeName: 'stringArray', usage: 'Specify an alternate environment file' },
  { name: 'profile', kind: 'list', typeName: 'stringArray', usage: 'Specify a profile to enable' },
  { name: 'ansi', kind: 'string', default: 'auto', usage: 'Control when to print ANSI control characters ("never"|"always"|"auto")' },
  { name: 'progress', kind: 'string', default: 'auto', usage: 'Set type of progress output (auto, tty, plain, json, quiet)' },
  { name: 'parallel', kind: 'int', default: -1, usage: 'Control max parallelism, -1 for unlimited' },
] as const satisfies readonly FlagSpec[];

export type ComposeGlobals = OptionsOf<typeof COMPOSE_FLAGS>;

export class ComposeContext {
  private loaded: Project | undefined;
  private svc: ComposeService | undefined;

  constructor(
    readonly cli: Cli,
    readonly globals: ComposeGlobals,
    readonly cwd: string = process.cwd(),
  ) {}

  get env(): Record<string, string | undefined> {
    return this.cli.env;
  }

  /** Loads (once) the project; `services` named on the command line are enabled whatever their profiles. */
  project(services: string[] = []): Project {
    if (this.loaded) return this.loaded;
    this.loaded = loadProject({
      files: this.globals.file,
      projectName: this.globals.projectName,
      projectDirectory: this.globals.projectDirectory || undefined,
      envFiles: this.globals.envFile,
      profiles: this.globals.profile,
      services,
      cwd: this.cwd,
      env: this.cli.env,
      warn: (m) => this.warn(m),
    });
    return this.loaded;
  }

  /** The project when a compose file can be found; undefined when only -p names it. */
  projectIfAny(services: string[] = []): Project | undefined {
    try {
      return this.project(services);
    } catch (e) {
      if (this.globals.projectName && /no configuration file provided/.test((e as Error).message)) return undefined;
      throw e;
    }
  }

  /** The project's name: -p, COMPOSE_PROJECT_NAME, or the loaded project's. */
  projectName(): string {
    const p = this.globals.projectName || this.cli.env['COMPOSE_PROJECT_NAME'];
    if (p) return normaliseProjectName(p);
    return this.project().name;
  }

  get service(): ComposeService {
    this.svc ??= new ComposeService(
      this.cli.client,
      (kind, name, status) => {
        if (this.globals.progress !== 'quiet') this.cli.err.write(` ${kind} ${name}  ${status}\n`);
      },
      (m) => this.warn(m),
    );
    return this.svc;
  }

  warn(message: string): void {
    this.cli.err.write(`WARN[0000] ${message}\n`);
  }

  /** Colours are used on a terminal unless --ansi never (or always forces them). */
  get colour(): boolean {
    if (this.globals.ansi === 'never') return false;
    if (this.globals.ansi === 'always') return true;
    return Boolean(this.cli.out.isTTY) && !this.cli.env['NO_COLOR'];
  }
}

/** A compose subcommand: like a CommandModule, but run() gets the ComposeContext. */
export interface ComposeCommand<Fs extends readonly FlagSpec[] = readonly FlagSpec[]> {
  name: string;
  aliases?: readonly string[];
  usage: string;
  description: string;
  flags: Fs;
  /** false: flags end at the first positional (exec, run). */
  interspersed?: boolean;
  minArgs?: number;
  maxArgs?: number;
  run(ctx: ComposeContext, opts: OptionsOf<Fs>, args: string[], changed: ReadonlySet<string>): Promise<number | void>;
}

export function defineComposeCommand<const Fs extends readonly FlagSpec[]>(c: ComposeCommand<Fs>): ComposeCommand<Fs> {
  return c;
}

/** Runs another CLI command module (container exec/start) with an argv, as if typed. */
export async function delegate(cli: Cli, mod: CommandModule, argv: string[]): Promise<number> {
  const parsed = parseFlags(mod.flags, argv, { interspersed: mod.interspersed ?? true });
  const { help: _h, ...opts } = parsed.values;
  const info: ParsedFlagsInfo = { changed: parsed.changed };
  return (await mod.run(cli, opts as never, parsed.args, info)) ?? 0;
}

