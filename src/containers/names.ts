/**
 * Container names: Docker's random generator (moby pkg/namesgenerator) and the validation rule of
 * moby daemon/names.go. Stored names carry a leading "/" (`/festive_curie`), as Docker keeps them.
 */
import { randomInt } from 'node:crypto';
import { invalidName } from './errors.js';
import { LEFT, RIGHT } from './names-data.js';

/** compat: moby daemon/names RestrictedNameChars, applied after trimming one leading "/". */
export const VALID_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A source of uniform integers in [0, n); injected by tests. */
export type RandomInt = (n: number) => number;

/**
 * A random `adjective_surname` name (moby namesgenerator.GetRandomName). `boring_wozniak` is
 * never produced ("Steve Wozniak is not boring"). With retry > 0 a random digit 0-9 is appended,
 * which is how Docker escapes collisions.
 */
export function generateName(retry = 0, rand: RandomInt = randomInt): string {
  let name: string;
  do {
    name = `${LEFT[rand(LEFT.length)]}_${RIGHT[rand(RIGHT.length)]}`;
  } while (name === 'boring_wozniak');
  if (retry > 0) name += String(rand(10));
  return name;
}

/**
 * Validates a user-given name and returns its stored form with the leading "/".
 * Throws invalidParameter `Invalid container name (<name>), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`.
 */
export function normalizeName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!VALID_NAME_RE.test(bare)) throw invalidName(name);
  return '/' + bare;
}

/** The lookup key of a name given either way ("x" or "/x"); no validation. */
export function nameKey(name: string): string {
  return name.startsWith('/') ? name : '/' + name;
}
