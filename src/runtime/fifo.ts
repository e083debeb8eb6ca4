/**
 * stdio FIFOs between berthd and containerd's shim (containerd's cio, in node).
 *
 * Layout: <dir>/<process>-stdin, -stdout, -stderr (dir = <exec-root>/containers/<id>).
 * The shim opens stdout/stderr for writing with a blocking open, and keeps its own read end; so
 * before the task is created a "keeper" fd (O_RDWR) stands in as the reader, and once the shim
 * holds its ends berthd reads through an O_RDONLY|O_NONBLOCK fd wrapped in a net.Socket (epoll,
 * not libuv's thread pool) and drops the keeper: EOF then means the shim closed its write end,
 * i.e. all output was delivered. The files survive a berthd restart, so a new berthd re-opens
 * them (live restore).
 */
import { closeSync, constants as C, openSync, promises as fs } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Ctx, Exec } from '../lib/index.js';

export interface FifoPaths {
  stdin: string;
  stdout: string;
  stderr: string;
}

export function fifoPaths(dir: string, processId: string, opts: { stdin: boolean; tty: boolean }): FifoPaths {
  return {
    stdin: opts.stdin ? join(dir, `${processId}-stdin`) : '',
    stdout: join(dir, `${processId}-stdout`),
    stderr: opts.tty ? '' : join(dir, `${processId}-stderr`),
  };
}

/**
 * Ready-made FIFOs (node has no mkfifo(2), and a process spawn per container start is slow):
 * made in batches by one `mkfifo` call, then renamed into place. Lives in `dir`, which must be
 * on the same filesystem as the FIFOs' destinations; emptied when first used.
 */
export class FifoPool {
  private ready: string[] = [];
  private refilling: Promise<void> | undefined;
  private seq = 0;
  private cleared = false;

  constructor(
    private readonly exec: Exec,
    private readonly dir: string,
    private readonly batch = 48,
  ) {}

  private async refill(ctx: Ctx): Promise<void> {
    if (!this.cleared) {
      await fs.rm(this.dir, { recursive: true, force: true });
      this.cleared = true;
    }
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const names = Array.from({ length: this.batch }, () => join(this.dir, `f${(this.seq++).toString(36)}`));
    await this.exec.run(ctx, 'mkfifo', ['-m', '0600', ...names], { timeoutMs: 10_000 });
    this.ready.push(...names);
  }

  /** Moves `paths.length` fresh FIFOs to `paths`. */
  async place(ctx: Ctx, paths: string[]): Promise<void> {
    while (this.ready.length < paths.length) {
      this.refilling ??= this.refill(ctx).finally(() => (this.refilling = undefined));
      await this.refilling;
    }
    const taken = this.ready.splice(0, paths.length);
    await Promise.all(taken.map((from, i) => fs.rename(from, paths[i]!)));
    // Top up in the background, before the next start needs them.
    if (this.ready.length < this.batch / 3 && !this.refilling) {
      this.refilling = this.refill(ctx).finally(() => (this.refilling = undefined));
      this.refilling.catch(() => {});
    }
  }
}

/** Creates the FIFOs and the keeper fds that let the shim open them. */
export async function createFifos(ctx: Ctx, pool: FifoPool, dir: string, paths: FifoPaths): Promise<{ release(): void }> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const all = [paths.stdin, paths.stdout, paths.stderr].filter(Boolean);
  await Promise.all(all.map((p) => fs.rm(p, { force: true })));
  await pool.place(ctx, all);
  const keepers = [paths.stdout, paths.stderr].filter(Boolean).map((p) => openSync(p, C.O_RDWR | C.O_NONBLOCK));
  return {
    release: () => {
      for (const fd of keepers.splice(0)) {
        try {
          closeSync(fd);
        } catch {
          /* already closed */
        }
      }
    },
  };
}

/** Opens a FIFO for reading as a non-blocking socket; null when the file is gone. */
export function openReader(path: string): Readable | null {
  if (!path) return null;
  let fd: number;
  try {
    fd = openSync(path, C.O_RDONLY | C.O_NONBLOCK);
  } catch {
    return null;
  }
  const s = new net.Socket({ fd, readable: true, writable: false });
  s.on('error', () => {});
  return s;
}

/** Opens a FIFO for writing (the process's stdin); null when no reader holds it. */
export function openWriter(path: string): Writable | null {
  if (!path) return null;
  let fd: number;
  try {
    fd = openSync(path, C.O_WRONLY | C.O_NONBLOCK);
  } catch {
    return null;
  }
  const s = new net.Socket({ fd, readable: false, writable: true });
  s.on('error', () => {});
  return s;
}

export async function removeFifos(paths: FifoPaths): Promise<void> {
  await Promise.all([paths.stdin, paths.stdout, paths.stderr].filter(Boolean).map((p) => fs.rm(p, { force: true })));
}
