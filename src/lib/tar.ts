/**
 * Tar handling shared by image import/load, layers and build contexts: decompression by magic
 * number, and the hostile-entry checks every archive from a client passes before anything of it
 * is used. Parsing is tar-stream's (a maintained streaming tar implementation).
 *
 * Refused: absolute names, `..` components, names that go through an earlier symlink, symlinks
 * whose relative target climbs out of the archive root, hardlinks to absolute or outside paths
 * or to entries not seen before, device nodes, and (optionally) anything but files, dirs and
 * links. Every refusal is invalidParameter with the entry named. (lib/archive.ts extracts and
 * writes trees of files with these.)
 */
import { posix } from 'node:path';
import { nodeCrypto, nodeZlib } from './builtins.js';
import { PassThrough, Readable, Transform } from 'node:stream';
import { createRequire } from 'node:module';
import type { Header as Headers, Extract, Pack } from 'tar-stream';
import { invalidParameter } from './errdefs.js';

export type { Header as TarHeader, Extract as TarExtract, Pack as TarPack } from 'tar-stream';

// tar-stream (CommonJS) is loaded on first use: the CLI imports lib/ and must start fast.
const requireCjs = createRequire(import.meta.url);
let tarStream: typeof import('tar-stream') | undefined;
function lib(): typeof import('tar-stream') {
  return (tarStream ??= requireCjs('tar-stream') as typeof import('tar-stream'));
}

/** A tar-stream extractor (streaming tar reader). */
export function tarExtract(): Extract {
  return lib().extract();
}

/** A tar-stream packer (streaming tar writer). */
export function tarPack(): Pack {
  return lib().pack();
}

export interface TarCheckOptions {
  /** Allow character and block devices (never for client archives here). */
  allowDevices?: boolean;
  /**
   * Allow relative symlink targets that climb out of the archive root. For extraction that
   * resolves symlinks inside its own root when they are followed (docker cp into a container:
   * moby accepts such links too); the names of later entries still never go through a symlink.
   */
  allowSymlinkEscape?: boolean;
}

/** Normalises an entry name: strips `./` and trailing `/`; throws on absolute or `..`. */
export function cleanEntryName(name: string): string {
  if (name.startsWith('/')) throw invalidParameter(`invalid tar entry ${JSON.stringify(name)}: absolute paths are not allowed`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalidParameter(`invalid tar entry ${JSON.stringify(name)}: path escapes the archive root`);
  return parts.join('/');
}

/**
 * Writes `chunk` honouring backpressure; resolves on 'drain', or at once when the sink is gone
 * (closed or failed: its owner reports that error).
 */
export async function writeTo(sink: NodeJS.WritableStream, chunk: Buffer): Promise<void> {
  const w = sink as NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };
  if (w.destroyed || w.writableEnded) return;
  if (sink.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      sink.removeListener('drain', done);
      sink.removeListener('close', done);
      sink.removeListener('error', done);
      resolve();
    };
    sink.once('drain', done);
    sink.once('close', done);
    sink.once('error', done);
  });
}

