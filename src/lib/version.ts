/** Berth's own version and the git commit it was built from. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BERTH_VERSION = '0.1.0';

/** The package root: the nearest directory above this module (dist/src/lib/, or the CLI bundle's dist/cli/…) with a package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Short commit of the checkout berth runs from, or "dev" when it is not a git checkout. */
export function gitCommit(root = packageRoot()): string {
  try {
    const git = join(root, '.git');
    const head = readFileSync(join(git, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 7);
    const ref = head.slice(5);
    try {
      return readFileSync(join(git, ref), 'utf8').trim().slice(0, 7);
    } catch {
      const packed = readFileSync(join(git, 'packed-refs'), 'utf8');
      const line = packed.split('\n').find((l) => l.endsWith(' ' + ref));
      return line ? line.slice(0, 7) : 'dev';
    }
  } catch {
    return 'dev';
  }
}
