/**
 * `.dockerignore` (moby/patternmatcher and docker/cli's build context): one pattern a line,
 * `#` comments, `!` re-includes, patterns cleaned like Go's filepath.Clean with a leading `/`
 * dropped; `*` and `?` stay within one path element, `**` spans any number of them. A path is
 * excluded when the last pattern that matches it or one of its parent directories is not an
 * exception. The Dockerfile and .dockerignore are always sent (docker/cli adds them back).
 */
import { posix } from 'node:path';

export interface IgnorePattern {
  text: string;
  exclusion: boolean;
  re: RegExp;
}

/** Go's filepath.Match syntax plus `**`, as a RegExp over a slash-separated relative path. */
export function patternRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` matches zero or more directories; a trailing `**` anything.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error(`syntax error in pattern`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i];
    else re += c.replace(/[.+^${}()|/\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/** Reads a .dockerignore's patterns (patternmatcher/ignorefile.ReadAll). */
export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let p = raw.trim();
    if (p === '' || p.startsWith('#')) continue;
    let exclusion = false;
    if (p.startsWith('!')) {
      exclusion = true;
      p = p.slice(1).trim();
      if (p === '') throw new Error('illegal exclusion pattern: "!"');
    }
    p = posix.normalize(p);
    if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
    out.push({ text: p, exclusion, re: patternRegExp(p) });
  }
  return out;
}

/** Whether `rel` (slash-separated, relative to the context) is excluded by `patterns`. */
export function isExcluded(rel: string, patterns: readonly IgnorePattern[]): boolean {
  const parts = rel.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let matched = false;
  for (const p of patterns) {
    if (prefixes.some((x) => p.re.test(x))) matched = !p.exclusion;
  }
  return matched;
}
