/** containerd's events service (containerd.services.events.v1.Events). */
import type { Ctx } from '../lib/index.js';
import { decodeEvent } from './any.js';
import type { Rpc } from './rpc.js';
import type { Envelope, EventMessage } from './types.js';

const SVC = 'containerd.services.events.v1.Events';

export class EventsService {
  constructor(private readonly rpc: Rpc) {}

  /**
   * Subscribes to containerd's events (all namespaces: filter with `namespace==<ns>`), e.g.
   * `['namespace==moby,topic~="|^/tasks/|"']` (filters are ORed; terms in one filter ANDed).
   * The subscription is active when this returns. The iterable ends without error when ctx
   * aborts or the consumer stops iterating; it throws the mapped error (unavailable when
   * containerd goes away) otherwise, after which the caller re-subscribes.
   */
  subscribe(ctx: Ctx, filters: string[] = []): AsyncIterable<EventMessage> {
    const stream = this.rpc.serverStream<Envelope>(ctx, SVC, 'Subscribe', { filters });
    return (async function* () {
      try {
        for await (const env of stream) yield decodeEvent(env);
      } catch (e) {
        if (ctx.signal.aborted) return;
        throw e;
      }
    })();
  }
}
