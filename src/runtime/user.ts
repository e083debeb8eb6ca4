/**
 * Docker's `-u name|uid[:group|gid]` and `--group-add` against a container's /etc/passwd and
 * /etc/group (runc libcontainer/user GetExecUser and GetAdditionalGroups, as moby's getUser uses
 * them). Pure: the daemon reads the two files from the container's root filesystem and passes their
 * text, or `undefined` when a file is missing.
 *
 * passwd: `name:password:UID:GID:GECOS:directory:shell`; group: `name:password:GID:user_list`.
 */
import { invalidParameter } from '../lib/index.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Docker's spec form: the primary gid first, then the user's supplementary groups, then --group-add. */
  additionalGids: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MIN_ID = 0;
const MAX_ID = 2 ** 31 - 1;
const ERR_RANGE = `uids and gids must be in range ${MIN_ID}-${MAX_ID}`;
const NO_PASSWD = 'no matching entries in passwd file';
const NO_GROUP = 'no matching entries in group file';

/**
 * Go's strconv.Atoi: optional sign, decimal digits, must fit in int64. `undefined` when it is not
 * a number (the caller then treats the text as a name).
 */
function atoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) return undefined;
  return Number(n);
}

/** A field parsed as runc does: conversion errors count as 0 ("misbehaving configuration files"). */
function atoiOrZero(s: string | undefined): number {
  return (s === undefined ? undefined : atoi(s)) ?? 0;
}

/** Lines of a file as bufio.Scanner + TrimSpace sees them. */
function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim());
}

/** runc ParsePasswd: blank lines skipped; comments are not special in passwd. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of lines(text)) {
    if (line === '') continue;
    const f = line.split(':');
    out.push({ name: f[0] ?? '', uid: atoiOrZero(f[2]), gid: atoiOrZero(f[3]), home: f[5] ?? '' });
  }
  return out;
}

/** runc ParseGroup: blank lines and `#` comments skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of lines(text)) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const list = f[3];
    out.push({ name: f[0] ?? '', gid: atoiOrZero(f[2]), members: list ? list.split(',') : [] });
  }
  return out;
}

function inRange(id: number): boolean {
  return id >= MIN_ID && id <= MAX_ID;
}

/**
 * Resolve a Docker user spec (Config.User: "", "name", "uid", "name:group", "uid:gid", …) and
 * HostConfig.GroupAdd against the container's passwd and group text.
 *
 * - "" is uid 0: its passwd entry (if any) gives the gid and supplementary groups.
 * - A numeric user or group is taken as an id even without an entry; a name must exist.
 * - Supplementary groups come from group membership only when no group was given explicitly.
 *
 * Throws invalidParameter with runc's texts: `unable to find user foo: no matching entries in
 * passwd file`, `unable to find group foo: no matching entries in group file`, `Unable to find
 * group foo: no matching entries in group file` (--group-add), `uids and gids must be in range
 * 0-2147483647`. (Docker reports these from `start`, wrapped as a 500 system error.)
 */
export function resolveUser(
  spec: string,
  passwd: string | undefined,
  group: string | undefined,
  groupAdd: readonly string[] = [],
): ResolvedUser {
  const parts = spec.split(':');
  const userArg = parts[0] ?? '';
  const groupArg = parts[1] ?? '';
  const uidArg = atoi(userArg);
  const gidArg = atoi(groupArg);

  let uid = 0;
  let gid = 0;
  let sgids: number[] = [];

  const users = (passwd === undefined ? [] : parsePasswd(passwd)).filter((u) => {
    if (userArg === '') return u.uid === uid;
    if (uidArg !== undefined) return u.uid === uidArg;
    return u.name === userArg;
  });

  let matchedName = '';
  if (users.length > 0) {
    const u = users[0]!;
    matchedName = u.name;
    uid = u.uid;
    gid = u.gid;
  } else if (userArg !== '') {
    if (uidArg === undefined) throw invalidParameter(`unable to find user ${userArg}: ${NO_PASSWD}`);
    uid = uidArg;
    if (!inRange(uid)) throw invalidParameter(ERR_RANGE);
  }

  if (groupArg !== '' || matchedName !== '') {
    const groups = (group === undefined ? [] : parseGroup(group)).filter((g) => {
      if (groupArg === '') return g.members.includes(matchedName);
      if (gidArg !== undefined) return g.gid === gidArg;
      return g.name === groupArg;
    });
    if (groupArg !== '') {
      if (groups.length > 0) {
        gid = groups[0]!.gid;
      } else {
        if (gidArg === undefined) throw invalidParameter(`unable to find group ${groupArg}: ${NO_GROUP}`);
        gid = gidArg;
        if (!inRange(gid)) throw invalidParameter(ERR_RANGE);
      }
    } else if (groups.length > 0) {
      sgids = groups.map((g) => g.gid);
    }
  }

  const added = groupAdd.length > 0 ? additionalGroups(groupAdd, group) : [];
  return { uid, gid, additionalGids: [gid, ...sgids, ...added] };
}

/**
 * runc GetAdditionalGroups: each entry by name or gid; a gid without an entry is taken as-is.
 * compat: runc collects them in a Go map, so Docker's order is random; ours is the order given,
 * each gid once. An entry whose only match is already taken fails as a missing name, as in runc.
 */
export function additionalGroups(names: readonly string[], group: string | undefined): number[] {
  const entries = group === undefined ? [] : parseGroup(group);
  const out: number[] = [];
  for (const ag of names) {
    let found = false;
    for (const g of entries) {
      if ((g.name === ag || String(g.gid) === ag) && !out.includes(g.gid)) {
        out.push(g.gid);
        found = true;
        break;
      }
    }
    if (found) continue;
    const n = atoi(ag);
    if (n === undefined) throw invalidParameter(`Unable to find group ${ag}: ${NO_GROUP}`);
    if (!inRange(n)) throw invalidParameter(ERR_RANGE);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}
