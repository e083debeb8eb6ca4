/**
 * Reading a rotated log file set back (moby loggerutils LogFile.ReadLogs + follow.go), for any
 * LogFormat:
 *
 * 1. Snapshot: under the writer's fs lock (when the writer lives in this process), open the
 *    rotated files and the current one, and note the current file's size. Later writes are for
 *    the follow phase.
 * 2. Tail: with tail N, walk the files newest to oldest, finding where the last N records start
 *    by reading backwards (json-file: counting newlines in 64 KiB chunks; local: hopping over the
 *    length suffixes), so the cost is proportional to N, not to the file sizes. Compressed files
 *    are decompressed in memory (each is at most max-size plus one record).
 * 3. Forward: decode the chosen ranges oldest first in 64 KiB chunks; apply since (skip until the
 *    first entry not older, then stop checking, as moby) and until (stop at the first newer one).
 * 4. Follow: keep the current file open and read what is appended. Rotation is detected by the
 *    path naming another inode than the open handle: the old handle is drained to its end (the
 *    writer has finished with it by the time it is renamed), then the new file is opened at 0.
 *    A rotation missed entirely (two between wake-ups) skips that file, as in moby. Wake-ups
 *    come from the live writer's notifications, else (no writer in this process) from polling
 *    every `pollIntervalMs` (default 200 ms). With a live writer, following ends once it is
 *    closed and everything has been read; without one, only the signal (or until) ends it.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { system, type Logger } from '../../lib/index.js';
import { dateToNano } from '../timefmt.js';
import type { LogEntry, LogTime, ReadOptions } from './driver.js';
import { BufferSource, FileSource, type LogFormat, type Source } from './format.js';
import { CorruptLogError } from './local-format.js';
import { listRotated, type RotatingFile } from './rotating-file.js';
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';

const gunzip = promisify(gunzipCb);

const CHUNK = 64 * 1024;
export const DEFAULT_POLL_MS = 200;

export interface FileReaderOptions {
  path: string;
  format: LogFormat;
  log: Logger;
  /** The writer in this process, when there is one (consistent snapshots, prompt follow). */
  live?: RotatingFile;
  pollIntervalMs?: number;
}

interface Range {
  src: Source;
  start: number;
  end: number;
  name: string;
  /** Set by readRange: the bytes of an incomplete record at the end. */
  rest?: Buffer;
}

function toNano(t: LogTime | undefined): bigint | undefined {
  if (t === undefined) return undefined;
  return typeof t === 'bigint' ? t : dateToNano(t);
}

/** Filters by since/until, with moby's forwarder semantics. */
class Window {
  private since: bigint | undefined;
  private readonly until: bigint | undefined;
  done = false;

  constructor(opts: ReadOptions) {
    this.since = toNano(opts.since);
    const u = toNano(opts.until);
    this.until = u === 0n ? undefined : u;
    if (this.since === 0n) this.since = undefined;
  }

  /** True to pass the entry on; sets done at the first entry past until. */
  admit(e: LogEntry): boolean {
    if (this.done) return false;
    if (this.since !== undefined) {
      if (e.timeNano < this.since) return false;
      this.since = undefined;
    }
    if (this.until !== undefined && e.timeNano > this.until) {
      this.done = true;
      return false;
    }
    return true;
  }
}

