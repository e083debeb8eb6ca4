/**
 * unpackTar: extraction of a tar into the top of a ScopedRoot under os.Root's rules (moby
 * pkg/archive Unpack as go-archive writes it now): a leading `/` is dropped, `..` and every other
 * hostile entry is refused by TarChecker, names never go through a symlink that leaves the
 * directory, an existing non-directory (a symlink included) is replaced rather than written
 * through, hard links only point at entries of the same archive. Owners from the headers (or
 * one owner for all), modes with fchmod on a descriptor, directory times set last.
 */
import { constants, fchmod as fchmodCb, promises as fs, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import { TarChecker, tarExtract, writeTo, type TarHeader } from './tar.js';
import { ScopedFsError, errnoCode, type DirRef, type ScopedRoot } from './scoped-fs.js';
import type { IdMap } from './archive.js';

const fchmod = promisify(fchmodCb);
const { O_WRONLY, O_CREAT, O_TRUNC } = constants;

async function writeAll(fh: fs.FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}

/**
 * Writes an entry's body in batches of 1 MiB, one write in flight while the next batch is read
 * (at most 2 MiB held). (fs.WriteStream over a FileHandle would keep the handle from closing.)
 */
async function writeBody(fh: fs.FileHandle, body: AsyncIterable<Buffer>): Promise<void> {
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

  const parentOf = async (parts: string[]): Promise<DirRef> => {
    const path = parts.join('/');
    if (path === '') return root.top;
    try {
      return await root.openDirPath(path, { beneath: true });
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      return root.mkdirAll(path, 0o755, { beneath: true });
    }
  };

  const extractOne = async (h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> => {
    const parts = h.name.split('/').filter((p) => p !== '' && p !== '.');
    const base = parts.pop()!;
    const parent = await parentOf(parts);
    const at = root.at(parent, base);
    try {
      let existing: Stats | undefined;
      try {
        existing = await fs.lstat(at);
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw e;
      }
      const isDir = h.type === 'directory';
      if (existing) {
        if (opts.noOverwriteDirNonDir && existing.isDirectory() && !isDir) {
          throw overwriteError(`cannot overwrite directory ${JSON.stringify(join(h.name))} with non-directory ${JSON.stringify(dest)}`);
        }
        if (opts.noOverwriteDirNonDir && !existing.isDirectory() && isDir) {
          throw overwriteError(`cannot overwrite non-directory ${JSON.stringify(join(h.name))} with directory ${JSON.stringify(dest)}`);
        }
        if (!existing.isDirectory() || !isDir) await root.removeAll(parent, base);
      }
      const mode = (h.mode ?? 0o644) & 0o7777;
      const given = opts.chown ?? { uid: h.uid ?? 0, gid: h.gid ?? 0 };
      const owner = opts.ids ? { uid: opts.ids.uid(given.uid), gid: opts.ids.gid(given.gid) } : given;
      const mtime = h.mtime ?? new Date();
      switch (h.type) {
        case 'directory': {
          if (!existing?.isDirectory()) await fs.mkdir(at, mode & 0o777);
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
          const fh = await root.openFile(parent, base, O_WRONLY | O_CREAT | O_TRUNC, 0o600);
          try {
            await writeBody(fh, body);
            if (!opts.noLchown) await fh.chown(owner.uid, owner.gid);
            await fh.chmod(mode);
          } finally {
            await fh.close();
          }
          break;
        }
        case 'symlink':
          await fs.symlink(h.linkname ?? '', at);
          if (!opts.noLchown) await fs.lchown(at, owner.uid, owner.gid);
          break;
        case 'link': {
          const t = await root.resolve(h.linkname ?? '', { beneath: true });
          try {
            if (t.name === null || !t.stat) throw new ScopedFsError('ENOENT', 'link', join(h.linkname ?? ''));
            await fs.link(root.at(t.dir, t.name), at);
          } finally {
            if (t.dir !== root.top) await t.dir.close();
          }
          if (!opts.noLchown) await fs.lchown(at, owner.uid, owner.gid);
          break;
        }
        default:
          // fifo: Node cannot mknod; moby would create it. Skipped.
          return;
      }
      await fs.lutimes(at, mtime, mtime);
    } finally {
      if (parent !== root.top) await parent.close();
    }
  };

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
      await extractOne({ ...h, name: clean.join('/') }, entry as AsyncIterable<Buffer>);
      entry.resume();
    }
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
    await feeding;
  }
}
