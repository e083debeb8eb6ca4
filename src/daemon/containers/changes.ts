/**
 * GET /containers/{id}/changes: docker diff (moby daemon/changes.go; archive.ChangesDirs, the
 * comparison overlay2 and the containerd store both use). The result is what ChangesDirs gives
 * for the container's filesystem against its image's, computed from the rw layer alone:
 *
 * - only names present in the rw layer (overlay's upper directory) can have changed; a name
 *   there is added (A) when the image lacks it, modified (C) when Go's statDifferent says so
 *   (mode, owner, rdev, and for non-directories size and mtime), and below a new name
 *   everything is added;
 * - names of the image's directory that the container's merged view no longer shows are deleted
 *   (D): whiteouts, and everything under an opaque directory (no xattrs needed: the merged
 *   view is compared with the image's);
 * - a directory with changes inside is itself C, listed before them, unless already A or C.
 *
 * Docker's containers run on an init layer holding the runtime's mount points (/etc/hosts,
 * /etc/hostname, /etc/resolv.conf, /dev, /proc, /sys), so they are not changes. Berth has no
 * init layer and runc leaves them in the rw layer when the image lacks them: an empty file at
 * one of those paths, an empty directory at /dev, /proc or /sys, and a directory that holds
 * nothing else, are not reported.
 *
 * Order: ChangesDirs walks Go maps (random order); here siblings come in byte order, each name's
 * own change first, then its subtree, and a directory's deletions after its other children.
 */
import type { BigIntStats } from 'node:fs';
import { errnoCode, type Ctx, type DirRef, type ScopedRoot } from '../../lib/index.js';
import type { FilesystemChange } from '../../api/types/index.js';
import type { ContainersServiceBase } from './service.js';
import { layerDirs } from './rootfs.js';

const MODIFY = 0;
const ADD = 1;
const DELETE = 2;

/** sameFsTime: equal, or the same second with one side's nanoseconds zero (tar-extracted files). */
function sameFsTime(a: bigint, b: bigint): boolean {
  if (a === b) return true;
  const s = 1_000_000_000n;
  return a / s === b / s && (a % s === 0n || b % s === 0n);
}

/** moby's statDifferent (changes_unix.go). */
function statDifferent(o: BigIntStats, n: BigIntStats): boolean {
  if (o.mode !== n.mode || o.uid !== n.uid || o.gid !== n.gid || o.rdev !== n.rdev) return true;
  return !o.isDirectory() && (!sameFsTime(o.mtimeNs, n.mtimeNs) || o.size !== n.size);
}

const isWhiteout = (st: BigIntStats) => st.isCharacterDevice() && st.rdev === 0n;

const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

async function lstatOrUndefined(root: ScopedRoot, dir: DirRef, name: string): Promise<BigIntStats | undefined> {
  try {
    return await root.lstatBig(dir, name);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

async function openOrUndefined(root: ScopedRoot, dir: DirRef, name: string): Promise<DirRef | undefined> {
  try {
    return await root.openDir(dir, name);
  } catch (e) {
    if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errnoCode(e) ?? '')) return undefined;
    throw e;
  }
}

/** Mount points runc makes for Docker's network files when the image lacks them. */
export const RUNTIME_FILES = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf'];
/** Mount points of the default mounts (proc, sysfs, the /dev tmpfs). */
export const RUNTIME_DIRS = ['/dev', '/proc', '/sys'];

export interface ChangeTrees {
  upper: ScopedRoot;
  lower?: ScopedRoot;
  merged: ScopedRoot;
}

/** The changes of the rw layer `t.upper` over `t.lower`, given their merge `t.merged`. */
export async function computeChanges(t: ChangeTrees): Promise<FilesystemChange[]> {
  const out: FilesystemChange[] = [];
  let skipped = 0;
  const runtimeFile = (path: string, st: BigIntStats) => RUNTIME_FILES.includes(path) && st.isFile() && st.size === 0n;

  /** Adds `path` (new) and everything below it; a runtime mount point's directory with nothing else goes unreported. */
  const added = async (dir: DirRef, name: string, path: string, st: BigIntStats): Promise<void> => {
    if (runtimeFile(path, st)) {
      skipped++;
      return;
    }
    const at = out.length;
    const skippedBefore = skipped;
    out.push({ Path: path, Kind: ADD });
    if (!st.isDirectory()) return;
    const sub = await openOrUndefined(t.upper, dir, name);
    if (sub) {
      try {
        await addAll(sub, path);
      } finally {
        await sub.close();
      }
    }
    if (out.length === at + 1 && (skipped > skippedBefore || RUNTIME_DIRS.includes(path))) {
      out.pop();
      skipped++;
    }
  };

  /** Everything below a new directory is new. */
  const addAll = async (u: DirRef, path: string): Promise<void> => {
    for (const name of await t.upper.readdir(u)) {
      const st = await lstatOrUndefined(t.upper, u, name);
      if (!st || isWhiteout(st)) continue;
      await added(u, name, join(path, name), st);
    }
  };

  /**
   * Directory `path`, present in the rw layer (`u`) and the merge (`m`); `l` is the image's
   * directory there, if it had one. `listed`: the directory's own change is already out.
   */
  const walk = async (u: DirRef, m: DirRef, l: DirRef | undefined, path: string, listed: boolean): Promise<void> => {
    const at = out.length;
    const mergedNames = new Set(await t.merged.readdir(m));
    for (const name of await t.upper.readdir(u)) {
      if (!mergedNames.has(name)) continue; // a whiteout (or hidden): handled as a deletion below
      const nst = await lstatOrUndefined(t.upper, u, name);
      if (!nst || isWhiteout(nst)) continue;
      const ost = l && t.lower ? await lstatOrUndefined(t.lower, l, name) : undefined;
      const childPath = join(path, name);
      let childListed = false;
      if (!ost) {
        await added(u, name, childPath, nst);
        continue;
      }
      if (statDifferent(ost, nst)) {
        out.push({ Path: childPath, Kind: MODIFY });
        childListed = true;
      }
      if (!nst.isDirectory()) continue;
      const su = await openOrUndefined(t.upper, u, name);
      const sm = su && (await openOrUndefined(t.merged, m, name));
      const sl = sm && ost.isDirectory() && l && t.lower ? await openOrUndefined(t.lower, l, name) : undefined;
      try {
        if (su && sm) await walk(su, sm, sl, childPath, childListed);
      } finally {
        await sl?.close();
        await sm?.close();
        await su?.close();
      }
    }
    if (l && t.lower) {
      for (const name of await t.lower.readdir(l)) {
        if (!mergedNames.has(name)) out.push({ Path: join(path, name), Kind: DELETE });
      }
    }
    if (out.length > at && !listed && path !== '/') out.splice(at, 0, { Path: path, Kind: MODIFY });
  };

  await walk(t.upper.top, t.merged.top, t.lower?.top, '/', true);
  return out;
}

/** docker diff: null when nothing changed (moby's nil slice). */
export async function containerChanges(svc: ContainersServiceBase, ctx: Ctx, ref: string): Promise<FilesystemChange[] | null> {
  const rec = svc.store.get(ref);
  const dirs = await layerDirs(svc, ctx, rec);
  try {
    const changes = await computeChanges(dirs);
    return changes.length ? changes : null;
  } finally {
    await dirs.release();
  }
}
