/**
 * Per-container I/O hub: outlives single processes, so a client that attaches before `start`
 * (docker run, docker start -a) is served by the next process, and one that attaches while the
 * container runs by the current one. Output lines also go to the container's log driver.
 */
import type { Readable } from 'node:stream';
import type { LogDriver } from '../../containers/index.js';
import { ProcessStreams, type Chunk } from './streams.js';

/** Splits output into lines for the log driver; a line over 16 KiB is stored in partial pieces (Docker's bufio limit). */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  constructor(private readonly emit: (line: Buffer, partial: boolean) => void) {}

  push(data: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = data.subarray(start, nl);
      if (this.pendingLen) {
        this.pending.push(piece);
        this.emit(Buffer.concat(this.pending), false);
        this.pending = [];
        this.pendingLen = 0;
      } else this.emit(piece, false);
      start = nl + 1;
    }
    if (start < data.length) {
      const rest = data.subarray(start);
      this.pending.push(Buffer.from(rest));
      this.pendingLen += rest.length;
      if (this.pendingLen >= 16 * 1024) this.flush(true);
    }
  }

  flush(partial = true): void {
    if (!this.pendingLen) return;
    this.emit(Buffer.concat(this.pending), partial);
    this.pending = [];
    this.pendingLen = 0;
  }
}

export class ContainerHub {
  private current: ProcessStreams | undefined;
  private readonly waiting = new Set<(p: ProcessStreams | undefined) => void>();
  log: LogDriver | undefined;

  /** Wires a new process: its output goes to the log and to attached clients. */
  attachProcess(stdout: Readable | null, stderr: Readable | null, stdin: import('node:stream').Writable | null, log: LogDriver | undefined): ProcessStreams {
    this.log = log;
    const splitters = new Map<number, LineSplitter>();
    const sink = (c: Chunk) => {
      if (!log) return;
      let sp = splitters.get(c.stream);
      if (!sp) {
        const stream = c.stream === 1 ? 'stdout' : 'stderr';
        sp = new LineSplitter((line, partial) => {
          try {
            log.write({ stream, line, time: new Date(), partial });
          } catch {
            /* driver closed */
          }
        });
        splitters.set(c.stream, sp);
      }
      sp.push(c.data);
    };
    const ps = new ProcessStreams(stdout, stderr, stdin, sink);
    void ps.closed.then(() => {
      for (const sp of splitters.values()) sp.flush(true);
      if (this.current === ps) this.current = undefined;
    });
    this.current = ps;
    for (const w of this.waiting) w(ps);
    this.waiting.clear();
    return ps;
  }

  get process(): ProcessStreams | undefined {
    return this.current;
  }

  /** The current process, or the next one to start (undefined when signal aborts first). */
  async processOrNext(signal: AbortSignal): Promise<ProcessStreams | undefined> {
    if (this.current) return this.current;
    return new Promise((resolve) => {
      const w = (p: ProcessStreams | undefined) => {
        signal.removeEventListener('abort', onAbort);
        resolve(p);
      };
      const onAbort = () => {
        this.waiting.delete(w);
        resolve(undefined);
      };
      this.waiting.add(w);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Output of the current process, or of the next one to start, subscribed at once: a process
   * that starts (and even ends) before the caller begins reading loses nothing to it.
   */
  output(signal: AbortSignal, streams: { stdout: boolean; stderr: boolean }): AsyncIterable<Chunk> {
    if (this.current) return this.current.subscribe(signal, streams);
    let sub: AsyncIterable<Chunk> | undefined;
    const ready = this.processOrNext(signal).then((p) => p);
    // processOrNext's waiter runs synchronously inside attachProcess: subscribe right there.
    const w = (p: ProcessStreams | undefined) => {
      if (p) sub = p.subscribe(signal, streams);
    };
    this.waiting.add(w);
    signal.addEventListener('abort', () => this.waiting.delete(w), { once: true });
    return (async function* () {
      await ready;
      if (sub) yield* sub;
    })();
  }

  /** Wakes clients waiting for a process that will not come (container removed). */
  close(): void {
    for (const w of this.waiting) w(undefined);
    this.waiting.clear();
  }
}
