/**
 * Atomic file writes (temp + fsync + rename + fsync dir) and small filesystem helpers. Every piece
 * of metadata berthd persists goes through writeFileAtomic so a crash leaves the old or the new
 * version, never a torn one.
 */
import { promises as fs, constants as fsc } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { nodeCrypto } from './builtins.js';

export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
  const fh = await fs.open(tmp, fsc.O_CREAT | fsc.O_WRONLY | fsc.O_TRUNC, mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
}

export async function fsyncDir(dir: string): Promise<void> {
  const dh = await fs.open(dir, fsc.O_RDONLY);
  try {
    await dh.sync();
  } catch {
    /* some filesystems refuse fsync on directories */
  } finally {
    await dh.close();
  }
}

export async function writeJsonAtomic(path: string, value: unknown, mode = 0o644): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value), mode);
}

/** Reads and parses a JSON file; undefined when it does not exist. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}

export async function mkdirp(path: string, mode = 0o711): Promise<void> {
  await fs.mkdir(path, { recursive: true, mode });
}

/**
 * Bytes of everything but directories under `dir`, each inode once (moby pkg/directory.Size:
 * what Docker reports as a container's SizeRw). Entries that vanish meanwhile are skipped.
 */
export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<bigint>();
  let size = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    await Promise.all(
      entries.map(async (e) => {
        const p = join(d, e.name);
        if (e.isDirectory()) return walk(p);
        const st = await fs.lstat(p, { bigint: true }).catch(() => undefined);
        if (!st || st.size === 0n || seen.has(st.ino)) return;
        seen.add(st.ino);
        size += Number(st.size);
      }),
    );
  };
  await walk(dir);
  return size;
}
