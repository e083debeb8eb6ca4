/**
 * Progress of pulls and pushes, as values (the daemon renders them as JSON messages), and the
 * channel concurrent workers report through. The channel is unbounded by count but carries
 * only small records, and byte progress is throttled per layer (PROGRESS_INTERVAL_MS), so it
 * holds at most a few entries per layer between two reads.
 */
export interface Progress {
  /** The layer (12 hex) or tag the line is about; absent for whole-operation lines. */
  id?: string;
  status: string;
  /** Byte progress of Downloading/Extracting/Pushing. */
  current?: number;
  total?: number;
  /** The push result (`{Tag, Digest, Size}`). */
  aux?: unknown;
}

export const PROGRESS_INTERVAL_MS = 100;

/** An async queue: producers push, one consumer iterates; close() or fail() ends it. */
export class ProgressChannel implements AsyncIterable<Progress> {
  private readonly items: Progress[] = [];
  private wake: (() => void) | undefined;
  private done = false;
  private error: unknown;

  push(p: Progress): void {
    if (this.done) return;
    this.items.push(p);
    this.wake?.();
  }

  close(): void {
    this.done = true;
    this.wake?.();
  }

  fail(e: unknown): void {
    this.error = e;
    this.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Progress> {
    for (;;) {
      while (this.items.length) yield this.items.shift()!;
      if (this.done) {
        if (this.error) throw this.error;
        return;
      }
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}

/** Runs `fn` over `items` with at most `limit` at a time; rejects with the first failure. */
export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
}

/** Calls `report` at most every PROGRESS_INTERVAL_MS, and always for the last value. */
export function throttled(report: (current: number) => void): { update(current: number): void; flush(): void } {
  let last = 0;
  let pending: number | undefined;
  return {
    update(current) {
      const now = Date.now();
      if (now - last >= PROGRESS_INTERVAL_MS) {
        last = now;
        pending = undefined;
        report(current);
      } else pending = current;
    },
    flush() {
      if (pending !== undefined) report(pending);
      pending = undefined;
    },
  };
}
