/**
 * Volume names (moby daemon/names, volume/local validateName): what a local volume may be called,
 * and the generated names of anonymous volumes (64 hex characters, stringid.GenerateRandomID).
 */
import { randomBytes } from 'node:crypto';
import { invalidParameter } from '../lib/index.js';

/** moby names.RestrictedNameChars. */
export const RESTRICTED_NAME_CHARS = '[a-zA-Z0-9][a-zA-Z0-9_.-]';
const RESTRICTED_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker ≥ 23 labels the volumes it creates without a name (moby volume/service AnonymousLabel). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/**
 * Throws invalidParameter with the local driver's wording when `name` is not a valid local
 * volume name.
 */
export function validateVolumeName(name: string): void {
  if ([...name].length === 1) {
    throw invalidParameter('volume name is too short, names should be at least two alphanumeric characters');
  }
  if (!RESTRICTED_NAME.test(name)) {
    throw invalidParameter(
      `${JSON.stringify(name)} includes invalid characters for a local volume name, only ${JSON.stringify(RESTRICTED_NAME_CHARS)} are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

/** A new anonymous volume's name: 64 hex characters that do not parse as a number (stringid). */
export function generateVolumeName(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(32).toString('hex');
    // compat: stringid.GenerateRandomID retries IDs that would read as numbers (all digits,
    // or an exponent form), as a truncated one could be taken for an integer.
    if (/^[0-9]+$/.test(id.slice(0, 12)) || /^[0-9]+e[0-9]+$/.test(id.slice(0, 12))) continue;
    return id;
  }
}
