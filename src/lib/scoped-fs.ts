/**
 * Filesystem access confined to one directory tree: a container's root, an extraction
 * directory. Node has neither chroot nor openat2(RESOLVE_IN_ROOT), so this does what moby's
 * FollowSymlinkInScope and Go's os.Root do, with descriptors:
 *
 * - A path is resolved one component at a time from an open directory descriptor. Every
 *   directory on the way is opened with O_DIRECTORY|O_NOFOLLOW, so a component that is (or
 *   turns into, under a running container) a symlink is never followed by the kernel.
 * - Symlinks met on the way are expanded here, as if the top of the tree were `/` (`scope`
 *   mode: absolute targets restart at the top, `..` stops there), or refused when they leave
 *   the tree (`beneath` mode, os.Root's rule: absolute targets and climbing above the top fail
 *   with EXDEV "path escapes from parent").
 * - Operations name their file as /proc/self/fd/<dirfd>/<name>: the kernel jumps to the pinned
 *   directory, wherever it is now, and looks up one name in it. lstat, readlink, mkdir,
 *   symlink, link, unlink, rmdir, lchown and lutimes never follow that last name; opens add
 *   O_NOFOLLOW; modes are set with fchmod on a descriptor.
 *
 * Optionally, directories on other mounts can be kept out (`allowMount`): a running
 * container's /proc/<pid>/root shows its /proc, /sys and /dev, which Docker's view of the
 * container filesystem does not have.
 */
import { constants, promises as fs, type BigIntStats, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;
const MAX_SYMLINKS = 40;

/** An error shaped like Node's fs errors (`code`, `path`), naming the in-scope path. */
export class ScopedFsError extends Error {
  constructor(
    readonly code: string,
    readonly syscall: string,
    readonly path: string,
    detail?: string,
  ) {
    super(`${code}: ${detail ?? codeText(code)}, ${syscall} '${path}'`);
    this.name = 'ScopedFsError';
  }
}

function codeText(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EXDEV':
      return 'path escapes from parent';
    default:
      return code;
  }
}

/** The errno code of an fs error, or undefined. */
export function errnoCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** An open directory of the tree, with its path in the tree (`/`, `/usr/lib`). */
export interface DirRef {
  readonly fd: number;
  readonly path: string;
  /** st_dev of the directory (mount crossings are checked where it changes). */
  readonly dev: number;
  /** Closes the descriptor (a no-op for the top of the tree: the root owns it). */
  close(): Promise<void>;
}

export interface Resolved {
  /** The directory that holds the target, or the target itself when `name` is null. */
  dir: DirRef;
  /** The target's name in `dir`; null when the path names a directory (`/`, `/etc/.`, `a/..`). */
  name: string | null;
  /** The target's path in the tree, symlinks expanded. */
  path: string;
  /** lstat of the target; undefined when the last component does not exist. */
  stat?: Stats;
}

export interface ResolveOptions {
  /** Follow a symlink in the last component too (a trailing `/` always does). */
  followFinal?: boolean;
  /** os.Root's rule: a symlink or `..` that leaves the tree fails (EXDEV) instead of stopping at its top. */
  beneath?: boolean;
  /**
   * A missing directory on the way is no error: the rest of the path is taken lexically and the
   * result is `{ name: null, stat: undefined }` (FollowSymlinkInScope on a broken link).
   */
  lexicalMissing?: boolean;
}

export interface ScopedRootOptions {
  /**
   * Whether a directory on mount `mntId` (an id of /proc/<pid>/mountinfo) belongs to the
   * view. Directories on refused mounts cannot be opened (ENOENT). Default: every mount.
   */
  allowMount?: (mntId: number) => boolean;
}

class Dir implements DirRef {
  constructor(
    readonly fd: number,
    readonly path: string,
    readonly dev: number,
    private readonly closer?: () => Promise<void>,
  ) {}

  static of(h: FileHandle, path: string, dev: number): Dir {
    return new Dir(h.fd, path, dev, () => h.close().catch(() => {}));
  }

  async close(): Promise<void> {
    await this.closer?.();
  }
}

const joinPath = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** Splits a path into its components (empty ones dropped; `.` and `..` kept). */
function components(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  // A trailing slash or `/.` asks for a directory: the last name is then followed.
  if (parts.length > 0 && (path.endsWith('/') || path.endsWith('/.'))) parts.push('.');
  return parts;
}

