/**
 * The shape of a CLI command module, `commands/<object>/<verb>.ts` (STYLE D10):
 *
 *   export default defineCommand({
 *     name: 'ls',
 *     aliases: ['list', 'ps'],          // cobra aliases under the same parent
 *     usage: 'ls [OPTIONS]',            // cobra's Use: the name, then the argument synopsis
 *     description: 'List containers',
 *     flags: [{ name: 'all', short: 'a', kind: 'bool', usage: 'Show all containers (default shows just running)' }] as const,
 *     args: { max: 0 },                 // docker's cli.NoArgs
 *     async run(cli, opts, args) {      // opts is typed from the flags: opts.all: boolean
 *       const list = await cli.client.get<ContainerSummary[]>('/containers/json', { query: { all: opts.all } });
 *       cli.out.write(renderList(opts.format, list, containerFormatter));
 *     },
 *   });
 *
 * and is registered by name in registry.ts (a static table of lazy imports, so that starting
 * `berth version` loads only the version module).
 */
import type { FlagSpec, OptionsOf } from './flags.js';
import type { Cli } from './cli.js';

/** What run() may want to know about the command line besides the values. */
export interface ParsedFlagsInfo {
  /** Flags given on the command line (kebab names), as pflag's Changed. */
  changed: ReadonlySet<string>;
}

export interface ArgsSpec {
  min?: number;
  max?: number;
}

export interface CommandModule<Fs extends readonly FlagSpec[] = readonly FlagSpec[]> {
  name: string;
  aliases?: readonly string[];
  /**
   * docker's "aliases" annotation: the command paths (without the binary) shown on help's
   * Aliases line, when docker lists fewer than every way in (`image rm` omits `image rmi`).
   */
  helpAliases?: readonly string[];
  usage: string;
  description: string;
  /** cobra's Long: the help page's text when it says more than `description` (Short). */
  longDescription?: string;
  flags: Fs;
  args?: ArgsSpec;
  /** false: flags end at the first positional argument (run, exec). Default true. */
  interspersed?: boolean;
  /** Runs the command; the result is the exit code (default 0). Throw to report an error. */
  run(cli: Cli, opts: OptionsOf<Fs>, args: string[], flags: ParsedFlagsInfo): Promise<number | void>;
}

/** Declares a command module with options typed from its flags. */
export function defineCommand<const Fs extends readonly FlagSpec[]>(c: CommandModule<Fs>): CommandModule<Fs> {
  return c;
}

/** docker's cli.StatusError: the message is printed (when non-empty) and `code` is the exit code. */
export class StatusError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = 'StatusError';
  }
}

/** An error printed as it is, exit status 1 (docker's plain errors). */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** The binary name in usage lines and messages. */
export const BIN = 'berth';
/** The root command's Use line (docker's "docker [OPTIONS] COMMAND [ARG...]"). */
export const ROOT_USE = `${BIN} [OPTIONS] COMMAND [ARG...]`;

/**
 * The path cobra shows for a command reached through one of its aliases under the same parent:
 * `image list` is `image ls` in usage lines and messages. Top-level shortcuts (`images`,
 * `rmi`) are commands of their own in docker and keep their name.
 */
export function canonicalPath(path: readonly string[], mod: CommandModule): string[] {
  const last = path[path.length - 1];
  if (path.length > 1 && last !== mod.name && mod.aliases?.includes(last!)) return [...path.slice(0, -1), mod.name];
  return [...path];
}

/** cobra's UseLine: the command path, then the usage minus its first word. */
export function useLine(path: readonly string[], mod: CommandModule): string {
  const rest = mod.usage.includes(' ') ? mod.usage.slice(mod.usage.indexOf(' ')) : '';
  return [BIN, ...path].join(' ') + rest;
}

/** docker's FlagErrorFunc text: the error, the usage line, and where to get help. */
export function flagErrorText(message: string, use: string, commandPath: string): string {
  return `${message}\n\nUsage:  ${use}\n\nRun '${commandPath} --help' for more information`;
}
