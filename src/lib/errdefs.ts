/**
 * Error kinds, as in moby's errdefs and containerd's errdefs. Modules throw kinds; only the HTTP
 * layer (api/server/errors.ts) turns a kind into a status, and the client turns a status back
 * into a kind, so `kindOf` works on both sides of the wire.
 */
export type ErrorKind =
  | 'notFound'
  | 'invalidParameter'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'notModified'
  | 'notImplemented'
  | 'cancelled'
  | 'deadline'
  | 'system';

export class DockerError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'DockerError';
  }
}

export const notFound = (msg: string, cause?: unknown) => new DockerError('notFound', msg, { cause });
export const invalidParameter = (msg: string, cause?: unknown) =>
  new DockerError('invalidParameter', msg, { cause });
export const conflict = (msg: string, cause?: unknown) => new DockerError('conflict', msg, { cause });
export const unauthorized = (msg: string, cause?: unknown) => new DockerError('unauthorized', msg, { cause });
export const forbidden = (msg: string, cause?: unknown) => new DockerError('forbidden', msg, { cause });
export const unavailable = (msg: string, cause?: unknown) => new DockerError('unavailable', msg, { cause });
export const notModified = (msg = '', cause?: unknown) => new DockerError('notModified', msg, { cause });
export const notImplemented = (msg: string, cause?: unknown) =>
  new DockerError('notImplemented', msg, { cause });
export const cancelled = (msg = 'context canceled', cause?: unknown) =>
  new DockerError('cancelled', msg, { cause });
export const deadline = (msg = 'context deadline exceeded', cause?: unknown) =>
  new DockerError('deadline', msg, { cause });
export const system = (msg: string, cause?: unknown) => new DockerError('system', msg, { cause });

/**
 * The kind of an error: the first classified error along the `cause` chain wins (moby's
 * errdefs.Resolve). An AbortError counts as `cancelled`; anything unclassified is `system`.
 */
export function kindOf(err: unknown): ErrorKind {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    if (e instanceof DockerError) return e.kind;
    const name = (e as { name?: unknown }).name;
    if (name === 'AbortError') return 'cancelled';
    if (name === 'TimeoutError') return 'deadline';
    e = (e as { cause?: unknown }).cause;
  }
  return 'system';
}

export const isNotFound = (err: unknown) => kindOf(err) === 'notFound';
export const isConflict = (err: unknown) => kindOf(err) === 'conflict';
export const isInvalidParameter = (err: unknown) => kindOf(err) === 'invalidParameter';

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
