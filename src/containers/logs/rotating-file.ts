/**
 * A size-rotated append-only log file (moby daemon/logger/loggerutils/logfile.go):
 *
 *   <path>          the current file, appended to
 *   <path>.1        the previous one … <path>.<max-file - 1> the oldest
 *   <path>.N.gz     the same, gzip-compressed (compress=true; <path>.1 is compressed right after
 *                   its rotation, in the background, and the next rotation waits for it)
 *
 * Before each record is written, a current file already at max-size or more is rotated (so a
 * file exceeds max-size by at most one record, as in Docker): the oldest is deleted, the others
 * shift up by one, the current becomes <path>.1 (with max-file=1 it is deleted) and a new empty
 * current is created. Records are never split across files.
 */
import { promises as fs, constants as fsc, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { KeyedMutex, messageOf, mkdirp, type Logger } from '../../lib/index.js';
import type { RotationOptions } from './options.js';

const gzip = promisify(gzipCb);

export const LOG_FILE_MODE = 0o640;

export class RotatingFile {
  private fh: FileHandle | undefined;
  private size = 0;
  private compressing: Promise<void> = Promise.resolve();
  /** Held while files are renamed, and by readers while they open their set of files. */
  readonly fsLock = new KeyedMutex();
  private changed!: Promise<void>;
  private notify!: () => void;
  private closedFlag = false;

  private constructor(
    readonly path: string,
    readonly opts: RotationOptions,
    private readonly log: Logger,
  ) {
    this.resetChanged();
  }

  /** Opens (creating) the current file for appending. */
  static async open(path: string, opts: RotationOptions, log: Logger): Promise<RotatingFile> {
    const rf = new RotatingFile(path, opts, log);
    await mkdirp(dirname(path), 0o710);
    rf.fh = await fs.open(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, LOG_FILE_MODE);
    rf.size = (await rf.fh.stat()).size;
    if (opts.compress && opts.maxFiles > 1) {
      // a crash between rotation and compression leaves <path>.1 plain: finish the job
      rf.compressing = rf.compressOne(`${path}.1`);
    }
    return rf;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Resolves at the next append or at close (for live followers). */
  nextChange(): Promise<void> {
    return this.changed;
  }

  private resetChanged(): void {
    this.changed = new Promise<void>((r) => (this.notify = r));
  }

  private wake(): void {
    const n = this.notify;
    this.resetChanged();
    n();
  }

  /**
   * Writes records at once, synchronously, when no rotation is due; returns false (nothing
   * written) otherwise. Output read from a process reaches the file in the same tick, so a
   * daemon killed with -9 loses no line it had already taken from the process.
   */
  tryAppendSync(records: readonly Buffer[]): boolean {
    if (!this.fh || this.closedFlag) return false;
    const len = records.reduce((n, r) => n + r.length, 0);
    if (this.opts.maxSize !== -1 && this.size + len >= this.opts.maxSize) return false;
    const data = records.length === 1 ? records[0]! : Buffer.concat(records, len);
    let off = 0;
    while (off < data.length) off += writeSync(this.fh.fd, data, off, data.length - off);
    this.size += len;
    this.wake();
    return true;
  }

  /** Appends whole records, rotating between records as max-size demands. */
  async append(records: readonly Buffer[]): Promise<void> {
    if (!this.fh) throw new Error('cannot write because the output file was closed');
    let batch: Buffer[] = [];
    let batchLen = 0;
    const flushBatch = async () => {
      if (batchLen === 0) return;
      const data = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchLen);
      batch = [];
      batchLen = 0;
      await this.writeAll(data);
    };
    try {
      for (const r of records) {
        if (this.opts.maxSize !== -1 && this.size + batchLen >= this.opts.maxSize && this.size + batchLen > 0) {
          await flushBatch();
          await this.rotate();
        }
        batch.push(r);
        batchLen += r.length;
      }
      await flushBatch();
    } finally {
      this.wake();
    }
  }

  private async writeAll(data: Buffer): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await this.fh!.write(data, off, data.length - off);
      off += bytesWritten;
      this.size += bytesWritten;
    }
  }

  private async rotate(): Promise<void> {
    await this.compressing;
    const { path, opts } = this;
    await this.fsLock.run('fs', async () => {
      await this.fh!.close();
      this.fh = undefined;
      try {
        if (opts.maxFiles < 2) {
          await fs.rm(path, { force: true });
        } else {
          const ext = opts.compress ? '.gz' : '';
          await fs.rm(`${path}.${opts.maxFiles - 1}${ext}`, { force: true });
          for (let i = opts.maxFiles - 1; i > 1; i--) {
            await renameIfExists(`${path}.${i - 1}${ext}`, `${path}.${i}${ext}`);
          }
          await renameIfExists(path, `${path}.1`);
        }
      } catch (e) {
        this.log.warn('error rotating log file, log data may have been lost', { file: path, err: messageOf(e) });
      }
      this.fh = await fs.open(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT | fsc.O_TRUNC, LOG_FILE_MODE);
      this.size = 0;
    });
    if (opts.compress && opts.maxFiles > 1) this.compressing = this.compressOne(`${path}.1`);
  }

  /** Gzips `file` into `file.gz` (temp + rename), then deletes `file`. Never throws. */
  private async compressOne(file: string): Promise<void> {
    try {
      let data: Buffer;
      try {
        data = await fs.readFile(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      const gz = await gzip(data);
      const tmp = join(dirname(file), `.${basename(file)}.gz.tmp`);
      await fs.writeFile(tmp, gz, { mode: LOG_FILE_MODE });
      await this.fsLock.run('fs', async () => {
        await fs.rename(tmp, `${file}.gz`);
        await fs.rm(file, { force: true });
      });
    } catch (e) {
      this.log.error('error compressing log file after rotation', { file, err: messageOf(e) });
    }
  }

  /** Closes the current file after pending compression; wakes followers. Idempotent. */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    await this.compressing;
    if (this.fh) await this.fh.close();
    this.fh = undefined;
    this.wake();
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** A rotated file as a reader finds it. */
export interface RotatedFile {
  index: number;
  path: string;
  gz: boolean;
}

/** The rotated files of `path`, oldest first (a plain file wins over a .gz of the same index). */
export async function listRotated(path: string): Promise<RotatedFile[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const byIndex = new Map<number, RotatedFile>();
  for (const n of names) {
    if (!n.startsWith(base + '.')) continue;
    const m = /^(\d+)(\.gz)?$/.exec(n.slice(base.length + 1));
    if (!m) continue;
    const index = Number(m[1]);
    if (index < 1) continue;
    const gz = m[2] !== undefined;
    const prev = byIndex.get(index);
    if (prev && !prev.gz) continue;
    byIndex.set(index, { index, path: join(dir, n), gz });
  }
  return [...byIndex.values()].sort((a, b) => b.index - a.index);
}
