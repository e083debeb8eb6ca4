/**
 * Files and byte streams of the CLI (`save -o`, `load -i`, `import FILE`, tar to stdout), with
 * Go's error wording (`open /x: no such file or directory`) since docker prints os errors as
 * they are.
 */
import { lstat, open, rename, rm, stat, chmod, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import type { OutputStream } from './io.js';
import { CliError } from './command.js';

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  ELOOP: 'too many levels of symbolic links',
};

/** Go's *os.PathError text: "<op> <path>: <errno text>". */
export function pathError(op: string, path: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  const text = (e.code && ERRNO_TEXT[e.code]) || e.message;
  return new Error(`${op} ${path}: ${text}`, { cause: err });
}

/** Opens a file for reading (os.Open): errors surface now, not on the first read. */
export async function openInput(path: string): Promise<Readable> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw pathError('open', path, e);
  }
  return fh.createReadStream();
}

/**
 * Writes a stream to the CLI's output with backpressure (waits for `drain` on a real stream);
 * the output stays open.
 */
export async function copyToOutput(src: AsyncIterable<Buffer | string>, out: OutputStream): Promise<void> {
  const w = out as Partial<Writable>;
  for await (const chunk of src) {
    if (out.write(chunk) === false && typeof w.once === 'function') await once(w as Writable, 'drain');
  }
}

/** moby/sys/atomicwriter's validateDestination. */
async function validateDestination(fileName: string): Promise<void> {
  if (fileName === '') throw new Error('file name is empty');
  const dir = dirname(fileName);
  if (dir !== '.' && dir !== '..') {
    let st;
    try {
      st = await stat(dir);
    } catch (e) {
      throw new Error(`invalid output path: ${pathError('stat', dir, e).message}`);
    }
    if (!st.isDirectory()) throw new Error(`invalid output path: stat ${dir}: not a directory`);
  }
  let st;
  try {
    st = await lstat(fileName);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`failed to stat output path: ${pathError('lstat', fileName, e).message}`);
  }
  if (st.isFile()) return;
  if (st.isDirectory()) throw new Error('cannot write to a directory');
  if (st.isSymbolicLink()) throw new Error('cannot write to a symbolic link directly');
  if (st.isFIFO()) throw new Error('cannot write to a named pipe (FIFO)');
  if (st.isSocket()) throw new Error('cannot write to a socket');
  if (st.isCharacterDevice()) throw new Error('cannot write to a character device file');
  throw new Error('cannot write to a block device file');
}

/**
 * moby/sys/atomicwriter: writes go to `.tmp-<name><random>` beside the target, which is renamed
 * over the target by `commit()` only if something was written; `abort()` (or a commit with
 * nothing written) removes the temporary file and leaves any existing target alone.
 */
export class AtomicFileWriter {
  private written = false;

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmpPath: string,
    private readonly target: string,
    private readonly mode: number,
  ) {}

  /** Validates the destination and creates the temporary file. Throws with docker's wording. */
  static async create(fileName: string, mode = 0o600): Promise<AtomicFileWriter> {
    await validateDestination(fileName);
    const target = resolve(fileName);
    const tmpPath = resolve(dirname(target), `.tmp-${basename(fileName)}${randomBytes(5).readUInt32BE(0)}`);
    let fh: FileHandle;
    try {
      fh = await open(tmpPath, 'wx', 0o600);
    } catch (e) {
      throw pathError('open', tmpPath, e);
    }
    return new AtomicFileWriter(fh, tmpPath, target, mode);
  }

  /** Copies `src` into the temporary file. */
  async write(src: AsyncIterable<Buffer | string>): Promise<void> {
    for await (const chunk of src) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (buf.length === 0) continue;
      await this.fh.write(buf);
      this.written = true;
    }
  }

  /** Syncs, closes and renames into place (when anything was written). */
  async commit(): Promise<void> {
    try {
      await this.fh.sync();
      await this.fh.close();
      await chmod(this.tmpPath, this.mode);
      if (this.written) await rename(this.tmpPath, this.target);
    } finally {
      await rm(this.tmpPath, { force: true });
    }
  }

  /** Discards the temporary file. */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmpPath, { force: true });
  }
}

/**
 * docker save / export: the archive `open` fetches goes to `output` (atomically, mode 0600) or,
 * when that is empty, to `out`, which must not be a terminal. The destination is checked before
 * the request; `failed` prefixes an error opening the file ("failed to save image").
 */
export async function writeArchive(out: OutputStream, output: string, failed: string, open: () => Promise<Readable>): Promise<void> {
  let file: AtomicFileWriter | undefined;
  if (output === '') {
    if (out.isTTY) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  } else {
    try {
      file = await AtomicFileWriter.create(output, 0o600);
    } catch (e) {
      throw new CliError(`${failed}: ${(e as Error).message}`, { cause: e });
    }
  }
  try {
    const body = await open();
    if (file) await file.write(body);
    else await copyToOutput(body, out);
  } catch (e) {
    await file?.abort();
    throw e;
  }
  await file?.commit();
}