/** Whether following relative `target` from directory `dir` (archive-relative) leaves the root. */
function climbsOut(dir: string, target: string): boolean {
  let depth = dir === '.' || dir === '' ? 0 : dir.split('/').length;
  for (const part of target.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

/** Stateful checker: feed it every header in order. */
export class TarChecker {
  private readonly symlinks = new Set<string>();
  private readonly seen = new Set<string>();

  constructor(private readonly opts: TarCheckOptions = {}) {}

  check(h: Headers): void {
    const name = cleanEntryName(h.name);
    if (name === '') {
      if (h.type === 'directory') return;
      throw invalidParameter(`invalid tar entry ${JSON.stringify(h.name)}: empty name`);
    }
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (this.symlinks.has(prefix)) {
        throw invalidParameter(`invalid tar entry ${JSON.stringify(h.name)}: it would be written through the symlink ${prefix}`);
      }
    }
    switch (h.type) {
      case 'file':
      case 'contiguous-file':
      case 'directory':
      case 'fifo':
        break;
      case 'symlink': {
        const target = h.linkname ?? '';
        if (target === '') throw invalidParameter(`invalid tar entry ${JSON.stringify(h.name)}: empty symlink target`);
        if (!target.startsWith('/') && !this.opts.allowSymlinkEscape) {
          if (climbsOut(posix.dirname(name), target)) {
            throw invalidParameter(`invalid tar entry ${JSON.stringify(h.name)}: symlink target ${JSON.stringify(target)} points outside the archive`);
          }
        }
        this.symlinks.add(name);
        break;
      }
      case 'link': {
        const raw = h.linkname ?? '';
        if (raw.startsWith('/')) throw invalidParameter(`invalid tar entry ${JSON.stringify(h.name)}: hardlink to an absolute path ${JSON.stringify(raw)}`);
        let target: string;
        try {
          target = cleanEntryName(raw);
        } catch {
          throw invalidParameter(`invalid tar entry ${JSON.stringify(h.name)}: hardlink target ${JSON.stringify(raw)} points outside the archive`);
        }
        if (!this.seen.has(target)) {
          throw invalidParameter(`invalid tar entry ${JSON.stringify(h.name)}: hardlink to ${JSON.stringify(raw)}, which is not in the archive`);
        }
        break;
      }
      case 'character-device':
      case 'block-device':
        if (!this.opts.allowDevices) throw invalidParameter(`invalid tar entry ${JSON.stringify(h.name)}: device nodes are not allowed`);
        break;
      default:
        throw invalidParameter(`invalid tar entry ${JSON.stringify(h.name)}: unsupported entry type ${h.type}`);
    }
    if (h.type !== 'symlink') this.symlinks.delete(name);
    this.seen.add(name);
  }
}

/**
 * Returns a stream of the uncompressed bytes of `input` (gzip is detected by its magic number;
 * anything else passes through). A corrupt gzip stream fails with invalidParameter.
 */
export function decompressed(input: Readable): Readable {
  const out = new PassThrough();
  let decided = false;
  let gunzip: Transform | undefined;
  const fail = (e: Error) => out.destroy(invalidParameter(`invalid archive: ${e.message}`, e));
  input.on('error', (e) => out.destroy(e));
  const route = (chunk: Buffer) => {
    if (!decided) {
      decided = true;
      if (chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
        gunzip = nodeZlib().createGunzip();
        gunzip.on('error', fail);
        gunzip.pipe(out);
      }
    }
    return gunzip ? gunzip.write(chunk) : out.write(chunk);
  };
  (async () => {
    try {
      for await (const chunk of input) {
        if (!route(chunk as Buffer)) await new Promise<void>((r) => (gunzip ?? out).once('drain', r));
      }
      if (gunzip) gunzip.end();
      else out.end();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}

export interface TarStats {
  entries: number;
  /** Sum of the sizes of the regular files: what Docker reports as a layer's size. */
  fileBytes: number;
}

/** The sha256 (hex) and size of a regular file's content, by its cleaned entry name. */
export type ContentSums = Map<string, { sha256: string; size: number }>;

export interface TarValidatorOptions extends TarCheckOptions {
  /**
   * Filled with the content checksum of every regular file (a later entry of the same name
   * replaces an earlier one; a hard link gets its target's), as moby's tarsum keeps them for
   * a build context.
   */
  contentSums?: ContentSums;
}

/**
 * Checks a whole tar stream entry by entry without keeping it; resolves when the archive ended
 * cleanly, rejects (invalidParameter) on a hostile entry or a truncated/garbled archive.
 * Feed it with write()/end(); it honours backpressure.
 */
export function tarValidator(opts: TarValidatorOptions = {}): { sink: NodeJS.WritableStream; done: Promise<TarStats> } {
  const ex = tarExtract();
  const checker = new TarChecker(opts);
  const sums = opts.contentSums;
  let entries = 0;
  let fileBytes = 0;
  const done = new Promise<TarStats>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      stream.on('error', () => {});
      try {
        checker.check(h);
        entries++;
        if (h.type === 'file' || h.type === 'contiguous-file') fileBytes += h.size ?? 0;
      } catch (e) {
        stream.resume();
        ex.destroy(e as Error);
        return;
      }
      if (sums) {
        const name = cleanEntryName(h.name);
        sums.delete(name);
        if (h.type === 'file' || h.type === 'contiguous-file') {
          const hash = nodeCrypto().createHash('sha256');
          stream.on('data', (c) => hash.update(c as Buffer));
          stream.on('end', () => sums.set(name, { sha256: hash.digest('hex'), size: h.size ?? 0 }));
        } else if (h.type === 'link') {
          const target = sums.get(cleanEntryName(h.linkname ?? ''));
          if (target) sums.set(name, target);
        }
      }
      stream.on('end', next);
      stream.resume();
    });
    ex.on('finish', () =>
      entries === 0 ? reject(invalidParameter('invalid archive: no entries (empty or not a tar)')) : resolve({ entries, fileBytes }),
    );
    ex.on('error', (e: Error) =>
      reject(kindSafe(e)),
    );
  });
  return { sink: ex, done };
}

function kindSafe(e: Error): Error {
  return (e as { kind?: string }).kind ? e : invalidParameter(`invalid archive: ${e.message}`, e);
}
