import type { Logger } from './log.js';
import { nopLogger } from './log.js';

/** Passed first to every method that does I/O. Cancellation is `signal`. */
export interface Ctx {
  signal: AbortSignal;
  log: Logger;
  /** Set at the API edge: the negotiated API version of the request, e.g. "1.44". */
  apiVersion?: string;
  requestId?: string;
}

/** A context that is never cancelled (startup, tests). */
export function background(log: Logger = nopLogger): Ctx {
  return { signal: new AbortController().signal, log };
}

/**
 * The same context, never cancelled (Go's context.WithoutCancel): for work that must not stop
 * half-way when the client that asked for it goes away.
 */
export function withoutCancel(ctx: Ctx): Ctx {
  return { ...ctx, signal: new AbortController().signal };
}

/** A child context whose signal aborts when the parent's does or after `ms`. */
export function withTimeout(ctx: Ctx, ms: number): Ctx {
  return { ...ctx, signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ms)]) };
}
