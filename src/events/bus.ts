/**
 * The in-process event bus behind GET /events (moby daemon/events). Services publish; each
 * subscriber gets the buffered past (for `since`) followed by live events, filtered with
 * Docker's event filters, until `until` passes or its ctx is aborted.
 *
 * Bounds: the replay buffer keeps the last `bufferSize` events (moby keeps 256). Each subscriber
 * queues at most `queueSize` undelivered events; when a slow reader lets its queue fill, the
 * oldest queued events are dropped (moby drops for slow subscribers too) and a warning is logged.
 */
import type { EventMessage, EventType } from './message.js';
import type { Ctx, Filters, Logger } from '../lib/index.js';
import { nopLogger } from '../lib/index.js';
import { matchEvent } from './filter.js';

export interface PublishInput {
  type: EventType;
  action: string;
  actorId: string;
  attributes?: Record<string, string>;
  scope?: 'local' | 'swarm';
}

export interface SubscribeOptions {
  /** Inclusive lower bound, nanoseconds since the epoch. */
  since?: bigint;
  /** Inclusive upper bound, nanoseconds since the epoch; the stream ends once it has passed. */
  until?: bigint;
  filters?: Filters;
}

export interface EventBusOptions {
  bufferSize?: number;
  queueSize?: number;
  log?: Logger;
  /** Clock in nanoseconds since the epoch (injected in tests). */
  nowNs?: () => bigint;
}

interface Subscriber {
  push(ev: EventMessage, ns: bigint): void;
}

/** Wall-clock nanoseconds: Date.now() anchored, hrtime for sub-millisecond resolution. */
export function wallClockNs(): () => bigint {
  const baseNs = BigInt(Date.now()) * 1_000_000n;
  const baseHr = process.hrtime.bigint();
  return () => baseNs + (process.hrtime.bigint() - baseHr);
}

export class EventBus {
  private readonly buffer: { ev: EventMessage; ns: bigint }[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private readonly bufferSize: number;
  private readonly queueSize: number;
  private readonly log: Logger;
  private readonly nowNs: () => bigint;

  constructor(opts: EventBusOptions = {}) {
    this.bufferSize = opts.bufferSize ?? 256;
    this.queueSize = opts.queueSize ?? 1024;
    this.log = opts.log ?? nopLogger;
    this.nowNs = opts.nowNs ?? wallClockNs();
  }

  /** Number of live subscribers (NEventsListener in /info). */
  get listeners(): number {
    return this.subscribers.size;
  }

  /** Records an event and delivers it to every subscriber. Never throws. */
  publish(input: PublishInput): EventMessage {
    const ns = this.nowNs();
    const attributes = { ...(input.attributes ?? {}) };
    const ev: EventMessage = {
      Type: input.type,
      Action: input.action,
      Actor: { ID: input.actorId, Attributes: attributes },
      scope: input.scope ?? 'local',
      time: Number(ns / 1_000_000_000n),
      timeNano: Number(ns),
    };
    // compat: containers and images still carry the pre-1.22 fields status/id/from (moby
    // daemon/events.go Log()), which the CLI's default formatter does not need but old clients do.
    if (input.type === 'container' || input.type === 'image') {
      const withLegacy: EventMessage = { status: input.action, id: input.actorId, ...ev };
      if (input.type === 'container' && attributes['image']) withLegacy.from = attributes['image'];
      return this.record(withLegacy, ns);
    }
    return this.record(ev, ns);
  }

  private record(ev: EventMessage, ns: bigint): EventMessage {
    this.buffer.push({ ev, ns });
    if (this.buffer.length > this.bufferSize) this.buffer.shift();
    for (const s of this.subscribers) s.push(ev, ns);
    return ev;
  }

  /**
   * Streams past events with time >= since (from the replay buffer), then live ones, each
   * matching `filters`. Ends when ctx.signal aborts, or once `until` is reached.
   */
  async *subscribe(ctx: Ctx, opts: SubscribeOptions = {}): AsyncGenerator<EventMessage> {
    const { since, until, filters } = opts;
    const accept = (ev: EventMessage, ns: bigint) =>
      (since === undefined || ns >= since) && (until === undefined || ns <= until) && (!filters || matchEvent(filters, ev));

    const queue: EventMessage[] = [];
    let wake: (() => void) | undefined;
    let dropped = 0;
    const sub: Subscriber = {
      push: (ev, ns) => {
        if (!accept(ev, ns)) return;
        if (queue.length >= this.queueSize) {
          queue.shift();
          dropped++;
        }
        queue.push(ev);
        wake?.();
      },
    };
    // Replay and subscribe in one synchronous step so that nothing is missed or duplicated.
    const replay = since !== undefined ? this.buffer.filter((b) => accept(b.ev, b.ns)).map((b) => b.ev) : [];
    const liveWanted = until === undefined || until >= this.nowNs();
    if (liveWanted) this.subscribers.add(sub);

    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = () => {
      done = true;
      wake?.();
    };
    ctx.signal.addEventListener('abort', finish, { once: true });
    if (liveWanted && until !== undefined) {
      const ms = Number((until - this.nowNs()) / 1_000_000n) + 1;
      timer = setTimeout(finish, Math.max(0, ms));
    }
    try {
      for (const ev of replay) {
        if (ctx.signal.aborted) return;
        yield ev;
      }
      if (!liveWanted) return;
      for (;;) {
        while (queue.length > 0) {
          yield queue.shift()!;
        }
        if (dropped > 0) {
          this.log.warn('events subscriber too slow, dropped events', { dropped });
          dropped = 0;
        }
        if (done || ctx.signal.aborted) return;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      this.subscribers.delete(sub);
      ctx.signal.removeEventListener('abort', finish);
      if (timer) clearTimeout(timer);
    }
  }
}