/** `dir` joined with `parts` lexically, `..` stopping at `/`. */
function lexicalJoin(dir: string, parts: string[]): string {
  const out = dir.split('/').filter((p) => p !== '');
  for (const p of parts) {
    if (p === '.' || p === '') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return '/' + out.join('/');
}

/** st_dev's mount id: /proc/self/fdinfo/<fd> has `mnt_id:`. */
async function mountIdOf(fd: number): Promise<number> {
  const info = await fs.readFile(`/proc/self/fdinfo/${fd}`, 'utf8');
  const m = /^mnt_id:\s*(\d+)/m.exec(info);
  if (!m) throw new Error(`no mnt_id in /proc/self/fdinfo/${fd}`);
  return Number(m[1]);
}

/** Parses /proc/<pid>/mountinfo: id, mount point, filesystem type, super options, root within the fs. */
export interface MountInfo {
  id: number;
  parent: number;
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string;
}

const unescapeMountinfo = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const a = line.slice(0, dash).split(' ');
    const b = line.slice(dash + 3).split(' ');
    out.push({
      id: Number(a[0]),
      parent: Number(a[1]),
      root: unescapeMountinfo(a[3] ?? ''),
      mountPoint: unescapeMountinfo(a[4] ?? ''),
      fsType: b[0] ?? '',
      source: unescapeMountinfo(b[1] ?? ''),
      superOptions: b[2] ?? '',
    });
  }
  return out;
}

export class ScopedRoot {
  private constructor(
    readonly top: DirRef,
    private readonly opts: ScopedRootOptions,
    private readonly closeTop: () => Promise<void>,
  ) {}

  /** Opens the tree whose top is `hostPath` (resolved by the kernel as usual: /proc/<pid>/root works). */
  static async open(hostPath: string, opts: ScopedRootOptions = {}): Promise<ScopedRoot> {
    const h = await fs.open(hostPath, O_RDONLY | O_DIRECTORY);
    try {
      const st = await h.stat();
      return new ScopedRoot(new Dir(h.fd, '/', st.dev), opts, () => h.close().catch(() => {}));
    } catch (e) {
      await h.close();
      throw e;
    }
  }

  /**
   * A tree whose top is `dir` of this one (an extraction directory), with the same mount rule.
   * The new root takes over `dir`: closing it closes `dir`.
   */
  subRoot(dir: DirRef): ScopedRoot {
    return new ScopedRoot(new Dir(dir.fd, '/', dir.dev), this.opts, () => dir.close());
  }

  /** Mount id of the top directory (/proc/self/fdinfo). */
  topMountId(): Promise<number> {
    return mountIdOf(this.top.fd);
  }

  async close(): Promise<void> {
    await this.closeTop();
  }

  /** The name the kernel resolves as `name` inside `dir` (no symlink in between). */
  at(dir: DirRef, name: string): string {
    return `/proc/self/fd/${dir.fd}/${name}`;
  }

  private wrap(e: unknown, syscall: string, path: string): never {
    const code = errnoCode(e);
    if (code && !(e instanceof ScopedFsError)) throw new ScopedFsError(code, syscall, path);
    throw e;
  }

  /** lstat of `name` in `dir` (never follows it). */
  async lstat(dir: DirRef, name: string): Promise<Stats> {
    try {
      return await fs.lstat(this.at(dir, name));
    } catch (e) {
      this.wrap(e, 'lstat', joinPath(dir.path, name));
    }
  }

  /** lstat with nanosecond times. */
  async lstatBig(dir: DirRef, name: string | null): Promise<BigIntStats> {
    try {
      return name === null ? await fs.stat(`/proc/self/fd/${dir.fd}`, { bigint: true }) : await fs.lstat(this.at(dir, name), { bigint: true });
    } catch (e) {
      this.wrap(e, 'lstat', name === null ? dir.path : joinPath(dir.path, name));
    }
  }

  async readlink(dir: DirRef, name: string): Promise<string> {
    try {
      return await fs.readlink(this.at(dir, name));
    } catch (e) {
      this.wrap(e, 'readlink', joinPath(dir.path, name));
    }
  }

