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

const imageHistory = cmd(() => import('./commands/image/history.js'));
const imageImport = cmd(() => import('./commands/image/import.js'));
const imageLoad = cmd(() => import('./commands/image/load.js'));
const imageLs = cmd(() => import('./commands/image/list.js'), 7);
const imageRm = cmd(() => import('./commands/image/remove.js'));
const imageSave = cmd(() => import('./commands/image/save.js'));
const imageTag = cmd(() => import('./commands/image/tag.js'));

export const IMAGE: ManagementEntry = {
  kind: 'management',
  description: 'Manage images',
  subcommands: {
    history: imageHistory,
    import: imageImport,
    inspect: cmd(() => import('./commands/image/inspect.js')),
    load: imageLoad,
    ls: imageLs,
    list: imageLs,
    prune: cmd(() => import('./commands/image/prune.js')),
    rm: imageRm,
    rmi: imageRm,
    remove: imageRm,
    save: imageSave,
    tag: imageTag,
  },
};

/** Top-level commands in name order (docker lists them so). */
export const ROOT_COMMANDS: Readonly<Record<string, Entry>> = {
  events: systemEvents,
  history: imageHistory,
  image: IMAGE,
  images: imageLs,
  import: imageImport,
  info: systemInfo,
  load: imageLoad,
  rmi: imageRm,
  save: imageSave,
  system: SYSTEM,
  tag: imageTag,
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
