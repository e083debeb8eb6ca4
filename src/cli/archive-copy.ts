/**
 * The local half of `docker cp` (moby pkg/archive copy.go, as docker CLI 28 uses it): what a
 * local source path means (CopyInfoSourcePath), the tar made of it (TarResource), how that tar
 * is renamed so that extracting it into a directory gives `cp`'s semantics
 * (PrepareArchiveCopy), and extracting a container's tar at a local destination (CopyTo).
 *
 * Local files are read through a ScopedRoot on `/` (plain host semantics, but descriptors, so a
 * tree changing meanwhile cannot redirect the walk) and extracted through a ScopedRoot on the
 * destination directory under os.Root's rules: a tar from a container cannot write outside it.
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import {
  assertsDirectory,
  decompressed,
  goBase,
  goClean,
  hasTrailingSeparator,
  packTree,
  preserveTrailingDotOrSeparator,
  rebaseArchive,
  ScopedRoot,
  specifiesCurrentDir,
  splitPathDirEntry,
  unpackTar,
} from '../lib/index.js';
import { Readable } from 'node:stream';
import { pathError } from './files.js';

export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  rebaseName: string;
}

/** filepath.Abs, keeping a trailing `/` or `/.` (docker's resolveLocalPath). */
export function resolveLocalPath(p: string): string {
  return preserveTrailingDotOrSeparator(goClean(resolvePath(p)), p);
}

/** filepath.EvalSymlinks with Go's error text. */
async function evalSymlinks(p: string): Promise<string> {
  try {
    return await realpath(p === '' ? '.' : p);
  } catch (e) {
    throw pathError('lstat', p, e);
  }
}

/** GetRebaseName: the resolved path with the original's trailing `/` or `/.`, and the name to rebase to. */
export function getRebaseName(path: string, resolved: string): { resolved: string; rebaseName: string } {
  let r = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(r)) r += '/.';
  if (hasTrailingSeparator(path) && !hasTrailingSeparator(r)) r += '/';
  return { resolved: r, rebaseName: goBase(path) !== goBase(r) ? goBase(path) : '' };
}

/** ResolveHostSourcePath: symlinks of the parent evaluated; of the last element too with followLink. */
async function resolveHostSourcePath(path: string, followLink: boolean): Promise<{ resolved: string; rebaseName: string }> {
  if (followLink) return getRebaseName(path, await evalSymlinks(path));
  const i = path.lastIndexOf('/');
  const dirPath = path.slice(0, i + 1);
  const basePath = path.slice(i + 1);
  const resolvedDir = await evalSymlinks(dirPath);
  const resolved = (resolvedDir === '/' ? '' : resolvedDir) + '/' + basePath;
  const rebaseName = hasTrailingSeparator(path) && goBase(path) !== goBase(resolved) ? goBase(path) : '';
  return { resolved, rebaseName };
}

/** CopyInfoSourcePath: the local source, which must exist. */
export async function copyInfoSourcePath(path: string, followLink: boolean): Promise<CopyInfo> {
  const { resolved, rebaseName } = await resolveHostSourcePath(path, followLink);
  let st;
  try {
    st = await lstat(resolved);
  } catch (e) {
    throw pathError('lstat', resolved, e);
  }
  return { path: resolved, exists: true, isDir: st.isDirectory(), rebaseName };
}

/**
 * TarResource: a tar of the local source, named by its base name (or `rebaseName`): a
 * directory's entries as `<base>/...`, `./...` for a path ending in `/.`.
 */
export async function tarResource(info: CopyInfo): Promise<AsyncIterable<Buffer>> {
  try {
    await lstat(info.path);
  } catch (e) {
    throw pathError('lstat', info.path, e);
  }
  const { dir, base } = splitPathDirEntry(info.path);
  const root = await ScopedRoot.open('/');
  try {
    const d = await root.openDirPath(dir);
    const name = base === '.' ? null : base;
    const st = name === null ? undefined : await root.lstat(d, name);
    const entryName = info.rebaseName || base;
    const isDir = name === null || st!.isDirectory();
    const { stream, done } = packTree(root, d, name, isDir ? { start: entryName, prefix: entryName } : { start: entryName, prefix: null });
    void done.finally(async () => {
      await d.close();
      await root.close();
    }).catch(() => {});
    return stream as AsyncIterable<Buffer>;
  } catch (e) {
    await root.close();
    throw e;
  }
}

/** Errors of PrepareArchiveCopy, with moby's texts. */
export const ErrCannotCopyDir = 'cannot copy directory';
export const ErrDirNotExists = 'no such directory';

/**
 * PrepareArchiveCopy: the directory to extract into, and the tar renamed so that extracting it
 * there creates (or replaces) the destination as `cp` would.
 */
export function prepareArchiveCopy(content: AsyncIterable<Buffer>, src: CopyInfo, dst: CopyInfo): { dstDir: string; content: AsyncIterable<Buffer> } {
  const { dir: dstDir, base: dstBase } = splitPathDirEntry(dst.path);
  let { base: srcBase } = splitPathDirEntry(src.path);
  if (dst.exists && dst.isDir) return { dstDir: dst.path, content };
  if (dst.exists && src.isDir) throw new Error(ErrCannotCopyDir);
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) throw new Error(ErrDirNotExists);
  if (src.rebaseName) srcBase = src.rebaseName;
  return { dstDir, content: rebaseArchive(content, srcBase, dstBase) as AsyncIterable<Buffer> };
}

/** CopyInfoDestinationPath: the local destination after its symlinks (at most 10); its parent must exist. */
export async function copyInfoDestinationPath(path: string): Promise<CopyInfo> {
  let p = path;
  let st = await lstat(p).catch((e: NodeJS.ErrnoException) => e);
  for (let n = 0; !(st instanceof Error) && st.isSymbolicLink(); n++) {
    if (n > 10) throw new Error(`too many symlinks in ${path}`);
    const { readlink } = await import('node:fs/promises');
    let target = await readlink(p);
    if (!target.startsWith('/')) target = goClean(`${splitPathDirEntry(p).dir}/${target}`);
    p = target;
    st = await lstat(p).catch((e: NodeJS.ErrnoException) => e);
  }
  if (st instanceof Error) {
    if (st.code !== 'ENOENT') throw pathError('lstat', p, st);
    const parent = splitPathDirEntry(p).dir;
    let pst;
    try {
      pst = await stat(parent);
    } catch (e) {
      throw pathError('stat', parent, e);
    }
    if (!pst.isDirectory()) throw new Error('not a directory');
    return { path: p, exists: false, isDir: false, rebaseName: '' };
  }
  return { path: p, exists: true, isDir: st.isDirectory(), rebaseName: '' };
}

/** CopyTo: extracts `content` (entries sourced from `src`) at the local `dstPath`. */
export async function copyTo(content: AsyncIterable<Buffer>, src: CopyInfo, dstPath: string): Promise<void> {
  const dst = await copyInfoDestinationPath(dstPath);
  const prepared = prepareArchiveCopy(content, src, dst);
  const root = await ScopedRoot.open(prepared.dstDir);
  try {
    await unpackTar(decompressed(Readable.from(prepared.content)) as AsyncIterable<Buffer>, root, {
      noLchown: true,
      noOverwriteDirNonDir: true,
      destName: prepared.dstDir,
    });
  } finally {
    await root.close();
  }
}
