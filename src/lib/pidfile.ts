/**
 * Exclusive pid files (dockerd's pidfile.New): creating one fails while another live process
 * holds it, so two daemons never share a pidfile or a data-root. The file is created with
 * link(2) from a temp file, which is atomic and fails with EEXIST; a file naming a dead process
 * is stale and replaced.
 */
import { promises as fs } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { nodeCrypto } from './builtins.js';
import { conflict } from './errdefs.js';

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const n = parseInt((await fs.readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(n) ? n : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export class PidFile {
  private constructor(readonly path: string, readonly pid: number) {}

  /**
   * Creates `path` holding `pid`. Throws conflict when a live process other than `pid` holds it.
   */
  static async acquire(path: string, pid = process.pid): Promise<PidFile> {
    await fs.mkdir(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `.${basename(path)}.${nodeCrypto().randomBytes(6).toString('hex')}`);
    await fs.writeFile(tmp, `${pid}\n`);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await fs.link(tmp, path);
          return new PidFile(path, pid);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        const holder = await readPid(path);
        if (holder !== undefined && holder !== pid && processAlive(holder)) {
          throw conflict(`pid file found, ensure berthd is not running or delete ${path} (held by pid ${holder})`);
        }
        await fs.rm(path, { force: true });
      }
      throw conflict(`could not create pid file ${path}`);
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /** Removes the file if it still names this holder. */
  async release(): Promise<void> {
    if ((await readPid(this.path)) === this.pid) await fs.rm(this.path, { force: true });
  }
}
