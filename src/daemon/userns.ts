/**
 * `--userns-remap` (moby daemon/daemon_unix.go setupRemappedRoot, pkg/idtools): container root
 * is an unprivileged host user. `default` makes the user `berthremap` (Docker's is `dockremap`)
 * with a 65536-id range in /etc/subuid and /etc/subgid when it has none; `user`, `user:group`,
 * `uid` or `uid:gid` name an existing user whose ranges are used. The ranges become the user
 * namespace's mappings, container id 0 on the first host id of the first range.
 */
import { promises as fs } from 'node:fs';
import { invalidParameter, type Ctx, type Exec, type IdMap } from '../lib/index.js';

export const DEFAULT_REMAP_USER = 'berthremap';
const RANGE_SIZE = 65536;
const FIRST_ID = 100000;

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface Remap {
  user: string;
  group: string;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  /** The host ids of container root. */
  rootUid: number;
  rootGid: number;
}

export interface RemapFiles {
  passwd: string;
  group: string;
  subuid: string;
  subgid: string;
}

const FILES: RemapFiles = { passwd: '/etc/passwd', group: '/etc/group', subuid: '/etc/subuid', subgid: '/etc/subgid' };

const read = (p: string) => fs.readFile(p, 'utf8').catch(() => '');

/** name → id (and id → name) from an /etc/passwd- or /etc/group-shaped file. */
function table(text: string): { byName: Map<string, number>; byId: Map<number, string> } {
  const byName = new Map<string, number>();
  const byId = new Map<number, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || !/^\d+$/.test(f[2]!)) continue;
    byName.set(f[0]!, Number(f[2]));
    if (!byId.has(Number(f[2]))) byId.set(Number(f[2]), f[0]!);
  }
  return { byName, byId };
}

/** The ranges of `name` (or its numeric id) in a subuid/subgid file, by start. */
export function rangesOf(text: string, name: string, id: number | undefined): { start: number; count: number }[] {
  const out: { start: number; count: number }[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (f.length !== 3 || !(f[0] === name || (id !== undefined && f[0] === String(id)))) continue;
    const start = Number(f[1]);
    const count = Number(f[2]);
    if (Number.isInteger(start) && Number.isInteger(count) && count > 0) out.push({ start, count });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Contiguous container ids over the host ranges (moby createIDMap). */
export function mappings(ranges: readonly { start: number; count: number }[]): IdMapping[] {
  let next = 0;
  return ranges.map((r) => {
    const m = { containerID: next, hostID: r.start, size: r.count };
    next += r.count;
    return m;
  });
}

/** The first id after every range of a subuid/subgid file (at least FIRST_ID). */
export function nextFreeStart(text: string): number {
  let end = FIRST_ID;
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (f.length === 3 && /^\d+$/.test(f[1]!) && /^\d+$/.test(f[2]!)) end = Math.max(end, Number(f[1]) + Number(f[2]));
  }
  return end;
}

/**
 * Resolves a `--userns-remap` value, creating the default user and its ranges when needed.
 * Returns undefined for ''. Throws invalidParameter for a user without ranges (Docker's words).
 */
export async function setupRemap(ctx: Ctx, exec: Exec, value: string, files: RemapFiles = FILES, useradd = 'useradd'): Promise<Remap | undefined> {
  if (!value) return undefined;
  let [user, group] = value.split(':') as [string, string | undefined];
  if (value === 'default') {
    user = DEFAULT_REMAP_USER;
    group = DEFAULT_REMAP_USER;
    if (!table(await read(files.passwd)).byName.has(user)) {
      await exec.run(ctx, useradd, ['--system', '--no-create-home', '--user-group', '--shell', '/bin/false', user], { timeoutMs: 10_000 });
    }
    for (const f of [files.subuid, files.subgid]) {
      const text = await read(f);
      if (rangesOf(text, user, undefined).length === 0) {
        await fs.appendFile(f, `${text && !text.endsWith('\n') ? '\n' : ''}${user}:${nextFreeStart(text)}:${RANGE_SIZE}\n`);
      }
    }
  }
  const passwd = table(await read(files.passwd));
  const groups = table(await read(files.group));
  const uid = /^\d+$/.test(user) ? Number(user) : passwd.byName.get(user);
  const userName = /^\d+$/.test(user) ? (passwd.byId.get(Number(user)) ?? user) : user;
  if (uid === undefined) throw invalidParameter(`Unable to find user ${user}: no matching entries in passwd file`);
  const groupName = group === undefined ? userName : /^\d+$/.test(group) ? (groups.byId.get(Number(group)) ?? group) : group;
  const gid = group !== undefined && /^\d+$/.test(group) ? Number(group) : groups.byName.get(groupName);
  const uidRanges = rangesOf(await read(files.subuid), userName, uid);
  if (uidRanges.length === 0) throw invalidParameter(`No subuid ranges found for user "${userName}"`);
  const gidRanges = rangesOf(await read(files.subgid), groupName, gid);
  if (gidRanges.length === 0) throw invalidParameter(`No subgid ranges found for group "${groupName}"`);
  const uidMappings = mappings(uidRanges);
  const gidMappings = mappings(gidRanges);
  return { user: userName, group: groupName, uidMappings, gidMappings, rootUid: uidMappings[0]!.hostID, rootGid: gidMappings[0]!.hostID };
}

/** The kernel's overflow id: what a process in the namespace sees for a host id it has no mapping for. */
const OVERFLOW_ID = 65534;

/** A host id as the container sees it: the mapped one, or nobody. */
export function containerId(maps: readonly IdMapping[], id: number): number {
  for (const m of maps) if (id >= m.hostID && id < m.hostID + m.size) return m.containerID + id - m.hostID;
  return OVERFLOW_ID;
}

/** Owners read on the host, as tars out of a remapped container carry them (cp, export, commit). */
export function toContainerIds(remap: Remap): IdMap {
  return { uid: (id) => containerId(remap.uidMappings, id), gid: (id) => containerId(remap.gidMappings, id) };
}

/** Owners from a tar, as they go onto the host under the remapping (cp into a container). */
export function toHostIds(remap: Remap): IdMap {
  return { uid: (id) => hostId(remap.uidMappings, id), gid: (id) => hostId(remap.gidMappings, id) };
}

/** A container id as the host sees it (ids outside the mappings stay as they are: nobody inside). */
export function hostId(maps: readonly IdMapping[], id: number): number {
  for (const m of maps) if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + id - m.containerID;
  return id;
}
