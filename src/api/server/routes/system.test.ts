import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { EventMessage } from '../../types/index.js';
import type { EventsOptions } from './system.js';
import { fakeSystem, request, startTestServer } from '../testkit.js';

function ev(action: string, timeNano: number): EventMessage {
  return {
    status: action,
    id: 'c1',
    from: 'busybox',
    Type: 'container',
    Action: action,
    Actor: { ID: 'c1', Attributes: { name: 'x' } },
    scope: 'local',
    time: Math.floor(timeNano / 1e9),
    timeNano,
  };
}

/** A controllable event source: push() delivers, the iterable honours ctx.signal. */
function eventSource() {
  const queue: EventMessage[] = [];
  let wake: (() => void) | undefined;
  const calls: { opts: EventsOptions; signal: AbortSignal }[] = [];
  const backend = fakeSystem({
    events: (ctx, opts) => {
      calls.push({ opts, signal: ctx.signal });
      return (async function* () {
        while (!ctx.signal.aborted) {
          const e = queue.shift();
          if (e) {
            yield e;
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          });
        }
      })();
    },
  });
  return {
    backend,
    calls,
    push(e: EventMessage) {
      queue.push(e);
      wake?.();
    },
  };
}

function openStream(sock: string, path: string) {
  const lines: string[] = [];
  let buf = '';
  let onLine: (() => void) | undefined;
  let req!: http.ClientRequest;
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req = http.request({ socketPath: sock, path, headers: { Host: 'x' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
        onLine?.();
      });
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
  const ended = response.then((res) => new Promise<void>((r) => res.on('end', () => r())));
  return {
    response,
    ended,
    lines,
    req,
    raw: () => buf,
    waitLines: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (lines.length >= n) {
            onLine = undefined;
            resolve();
          }
        };
        onLine = check;
        check();
      }),
  };
}

test('events: headers before the first event, one JSON object per line, client leaving aborts the backend', async () => {
  const src = eventSource();
  const ts = await startTestServer({ backends: { system: src.backend } });
  try {
    const s = openStream(ts.sock, '/v1.41/events');
    const res = await s.response; // no event has been pushed yet
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.headers['api-version'], '1.44');
    src.push(ev('create', 1795975163495882000));
    src.push(ev('start', 1795975163674684200));
    await s.waitLines(2);
    assert.deepEqual(s.lines.map((l) => JSON.parse(l).Action), ['create', 'start']);
    assert.equal(JSON.parse(s.lines[0]!).timeNano, 1795975163495882000);
    assert.equal(src.calls.length, 1);
    assert.equal(src.calls[0]!.opts.since, undefined);
    assert.equal(src.calls[0]!.opts.filters.size, 0);
    s.req.destroy();
    await new Promise<void>((resolve) => {
      const sig = src.calls[0]!.signal;
      if (sig.aborted) resolve();
      else sig.addEventListener('abort', () => resolve());
    });
  } finally {
    await ts.close();
  }
});

test('events: since/until/filters are parsed and passed on; the stream ends when until passes', async () => {
  const src = eventSource();
  const ts = await startTestServer({ backends: { system: src.backend } });
  try {
    const now = Date.now();
    const until = (now + 300) / 1000;
    const filters = encodeURIComponent('{"type":{"container":true}}');
    const s = openStream(ts.sock, `/v1.41/events?filters=${filters}&since=1795975136.000000000&until=${until.toFixed(3)}`);
    await s.response;
    src.push(ev('create', now * 1e6));
    const t0 = Date.now();
    await s.ended;
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(s.lines.length, 1);
    const o = src.calls[0]!.opts;
    assert.equal(o.since, 1795975136e9);
    assert.ok(Math.abs(o.until! - Math.round(until * 1000) * 1e6) < 1e3, String(o.until));
    assert.deepEqual(o.filters.get('type'), ['container']);
    assert.ok(src.calls[0]!.signal.aborted, 'the backend was told to stop');
  } finally {
    await ts.close();
  }
});

test('events: an event later than until ends the stream; past until relies on the backend ending', async () => {
  const src = eventSource();
  const ts = await startTestServer({ backends: { system: src.backend } });
  try {
    const s = openStream(ts.sock, `/events?since=2026-11-29T17:59:00Z&until=2026-11-29T17:59:30.5Z`);
    await s.response;
    const base = Date.parse('2026-11-29T17:59:00Z') * 1e6;
    assert.equal(src.calls[0]!.opts.since, base);
    assert.equal(src.calls[0]!.opts.until, base + 30.5e9);
    src.push(ev('create', base + 1e9));
    src.push(ev('die', base + 40e9));
    await s.ended;
    assert.deepEqual(s.lines.map((l) => JSON.parse(l).Action), ['create']);
  } finally {
    await ts.close();
  }
});

test('events: bad parameters are 400 before streaming', async () => {
  const ts = await startTestServer();
  try {
    const r = await request(ts.sock, 'GET', '/events?since=20&until=10');
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).message, '`since` time (20) cannot be after `until` time (10)');
    assert.equal((await request(ts.sock, 'GET', '/events?since=yesterday')).status, 400);
    assert.equal((await request(ts.sock, 'GET', '/events?filters=%7Bbad')).status, 400);
  } finally {
    await ts.close();
  }
});

test('events: a finite backend stream ends the response', async () => {
  const ts = await startTestServer({
    backends: {
      system: fakeSystem({
        events: async function* () {
          yield ev('create', 1e18);
          yield ev('destroy', 1e18 + 1);
        },
      }),
    },
  });
  try {
    const r = await request(ts.sock, 'GET', '/events');
    assert.equal(r.status, 200);
    assert.equal(r.body.split('\n').length, 3);
    assert.ok(r.body.endsWith('}\n'));
  } finally {
    await ts.close();
  }
});

test('swarmStatus feeds the Swarm ping header', async () => {
  const ts = await startTestServer({ swarmStatus: () => 'active/manager' });
  try {
    const r = await request(ts.sock, 'HEAD', '/_ping');
    assert.equal(r.headers['swarm'], 'active/manager');
  } finally {
    await ts.close();
  }
});
