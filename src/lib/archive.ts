/**
 * Tar archives of directory trees and their extraction, both through a ScopedRoot (moby
 * pkg/archive's TarWithOptions / Unpack, as `docker cp`, `docker export` and the CLI's local
 * side use them):
 *
 * - packTree: a tar of one file or directory tree, in Go's WalkDir order (byte order within a
 *   directory, parents first). Headers as moby writes them: directory names end in `/`, times in
 *   whole seconds, numeric owners without names, permission and setuid/setgid/sticky bits, a
 *   file with several links once in full and then as hard links to that first name. Sockets are
 *   left out. Entries that vanish or change type while the tree is read are skipped.
 * - unpackTar (unpack.ts): extraction into a ScopedRoot.
 * - rebaseArchive: renames the first path element of every entry (docker cp's RebaseArchiveEntries).
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import { tarExtract, tarPack, writeTo, type TarHeader, type TarPack } from './tar.js';
import { ScopedFsError, errnoCode, type DirRef, type ScopedRoot } from './scoped-fs.js';

const { O_RDONLY } = constants;
const CHUNK = 64 * 1024;

/** Go's os.FileMode bits (what X-Docker-Container-Path-Stat's `mode` carries). */
export const GoMode = {
  Dir: 2 ** 31,
  Symlink: 2 ** 27,
  Device: 2 ** 26,
  NamedPipe: 2 ** 25,
  Socket: 2 ** 24,
  Setuid: 2 ** 23,
  Setgid: 2 ** 22,
  CharDevice: 2 ** 21,
  Sticky: 2 ** 20,
} as const;

/** Go's os.FileMode for a st_mode (syscall stat → fs.FileMode, as os.Lstat does). */
export function goFileMode(stMode: number): number {
  let m = stMode & 0o777;
  switch (stMode & constants.S_IFMT) {
    case constants.S_IFBLK:
      m += GoMode.Device;
      break;
    case constants.S_IFCHR:
      m += GoMode.Device + GoMode.CharDevice;
      break;
    case constants.S_IFDIR:
      m += GoMode.Dir;
      break;
    case constants.S_IFIFO:
      m += GoMode.NamedPipe;
      break;
    case constants.S_IFLNK:
      m += GoMode.Symlink;
      break;
    case constants.S_IFSOCK:
      m += GoMode.Socket;
      break;
  }
  if (stMode & 0o2000) m += GoMode.Setgid;
  if (stMode & 0o4000) m += GoMode.Setuid;
  if (stMode & 0o1000) m += GoMode.Sticky;
  return m;
}

/** Whether Go FileMode `m` has `bit` (the high bits do not fit JS's 32-bit signed `&`). */
export function hasModeBit(m: number, bit: number): boolean {
  return Math.floor(m / bit) % 2 === 1;
}

/** Go's time.Time JSON form (RFC 3339 with nanoseconds, trailing zeros dropped) of a UTC time in ns. */
export function rfc3339Nano(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  const base = new Date(Number(sec) * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  const f = frac === 0n ? '' : '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${f}Z`;
}

function tarType(st: Stats): TarHeader['type'] | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  return undefined;
}

const major = (rdev: number) => Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
const minor = (rdev: number) => Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));

/** A header to write: tar-stream fills in what is left out. */
export type TarHeaderInit = Partial<TarHeader> & Pick<TarHeader, 'name'>;

/** moby's FileInfoHeader: the header of `st` under `name` (directories get a trailing `/`). */
export function headerFor(name: string, st: Stats, linkname = ''): TarHeaderInit | undefined {
  const type = tarType(st);
  if (!type) return undefined;
  const h: TarHeaderInit = {
    name: type === 'directory' && !name.endsWith('/') ? `${name}/` : name,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: type === 'file' ? st.size : 0,
    mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
    type,
    uname: '',
    gname: '',
  };
  if (type === 'symlink') h.linkname = linkname;
  if (type === 'character-device' || type === 'block-device') {
    h.devmajor = major(st.rdev);
    h.devminor = minor(st.rdev);
  }
  return h;
}

