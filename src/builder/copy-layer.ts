/**
 * The layer of a COPY/ADD step and its content checksum, the step's cache key.
 *
 * Checksum (the `<sha>` of `file:<sha>`, `dir:<sha>`, `multi:<sha>` in created_by): sha256 over
 * one line per layer entry, in layer order, of the header fields a layer keeps (name, type,
 * mode, owner, size, link target) and the sha256 of the entry's content. Times are left out, as
 * moby's tarsum v1 leaves mtime out: a fresh checkout of the same files hits the cache. Moby's
 * classic builder likewise keys a COPY on per-file sums taken when the context arrived.
 *
 * From the context, the checksum comes first (planContextCopy: the files' sums as received, or
 * read when the context has none) and the layer tar is written only on a cache miss. From
 * another archive (COPY --from, ADD of a local tar) the layer is written while it is summed.
 */
import { createReadStream, createWriteStream, promises as fs, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, posix, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressed, invalidParameter, system, tarExtract, tarPack, writeTo, type ContentSums, type TarHeader } from '../lib/index.js';
import { walk, type BuildContext } from './context.js';

export interface CopyOptions {
  /** uid/gid of every entry (default 0:0). */
  chown?: { uid: number; gid: number };
  /** Mode bits of every entry (--chmod). */
  chmod?: number;
  /** Layer times of created parent directories. */
  mtime: Date;
}

/** One entry to write into a COPY layer. */
interface Entry {
  header: TarHeader;
  /** A regular file on the host holding the content. */
  file?: string;
  /** Its path in the context, where the context's sums name it. */
  contextPath?: string;
  body?: Buffer;
  /** The body as it streams out of another archive (consumed before the next entry). */
  stream?: AsyncIterable<Buffer>;
}

/** The running checksum of a layer (see the header). */
class LayerSum {
  private readonly hash = createHash('sha256');

