/**
 * Encoders (STYLE D6): services return async iterables; these write them to a response or a
 * hijacked connection in one of Docker's wire formats:
 *
 *   pumpJsonLines  one JSON value per write (one HTTP chunk each). Terminator `\n` for
 *                  events, stats and wait; `\r\n` for build/pull/push/load JSON messages.
 *   pumpStdcopy    stdcopy frames (non-tty attach, exec, logs), one frame per write.
 *   pumpRaw        bytes as they come (tty streams, tar archives).
 *
 * All of them respect backpressure: when the sink's buffer is full they wait for 'drain'
 * before pulling the next item, so a slow client slows the source instead of growing a
 * buffer. They stop when `signal` aborts (client gone, `until` reached): the pending item is
 * abandoned, the iterator's return() is called without waiting for it (a source blocked in
 * next() cannot delay the end of the response), and the pump resolves false.
 */
import { cancelled, encodeJsonLine, messageOf, muxFrame, type LineTerminator, type StdFrame } from '../../lib/index.js';
import type { JSONMessage } from '../types/index.js';

/** What the encoders write to: a ServerResponse, a socket, or any Writable. */
export interface Sink {
  write(chunk: Buffer | string): boolean;
  once(event: 'drain' | 'close' | 'error', listener: (...args: unknown[]) => void): unknown;
  removeListener(event: 'drain' | 'close' | 'error', listener: (...args: unknown[]) => void): unknown;
  readonly destroyed: boolean;
}

const ABORTED: unique symbol = Symbol('aborted');

/** Waits until `sink` drains; rejects (cancelled) when it closes or `signal` aborts first. */
export function waitDrain(sink: Sink, signal: AbortSignal): Promise<void> {
  if (sink.destroyed) return Promise.reject(cancelled('client disconnected'));
  if (signal.aborted) return Promise.reject(cancelled('context canceled', signal.reason));
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      sink.removeListener('drain', onDrain);
      sink.removeListener('close', onClose);
      sink.removeListener('error', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(cancelled('client disconnected'));
    };
    const onAbort = () => {
      cleanup();
      reject(cancelled('context canceled', signal.reason));
    };
    sink.once('drain', onDrain);
    sink.once('close', onClose);
    sink.once('error', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Writes one chunk, waiting for 'drain' when the sink asks for it. */
export async function writeChunk(sink: Sink, chunk: Buffer | string, signal: AbortSignal): Promise<void> {
  if (sink.destroyed) throw cancelled('client disconnected');
  if (!sink.write(chunk)) await waitDrain(sink, signal);
}

function closeQuietly(it: AsyncIterator<unknown>): void {
  try {
    const r = it.return?.();
    if (r && typeof r.then === 'function') r.then(undefined, () => {});
  } catch {
    /* the source's cleanup failed; nothing is waiting for it */
  }
}

export interface ForEachOptions {
  /**
   * Called when the source itself throws (not the callback). When given, the loop ends
   * normally after it; without it the error propagates.
   */
  onSourceError?: (err: unknown) => Promise<void> | void;
}

/**
 * Runs `fn` for each item of `source` until the source ends (resolves true) or `signal`
 * aborts (resolves false). Errors thrown by `fn` propagate after the source is closed.
 */
export async function forEachUntil<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
  fn: (item: T) => Promise<void> | void,
  opts: ForEachOptions = {},
): Promise<boolean> {
  const it = source[Symbol.asyncIterator]();
  if (signal.aborted) {
    closeQuietly(it);
    return false;
  }
  let wake: ((v: typeof ABORTED) => void) | undefined;
  const onAbort = () => wake?.(ABORTED);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      let r: IteratorResult<T> | typeof ABORTED;
      try {
        r = await new Promise<IteratorResult<T> | typeof ABORTED>((resolve, reject) => {
          wake = resolve;
          it.next().then(resolve, reject);
        });
      } catch (e) {
        if (signal.aborted) return false;
        if (!opts.onSourceError) throw e;
        await opts.onSourceError(e);
        return true;
      } finally {
        wake = undefined;
      }
      if (r === ABORTED) {
        closeQuietly(it);
        return false;
      }
      if (r.done) return true;
      try {
        await fn(r.value);
      } catch (e) {
        closeQuietly(it);
        if (signal.aborted) return false;
        throw e;
      }
      if (signal.aborted) {
        closeQuietly(it);
        return false;
      }
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export interface JsonLinesPumpOptions {
  /** `\n` (events, stats, wait) or `\r\n` (JSON-message streams). Default `\n`. */
  terminator?: LineTerminator;
  /**
   * Turns an error thrown by the source into a last line to send (the status is already
   * 200 by then); return undefined to end the stream without one. Without this option the
   * error propagates and the server cuts the connection, so the client sees a truncated
   * stream.
   */
  onError?: (err: unknown) => unknown;
}

/** Writes each item as one JSON line. */
export function pumpJsonLines(
  sink: Sink,
  items: AsyncIterable<unknown>,
  signal: AbortSignal,
  opts: JsonLinesPumpOptions = {},
): Promise<boolean> {
  const term = opts.terminator ?? '\n';
  const onError = opts.onError;
  return forEachUntil(items, signal, (item) => writeChunk(sink, encodeJsonLine(item, term), signal), {
    onSourceError: onError
      ? async (err) => {
          const last = onError(err);
          if (last !== undefined) await writeChunk(sink, encodeJsonLine(last, term), signal);
        }
      : undefined,
  });
}

/** The last message of a failed JSON-message stream (moby streamformatter FormatError). */
export function jsonMessageError(err: unknown): JSONMessage {
  const message = messageOf(err);
  return { errorDetail: { message }, error: message };
}

/** Writes each frame as one stdcopy frame. Empty pieces are skipped. */
export function pumpStdcopy(sink: Sink, frames: AsyncIterable<StdFrame>, signal: AbortSignal): Promise<boolean> {
  return forEachUntil(frames, signal, (f) =>
    f.data.length === 0 ? undefined : writeChunk(sink, muxFrame(f.stream, f.data), signal),
  );
}

/** Writes bytes unchanged. Empty chunks are skipped. */
export function pumpRaw(sink: Sink, chunks: AsyncIterable<Buffer | string>, signal: AbortSignal): Promise<boolean> {
  return forEachUntil(chunks, signal, (c) => (c.length === 0 ? undefined : writeChunk(sink, c, signal)));
}
