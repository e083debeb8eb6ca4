/**
 * Remote build contexts (POST /build?remote=…, moby builder/remotecontext): a Git repository
 * (`git://`, `git@`, `github.com/…`, or an http(s) URL ending in `.git`, with an optional
 * `#ref:subdir` fragment) is cloned with git; any other http(s) URL is downloaded, and becomes
 * the context when it is a tar (plain or gzip), else the Dockerfile of an otherwise empty
 * context. The daemon then applies the context's .dockerignore itself (the CLI does that for
 * local contexts).
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { invalidParameter, isExcluded, parseDockerignore, type Ctx, type Exec } from '../lib/index.js';
import { receiveContext, type BuildContext } from './context.js';

/** moby's urlutil.IsGitURL. */
export function isGitUrl(remote: string): boolean {
  if (/^(git:\/\/|git@|github\.com\/)/.test(remote)) return true;
  return /^https?:\/\//.test(remote) && /\.git(#.*)?$/.test(remote);
}

/** `url#ref:subdir` → its parts (moby's parseRemoteURL). */
export function parseGitUrl(remote: string): { url: string; ref: string; subdir: string } {
  let url = remote.startsWith('github.com/') ? `https://${remote}` : remote;
  let ref = '';
  let subdir = '';
  const hash = url.indexOf('#');
  if (hash >= 0) {
    const frag = url.slice(hash + 1);
    url = url.slice(0, hash);
    const colon = frag.indexOf(':');
    ref = colon >= 0 ? frag.slice(0, colon) : frag;
    subdir = colon >= 0 ? frag.slice(colon + 1) : '';
  }
  if (ref.startsWith('-')) throw invalidParameter(`invalid git ref: ${ref}`);
  const clean = posix.normalize('/' + subdir).slice(1);
  if (subdir && (clean.startsWith('..') || posix.normalize(subdir).startsWith('..'))) throw invalidParameter(`subdirectory ${subdir} escapes the repository`);
  return { url, ref, subdir: clean };
}

/** Fetches `remote` into `<buildRoot>/context` (a tarball's content checksums kept as it is received). */
export async function fetchRemoteContext(ctx: Ctx, exec: Exec, remote: string, buildRoot: string, dockerfile: string): Promise<BuildContext> {
  if (isGitUrl(remote)) {
    const { url, ref, subdir } = parseGitUrl(remote);
    const dir = join(buildRoot, 'context');
    const env = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
    try {
      await exec.run(ctx, 'git', ['clone', '--quiet', ...(ref ? [] : ['--depth', '1']), '--', url, dir], { env, timeoutMs: 600_000 });
      if (ref) await exec.run(ctx, 'git', ['-C', dir, 'checkout', '--quiet', ref, '--'], { env, timeoutMs: 60_000 });
    } catch (e) {
      throw invalidParameter(`unable to prepare context: unable to 'git clone' to temporary context directory: ${(e as Error).message}`, e);
    }
    await fs.rm(join(dir, '.git'), { recursive: true, force: true });
    const sub = subdir ? join(dir, subdir) : dir;
    const real = await fs.realpath(sub).catch(() => {
      throw invalidParameter(`unable to prepare context: path ${subdir} not found in the repository`);
    });
    if (real !== (await fs.realpath(dir)) && !real.startsWith((await fs.realpath(dir)) + '/')) throw invalidParameter(`subdirectory ${subdir} escapes the repository`);
    return { dir: real };
  }
  if (!/^https?:\/\//.test(remote)) throw invalidParameter(`unable to prepare context: unsupported remote context ${JSON.stringify(remote)}`);
  let res: Response;
  try {
    res = await fetch(remote, { signal: ctx.signal });
  } catch (e) {
    throw invalidParameter(`unable to prepare context: error downloading ${remote}: ${(e as Error).message}`, e);
  }
  if (!res.ok || !res.body) throw invalidParameter(`unable to prepare context: error downloading ${remote}: status ${res.status}`);
  const file = join(buildRoot, 'remote');
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file), { signal: ctx.signal });
  const fh = await fs.open(file, 'r');
  const head = Buffer.alloc(512);
  const { bytesRead } = await fh.read(head, 0, 512, 0);
  await fh.close();
  const archive = (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) || (bytesRead >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar');
  if (archive) return receiveContext(ctx, createReadStream(file), buildRoot);
  // compat: a plain-text download is the Dockerfile (moby's remotecontext with a text/plain body)
  const dir = join(buildRoot, 'context');
  await fs.mkdir(dir, { recursive: true });
  const name = posix.basename(dockerfile || 'Dockerfile');
  await fs.rename(file, join(dir, name));
  return { dir };
}

/** Removes what the context's .dockerignore excludes (not the Dockerfile nor .dockerignore). */
export async function applyDockerignore(contextDir: string, dockerfile: string): Promise<void> {
  const text = await fs.readFile(join(contextDir, '.dockerignore'), 'utf8').catch(() => '');
  if (text === '') return;
  let patterns;
  try {
    patterns = parseDockerignore(text);
  } catch (e) {
    throw invalidParameter(`failed to parse dockerignore: ${(e as Error).message}`, e);
  }
  const keep = new Set([posix.normalize(dockerfile || 'Dockerfile'), '.dockerignore']);
  const walk = async (rel: string): Promise<void> => {
    for (const n of await fs.readdir(rel ? join(contextDir, rel) : contextDir)) {
      const r = rel ? `${rel}/${n}` : n;
      const st = await fs.lstat(join(contextDir, r));
      if (st.isDirectory()) {
        await walk(r);
        if (!keep.has(r) && isExcluded(r, patterns) && (await fs.readdir(join(contextDir, r))).length === 0) await fs.rmdir(join(contextDir, r));
      } else if (!keep.has(r) && isExcluded(r, patterns)) await fs.rm(join(contextDir, r), { force: true });
    }
  };
  await walk('');
}

/**
 * ADD <url>: downloads to `file`; the name is the URL path's last element, the time the
 * Last-Modified header's when there is one (moby's downloadSource). Throws StepError-worthy
 * invalidParameter on a failed download.
 */
export async function download(ctx: Ctx, url: string, file: string): Promise<{ base: string; size: number; mtime?: Date }> {
  let res: Response;
  try {
    res = await fetch(url, { signal: ctx.signal });
  } catch (e) {
    throw invalidParameter(`failed to GET ${url}: ${(e as Error).message}`, e);
  }
  if (!res.ok || !res.body) throw invalidParameter(`failed to GET ${url} with status ${res.status} ${res.statusText}`);
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file), { signal: ctx.signal });
  const size = (await fs.stat(file)).size;
  const lm = res.headers.get('last-modified');
  const mtime = lm ? new Date(lm) : undefined;
  const path = new URL(url).pathname;
  const base = posix.basename(path) || 'index.html';
  return { base, size, ...(mtime && !Number.isNaN(mtime.getTime()) ? { mtime } : {}) };
}
