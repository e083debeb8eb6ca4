/**
 * System routes: /_ping, /version, /info, /events (moby api/server/router/system).
 *
 * /_ping and /version never wait for anything but the backend's version(), which must be
 * static data, so they answer while the rest of the daemon is busy.
 */
import { invalidParameter, type Ctx, type Filters } from '../../../lib/index.js';
import {
  API_VERSION_MAX,
  API_VERSION_MIN_REPORTED,
  type DiskUsage,
  type EventMessage,
  type Info,
  type VersionResponse,
} from '../../types/index.js';
import type { ApiRequest } from '../request.js';
import type { ApiResponse } from '../response.js';
import type { Route, RouteEnv } from '../router.js';

export interface EventsOptions {
  /** Replay buffered events from this time on, in nanoseconds since the epoch. */
  since?: number;
  /** Stop at this time, in nanoseconds since the epoch. */
  until?: number;
  /** Docker's event filters (type, event, container, image, label, ...), unvalidated. */
  filters: Filters;
}

export interface SystemBackend {
  /**
   * What GET /version reports. Must answer at once from static data (no locks, no I/O on
   * busy subsystems). The server overwrites ApiVersion and MinAPIVersion.
   */
  version(ctx: Ctx): Promise<VersionResponse> | VersionResponse;
  /** What GET /info reports. */
  info(ctx: Ctx): Promise<Info> | Info;
  /**
   * The event stream of GET /events: buffered events from `since` first (when given), then
   * live ones, in order, each matching `filters`. With `until` the iterable ends by itself
   * once no more events up to `until` can come (right after the replay when `until` is
   * already past). It must stop when ctx.signal aborts (client gone, `until` reached), also
   * while waiting for the next event. Validation errors (invalidParameter for a bad filter)
   * must be thrown by events() itself, synchronously: the response headers go out as soon as
   * it returns, so an error from inside the iterable can only cut the stream.
   */
  events(ctx: Ctx, opts: EventsOptions): AsyncIterable<EventMessage>;
  /**
   * GET /system/df: disk usage of the object types asked for (all when `types` is empty:
   * image, container, volume, build-cache). Throws invalidParameter for an unknown type.
   */
  df?(ctx: Ctx, opts: { types: string[]; apiVersion: string }): Promise<DiskUsage>;
}

const PING_TYPE = 'text/plain; charset=utf-8';

/** Longest timer node accepts; later `until` deadlines rely on the event-time check alone. */
const MAX_TIMER_MS = 0x7fffffff;

export function systemRoutes(backend: SystemBackend, env: RouteEnv): Route[] {
  const ping = (req: ApiRequest, res: ApiResponse) => {
    const head = req.method === 'HEAD';
    res.send(200, head ? undefined : 'OK', {
      'Content-Type': PING_TYPE,
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      'Builder-Version': '1',
      Swarm: env.swarmStatus(),
      ...(head ? { 'Content-Length': 0 } : {}),
    });
  };

  const version = async (req: ApiRequest): Promise<VersionResponse> => {
    const v = await backend.version(req.ctx);
    return {
      ...v,
      Components: v.Components?.map((c) =>
        c.Name === 'Engine' && c.Details
          ? { ...c, Details: { ...c.Details, ApiVersion: API_VERSION_MAX, MinAPIVersion: API_VERSION_MIN_REPORTED } }
          : c,
      ),
      ApiVersion: API_VERSION_MAX,
      MinAPIVersion: API_VERSION_MIN_REPORTED,
    };
  };

  const info = (req: ApiRequest) => backend.info(req.ctx);

  const events = async (req: ApiRequest, res: ApiResponse) => {
    const q = req.query;
    const since = q.timestampNanos('since');
    const until = q.timestampNanos('until');
    if (until !== undefined && since !== undefined && until < since) {
      throw invalidParameter(
        `\`since\` time (${q.get('since')}) cannot be after \`until\` time (${q.get('until')})`,
      );
    }
    const filters = q.filters();

    const stop = new AbortController();
    const signal = AbortSignal.any([req.ctx.signal, stop.signal]);
    let timer: NodeJS.Timeout | undefined;
    if (until !== undefined) {
      const ms = until / 1e6 - Date.now();
      if (ms > 0 && ms <= MAX_TIMER_MS) timer = setTimeout(() => stop.abort(), ms);
    }
    try {
      const source = backend.events({ ...req.ctx, signal }, { since, until, filters });
      await res.jsonStream(until === undefined ? source : upTo(source, until, stop), { signal, terminator: '\n' });
    } finally {
      if (timer) clearTimeout(timer);
      stop.abort();
    }
  };

  return [
    { method: 'GET', path: '/_ping', handler: ping },
    { method: 'HEAD', path: '/_ping', handler: ping },
    { method: 'GET', path: '/version', handler: version },
    { method: 'GET', path: '/info', handler: info },
    { method: 'GET', path: '/events', handler: events },
    ...(backend.df
      ? [
          {
            method: 'GET' as const,
            path: '/system/df',
            // since API 1.42: `type` narrows the report
            handler: (req: ApiRequest) => backend.df!(req.ctx, { types: req.query.getAll('type'), apiVersion: req.apiVersion }),
          },
        ]
      : []),
  ];
}

/** Passes events up to `until` (ns) and ends at the first later one. */
async function* upTo(source: AsyncIterable<EventMessage>, until: number, stop: AbortController) {
  for await (const ev of source) {
    if (ev.timeNano > until) {
      stop.abort();
      return;
    }
    yield ev;
  }
}