  add(h: TarHeader, contentSha: string): void {
    this.hash.update(JSON.stringify([h.name, h.type, h.mode, h.uid, h.gid, h.size, h.linkname ?? '', h.uname ?? '', h.gname ?? '', contentSha]) + '\n');
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

/** Whether the layer stores content for an entry of this header (the rest sum as ''). */
const hasContent = (h: TarHeader) => h.type === 'file' || h.type === 'contiguous-file';

/** The header as the layer stores it (no leading `/`); undefined for the root itself, which a layer leaves out. */
function layerHeader(e: Entry): TarHeader | undefined {
  const name = e.header.name.replace(/^\/+/, '');
  return name === '' ? undefined : { ...e.header, name };
}

function headerOf(st: Stats, name: string, opts: CopyOptions, linkname?: string): TarHeader {
  const type = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'file';
  const mode = opts.chmod !== undefined && type !== 'symlink' ? opts.chmod : st.mode & 0o7777;
  return {
    name,
    type,
    mode,
    uid: opts.chown?.uid ?? 0,
    gid: opts.chown?.gid ?? 0,
    mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
    size: type === 'file' ? st.size : 0,
    linkname: linkname ?? '',
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
  };
}

/**
 * The entries of a context tree copied from `rel` to `dest` (Docker's directory semantics).
 * `realContext` is the context directory with its symlinks resolved.
 */
async function contextEntries(contextDir: string, realContext: string, rel: string, dest: string, destIsDir: boolean, opts: CopyOptions): Promise<{ isDir: boolean; entries: Entry[] }> {
  const abs = rel === '' ? contextDir : join(contextDir, rel);
  // The named source is followed when a symlink (inside the context), its content is not.
  const st = await fs.stat(abs);
  const real = await fs.realpath(abs);
  const out: Entry[] = [];
  if (st.isDirectory()) {
    // compat: a directory's contents are copied, not the directory itself
    const base = dest.replace(/\/+$/, '');
    if (base !== '') {
      const h = headerOf(st, base, opts);
      // The context's root was made by the daemon at upload: its time and mode are not the client's.
      if (rel === '') Object.assign(h, { mtime: opts.mtime, mode: opts.chmod ?? 0o755 });
      out.push({ header: h });
    }
    const inContext = relative(realContext, real);
    for (const { path: p, stat: lst } of await walk(real)) {
      const name = base === '' ? p : `${base}/${p}`;
      const link = lst.isSymbolicLink() ? await fs.readlink(join(real, p)) : undefined;
      const file = lst.isFile() ? { file: join(real, p), contextPath: inContext === '' ? p : `${inContext}/${p}` } : {};
      out.push({ header: headerOf(lst, name, opts, link), ...file });
    }
    return { isDir: true, entries: out };
  }
  const name = destIsDir ? `${dest.replace(/\/+$/, '')}/${posix.basename(rel)}`.replace(/^\//, '') : dest;
  out.push({ header: headerOf(st, name, opts), file: abs, contextPath: relative(realContext, real) });
  return { isDir: false, entries: out };
}

/** sha256 (hex) of a file's content. */
async function fileSha(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const c of createReadStream(file)) hash.update(c as Buffer);
  return hash.digest('hex');
}

/** An entry's content checksum without writing it: the context's sum when it has one of that size. */
async function contentSha(e: Entry, h: TarHeader, sums: ContentSums | undefined): Promise<string> {
  if (!hasContent(h)) return '';
  if (e.body) return createHash('sha256').update(e.body).digest('hex');
  if (!e.file) return createHash('sha256').digest('hex');
  const known = e.contextPath !== undefined ? sums?.get(e.contextPath) : undefined;
  return known && known.size === h.size ? known.sha256 : fileSha(e.file);
}

/** Writes `entries` as a tar file; returns the layer checksum (see the header). */
async function writeTar(path: string, entries: AsyncIterable<Entry> | Entry[]): Promise<string> {
  const pack = tarPack();
  const sum = new LayerSum();
  const piping = pipeline(pack as unknown as Readable, createWriteStream(path));
  for await (const e of entries) {
    const h = layerHeader(e);
    if (!h) continue;
    const hash = createHash('sha256');
    if (e.stream || e.file) {
      const body = e.stream ?? createReadStream(e.file!);
      await new Promise<void>((resolve, reject) => {
        const w = pack.entry(h, (err) => (err ? reject(err) : resolve()));
        void (async () => {
          for await (const c of body) {
            hash.update(c as Buffer);
            await writeTo(w, c as Buffer);
          }
          w.end(Buffer.alloc(0));
        })().catch(reject);
      });
    } else {
      const body = e.body ?? Buffer.alloc(0);
      hash.update(body);
      await new Promise<void>((resolve, reject) => pack.entry(h, body, (err) => (err ? reject(err) : resolve())));
    }
    sum.add(h, hasContent(h) ? hash.digest('hex') : '');
  }
  pack.finalize();
  await piping;
  return sum.hex();
}

/** A COPY/ADD layer already written (from another archive). */
export interface CopyLayer {
  /** The layer tar. */
  path: string;
  /** `file:<sha>` or `dir:<sha>` (Docker's created_by). */
  digestRef: string;
}

/** A COPY/ADD from the context: its checksum, and the layer to write when the cache misses. */
export interface CopyPlan {
  /** `file:<sha>`, `dir:<sha>` or `multi:<sha>` (Docker's created_by). */
  digestRef: string;
  /** Writes the layer tar to `out`. Throws when the files no longer match the checksum. */
  write(out: string): Promise<void>;
  /** The layer is at `out` already (another archive's, summed as it was written). */
  prewritten?: boolean;
}

/** A COPY/ADD source that is not in the context: a heredoc, a download (ADD <url>). */
export interface GeneratedFile {
  /** Its name under a directory destination. */
  base: string;
  body?: Buffer;
  /** A file on the host holding it (downloads). */
  file?: string;
  size: number;
  /** Default mode (--chmod wins): 0644 for heredocs, 0600 for downloads, as Docker. */
  mode: number;
  mtime?: Date;
}

/**
 * Plans the layer of a COPY/ADD from the context: its entries and checksum, nothing written
 * yet. `dest` is absolute. A source that is a key of `generated` is that file instead of a
 * context path.
 */
export async function planContextCopy(
  context: BuildContext,
  sources: string[],
  generated: Map<string, GeneratedFile>,
  dest: string,
  destIsDir: boolean,
  opts: CopyOptions,
): Promise<CopyPlan> {
  const entries: Entry[] = [];
  let kind = sources.length > 1 ? 'multi' : 'file';
  let realContext: string | undefined;
  for (const rel of sources) {
    const g = generated.get(rel);
    if (g) {
      const name = destIsDir ? `${dest.replace(/\/+$/, '')}/${g.base}` : dest;
      entries.push({
        body: g.body,
        file: g.file,
        header: { name, type: 'file', mode: opts.chmod ?? g.mode, uid: opts.chown?.uid ?? 0, gid: opts.chown?.gid ?? 0, mtime: g.mtime ?? opts.mtime, size: g.size, linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 },
      });
      continue;
    }
    realContext ??= await fs.realpath(context.dir);
    const found = await contextEntries(context.dir, realContext, rel, dest, destIsDir, opts);
    if (found.isDir && sources.length === 1) kind = 'dir';
    entries.push(...found.entries);
  }
  const sum = new LayerSum();
  for (const e of entries) {
    const h = layerHeader(e);
    if (h) sum.add(h, await contentSha(e, h, context.sums));
  }
  const sha = sum.hex();
  return {
    digestRef: `${kind}:${sha}`,
    write: async (out) => {
      if ((await writeTar(out, entries)) !== sha) throw system('the build context changed while the build ran');
    },
  };
}

/** A header's fields that a layer keeps (no pax records, atime or ctime). */
function stable(h: TarHeader): TarHeader {
  return {
    name: h.name,
    type: h.type,
    mode: h.mode,
    uid: h.uid,
    gid: h.gid,
    uname: h.uname ?? '',
    gname: h.gname ?? '',
    size: h.size,
    mtime: h.mtime,
    linkname: h.linkname ?? '',
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
  };
}

/** Re-roots docker cp's archive of a path (COPY --from) at `dest`; writes the layer to `out`. */
export async function copyFromArchive(
  archive: { isDir: boolean; tar: AsyncIterable<Buffer> },
  srcBase: string,
  dest: string,
  destIsDir: boolean,
  opts: Omit<CopyOptions, 'mtime'>,
  out: string,
): Promise<CopyLayer> {
  const ex = tarExtract();
  const base = dest.replace(/\/+$/, '').replace(/^\/+/, '');
  const target = archive.isDir ? base : destIsDir ? `${base}/${srcBase}` : base;
  async function* entries(): AsyncGenerator<Entry> {
    const feeding = pipeline(archive.tar, ex).catch((e) => ex.destroy(e));
    for await (const item of ex as AsyncIterable<Readable & { header: TarHeader }>) {
      const h = item.header;
      const parts = h.name.replace(/^\/+/, '').split('/');
      parts[0] = target;
      const name = parts.filter((p) => p !== '').join('/');
      // Only what a layer keeps: pax records (atime, ctime) of the source would change the checksum.
      const header: TarHeader = {
        ...stable(h),
        name,
        ...(opts.chown ? { uid: opts.chown.uid, gid: opts.chown.gid } : {}),
        ...(opts.chmod !== undefined && h.type !== 'symlink' ? { mode: opts.chmod } : {}),
      };
      if (header.type === 'link' && header.linkname) {
        const lp = header.linkname.split('/');
        lp[0] = target;
        header.linkname = lp.join('/');
      }
      yield { header, stream: item as AsyncIterable<Buffer> };
    }
    await feeding;
  }
  const sha = await writeTar(out, entries());
  return { path: out, digestRef: `${archive.isDir ? 'dir' : 'file'}:${sha}` };
}

/** ADD of a local archive: its entries re-rooted under `dest`, checked like any client tar; writes the layer to `out`. */
export async function addArchive(file: string, dest: string, out: string, chown: CopyOptions['chown']): Promise<CopyLayer> {
  const ex = tarExtract();
  const base = dest.replace(/\/+$/, '').replace(/^\/+/, '');
  async function* entries(): AsyncGenerator<Entry> {
    const feeding = pipeline(decompressed(createReadStream(file)), ex).catch((e) => ex.destroy(e));
    for await (const item of ex as AsyncIterable<Readable & { header: TarHeader }>) {
      const h = item.header;
      const rel = h.name.replace(/^\/+/, '').replace(/^\.\//, '');
      if (rel.split('/').includes('..')) throw invalidParameter(`ADD failed: invalid tar entry ${JSON.stringify(h.name)}: path escapes the archive root`);
      const name = base === '' ? rel : `${base}/${rel}`;
      const header: TarHeader = { ...stable(h), name, ...(chown ? { uid: chown.uid, gid: chown.gid } : {}) };
      if (header.type === 'link' && header.linkname) header.linkname = base === '' ? header.linkname : `${base}/${header.linkname.replace(/^\/+/, '')}`;
      yield { header, stream: item as AsyncIterable<Buffer> };
    }
    await feeding;
  }
  const sha = await writeTar(out, entries());
  return { path: out, digestRef: `file:${sha}` };
}
