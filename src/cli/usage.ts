/**
 * Help pages in docker/cli's usage template layout (cli/cobra.go):
 *
 *   Usage:  berth version [OPTIONS]
 *
 *   Show the Berth version information
 *
 *   Aliases:
 *     berth system info, berth info
 *
 *   Options:
 *     -f, --format string   ...         (pflag's wrapped flag usages, 80 columns without a tty)
 *
 * Management commands list their subcommands; the root adds Common/Management Commands and
 * Global Options. Command names are padded to the longest sibling name (at least 11).
 */
import { BIN, useLine, type CommandModule } from './command.js';
import { flagUsages, type FlagSpec } from './flags.js';
import { ROOT_COMMANDS, pathsOf, type CommandEntry, type ManagementEntry } from './registry.js';

const MIN_NAME_PADDING = 11;
export const ADDITIONAL_HELP = 'For more help on how to use Berth, head to https://docs.docker.com/go/guides/';
export const ROOT_DESCRIPTION = 'A self-sufficient runtime for containers';

/** The "Aliases:" line: every way to reach the command. */
export function aliasesLine(entry: CommandEntry, mod: CommandModule): string {
  if (mod.helpAliases) return mod.helpAliases.map((p) => `${BIN} ${p}`).join(', ');
  const paths = pathsOf(entry).map((p) => [BIN, ...p].join(' '));
  // cobra aliases under the same parent, for modules not reached through the table twice
  const canonical = paths[0];
  if (canonical && mod.aliases) {
    const parent = canonical.slice(0, canonical.lastIndexOf(' '));
    for (const a of mod.aliases) {
      const p = `${parent} ${a}`;
      if (!paths.includes(p)) paths.splice(1, 0, p);
    }
  }
  return paths.length > 1 ? paths.join(', ') : '';
}

/** cobra's `rpad .Name .NamePadding` lines; the padding is the longest sibling name (min 11). */
function nameList(items: [string, string][], pad = Math.max(MIN_NAME_PADDING, ...items.map(([n]) => n.length))): string {
  return items.map(([name, short]) => `  ${name.padEnd(pad)} ${short}`).join('\n');
}

/** Help page of a leaf command. */
export function commandHelp(path: readonly string[], entry: CommandEntry, mod: CommandModule, cols: number): string {
  let out = `Usage:  ${useLine(path, mod)}\n\n${(mod.longDescription ?? mod.description).trim()}`;
  const aliases = aliasesLine(entry, mod);
  if (aliases) out += `\n\nAliases:\n  ${aliases}`;
  const flags = flagUsages(mod.flags, cols - 1).trimEnd();
  if (flags) out += `\n\nOptions:\n${flags}`;
  return out + '\n';
}

/** Help page of a management command. */
export async function managementHelp(name: string, m: ManagementEntry): Promise<string> {
  const items: [string, string][] = [];
  for (const [sub, e] of Object.entries(m.subcommands)) {
    const mod = (await e.load()).default;
    if (mod.name === sub) items.push([sub, mod.description]);
  }
  items.sort(([a], [b]) => (a < b ? -1 : 1));
  return (
    `Usage:  ${BIN} ${name} COMMAND\n\n${m.description}\n\nCommands:\n${nameList(items)}\n\n` +
    `Run '${BIN} ${name} COMMAND --help' for more information on a command.\n`
  );
}

/** The root help page (`berth --help`). */
export async function rootHelp(globalFlags: readonly FlagSpec[], cols: number): Promise<string> {
  const top: [number, string, string][] = [];
  const mgmt: [string, string][] = [];
  const swarm: [string, string][] = [];
  const ops: [string, string][] = [];
  for (const [name, e] of Object.entries(ROOT_COMMANDS)) {
    if (e.kind === 'management') {
      (e.swarm ? swarm : mgmt).push([name, e.description]);
      continue;
    }
    const mod = (await e.load()).default;
    if (e.management) mgmt.push([name, mod.description]);
    else if (e.top !== undefined) top.push([e.top, name, mod.description]);
    else ops.push([name, mod.description]);
  }
  top.sort((a, b) => a[0] - b[0]);
  const pad = Math.max(MIN_NAME_PADDING, ...Object.keys(ROOT_COMMANDS).map((n) => n.length));
  // decorated names carry a trailing space (plugins get '*'), padded one wider
  const decorated = (items: [string, string][]) => items.map(([n, s]) => `  ${(n + ' ').padEnd(pad + 1)}${s}`).join('\n');
  let out = `Usage:  ${BIN} [OPTIONS] COMMAND\n\n${ROOT_DESCRIPTION}`;
  if (top.length) out += `\n\nCommon Commands:\n${decorated(top.map(([, n, s]) => [n, s]))}`;
  if (mgmt.length) out += `\n\nManagement Commands:\n${decorated(mgmt)}`;
  if (swarm.length) out += `\n\nSwarm Commands:\n${decorated(swarm)}`;
  if (ops.length) out += `\n\nCommands:\n${nameList(ops, pad)}`;
  out += `\n\nGlobal Options:\n${flagUsages(globalFlags, cols - 1).trimEnd()}`;
  out += `\n\nRun '${BIN} COMMAND --help' for more information on a command.`;
  out += `\n\n${ADDITIONAL_HELP}\n`;
  return out;
}

