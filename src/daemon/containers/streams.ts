/**
 * The stdio of one running process (init or exec), fanned out: every output chunk goes to the
 * log sink and to each attached client; attached clients' input goes to the process's stdin.
 *
 * Bounds: each attached client queues at most MAX_QUEUED bytes; while any client is over that,
 * reading from the process pauses (backpressure reaches the container, as in Docker, whose
 * attach copies synchronously). The log sink is called synchronously and must not block.
 */
import type { Readable, Writable } from 'node:stream';
import { invalidParameter } from '../../lib/index.js';

export interface Chunk {
  stream: 1 | 2;
  data: Buffer;
}

const MAX_QUEUED = 1 << 20;

class Subscriber {
  private readonly queue: Chunk[] = [];
  queued = 0;
  private wake: (() => void) | undefined;
  private ended = false;
  constructor(private readonly onDrain: () => void) {}

  push(c: Chunk): void {
    if (this.ended) return;
    this.queue.push(c);
    this.queued += c.data.length;
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *iterate(signal: AbortSignal): AsyncGenerator<Chunk> {
    const onAbort = () => this.end();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        while (this.queue.length) {
          const c = this.queue.shift()!;
          this.queued -= c.data.length;
          if (this.queued < MAX_QUEUED) this.onDrain();
          yield c;
        }
        if (this.ended || signal.aborted) return;
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.ended = true;
    }
  }
}

/** Docker's detach keys: "ctrl-p,ctrl-q" -> [0x10, 0x11]. */
export function parseDetachKeys(spec: string): number[] {
  const keys: number[] = [];
  for (const part of spec.split(',')) {
    const p = part.trim();
    if (p.length === 1) keys.push(p.charCodeAt(0));
    else if (/^ctrl-[a-z@\[\\\]^_]$/.test(p)) {
      const ch = p[5]!;
      keys.push(ch >= 'a' && ch <= 'z' ? ch.charCodeAt(0) - 96 : { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 }[ch]!);
    } else throw invalidParameter(`Invalid detach keys (${spec}) provided`);
  }
  if (keys.length === 0) throw invalidParameter(`Invalid detach keys (${spec}) provided`);
  return keys;
}

export const DEFAULT_DETACH_KEYS = [0x10, 0x11];

export class ProcessStreams {
  private readonly subs = new Set<Subscriber>();
  private open = 0;
  private readonly sources: Readable[] = [];
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(
    stdout: Readable | null,
    stderr: Readable | null,
    readonly stdin: Writable | null,
    private readonly sink?: (c: Chunk) => void,
  ) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
    for (const [src, stream] of [[stdout, 1], [stderr, 2]] as const) {
      if (!src) continue;
      this.open++;
      this.sources.push(src);
      let ended = false;
      const done = () => {
        if (ended) return;
        ended = true;
        src.removeAllListeners('data');
        if (--this.open === 0) this.finish();
      };
      // A source may have reached EOF (and closed) before we got it: a process that exits at
      // once ends its output while containerd is still answering Start. Its events are gone,
      // and only an empty stream ends unread, so it is simply done.
      if (src.readableEnded || src.destroyed) {
        done();
        continue;
      }
      src.on('data', (data: Buffer) => this.emit({ stream, data }));
      src.once('end', done);
      src.once('close', done);
    }
    if (this.open === 0) this.finish();
  }

  private finish(): void {
    for (const s of this.subs) s.end();
    this.resolveClosed();
  }

  private emit(c: Chunk): void {
    this.sink?.(c);
    let over = false;
    for (const s of this.subs) {
      s.push(c);
      if (s.queued > MAX_QUEUED) over = true;
    }
    if (over) for (const src of this.sources) src.pause();
  }

  private resumeIfDrained = () => {
    for (const s of this.subs) if (s.queued > MAX_QUEUED) return;
    for (const src of this.sources) src.resume();
  };

  /** An attached client's view of the output, from now on, until the process ends or signal aborts. */
  subscribe(signal: AbortSignal, streams: { stdout: boolean; stderr: boolean }): AsyncIterable<Chunk> {
    const sub = new Subscriber(this.resumeIfDrained);
    if (this.open === 0) sub.end();
    this.subs.add(sub);
    const subs = this.subs;
    return (async function* () {
      try {
        for await (const c of sub.iterate(signal)) {
          if ((c.stream === 1 && streams.stdout) || (c.stream === 2 && streams.stderr)) yield c;
        }
      } finally {
        subs.delete(sub);
      }
    })();
  }

  /**
   * Copies an attached client's input to stdin until the client's EOF (then closes stdin when
   * `closeOnEof`, Docker's StdinOnce) or the detach keys (then calls onDetach).
   */
  pipeInput(
    input: Readable,
    opts: { detachKeys: number[] | null; closeOnEof: boolean; onDetach: () => void; onEof?: () => void },
  ): void {
    const stdin = this.stdin;
    let matched = 0;
    let detached = false;
    input.on('error', () => {});
    input.on('data', (chunk: Buffer) => {
      const data = chunk;
      if (opts.detachKeys) {
        const keys = opts.detachKeys;
        for (let i = 0; i < chunk.length; i++) {
          if (chunk[i] === keys[matched]) {
            matched++;
            if (matched === keys.length) {
              // Forward what came before the sequence, then detach.
              const before = chunk.subarray(0, Math.max(0, i + 1 - keys.length));
              if (before.length && stdin && !stdin.destroyed) stdin.write(before);
              input.removeAllListeners('data');
              input.pause();
              // Detaching leaves the process and its stdin alone (the client's EOF that follows is not the process's).
              detached = true;
              opts.onDetach();
              return;
            }
          } else matched = chunk[i] === keys[0] ? 1 : 0;
        }
      }
      if (stdin && !stdin.destroyed && !stdin.write(data)) {
        input.pause();
        stdin.once('drain', () => input.resume());
      }
    });
    input.once('end', () => {
      // A FIFO reaches EOF only when its last writer's fd is closed: end, then destroy.
      if (!detached && opts.closeOnEof && stdin && !stdin.destroyed) {
        stdin.end(() => {
          stdin.destroy();
          // The shim holds a writer of its own: CloseIO makes it let go, so the process sees EOF.
          opts.onEof?.();
        });
      }
    });
  }

  /** Stops reading (berthd shutdown): the FIFOs stay open in the shim for the next berthd. */
  detach(): void {
    for (const src of this.sources) src.destroy();
    this.stdin?.destroy();
  }
}
