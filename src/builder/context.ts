/**
 * The build context on the daemon's side: the client's tar (plain or gzip) checked entry by
 * entry and extracted under the build's own directory, and the COPY/ADD sources found in it.
 *
 *   <buildRoot>/
 *     context/         the extracted tree (a ScopedRoot: no entry is written through a symlink)
 *     step-<n>.tar     the layer of one COPY/ADD step (copy-layer.ts), written on a cache miss
 *
 * While it is extracted, the content checksum of every regular file is kept (moby's tarsum
 * context): a COPY's cache key comes from them without reading the files again.
 *
 * Refused with invalidParameter: `..` entries, absolute names, symlinks whose target climbs out
 * of the context, COPY sources outside the context (also through a symlink).
 */
import { promises as fs, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressed, invalidParameter, notFound, patternRegExp, ScopedRoot, tarExtract, tarValidator, unpackTar, writeTo, type ContentSums, type Ctx, type TarHeader } from '../lib/index.js';

/** A build context on disk. */
export interface BuildContext {
  dir: string;
  /**
   * sha256 and size of the regular files' content by path in `dir`, as received; absent for a
   * context that was not received as a tar (a Git clone): its files are then read.
   */
  sums?: ContentSums;
}

/**
 * Receives the context into `<buildRoot>/context`. The upload is checked (TarChecker: the
 * clear error for a hostile entry) while it is extracted into a ScopedRoot, which by itself
 * never writes outside the directory; a refused archive fails the build and its directory is
 * removed with the build's.
 */
export async function receiveContext(ctx: Ctx, input: Readable, buildRoot: string): Promise<BuildContext> {
  const dir = join(buildRoot, 'context');
  await fs.mkdir(dir, { recursive: true });
  const raw = decompressed(input);
  const sums: ContentSums = new Map();
  const v = tarValidator({ contentSums: sums });
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
    if (!unpacking) return { dir, sums }; // an empty upload: an empty context
    await v.done;
    await unpacking;
  } catch (e) {
    feed.destroy();
    await unpacking?.catch(() => {});
    throw failure ?? e;
  } finally {
    await root.close();
  }
  return { dir, sums };
}

const hasMeta = (s: string) => /[*?[]/.test(s);

/** lstat calls in flight at once while walking a directory. */
const WALK_BATCH = 32;

export interface WalkEntry {
  /** Relative to the walked directory. */
  path: string;
  stat: Stats;
}

/** Every path under `dir`, relative, sorted (directories before their content), with its lstat. */
export async function walk(dir: string, rel = ''): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  const names = (await fs.readdir(join(dir, rel))).sort();
  for (let i = 0; i < names.length; i += WALK_BATCH) {
    const batch = names.slice(i, i + WALK_BATCH).map((n) => (rel ? `${rel}/${n}` : n));
    const stats = await Promise.all(batch.map((r) => fs.lstat(join(dir, r))));
    for (const [j, r] of batch.entries()) {
      out.push({ path: r, stat: stats[j]! });
      if (stats[j]!.isDirectory()) out.push(...(await walk(dir, r)));
    }
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
      all ??= (await walk(contextDir)).map((e) => e.path);
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
