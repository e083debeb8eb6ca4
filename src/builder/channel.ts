/** The bounded queue between a build and the HTTP response that streams its messages. */

/** Messages a build may have waiting for a slow client, and that a stage running ahead may hold. */
export const HIGH_WATER = 256;

/**
 * The queue between the build and the HTTP response. Bound: HIGH_WATER messages; when full,
 * push() resolves only once the client has read below it (RUN output waits on that, so a slow
 * client slows the step down rather than filling memory). After `signal` aborts (the client went
 * away) pushes are dropped and nobody waits.
 */
export class Channel<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private wake: (() => void) | undefined;
  private waiting: (() => void)[] = [];
  private closed = false;
  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.release(), { once: true });
  }
  push(v: T): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    this.items.push(v);
    this.wake?.();
    if (this.items.length < HIGH_WATER) return Promise.resolve();
    return new Promise((r) => this.waiting.push(r));
  }
  private release(): void {
    for (const w of this.waiting.splice(0)) w();
  }
  close(): void {
    this.closed = true;
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      while (this.items.length) {
        const v = this.items.shift()!;
        if (this.items.length < HIGH_WATER) this.release();
        yield v;
      }
      if (this.closed) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}