export async function* readLogFiles(o: FileReaderOptions, opts: ReadOptions): AsyncGenerator<LogEntry> {
  const { signal } = opts;
  if (signal.aborted) return;
  const tail = opts.tail === undefined || opts.tail === 'all' || opts.tail < 0 ? -1 : opts.tail;
  const win = new Window(opts);

  // 1. snapshot
  const handles: FileHandle[] = [];
  let current: FileHandle | undefined;
  let currentSize = 0;
  const files: { open: () => Promise<Source>; name: string }[] = [];
  const snapshot = async () => {
    if (tail !== 0) {
      for (const r of await listRotated(o.path)) {
        let fh: FileHandle;
        try {
          fh = await fs.open(r.path, 'r');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw e;
        }
        handles.push(fh);
        if (r.gz) {
          // decompressed only if the tail reaches this far
          files.push({
            name: r.path,
            open: async () => {
              try {
                return new BufferSource(await gunzipHandle(fh));
              } catch (e) {
                o.log.warn('cannot read compressed log file', { file: r.path, err: e });
                return new BufferSource(Buffer.alloc(0));
              }
            },
          });
        } else {
          const size = (await fh.stat()).size;
          files.push({ name: r.path, open: async () => new FileSource(fh, size) });
        }
      }
    }
    try {
      current = await fs.open(o.path, 'r');
      currentSize = (await current.stat()).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  };

  try {
    try {
      if (o.live) await o.live.fsLock.run('fs', snapshot);
      else await snapshot();
    } catch (e) {
      throw system(`error opening log files: ${(e as Error).message}`, e);
    }

    // 2. which ranges (a compressed file is decompressed only when reached)
    type Lazy = { name: string; get: () => Promise<{ src: Source; start: number; end: number }> };
    const ranges: Lazy[] = [];
    // where following the current file starts: after its last complete record
    let followFrom = 0;
    const cur = current ? new FileSource(current, currentSize) : undefined;
    if (cur) followFrom = (await o.format.tailStart(cur, cur.size, 0)).end;
    if (tail !== 0) {
      const all = [...files];
      if (cur) all.push({ name: o.path, open: async () => cur });
      if (tail < 0) {
        for (const f of all) {
          ranges.push({
            name: f.name,
            get: async () => {
              const src = await f.open();
              return { src, start: 0, end: src.size };
            },
          });
        }
      } else {
        let need = tail;
        for (let i = all.length - 1; i >= 0 && need > 0; i--) {
          if (signal.aborted) return;
          const src = await all[i]!.open();
          const t = await o.format.tailStart(src, src.size, need);
          need -= t.found;
          ranges.unshift({ name: all[i]!.name, get: async () => ({ src, start: t.offset, end: t.end }) });
        }
      }
    }

    // 3. forward
    for (const lazy of ranges) {
      const r: Range = { ...(await lazy.get()), name: lazy.name };
      const at = { pos: r.start };
      for await (const e of readRange(o, r, signal, at)) {
        if (win.admit(e)) yield e;
        if (win.done) return;
      }
      if (signal.aborted) return;
      if (r.src === cur) followFrom = at.pos;
    }

    // close what follow does not need
    for (const fh of handles) await fh.close().catch(() => {});
    handles.length = 0;
    if (!opts.follow || signal.aborted) return;

    // 4. follow
    yield* follow(o, current, followFrom, win, signal);
    current = undefined; // follow closed it
  } finally {
    for (const fh of handles) await fh.close().catch(() => {});
    if (current) await current.close().catch(() => {});
  }
}

/** Decodes r's records; `at.pos` ends after the last complete record consumed. */
async function* readRange(
  o: FileReaderOptions,
  r: Range,
  signal: AbortSignal,
  at: { pos: number },
  carry: Buffer = Buffer.alloc(0),
): AsyncGenerator<LogEntry> {
  let pos = r.start;
  let rem: Buffer = carry;
  while (pos < r.end) {
    if (signal.aborted) return;
    const chunk = await r.src.readAt(pos, Math.min(CHUNK, r.end - pos));
    if (chunk.length === 0) break;
    pos += chunk.length;
    const buf = rem.length ? Buffer.concat([rem, chunk]) : chunk;
    const out: LogEntry[] = [];
    let consumed: number;
    try {
      const res = o.format.parse(buf, (e) => out.push(e));
      consumed = res.consumed;
      if (res.bad) o.log.debug('skipped undecodable log records', { file: r.name, count: res.bad });
    } catch (e) {
      if (e instanceof CorruptLogError) {
        o.log.warn('corrupt log file; reading stops there', { file: r.name, offset: pos - buf.length + e.offset });
        yield* out;
        return;
      }
      throw e;
    }
    at.pos = pos - buf.length + consumed;
    rem = consumed < buf.length ? Buffer.from(buf.subarray(consumed)) : Buffer.alloc(0);
    r.rest = rem;
    yield* out;
  }
}

/**
 * Waits for the live writer's next change (no timer: its notifications are reliable in-process)
 * or, without a live writer, for `ms`. False when `signal` aborted.
 */
async function wait(change: Promise<void> | undefined, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (!change) {
    try {
      await sleep(ms, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }
  return new Promise<boolean>((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    void change.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(!signal.aborted);
    });
  });
}

async function gunzipHandle(fh: FileHandle): Promise<Buffer> {
  return gunzip(await fh.readFile());
}

async function* follow(
  o: FileReaderOptions,
  start: FileHandle | undefined,
  startSize: number,
  win: Window,
  signal: AbortSignal,
): AsyncGenerator<LogEntry> {
  const poll = o.pollIntervalMs ?? DEFAULT_POLL_MS;
  let fh = start;
  let pos = startSize;
  let ino = fh ? (await fh.stat()).ino : -1;
  let rem: Buffer = Buffer.alloc(0);
  try {
    while (!signal.aborted) {
      // register for the wake-up before looking, so an append in between is not missed
      const change = o.live?.nextChange();
      const closed = o.live?.closed ?? false;
      const st = await fs.stat(o.path).catch(() => undefined);
      if (!fh && st) {
        try {
          fh = await fs.open(o.path, 'r');
          ino = (await fh.stat()).ino;
          pos = 0;
          rem = Buffer.alloc(0);
        } catch {
          fh = undefined;
        }
      }
      if (fh) {
        // drain the open handle
        const size = (await fh.stat()).size;
        if (size < pos) pos = 0; // truncated under us
        if (pos < size) {
          const at = { pos };
          const range: Range = { src: new FileSource(fh, size), start: pos, end: size, name: o.path };
          for await (const e of readRange(o, range, signal, at, rem)) {
            if (win.admit(e)) yield e;
            if (win.done) return;
          }
          if (signal.aborted) return;
          rem = Buffer.from(range.rest ?? Buffer.alloc(0));
          pos = size;
        }
        if (st && st.ino !== ino) {
          // rotated: what the old handle had is read. Files rotated past us since (several
          // rotations between two wake-ups) are read whole, then the new current file.
          if (rem.length) o.log.debug('dropping a torn record at rotation', { file: o.path, bytes: rem.length });
          rem = Buffer.alloc(0);
          const missed = await openRotatedAfter(o, ino);
          await fh.close().catch(() => {});
          fh = undefined;
          try {
            for (const m of missed) {
              const src = await m.open();
              for await (const e of readRange(o, { src, start: 0, end: src.size, name: m.name }, signal, { pos: 0 })) {
                if (win.admit(e)) yield e;
                if (win.done) return;
              }
              if (signal.aborted) return;
            }
          } finally {
            for (const m of missed) await m.close();
          }
          continue;
        }
      }
      if (closed) return;
      if (!(await wait(change, poll, signal))) return;
    }
  } finally {
    if (fh) await fh.close().catch(() => {});
  }
}

interface OpenedFile {
  name: string;
  open(): Promise<Source>;
  close(): Promise<void>;
}

/**
 * The rotated files newer than the one with inode `ino` (which the caller still holds open, so
 * the inode cannot have been reused), oldest first, opened under the writer's lock when there is
 * one. Empty when that file is no longer among the plain rotated files (deleted, or compressed:
 * then which files came after it is unknown).
 */
async function openRotatedAfter(o: FileReaderOptions, ino: number): Promise<OpenedFile[]> {
  const run = async (): Promise<OpenedFile[]> => {
    const rotated = await listRotated(o.path);
    let mine = -1;
    for (const r of rotated) {
      if (r.gz) continue;
      const st = await fs.stat(r.path).catch(() => undefined);
      if (st?.ino === ino) mine = r.index;
    }
    if (mine < 0) {
      // usually it was .1 and has just been compressed; if more rotations happened, their
      // files are skipped (moby warns about the same)
      if (rotated.length > 1) {
        o.log.debug('cannot tell which rotated log files came after the one being followed', { file: o.path });
      }
      return [];
    }
    const out: OpenedFile[] = [];
    for (const r of rotated) {
      if (r.index >= mine) continue;
      const fh = await fs.open(r.path, 'r').catch(() => undefined);
      if (!fh) continue;
      const size = r.gz ? 0 : (await fh.stat()).size;
      out.push({
        name: r.path,
        open: async () => (r.gz ? new BufferSource(await gunzipHandle(fh)) : new FileSource(fh, size)),
        close: () => fh.close().catch(() => {}),
      });
    }
    return out;
  };
  return o.live ? o.live.fsLock.run('fs', run) : run();
}
