import { accessSync, constants } from 'node:fs';
import { delimiter, join, isAbsolute } from 'node:path';

/** Resolves a binary name along PATH (plus the sbin dirs root has); undefined when absent. */
export function which(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  const dirs = [...path.split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  const candidates = isAbsolute(name) || name.includes('/') ? [name] : dirs.filter(Boolean).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}