  /** The names in `dir`, in byte order (Go's WalkDir order). */
  async readdir(dir: DirRef): Promise<string[]> {
    try {
      const names = await fs.readdir(`/proc/self/fd/${dir.fd}`);
      return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    } catch (e) {
      this.wrap(e, 'readdir', dir.path);
    }
  }

  /**
   * Opens directory `name` of `dir` without following it (ELOOP/ENOTDIR when it is not a
   * directory). A directory on a mount the view leaves out fails with ENOENT.
   */
  async openDir(dir: DirRef, name: string): Promise<DirRef> {
    const path = joinPath(dir.path, name);
    let h: FileHandle;
    try {
      h = await fs.open(this.at(dir, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    } catch (e) {
      this.wrap(e, 'open', path);
    }
    try {
      const st = await h.stat();
      if (this.opts.allowMount && st.dev !== dir.dev && !this.opts.allowMount(await mountIdOf(h.fd))) {
        throw new ScopedFsError('ENOENT', 'open', path, 'not part of the container filesystem');
      }
      return Dir.of(h, path, st.dev);
    } catch (e) {
      await h.close().catch(() => {});
      throw e;
    }
  }

  /**
   * Opens `name` of `dir` with `flags` (O_NOFOLLOW is added: a symlink fails with ELOOP).
   * Reading opens add O_NONBLOCK, so that a FIFO put in a regular file's place cannot block.
   */
  async openFile(dir: DirRef, name: string, flags: number, mode = 0o600): Promise<FileHandle> {
    const extra = (flags & 3) === O_RDONLY ? O_NONBLOCK : 0;
    try {
      return await fs.open(this.at(dir, name), flags | O_NOFOLLOW | extra, mode);
    } catch (e) {
      this.wrap(e, 'open', joinPath(dir.path, name));
    }
  }

  /**
   * Resolves `path` (absolute or relative to the top) to a directory and a name in it. A
   * missing last component is fine (no `stat`); a missing or non-directory component before it
   * throws ENOENT/ENOTDIR. The caller closes `dir`.
   */
  async resolve(path: string, opts: ResolveOptions = {}): Promise<Resolved> {
    const stack: DirRef[] = [this.top];
    const queue = components(path);
    let links = 0;
    const cur = () => stack[stack.length - 1]!;
    const release = async (keep?: DirRef) => {
      for (const d of stack) if (d !== keep && d !== this.top) await d.close();
    };
    try {
      while (queue.length > 0) {
        const part = queue.shift()!;
        if (part === '.') continue;
        if (part === '..') {
          if (stack.length > 1) await stack.pop()!.close();
          else if (opts.beneath) throw new ScopedFsError('EXDEV', 'open', path);
          continue;
        }
        const last = queue.length === 0;
        const dir = cur();
        let st: Stats;
        try {
          st = await fs.lstat(this.at(dir, part));
        } catch (e) {
          if (last && errnoCode(e) === 'ENOENT') {
            await release(dir);
            return { dir, name: part, path: joinPath(dir.path, part) };
          }
          if (opts.lexicalMissing && (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR')) {
            await release(dir);
            return { dir, name: null, path: lexicalJoin(dir.path, [part, ...queue]) };
          }
          this.wrap(e, 'lstat', joinPath(dir.path, part));
        }
        if (st.isSymbolicLink() && (!last || opts.followFinal)) {
          if (++links > MAX_SYMLINKS) throw new ScopedFsError('ELOOP', 'open', path);
          const target = await this.readlink(dir, part);
          if (target.startsWith('/')) {
            if (opts.beneath) throw new ScopedFsError('EXDEV', 'open', path);
            while (stack.length > 1) await stack.pop()!.close();
          }
          queue.unshift(...components(target));
          continue;
        }
        if (last) {
          await release(dir);
          return { dir, name: part, path: joinPath(dir.path, part), stat: st };
        }
        if (!st.isDirectory()) {
          if (opts.lexicalMissing) {
            await release(dir);
            return { dir, name: null, path: lexicalJoin(dir.path, [part, ...queue]) };
          }
          throw new ScopedFsError('ENOTDIR', 'open', joinPath(dir.path, part));
        }
        stack.push(await this.openDir(dir, part));
      }
      const dir = cur();
      await release(dir);
      return { dir, name: null, path: dir.path, stat: await fs.stat(`/proc/self/fd/${dir.fd}`) };
    } catch (e) {
      await release();
      throw e;
    }
  }

  /** Opens the directory `path` names (following every symlink, within the tree). */
  async openDirPath(path: string, opts: { beneath?: boolean } = {}): Promise<DirRef> {
    const r = await this.resolve(path, { followFinal: true, beneath: opts.beneath });
    if (r.name === null) return r.dir;
    try {
      if (!r.stat) throw new ScopedFsError('ENOENT', 'open', r.path);
      if (!r.stat.isDirectory()) throw new ScopedFsError('ENOTDIR', 'open', r.path);
      return await this.openDir(r.dir, r.name);
    } finally {
      await r.dir.close();
    }
  }

  /** Removes `name` of `dir` and, for a directory, everything below it; never leaves the tree. */
  async removeAll(dir: DirRef, name: string): Promise<void> {
    let st: Stats;
    try {
      st = await fs.lstat(this.at(dir, name));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      this.wrap(e, 'lstat', joinPath(dir.path, name));
    }
    try {
      if (!st.isDirectory()) {
        await fs.unlink(this.at(dir, name));
        return;
      }
      const sub = await this.openDir(dir, name);
      try {
        for (const n of await this.readdir(sub)) await this.removeAll(sub, n);
      } finally {
        await sub.close();
      }
      await fs.rmdir(this.at(dir, name));
    } catch (e) {
      this.wrap(e, 'remove', joinPath(dir.path, name));
    }
  }

  /**
   * Makes directory `path` and its missing parents (mode `mode`, then `onCreate` for each new
   * one, e.g. a chown), following symlinks as `beneath` says. Returns the directory, open.
   */
  async mkdirAll(path: string, mode: number, opts: { beneath?: boolean; onCreate?: (dir: DirRef, name: string) => Promise<void> } = {}): Promise<DirRef> {
    const r = await this.resolve(path, { followFinal: true, beneath: opts.beneath }).catch(async (e) => {
      if (errnoCode(e) !== 'ENOENT') throw e;
      const parts = components(path).filter((p) => p !== '.');
      if (parts.length <= 1) throw e;
      const parent = await this.mkdirAll(parts.slice(0, -1).join('/'), mode, opts);
      await parent.close();
      return this.resolve(path, { followFinal: true, beneath: opts.beneath });
    });
    if (r.name === null) return r.dir;
    try {
      if (!r.stat) {
        try {
          await fs.mkdir(this.at(r.dir, r.name), mode);
        } catch (e) {
          if (errnoCode(e) !== 'EEXIST') this.wrap(e, 'mkdir', r.path);
        }
        await opts.onCreate?.(r.dir, r.name);
      } else if (!r.stat.isDirectory()) {
        throw new ScopedFsError('ENOTDIR', 'mkdir', r.path);
      }
      return await this.openDir(r.dir, r.name);
    } finally {
      await r.dir.close();
    }
  }

  /**
   * The contents of regular file `path` (symlinks followed inside the tree), or undefined when
   * it is missing or not a regular file. At most `maxBytes` are read.
   */
  async readFile(path: string, maxBytes = 16 << 20): Promise<Buffer | undefined> {
    let r: Resolved;
    try {
      r = await this.resolve(path, { followFinal: true });
    } catch {
      return undefined;
    }
    try {
      if (r.name === null || !r.stat?.isFile()) return undefined;
      const h = await this.openFile(r.dir, r.name, O_RDONLY);
      try {
        const st = await h.stat();
        if (!st.isFile()) return undefined;
        const buf = Buffer.alloc(Math.min(st.size, maxBytes));
        let off = 0;
        while (off < buf.length) {
          const { bytesRead } = await h.read(buf, off, buf.length - off, null);
          if (bytesRead === 0) break;
          off += bytesRead;
        }
        return buf.subarray(0, off);
      } finally {
        await h.close();
      }
    } catch {
      return undefined;
    } finally {
      await r.dir.close();
    }
  }

  /** FollowSymlinkInScope: the path `path` names with every symlink expanded (missing tail kept). */
  async realPath(path: string): Promise<string> {
    const r = await this.resolve(path, { followFinal: true, lexicalMissing: true });
    await r.dir.close();
    return r.path;
  }
}
