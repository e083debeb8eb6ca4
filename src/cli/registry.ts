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
  /** Listed under "Management Commands" though it parses its own subcommands (docker's compose plugin). */
  management?: boolean;
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
  subcommands: { df: cmd(() => import('./commands/system/df.js')), events: systemEvents, info: systemInfo },
};

const imageBuild = cmd(() => import('./commands/image/build.js'), 4);
const imageHistory = cmd(() => import('./commands/image/history.js'));
const imageImport = cmd(() => import('./commands/image/import.js'));
const imageLoad = cmd(() => import('./commands/image/load.js'));
const imageLs = cmd(() => import('./commands/image/list.js'), 7);
const imageRm = cmd(() => import('./commands/image/remove.js'));
const imageSave = cmd(() => import('./commands/image/save.js'));
const imagePull = cmd(() => import('./commands/image/pull.js'), 5);
const imagePush = cmd(() => import('./commands/image/push.js'), 6);
const login = cmd(() => import('./commands/registry/login.js'), 8);
const logout = cmd(() => import('./commands/registry/logout.js'), 9);
// docker 28 gives search and version the same category-top (10); the name order puts search first
const search = cmd(() => import('./commands/registry/search.js'), 10);
const imageTag = cmd(() => import('./commands/image/tag.js'));

export const IMAGE: ManagementEntry = {
  kind: 'management',
  description: 'Manage images',
  subcommands: {
    build: imageBuild,
    history: imageHistory,
    import: imageImport,
    inspect: cmd(() => import('./commands/image/inspect.js')),
    load: imageLoad,
    ls: imageLs,
    list: imageLs,
    prune: cmd(() => import('./commands/image/prune.js')),
    pull: imagePull,
    push: imagePush,
    rm: imageRm,
    rmi: imageRm,
    remove: imageRm,
    save: imageSave,
    tag: imageTag,
  },
};

const networkLs = cmd(() => import('./commands/network/list.js'));
const networkRm = cmd(() => import('./commands/network/remove.js'));

export const NETWORK: ManagementEntry = {
  kind: 'management',
  description: 'Manage networks',
  subcommands: {
    connect: cmd(() => import('./commands/network/connect.js')),
    create: cmd(() => import('./commands/network/create.js')),
    disconnect: cmd(() => import('./commands/network/disconnect.js')),
    inspect: cmd(() => import('./commands/network/inspect.js')),
    ls: networkLs,
    list: networkLs,
    prune: cmd(() => import('./commands/network/prune.js')),
    rm: networkRm,
    remove: networkRm,
  },
};

const containerAttach = cmd(() => import('./commands/container/attach.js'));
const containerCommit = cmd(() => import('./commands/container/commit.js'));
const containerCp = cmd(() => import('./commands/container/cp.js'));
const containerDiff = cmd(() => import('./commands/container/diff.js'));
const containerExport = cmd(() => import('./commands/container/export.js'));
const containerCreate = cmd(() => import('./commands/container/create.js'));
const containerExec = cmd(() => import('./commands/container/exec.js'), 2);
const containerKill = cmd(() => import('./commands/container/kill.js'));
const containerLogs = cmd(() => import('./commands/container/logs.js'));
const containerLs = cmd(() => import('./commands/container/list.js'), 3);
const containerPause = cmd(() => import('./commands/container/pause.js'));
const containerPort = cmd(() => import('./commands/container/port.js'));
const containerRename = cmd(() => import('./commands/container/rename.js'));
const containerRestart = cmd(() => import('./commands/container/restart.js'));
const containerRm = cmd(() => import('./commands/container/remove.js'));
const containerRun = cmd(() => import('./commands/container/run.js'), 1);
const containerStart = cmd(() => import('./commands/container/start.js'));
const containerStop = cmd(() => import('./commands/container/stop.js'));
const containerTop = cmd(() => import('./commands/container/top.js'));
const containerUnpause = cmd(() => import('./commands/container/unpause.js'));
const containerStats = cmd(() => import('./commands/container/stats.js'));
const containerUpdate = cmd(() => import('./commands/container/update.js'));
const containerWait = cmd(() => import('./commands/container/wait.js'));

export const CONTAINER: ManagementEntry = {
  kind: 'management',
  description: 'Manage containers',
  subcommands: {
    attach: containerAttach,
    commit: containerCommit,
    cp: containerCp,
    create: containerCreate,
    diff: containerDiff,
    exec: containerExec,
    export: containerExport,
    inspect: cmd(() => import('./commands/container/inspect.js')),
    kill: containerKill,
    logs: containerLogs,
    ls: containerLs,
    list: containerLs,
    ps: containerLs,
    pause: containerPause,
    port: containerPort,
    prune: cmd(() => import('./commands/container/prune.js')),
    rename: containerRename,
    restart: containerRestart,
    rm: containerRm,
    remove: containerRm,
    run: containerRun,
    start: containerStart,
    stop: containerStop,
    top: containerTop,
    unpause: containerUnpause,
    stats: containerStats,
    update: containerUpdate,
    wait: containerWait,
  },
};

const volumeLs = cmd(() => import('./commands/volume/list.js'));
const volumeRm = cmd(() => import('./commands/volume/remove.js'));

export const VOLUME: ManagementEntry = {
  kind: 'management',
  description: 'Manage volumes',
  subcommands: {
    create: cmd(() => import('./commands/volume/create.js')),
    inspect: cmd(() => import('./commands/volume/inspect.js')),
    ls: volumeLs,
    list: volumeLs,
    prune: cmd(() => import('./commands/volume/prune.js')),
    rm: volumeRm,
    remove: volumeRm,
  },
};

/** Top-level commands in name order (docker lists them so). */
export const ROOT_COMMANDS: Readonly<Record<string, Entry>> = {
  attach: containerAttach,
  build: imageBuild,
  commit: containerCommit,
  compose: { ...cmd(() => import('./commands/compose/compose.js')), management: true },
  container: CONTAINER,
  cp: containerCp,
  create: containerCreate,
  diff: containerDiff,
  events: systemEvents,
  exec: containerExec,
  export: containerExport,
  history: imageHistory,
  image: IMAGE,
  images: imageLs,
  import: imageImport,
  info: systemInfo,
  inspect: cmd(() => import('./commands/system/inspect.js')),
  kill: containerKill,
  load: imageLoad,
  login,
  logout,
  logs: containerLogs,
  network: NETWORK,
  pause: containerPause,
  port: containerPort,
  ps: containerLs,
  pull: imagePull,
  push: imagePush,
  rename: containerRename,
  restart: containerRestart,
  rm: containerRm,
  rmi: imageRm,
  run: containerRun,
  save: imageSave,
  search,
  start: containerStart,
  stats: containerStats,
  stop: containerStop,
  system: SYSTEM,
  tag: imageTag,
  top: containerTop,
  unpause: containerUnpause,
  update: containerUpdate,
  version: cmd(() => import('./commands/system/version.js'), 10),
  volume: VOLUME,
  wait: containerWait,
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