/** Adds one entry; for a file, `write` streams its bytes into the entry. */
function addEntry(pack: TarPack, header: TarHeaderInit, write?: (sink: NodeJS.WritableStream) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve())) as unknown as NodeJS.WritableStream & { destroy(e?: Error): void };
    // tar-stream finishes other entries by itself; a file entry (even empty) must be ended
    if (header.type !== 'file' && header.type !== 'contiguous-file') return;
    (write ? write(sink) : Promise.resolve()).then(
      () => sink.end(),
      (e: unknown) => {
        sink.destroy(e as Error);
        reject(e);
      },
    );
  });
}

/** Copies exactly `size` bytes of `h` into `sink` (zeros if the file shrank, cut if it grew). */
async function copyFile(h: fs.FileHandle, size: number, sink: NodeJS.WritableStream): Promise<void> {
  let left = size;
  while (left > 0) {
    const buf = Buffer.alloc(Math.min(CHUNK, left));
    const { bytesRead } = await h.read(buf, 0, buf.length, null);
    if (bytesRead === 0) {
      // compat: a file that shrank while read keeps its header size (moby would fail the entry).
      buf.fill(0);
      await writeTo(sink, buf);
      left -= buf.length;
      continue;
    }
    await writeTo(sink, bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    left -= bytesRead;
  }
}

export interface PackNames {
  /** Name of the start's own entry; null leaves the start out (docker export's root). */
  start: string | null;
  /** Prefix of the descendants' names: `${prefix}/${relative}` (`''` gives `/bin`), or the bare relative path when null. */
  prefix: string | null;
}

/** Translates owners between the host's ids and a user namespace's (`--userns-remap`). */
export interface IdMap {
  uid(id: number): number;
  gid(id: number): number;
}

export interface PackOptions {
  /** The entries' owners as the container sees them (files on the host carry host ids). */
  ids?: IdMap;
  /** Called for an entry that could not be read (it is skipped). */
  onError?: (path: string, err: unknown) => void;
  signal?: AbortSignal;
}

export interface PackedTree {
  /** The tar stream. */
  stream: TarPack;
  /** Settles when the walk is over (the stream ended or was destroyed). */
  done: Promise<void>;
}

/**
 * A tar of `name` in `dir` (or of `dir` itself when `name` is null), walked through `root`.
 * Consume `stream`; `done` rejects when the tree could not be read at all or the stream broke.
 */
export function packTree(root: ScopedRoot, dir: DirRef, name: string | null, names: PackNames, opts: PackOptions = {}): PackedTree {
  const pack = tarPack();
  // Failures reach the consumer through its reads (and `done`); a stream nobody reads must not
  // turn them into an uncaught 'error'.
  pack.on('error', () => {});
  const links = new Map<string, string>();
  const onError = opts.onError ?? (() => {});

  const childName = (rel: string) => (names.prefix === null ? rel : `${names.prefix}/${rel}`);

  /** Writes the entry for `st` (a file of `d` named `n`, or `d` itself when n is null). */
  const entry = async (d: DirRef, n: string | null, st: Stats, archiveName: string): Promise<void> => {
    if (opts.signal?.aborted) throw opts.signal.reason;
    let link = '';
    if (st.isSymbolicLink() && n !== null) link = await root.readlink(d, n);
    const h = headerFor(archiveName, st, link);
    if (!h) return;
    if (opts.ids) {
      h.uid = opts.ids.uid(st.uid);
      h.gid = opts.ids.gid(st.gid);
    }
    if (h.type !== 'directory' && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) {
        await addEntry(pack, { ...h, type: 'link', linkname: first, size: 0 });
        return;
      }
      links.set(key, h.name);
    }
    if (h.type !== 'file' || h.size === 0 || n === null) {
      await addEntry(pack, h);
      return;
    }
    const fh = await root.openFile(d, n, O_RDONLY);
    try {
      const fst = await fh.stat();
      if (!fst.isFile() || fst.ino !== st.ino) throw new ScopedFsError('ENOENT', 'open', `${d.path}/${n}`, 'file changed while read');
      await addEntry(pack, h, (sink) => copyFile(fh, h.size!, sink));
    } finally {
      await fh.close();
    }
  };

  const walkDir = async (d: DirRef, rel: string): Promise<void> => {
    for (const n of await root.readdir(d)) {
      const childRel = rel === '' ? n : `${rel}/${n}`;
      let st: Stats;
      try {
        st = await root.lstat(d, n);
        await entry(d, n, st, childName(childRel));
      } catch (e) {
        if (pack.destroyed || opts.signal?.aborted) throw e;
        onError(`${d.path}/${n}`, e);
        continue;
      }
      if (!st.isDirectory()) continue;
      let sub: DirRef;
      try {
        sub = await root.openDir(d, n);
      } catch (e) {
        // a mount the view leaves out (a running container's /proc): the directory, empty
        if (errnoCode(e) !== 'ENOENT') onError(`${d.path}/${n}`, e);
        continue;
      }
      try {
        await walkDir(sub, childRel);
      } finally {
        await sub.close();
      }
    }
  };

  const done = (async () => {
    try {
      const st = name === null ? await fs.stat(`/proc/self/fd/${dir.fd}`) : await root.lstat(dir, name);
      if (names.start !== null) await entry(dir, name, st, names.start);
      if (st.isDirectory()) {
        const d = name === null ? dir : await root.openDir(dir, name);
        try {
          await walkDir(d, '');
        } finally {
          if (d !== dir) await d.close();
        }
      }
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
      throw e;
    }
  })();
  done.catch(() => {});
  return { stream: pack, done };
}

