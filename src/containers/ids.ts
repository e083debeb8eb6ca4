/**
 * Container IDs as moby's stringid makes them: 64 lowercase hex characters from crypto random,
 * regenerated while the 12-character short form is all digits (the short ID is the default
 * hostname, and an all-numeric hostname confuses resolvers: moby issue 3869).
 */
import { randomBytes } from 'node:crypto';

export const SHORT_ID_LENGTH = 12;
const FULL_ID_RE = /^[0-9a-f]{64}$/;

/** A new random container ID (moby stringid.GenerateRandomID). */
export function generateId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(32).toString('hex');
    if (!/^[0-9]+$/.test(id.slice(0, SHORT_ID_LENGTH))) return id;
  }
}

/** The 12-character short form (moby stringid.TruncateID; drops an `algo:` prefix). */
export function truncateId(id: string): string {
  const i = id.indexOf(':');
  const bare = i >= 0 ? id.slice(i + 1) : id;
  return bare.slice(0, SHORT_ID_LENGTH);
}

/** True for a full 64-hex container ID. */
export function isFullId(s: string): boolean {
  return FULL_ID_RE.test(s);
}
