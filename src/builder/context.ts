/**
 * The build context on the daemon's side: the client's tar (plain or gzip) checked entry by
 * entry and extracted under the build's own directory, and the COPY/ADD sources read from it.
 *
 *   <buildRoot>/
 *     context.tar      the uncompressed upload, checked before anything is extracted
 *     context/         the extracted tree (a ScopedRoot: no entry is written through a symlink)
 *     step-<n>.tar     the layer of one COPY/ADD step
 *
 * Refused with invalidParameter: `..` entries, absolute names, symlinks whose target climbs out
 * of the context, COPY sources outside the context (also through a symlink).
 */
import { createReadStream, createWriteStream, promises as fs, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressed, invalidParameter, notFound, patternRegExp, ScopedRoot, tarExtract, tarPack, tarValidator, unpackTar, writeTo, type Ctx, type TarHeader } from '../lib/index.js';

/**
 * Receives the context into `<buildRoot>/context`; returns that directory. The upload is
 * checked (TarChecker: the clear error for a hostile entry) while it is extracted into a
 * ScopedRoot, which by itself never writes outside the directory; a refused archive fails the
 * build and its directory is removed with the build's.
 */
export async function receiveContext(ctx: Ctx, input: Readable, buildRoot: string): Promise<string> {
  const dir = join(buildRoot, 'context');
  await fs.mkdir(dir, { recursive: true });
  const raw = decompressed(input);
  const v = tarValidator();
  let failure: unknown;
  v.done.catch((e) => (failure = e));
  const root = await ScopedRoot.open(dir);
  const feed = new PassThrough();
  let unpacking: Promise<void> | undefined;
  try {
    for await (const chunk of raw) {
      if (failure) throw failure;
      if (ctx.signal.aborted) throw ctx.signal.reason;
      unpacking ??= unpackTar(feed as AsyncIterable<Buffer>, root, { signal: ctx.signal, noLchown: true });
      unpacking.catch(() => {});
      await writeTo(v.sink, chunk as Buffer);
      await writeTo(feed, chunk as Buffer);
    }
    v.sink.end();
    feed.end();
    if (!unpacking) return dir; // an empty upload: an empty context
    await v.done;
    await unpacking;
  } catch (e) {
    feed.destroy();
    await unpacking?.catch(() => {});
    throw failure ?? e;
  } finally {
    await root.close();
  }
  return dir;
}

const hasMeta = (s: string) => /[*?[]/.test(s);

/** Every path of the context, relative, sorted (directories before their content). */
async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const names = (await fs.readdir(join(dir, rel))).sort();
  for (const n of names) {
    const r = rel ? `${rel}/${n}` : n;
    out.push(r);
    const st = await fs.lstat(join(dir, r));
    if (st.isDirectory()) out.push(...(await walk(dir, r)));
  }
  return out;
}

/** A source path cleaned and checked to stay inside the context (moby's error text). */
function contextRel(src: string, instr: string): string {
  const clean = posix.normalize('/' + src).slice(1);
  const parts = posix.normalize(src.replace(/^\/+/, '')).split('/');
  if (parts[0] === '..') throw invalidParameter(`${instr} failed: forbidden path outside the build context: ${src} ()`);
  return clean.replace(/\/$/, '');
}

