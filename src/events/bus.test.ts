import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from './bus.js';
import { background, Filters } from '../lib/index.js';
import type { EventMessage } from './message.js';

function clock(start = 1_000_000_000_000_000_000n) {
  let t = start;
  return { now: () => t, advance: (ns: bigint) => (t += ns) };
}

async function take(it: AsyncIterator<EventMessage>, n: number): Promise<EventMessage[]> {
  const out: EventMessage[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

test('publish builds Docker event shape with legacy fields for containers', () => {
  const bus = new EventBus();
  const ev = bus.publish({ type: 'container', action: 'create', actorId: 'abc', attributes: { image: 'busybox', name: 'x' } });
  assert.equal(ev.status, 'create');
  assert.equal(ev.id, 'abc');
  assert.equal(ev.from, 'busybox');
  assert.equal(ev.Type, 'container');
  assert.equal(ev.scope, 'local');
  assert.equal(ev.time, Math.floor(ev.timeNano / 1e9));
  const net = bus.publish({ type: 'network', action: 'connect', actorId: 'n1', attributes: { container: 'abc' } });
  assert.equal(net.status, undefined);
  assert.equal(net.from, undefined);
});

test('live subscribers receive events in order, filtered', async () => {
  const bus = new EventBus();
  const ac = new AbortController();
  const it = bus.subscribe({ ...background(), signal: ac.signal }, { filters: Filters.fromEntries({ type: ['container'] }) });
  const got = take(it, 2);
  await new Promise((r) => setImmediate(r));
  bus.publish({ type: 'container', action: 'create', actorId: 'a' });
  bus.publish({ type: 'network', action: 'create', actorId: 'n' });
  bus.publish({ type: 'container', action: 'start', actorId: 'a' });
  assert.deepEqual((await got).map((e) => e.Action), ['create', 'start']);
  assert.equal(bus.listeners, 1);
  ac.abort();
  assert.equal((await it.next()).done, true);
  assert.equal(bus.listeners, 0);
});

test('since replays the buffer; until in the past ends the stream', async () => {
  const c = clock();
  const bus = new EventBus({ nowNs: c.now, bufferSize: 3 });
  const t0 = c.now();
  for (const a of ['a', 'b', 'c', 'd']) {
    bus.publish({ type: 'image', action: 'tag', actorId: a });
    c.advance(1_000_000_000n);
  }
  // buffer holds b, c, d (size 3); since t0+2s gives c and d; until = now ends the stream.
  const got: string[] = [];
  for await (const ev of bus.subscribe(background(), { since: t0 + 2_000_000_000n, until: c.now() - 1n })) got.push(ev.Actor.ID);
  assert.deepEqual(got, ['c', 'd']);
  const all: string[] = [];
  for await (const ev of bus.subscribe(background(), { since: 0n, until: c.now() - 1n })) all.push(ev.Actor.ID);
  assert.deepEqual(all, ['b', 'c', 'd']);
});

test('until in the future ends the live stream when it passes', async () => {
  const bus = new EventBus();
  const until = BigInt(Date.now() + 150) * 1_000_000n;
  const t0 = Date.now();
  const got: string[] = [];
  setTimeout(() => bus.publish({ type: 'volume', action: 'create', actorId: 'v' }), 20);
  for await (const ev of bus.subscribe(background(), { until })) got.push(ev.Actor.ID);
  assert.deepEqual(got, ['v']);
  assert.ok(Date.now() - t0 < 2000);
});

test('a slow subscriber loses the oldest events, not the newest', async () => {
  const bus = new EventBus({ queueSize: 2 });
  const ac = new AbortController();
  const it = bus.subscribe({ ...background(), signal: ac.signal });
  const first = it.next();
  await new Promise((r) => setImmediate(r));
  // Nobody reads while four events arrive: the queue of two keeps the newest two.
  for (const a of ['1', '2', '3', '4']) bus.publish({ type: 'volume', action: 'create', actorId: a });
  assert.equal((await first).value!.Actor.ID, '3');
  assert.equal((await it.next()).value!.Actor.ID, '4');
  ac.abort();
  assert.equal((await it.next()).done, true);
});