/** go-archive's newNameRebaser: `oldBase` → `newBase` at the start of a name. */
export function rebaseName(oldBase: string, newBase: string): (name: string) => string {
  const o = oldBase.replace(/\/+$/, '');
  const n = newBase.replace(/\/+$/, '');
  if (o === '') return (name) => (n === '' ? name.replace(/^\/+/, '') : `${n}/${name.replace(/^\/+/, '')}`);
  return (name) => {
    if (!name.startsWith(o)) return name;
    const suffix = name.slice(o.length);
    if (suffix !== '' && !suffix.startsWith('/')) return name;
    return n + suffix;
  };
}

/**
 * The tar `input` with each header passed through `map` (null drops the entry, its bytes
 * included); file bodies are copied as they are.
 */
export function transformTar(input: AsyncIterable<Buffer>, map: (h: TarHeader) => TarHeaderInit | null): TarPack {
  const ex = tarExtract();
  const pack = tarPack();
  pack.on('error', () => {});
  void (async () => {
    const feeding = (async () => {
      for await (const chunk of input) await writeTo(ex as unknown as NodeJS.WritableStream, chunk);
      (ex as unknown as NodeJS.WritableStream).end();
    })();
    feeding.catch((e: unknown) => ex.destroy(e as Error));
    try {
      for await (const entry of ex) {
        const h = map(entry.header);
        if (h) {
          await addEntry(pack, h, h.type === 'file' || h.type === 'contiguous-file' ? async (sink) => {
            for await (const c of entry as AsyncIterable<Buffer>) await writeTo(sink, c);
          } : undefined);
        }
        entry.resume();
      }
      await feeding;
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
    }
  })();
  return pack;
}

/** Calls `visit` with every header of the tar `input` (bodies are skipped). */
export async function scanTar(input: AsyncIterable<Buffer>, visit: (h: TarHeader) => void): Promise<void> {
  const ex = tarExtract();
  const feeding = (async () => {
    try {
      for await (const chunk of input) await writeTo(ex as unknown as NodeJS.WritableStream, chunk);
      (ex as unknown as NodeJS.WritableStream).end();
    } catch (e) {
      ex.destroy(e as Error);
    }
  })();
  try {
    for await (const entry of ex) {
      visit(entry.header);
      entry.resume();
    }
  } finally {
    await feeding;
  }
}

/** RebaseArchiveEntries: the tar `input` with entry names (and hard link targets) rebased. */
export function rebaseArchive(input: AsyncIterable<Buffer>, oldBase: string, newBase: string): TarPack {
  const rebase = rebaseName(oldBase, newBase);
  return transformTar(input, (h) => ({ ...h, name: rebase(h.name), ...(h.type === 'link' && h.linkname ? { linkname: rebase(h.linkname) } : {}) }));
}
