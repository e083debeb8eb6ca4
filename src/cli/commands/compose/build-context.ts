/**
 * The build context of a service as a tar stream: every file under the context directory
 * (regular files, directories, symlinks), names relative to it, `.dockerignore` patterns of
 * the simple kind (exact names and `dir/`) left out.
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { tarPack } from '../../../lib/index.js';

async function ignored(dir: string): Promise<Set<string>> {
  try {
    const text = await readFile(join(dir, '.dockerignore'), 'utf8');
    return new Set(text.split('\n').map((l) => l.trim().replace(/^\.\//, '').replace(/\/$/, '')).filter((l) => l && !l.startsWith('#')));
  } catch {
    return new Set();
  }
}

export async function packContext(dir: string): Promise<Readable> {
  const pack = tarPack();
  const skip = await ignored(dir);
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip.has(r)) continue;
      const full = join(dir, r);
      const st = await lstat(full);
      const common = { name: r, mode: st.mode & 0o7777, mtime: st.mtime, uid: 0, gid: 0 };
      if (st.isDirectory()) {
        pack.entry({ ...common, type: 'directory' });
        await walk(r);
      } else if (st.isSymbolicLink()) pack.entry({ ...common, type: 'symlink', linkname: await readlink(full) });
      else if (st.isFile()) pack.entry({ ...common, size: st.size }, await readFile(full));
    }
  };
  await walk('');
  pack.finalize();
  return pack as unknown as Readable;
}
