/**
 * HEAD, GET and PUT /containers/{id}/archive: docker cp (moby daemon/archive.go,
 * archive_unix.go, containerfs_linux.go). Paths are resolved inside the container's root with
 * its symlinks expanded there (FollowSymlinkInScope), never the host's.
 */
import type { Readable } from 'node:stream';
import {
  decompressed,
  errnoCode,
  goBase,
  goClean,
  goFileMode,
  hasModeBit,
  GoMode,
  invalidParameter,
  notFound,
  packTree,
  preserveTrailingDotOrSeparator,
  rfc3339Nano,
  system,
  unpackTar,
  type Ctx,
  type ScopedRoot,
} from '../../lib/index.js';
import { resolveUser } from '../../runtime/index.js';
import type { ContainerPathStat } from '../../api/types/index.js';
import type { ContainersServiceBase } from './service.js';
import { openContainerFs } from './rootfs.js';
import { remapOf } from './remap.js';
import { toContainerIds, toHostIds } from '../userns.js';
import { pathInMountPoint } from './mounts.js';

/** moby's containerFileNotFound (404). */
const fileNotFound = (path: string, ref: string, cause?: unknown) => notFound(`Could not find the file ${path} in container ${ref}`, cause);

/** ENOENT is Docker's 404; anything else keeps its text, as a system error unless already classified. */
function mapError(e: unknown, path: string, ref: string): unknown {
  const code = errnoCode(e);
  if (code === 'ENOENT') return fileNotFound(path, ref, e);
  if (code) return system((e as Error).message, e);
  return e;
}

/** The container path of a request: absolute, cleaned, its trailing `/` or `/.` kept. */
function absPath(path: string): string {
  return preserveTrailingDotOrSeparator(goClean(`/${path}`), path);
}

/** moby containerFSView.Stat: lstat, and for a symlink its target resolved inside the container. */
async function pathStat(root: ScopedRoot, abs: string): Promise<ContainerPathStat> {
  const r = await root.resolve(abs);
  try {
    if (!r.stat) throw Object.assign(new Error(`lstat ${abs}: no such file or directory`), { code: 'ENOENT' });
    const st = await root.lstatBig(r.dir, r.name);
    const mode = goFileMode(Number(st.mode));
    return {
      name: goBase(abs),
      size: Number(st.size),
      mode,
      mtime: rfc3339Nano(st.mtimeNs),
      linkTarget: hasModeBit(mode, GoMode.Symlink) ? await root.realPath(abs) : '',
    };
  } finally {
    await r.dir.close();
  }
}

/** HEAD /containers/{id}/archive. */
export async function statPath(svc: ContainersServiceBase, ctx: Ctx, ref: string, path: string): Promise<ContainerPathStat> {
  const rec = svc.store.get(ref);
  const cfs = await openContainerFs(svc, ctx, rec.ID);
  try {
    return await pathStat(cfs.root, absPath(path));
  } catch (e) {
    throw mapError(e, path, ref);
  } finally {
    await cfs.release();
  }
}

/**
 * GET /containers/{id}/archive: the stat of `path` and a tar of it, named as moby's
 * TarResourceRebaseOpts names it (a directory's entries under its base name, `/` for the root).
 * The container stays locked until the stream is consumed or dropped.
 */
export async function archivePath(
  svc: ContainersServiceBase,
  ctx: Ctx,
  ref: string,
  path: string,
): Promise<{ stat: ContainerPathStat; tar: AsyncIterable<Buffer> }> {
  const rec = svc.store.get(ref);
  const cfs = await openContainerFs(svc, ctx, rec.ID);
  try {
    const abs = absPath(path);
    const stat = await pathStat(cfs.root, abs);
    const r = await cfs.root.resolve(abs);
    const isDir = hasModeBit(stat.mode, GoMode.Dir);
    const base = goBase(abs);
    const rebased = base === '/' ? '' : base;
    const remap = remapOf(svc, rec.HostConfig);
    const { stream, done } = packTree(cfs.root, r.dir, r.name, isDir ? { start: rebased, prefix: rebased } : { start: base, prefix: null }, {
      ids: remap && toContainerIds(remap),
      signal: ctx.signal,
      onError: (p, err) => ctx.log.debug('cp: skipping an entry', { path: p, error: err }),
    });
    void done.finally(async () => {
      await r.dir.close();
      await cfs.release();
    }).catch(() => {});
    svc.emit('archive-path', rec);
    return { stat, tar: stream as AsyncIterable<Buffer> };
  } catch (e) {
    await cfs.release();
    throw mapError(e, path, ref);
  }
}

export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory and vice versa (the CLI always asks). */
  noOverwriteDirNonDir: boolean;
  /** docker cp -a: everything owned by the container's user. */
  copyUIDGID: boolean;
}

/** The uid and gid of the container's user, from its /etc/passwd and /etc/group. */
async function containerUser(root: ScopedRoot, user: string): Promise<{ uid: number; gid: number }> {
  const [passwd, group] = await Promise.all([root.readFile('/etc/passwd'), root.readFile('/etc/group')]);
  const u = resolveUser(user, passwd?.toString('utf8'), group?.toString('utf8'));
  return { uid: u.uid, gid: u.gid };
}

/**
 * PUT /containers/{id}/archive: extracts a tar (plain or gzip) into directory `path` of the
 * container. Throws notFound for a missing path, invalidParameter for a non-directory, a
 * read-only root filesystem or a hostile entry.
 */
export async function extractToDir(svc: ContainersServiceBase, ctx: Ctx, ref: string, path: string, opts: ExtractOptions, body: Readable): Promise<void> {
  const rec = svc.store.get(ref);
  const cfs = await openContainerFs(svc, ctx, rec.ID);
  try {
    const abs = goClean(`/${path}`);
    let dest;
    try {
      dest = await cfs.root.openDirPath(abs);
    } catch (e) {
      if (errnoCode(e) === 'ENOTDIR') throw invalidParameter('extraction point is not a directory', e);
      throw e;
    }
    const destRoot = cfs.root.subRoot(dest);
    try {
      // moby: a path in a read-only mount point is refused; in a writable one, a read-only rootfs does not matter
      if (!pathInMountPoint(rec, dest.path) && rec.HostConfig.ReadonlyRootfs) throw invalidParameter('container rootfs is marked read-only');
      const remap = remapOf(svc, rec.HostConfig);
      const chown = opts.copyUIDGID && rec.Config.User ? await containerUser(cfs.root, rec.Config.User) : undefined;
      await unpackTar(decompressed(body) as AsyncIterable<Buffer>, destRoot, {
        noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
        chown,
        ids: remap && toHostIds(remap),
        destName: dest.path,
        signal: ctx.signal,
      });
    } finally {
      await destRoot.close();
    }
    svc.emit('extract-to-dir', rec);
  } catch (e) {
    body.resume();
    throw mapError(e, path, ref);
  } finally {
    await cfs.release();
  }
}
