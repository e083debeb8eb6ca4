/** Content digests (`sha256:<hex>`): computing, validating, and short IDs. */
import type { Hash } from 'node:crypto';
import { nodeCrypto } from './builtins.js';
import { invalidParameter } from './errdefs.js';

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function sha256(data: string | Buffer): string {
  return 'sha256:' + nodeCrypto().createHash('sha256').update(data).digest('hex');
}

/** An incremental digester for streams. */
export class Digester {
  private readonly h: Hash = nodeCrypto().createHash('sha256');
  size = 0;
  update(chunk: Buffer): void {
    this.h.update(chunk);
    this.size += chunk.length;
  }
  digest(): string {
    return 'sha256:' + this.h.digest('hex');
  }
}

export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/** Throws invalidParameter unless `s` is a well-formed sha256 digest. */
export function validateDigest(s: string): string {
  if (!DIGEST_RE.test(s)) throw invalidParameter(`invalid digest: ${JSON.stringify(s)}`);
  return s;
}

/** The hex part of a digest. */
export function encoded(d: string): string {
  const i = d.indexOf(':');
  return i >= 0 ? d.slice(i + 1) : d;
}

/** Docker's 12-character short ID. */
export function shortId(id: string): string {
  return encoded(id).slice(0, 12);
}
