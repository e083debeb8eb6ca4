/**
 * The bounded in-memory queue between the stdio copier and the disk (see driver.ts for the
 * policy). One background pump writes queued records in batches of up to BATCH_BYTES.
 */
import { messageOf, system, type Logger } from '../../lib/index.js';
import type { LogDriverStats } from './driver.js';
import type { LogMode } from './options.js';

const BATCH_BYTES = 256 * 1024;

export class WriteQueue {
  private queue: Buffer[] = [];
  private head = 0;
  private bytes = 0;
  private pumping: Promise<void> | undefined;
  private drainWaiters: (() => void)[] = [];
  private closedFlag = false;
  private dropped = 0;
  private written = 0;
  private failing = false;

  constructor(
    private readonly sink: (records: readonly Buffer[]) => Promise<void>,
    private readonly opts: { mode: LogMode; maxBytes: number; log: Logger; syncSink?: (records: readonly Buffer[]) => boolean },
  ) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Queues one encoded record; see LogDriver.write. */
  push(rec: Buffer): boolean {
    if (this.closedFlag) throw system('cannot write because the output file was closed');
    const { mode, maxBytes } = this.opts;
    if (mode === 'non-blocking' && this.bytes > 0 && this.bytes + rec.length > maxBytes) {
      // compat: moby's ring buffer drops when full, but takes one message of any size when empty.
      // The bound counts the batch being written too: it is all of the memory held.
      this.dropped++;
      return true;
    }
    // Idle: write through at once when the sink can (no rotation due), keeping order.
    if (!this.pumping && this.pending() === 0 && this.opts.syncSink && !this.failing) {
      try {
        if (this.opts.syncSink([rec])) {
          this.written++;
          return true;
        }
      } catch {
        /* the queued path reports the failure */
      }
    }
    this.queue.push(rec);
    this.bytes += rec.length;
    this.kick();
    return mode === 'non-blocking' || this.bytes < maxBytes;
  }

  private pending(): number {
    return this.queue.length - this.head;
  }

  drain(): Promise<void> {
    if (this.bytes < this.opts.maxBytes) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }

  /** Resolves when the queue is empty (everything handed to the sink so far is written). */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Stops taking records and flushes. */
  async close(): Promise<void> {
    this.closedFlag = true;
    await this.flush();
  }

  stats(): LogDriverStats {
    return { buffered: this.bytes, dropped: this.dropped, written: this.written };
  }

  private kick(): void {
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      // records pushed while the pump was finishing
      if (this.pending() > 0) this.kick();
    });
  }

  private async pump(): Promise<void> {
    while (this.pending() > 0) {
      const batch: Buffer[] = [];
      let size = 0;
      while (this.head < this.queue.length && (batch.length === 0 || size < BATCH_BYTES)) {
        const r = this.queue[this.head]!;
        this.queue[this.head++] = EMPTY;
        batch.push(r);
        size += r.length;
      }
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      try {
        await this.sink(batch);
        this.written += batch.length;
        if (this.failing) this.opts.log.info('log writes work again');
        this.failing = false;
      } catch (e) {
        this.dropped += batch.length;
        if (!this.failing) this.opts.log.error('failed to write log messages; dropping them', { err: messageOf(e) });
        this.failing = true;
      }
      this.bytes -= size;
      if (this.bytes < this.opts.maxBytes && this.drainWaiters.length) {
        const ws = this.drainWaiters;
        this.drainWaiters = [];
        for (const w of ws) w();
      }
    }
    this.queue = [];
    this.head = 0;
  }
}

const EMPTY = Buffer.alloc(0);
