/**
 * Go's path/filepath on Unix, and the docker cp path rules of moby's archive package built on it
 * (PreserveTrailingDotOrSeparator, SplitPathDirEntry): a trailing `/` or `/.` on a copy path
 * carries meaning ("must be a directory", "its contents"), which Clean would drop.
 */
import { posix } from 'node:path';

/** filepath.Clean: no trailing slash (but for `/`), `.` for empty. */
export function goClean(p: string): string {
  const n = posix.normalize(p === '' ? '.' : p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** filepath.Base: the last element, trailing slashes ignored; `/` for all slashes, `.` for empty. */
export function goBase(p: string): string {
  if (p === '') return '.';
  const t = p.replace(/\/+$/, '');
  if (t === '') return '/';
  return t.slice(t.lastIndexOf('/') + 1);
}

/** filepath.Dir: everything but the last element, cleaned. */
export function goDir(p: string): string {
  const i = p.lastIndexOf('/');
  return goClean(i < 0 ? '.' : p.slice(0, i + 1));
}

/** filepath.Join: the non-empty elements joined and cleaned ('' when all are empty). */
export function goJoin(...parts: string[]): string {
  const ps = parts.filter((x) => x !== '');
  return ps.length === 0 ? '' : goClean(ps.join('/'));
}

export const hasTrailingSeparator = (p: string) => p.length > 0 && p.endsWith('/');
export const specifiesCurrentDir = (p: string) => goBase(p) === '.';
/** A path that ends in `/` or `/.` asserts a directory. */
export const assertsDirectory = (p: string) => hasTrailingSeparator(p) || specifiesCurrentDir(p);

/** PreserveTrailingDotOrSeparator: `cleaned` with the trailing `/.` or `/` of `original` put back. */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!hasTrailingSeparator(out)) out += '/';
    out += '.';
  }
  if (!hasTrailingSeparator(out) && hasTrailingSeparator(original)) out += '/';
  return out;
}

/** SplitPathDirEntry: directory and base of the cleaned path, keeping a trailing `.`. */
export function splitPathDirEntry(p: string): { dir: string; base: string } {
  let cleaned = goClean(p);
  if (specifiesCurrentDir(p)) cleaned += '/.';
  return { dir: goDir(cleaned), base: goBase(cleaned) };
}