/** Resolves symlinks of `rel` inside the context; throws when it leads outside. */
async function insideContext(contextDir: string, rel: string, instr: string, src: string): Promise<string> {
  const real = await fs.realpath(join(contextDir, rel)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw notFound(`${instr} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
    throw e;
  });
  const root = await fs.realpath(contextDir);
  if (real !== root && !real.startsWith(root + '/')) throw invalidParameter(`${instr} failed: forbidden path outside the build context: ${src} ()`);
  return real;
}

/** Matches the COPY/ADD sources against the context: relative paths, wildcards expanded. */
export async function resolveSources(contextDir: string, sources: string[], instr: string): Promise<string[]> {
  const out: string[] = [];
  let all: string[] | undefined;
  for (const src of sources) {
    const rel = contextRel(src, instr);
    if (hasMeta(rel)) {
      all ??= await walk(contextDir);
      const re = patternRegExp(rel);
      const hits = all.filter((p) => re.test(p));
      if (hits.length === 0) throw notFound(`${instr} failed: no source files were specified`);
      out.push(...hits);
    } else {
      await insideContext(contextDir, rel, instr, src);
      out.push(rel);
    }
  }
  return out;
}

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
  name: string;
  header: TarHeader;
  file?: string;
  body?: Buffer;
  /** The body as it streams out of another archive (consumed before the next entry). */
  stream?: AsyncIterable<Buffer>;
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

/** The entries of a context tree copied from `rel` to `dest` (Docker's directory semantics). */
async function contextEntries(contextDir: string, rel: string, dest: string, destIsDir: boolean, opts: CopyOptions): Promise<Entry[]> {
  const abs = rel === '' ? contextDir : join(contextDir, rel);
  // The named source is followed when a symlink (inside the context), its content is not.
  const st = await fs.stat(abs);
  const out: Entry[] = [];
  if (st.isDirectory()) {
    // compat: a directory's contents are copied, not the directory itself
    const base = dest.replace(/\/+$/, '');
    if (base !== '') {
      const h = headerOf(st, base, opts);
      // The context's root was made by the daemon at upload: its time and mode are not the client's.
      if (rel === '') Object.assign(h, { mtime: opts.mtime, mode: opts.chmod ?? 0o755 });
      out.push({ name: base, header: h });
    }
    const root = await fs.realpath(abs);
    for (const p of await walk(root)) {
      const lst = await fs.lstat(join(root, p));
      const name = base === '' ? p : `${base}/${p}`;
      const link = lst.isSymbolicLink() ? await fs.readlink(join(root, p)) : undefined;
      out.push({ name, header: headerOf(lst, name, opts, link), file: lst.isFile() ? join(root, p) : undefined });
    }
    return out;
  }
  const name = destIsDir ? `${dest.replace(/\/+$/, '')}/${posix.basename(rel)}`.replace(/^\//, '') : dest;
  out.push({ name, header: headerOf(st, name, opts), file: abs });
  return out;
}

/**
 * Writes `entries` as a tar file and returns the step's content checksum: sha256 over each
 * entry's name, type, mode, owner, size, link target and content, without times (as moby's
 * tarsum v1 leaves mtime out: a fresh checkout of the same files hits the cache).
 */
async function writeTar(path: string, entries: AsyncIterable<Entry> | Entry[]): Promise<string> {
  const pack = tarPack();
  const hash = createHash('sha256');
  const piping = pipeline(pack as unknown as Readable, createWriteStream(path));
  for await (const e of entries) {
    const h = { ...e.header, name: e.header.name.replace(/^\/+/, '') };
    if (h.name === '') continue;
    hash.update(JSON.stringify([h.name, h.type, h.mode, h.uid, h.gid, h.size, h.linkname ?? '', h.uname ?? '', h.gname ?? '']) + '\n');
    if (e.stream) {
      await new Promise<void>((resolve, reject) => {
        const w = pack.entry(h, (err) => (err ? reject(err) : resolve()));
        void (async () => {
          for await (const c of e.stream!) {
            hash.update(c);
            await writeTo(w, c);
          }
          w.end(Buffer.alloc(0));
        })().catch(reject);
      });
    } else if (e.file) {
      await new Promise<void>((resolve, reject) => {
        const w = pack.entry(h, (err) => (err ? reject(err) : resolve()));
        createReadStream(e.file!)
          .on('error', reject)
          .on('data', (b) => hash.update(b as Buffer))
          .pipe(w);
      });
    } else {
      const body = e.body ?? Buffer.alloc(0);
      hash.update(body);
      await new Promise<void>((resolve, reject) => pack.entry(h, body, (err) => (err ? reject(err) : resolve())));
    }
  }
  pack.finalize();
  await piping;
  return hash.digest('hex');
}

export interface CopyLayer {
  /** The layer tar. */
  path: string;
  /** `file:<sha>`, `dir:<sha>` or `multi:<sha>` (Docker's created_by). */
  digestRef: string;
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
 * Builds the layer of a COPY/ADD from the context. `dest` is absolute. A source that is a key
 * of `generated` is that file instead of a context path.
 */
export async function copyFromContext(
  contextDir: string,
  sources: string[],
  generated: Map<string, GeneratedFile>,
  dest: string,
  destIsDir: boolean,
  opts: CopyOptions,
  out: string,
): Promise<CopyLayer> {
  const entries: Entry[] = [];
  let kind = sources.length > 1 ? 'multi' : 'file';
  for (const rel of sources) {
    const g = generated.get(rel);
    if (g) {
      const name = destIsDir ? `${dest.replace(/\/+$/, '')}/${g.base}` : dest;
      entries.push({
        name,
        body: g.body,
        file: g.file,
        header: { name, type: 'file', mode: opts.chmod ?? g.mode, uid: opts.chown?.uid ?? 0, gid: opts.chown?.gid ?? 0, mtime: g.mtime ?? opts.mtime, size: g.size, linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 },
      });
      continue;
    }
    const st = await fs.stat(join(contextDir, rel));
    if (st.isDirectory() && sources.length === 1) kind = 'dir';
    entries.push(...(await contextEntries(contextDir, rel, dest, destIsDir, opts)));
  }
  const sha = await writeTar(out, entries);
  return { path: out, digestRef: `${kind}:${sha}` };
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

/** Re-roots docker cp's archive of a path (COPY --from) at `dest`. */
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
      yield { name, header, stream: item as AsyncIterable<Buffer> };
    }
    await feeding;
  }
  const sha = await writeTar(out, entries());
  return { path: out, digestRef: `${archive.isDir ? 'dir' : 'file'}:${sha}` };
}

/** Whether `file` is a tar archive (plain or gzip): ADD extracts those. */
export async function isTarArchive(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
    return bytesRead >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}

/** ADD of a local archive: its entries re-rooted under `dest`, checked like any client tar. */
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
      yield { name, header, stream: item as AsyncIterable<Buffer> };
    }
    await feeding;
  }
  const sha = await writeTar(out, entries());
  return { path: out, digestRef: `file:${sha}` };
}

/** The content of the first regular file of a tar (at most 1 MiB: passwd and group files). */
export async function firstFileOf(tar: AsyncIterable<Buffer>): Promise<string> {
  const ex = tarExtract();
  const feeding = pipeline(tar, ex).catch((e: unknown) => ex.destroy(e as Error));
  let out = '';
  for await (const item of ex as AsyncIterable<Readable & { header: TarHeader }>) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of item) {
      size += (c as Buffer).length;
      if (size <= 1 << 20) chunks.push(c as Buffer);
    }
    if (!out && item.header.type === 'file') out = Buffer.concat(chunks).toString('utf8');
  }
  await feeding;
  return out;
}
