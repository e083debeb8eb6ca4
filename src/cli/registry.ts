/**
 * The command table: names to lazy module loaders, so that `berth version` loads only what it
 * runs. Management commands (`berth system …`) group subcommands; top-level shortcuts
 * (`berth info` = `berth system info`) reuse the same entry object, which is how help finds a
 * command's aliases. To add a command: write commands/<object>/<verb>.ts, add its entry under
 * its management command, and a shortcut here if docker has one (`ps`, `run`, `images`, ...).
 */
import type { CommandModule } from './command.js';

export interface CommandEntry {
  kind: 'command';
  load: () => Promise<{ default: CommandModule }>;
  /** Position under "Common Commands" in the root help (docker's category-top). */
  top?: number;
}

export interface ManagementEntry {
  kind: 'management';
  description: string;
  subcommands: Readonly<Record<string, CommandEntry>>;
  /** docker's Swarm Commands section. */
  swarm?: boolean;
}

export type Entry = CommandEntry | ManagementEntry;

const cmd = (load: CommandEntry['load'], top?: number): CommandEntry => ({ kind: 'command', load, top });

const systemEvents = cmd(() => import('./commands/system/events.js'));
const systemInfo = cmd(() => import('./commands/system/info.js'), 12);

export const SYSTEM: ManagementEntry = {
  kind: 'management',
  description: 'Manage Berth',
  subcommands: { events: systemEvents, info: systemInfo },
};

/** Top-level commands in name order (docker lists them so). */
export const ROOT_COMMANDS: Readonly<Record<string, Entry>> = {
  events: systemEvents,
  info: systemInfo,
  system: SYSTEM,
  version: cmd(() => import('./commands/system/version.js'), 10),
};

/** Every path that leads to `entry`, management paths first ("system info", "info"). */
export function pathsOf(entry: CommandEntry): string[][] {
  const paths: string[][] = [];
  for (const [name, e] of Object.entries(ROOT_COMMANDS)) {
    if (e.kind === 'management') {
      for (const [sub, s] of Object.entries(e.subcommands)) if (s === entry) paths.push([name, sub]);
    }
  }
  for (const [name, e] of Object.entries(ROOT_COMMANDS)) if (e === entry) paths.push([name]);
  return paths;
}
