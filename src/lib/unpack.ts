/**
 * unpackTar: extraction of a tar into the top of a ScopedRoot under os.Root's rules (moby
 * pkg/archive Unpack as go-archive writes it now): a leading `/` is dropped, `..` and every other
 * hostile entry is refused by TarChecker, names never go through a symlink that leaves the
 * directory, an existing non-directory (a symlink included) is replaced rather than written
 * through, hard links only point at entries of the same archive. Owners from the headers (or
 * one owner for all), modes with fchmod on a descriptor, directory times set last.
 *
 * Cost per entry (a build context is many small files): the directory of the last entry stays
 * open for the next, a name is created first and what was there looked at only when it is
 * taken, and a few small files of one directory are written at once.
 */
import { constants, fchmod as fchmodCb, promises as fs, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import { TarChecker, tarExtract, writeTo, type TarHeader } from './tar.js';
import { ScopedFsError, errnoCode, type DirRef, type ScopedRoot } from './scoped-fs.js';
import type { IdMap } from './archive.js';

const fchmod = promisify(fchmodCb);
const { O_WRONLY, O_CREAT, O_EXCL } = constants;
/** Small files written concurrently (see unpackTar), and how small. */
const AHEAD_FILES = 8;
const AHEAD_BYTES = 256 << 10;

async function writeAll(fh: fs.FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}

/**
 * Writes an entry's body in batches of 1 MiB, one write in flight while the next batch is read
 * (at most 2 MiB held). (fs.WriteStream over a FileHandle would keep the handle from closing.)
 */
async function writeBody(fh: fs.FileHandle, body: AsyncIterable<Buffer> | Buffer[]): Promise<void> {
  let inflight: Promise<void> | undefined;
  let batch: Buffer[] = [];
  let size = 0;
  const flush = async () => {
    if (inflight) await inflight;
    inflight = undefined;
    if (size === 0) return;
    const buf = batch.length === 1 ? batch[0]! : Buffer.concat(batch, size);
    batch = [];
    size = 0;
    inflight = writeAll(fh, buf);
    inflight.catch(() => {});
  };
  for await (const chunk of body) {
    batch.push(chunk);
    size += chunk.length;
    if (size >= 1 << 20) await flush();
  }
  await flush();
  if (inflight) await inflight;
}

export interface UnpackOptions {
  /** Refuse to replace a directory with a non-directory and vice versa. */
  noOverwriteDirNonDir?: boolean;
  /** Owner of every entry (docker cp -a); default: each header's uid and gid. */
  chown?: { uid: number; gid: number };
  /** The owners (the headers' or `chown`) as the host must write them (`--userns-remap`). */
  ids?: IdMap;
  /** Leave ownership alone (the CLI, which need not run as root). */
  noLchown?: boolean;
  /** How the extraction directory is named in error messages (`/tmp`). */
  destName?: string;
  signal?: AbortSignal;
}

function overwriteError(msg: string): Error {
  return new Error(msg);
}

/** An entry's name as moby cleans it: no leading `/`. Hard link targets likewise. */
function normalizeHeader(h: TarHeader): TarHeader {
  const out: TarHeader = { ...h, name: h.name.replace(/^\/+/, '') };
  if (h.type === 'link' && h.linkname) out.linkname = h.linkname.replace(/^\/+/, '');
  return out;
}

/**
 * Extracts the tar `input` (uncompressed) into the top of `root`. Hostile entries fail the
 * extraction with invalidParameter (what was written before them stays, as with Docker).
 */
export async function unpackTar(input: AsyncIterable<Buffer>, root: ScopedRoot, opts: UnpackOptions = {}): Promise<void> {
  const ex = tarExtract();
  const checker = new TarChecker({ allowSymlinkEscape: true });
  const dest = opts.destName ?? '/';
  const join = (n: string) => (dest.endsWith('/') ? dest + n : `${dest}/${n}`);
  const dirTimes: { name: string; mtime: Date }[] = [];
  let feedError: unknown;
  const feeding = (async () => {
    try {
      for await (const chunk of input) {
        if (ex.destroyed) return;
        await writeTo(ex as unknown as NodeJS.WritableStream, chunk);
      }
      (ex as unknown as NodeJS.WritableStream).end();
    } catch (e) {
      feedError = e;
      ex.destroy(e as Error);
    }
  })();

  // The directory of the last entry stays open while the next ones go to the same place (an
  // entry at or above it may replace it: it is opened again after such an entry).
  let cached: { path: string; dir: DirRef } | undefined;
  const dropCached = async () => {
    const d = cached?.dir;
    cached = undefined;
    if (d && d !== root.top) await d.close();
  };
  const parentOf = async (parts: string[]): Promise<DirRef> => {
    const path = parts.join('/');
    if (path === '') return root.top;
    if (cached?.path === path) return cached.dir;
    await dropCached();
    let dir: DirRef;
    try {
      dir = await root.openDirPath(path, { beneath: true });
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      dir = await root.mkdirAll(path, 0o755, { beneath: true });
    }
    cached = { path, dir };
    return dir;
  };

  const extractOne = async (h: TarHeader, body: AsyncIterable<Buffer> | Buffer[]): Promise<void> => {
    if (cached && (cached.path === h.name || cached.path.startsWith(h.name + '/'))) await dropCached();
    const parts = h.name.split('/').filter((p) => p !== '' && p !== '.');
    const base = parts.pop()!;
    const parent = await parentOf(parts);
    const at = root.at(parent, base);
    const isDir = h.type === 'directory';
    // What is already at the name (found when creating it fails with EEXIST): a directory stays
    // for a directory entry (true), anything else is removed (false) unless the options forbid it.
    const clear = async (): Promise<boolean> => {
      let existing: Stats;
      try {
        existing = await fs.lstat(at);
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw e;
        return false;
      }
      if (opts.noOverwriteDirNonDir && existing.isDirectory() && !isDir) {
        throw overwriteError(`cannot overwrite directory ${JSON.stringify(join(h.name))} with non-directory ${JSON.stringify(dest)}`);
      }
      if (opts.noOverwriteDirNonDir && !existing.isDirectory() && isDir) {
        throw overwriteError(`cannot overwrite non-directory ${JSON.stringify(join(h.name))} with directory ${JSON.stringify(dest)}`);
      }
      if (existing.isDirectory() && isDir) return true;
      await root.removeAll(parent, base);
      return false;
    };
    /** Runs `create`; when the name is taken, clears it and runs `create` again (unless a directory stays). */
    const create = async (make: () => Promise<void>): Promise<void> => {
      try {
        await make();
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
        if (!(await clear())) await make();
      }
    };
    const mode = (h.mode ?? 0o644) & 0o7777;
    const given = opts.chown ?? { uid: h.uid ?? 0, gid: h.gid ?? 0 };
    const owner = opts.ids ? { uid: opts.ids.uid(given.uid), gid: opts.ids.gid(given.gid) } : given;
    const mtime = h.mtime ?? new Date();
    switch (h.type) {
      case 'directory': {
        await create(() => fs.mkdir(at, mode & 0o777));
        if (!opts.noLchown) await fs.lchown(at, owner.uid, owner.gid);
        const d = await root.openDir(parent, base);
        try {
          await fchmod(d.fd, mode);
        } finally {
          await d.close();
        }
        dirTimes.push({ name: [...parts, base].join('/'), mtime });
        return;
      }
      case 'file':
      case 'contiguous-file': {
        let fh: fs.FileHandle | undefined;
        await create(async () => {
          fh = await root.openFile(parent, base, O_WRONLY | O_CREAT | O_EXCL, 0o600);
        });
        try {
          await writeBody(fh!, body);
          if (!opts.noLchown) await fh!.chown(owner.uid, owner.gid);
          await fh!.chmod(mode);
        } finally {
          await fh!.close();
        }
        break;
      }
      case 'symlink':
        await create(() => fs.symlink(h.linkname ?? '', at));
        if (!opts.noLchown) await fs.lchown(at, owner.uid, owner.gid);
        break;
      case 'link': {
        const t = await root.resolve(h.linkname ?? '', { beneath: true });
        try {
          if (t.name === null || !t.stat) throw new ScopedFsError('ENOENT', 'link', join(h.linkname ?? ''));
          await create(() => fs.link(root.at(t.dir, t.name!), at));
        } finally {
          if (t.dir !== root.top) await t.dir.close();
        }
        if (!opts.noLchown) await fs.lchown(at, owner.uid, owner.gid);
        break;
      }
      default:
        // fifo: Node cannot mknod; moby would create it. Skipped (what was at its name goes).
        await clear();
        return;
    }
    await fs.lutimes(at, mtime, mtime);
  };

  // Small files of the directory being filled are written a few at a time: their bodies are
  // read ahead (at most AHEAD_FILES of at most AHEAD_BYTES each), and any other entry waits
  // until they are all written. A failure among them fails the extraction at that point.
  const ahead = new Map<string, Promise<void>>();
  let aheadError: unknown;
  const settle = async () => {
    await Promise.all(ahead.values());
    if (aheadError) throw aheadError;
  };
  const readAhead = (h: TarHeader, parent: string): boolean =>
    (h.type === 'file' || h.type === 'contiguous-file') && (h.size ?? 0) <= AHEAD_BYTES && (parent === '' || parent === cached?.path) && !ahead.has(h.name);

  try {
    for await (const entry of ex) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const h = normalizeHeader(entry.header);
      checker.check(h);
      const clean = h.name.split('/').filter((p) => p !== '' && p !== '.');
      if (clean.length === 0) {
        entry.resume();
        continue;
      }
      const e = { ...h, name: clean.join('/') };
      if (!readAhead(e, clean.slice(0, -1).join('/'))) {
        await settle();
        await extractOne(e, entry as AsyncIterable<Buffer>);
        entry.resume();
        continue;
      }
      if (aheadError) throw aheadError;
      const chunks: Buffer[] = [];
      for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
      if (ahead.size >= AHEAD_FILES) await Promise.race(ahead.values());
      if (aheadError) throw aheadError;
      const writing = extractOne(e, chunks)
        .catch((err: unknown) => {
          aheadError ??= err;
        })
        .finally(() => ahead.delete(e.name));
      ahead.set(e.name, writing);
    }
    await settle();
    if (feedError) throw feedError;
    for (const d of dirTimes.reverse()) {
      const r = await root.resolve(d.name, { beneath: true }).catch(() => undefined);
      if (!r || r.name === null) continue;
      await fs.lutimes(root.at(r.dir, r.name), d.mtime, d.mtime).catch(() => {});
      if (r.dir !== root.top) await r.dir.close();
    }
  } catch (e) {
    ex.destroy();
    throw e;
  } finally {
    await Promise.allSettled(ahead.values());
    await dropCached().catch(() => {});
    await feeding;
  }
}
