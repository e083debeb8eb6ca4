/**
 * Route tables and matching.
 *
 * A route is `{ method, path, handler, minVersion?, hijack?, websocket? }`. Path patterns use moby's
 * (gorilla mux) syntax: `{name}` matches one segment, `{name:.*}` is greedy and may span
 * slashes (image references: `/images/{name:.*}/push` matches
 * `/images/127.0.0.1:5000/a/push`), `{name:<regexp>}` takes any other regexp. Everything is
 * compiled once, when the router is built: static paths go into a map, parametric ones into
 * buckets keyed by their first static segment, so a request tests only a handful of regexps.
 *
 * Precedence: an exact static path wins; among parametric routes the first registered wins.
 * compat: a known path with another method is "page not found" (404) as in moby, which
 * sets gorilla's MethodNotAllowedHandler to its not-found handler.
 */
import type { ApiRequest } from './request.js';
import type { ApiResponse } from './response.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/**
 * A route handler. It parses `req` into typed options, calls its backend, and either writes
 * a success through `res` or returns a value: a returned value that is not undefined is sent
 * as JSON with 200, and undefined with nothing written sends 204. Errors are thrown (as
 * lib/errdefs kinds), never written.
 */
export type Handler = (req: ApiRequest, res: ApiResponse) => unknown;

export interface Route {
  method: Method;
  /** Pattern without the `/vX.Y` prefix, e.g. `/containers/{name}/json`. */
  path: string;
  handler: Handler;
  /** Lowest API version serving this route; older requests get 404 as from a daemon that predates it. */
  minVersion?: string;
  /** The route may hijack the connection (attach, exec start): it accepts `Connection: Upgrade`. */
  hijack?: boolean;
  /** The route may accept a websocket (attach/ws): `Upgrade: websocket` requests reach res.websocket(). */
  websocket?: boolean;
}

/** Server facts route tables may need. */
export interface RouteEnv {
  experimental: boolean;
  /** The value of the Swarm header of /_ping ("inactive", "active/manager", ...). */
  swarmStatus: () => string;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

interface Compiled {
  route: Route;
  re: RegExp;
  names: string[];
}

const PARAM_RE = /^\{([A-Za-z_][A-Za-z0-9_]*)(?::(.+))?\}$/;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(route: Route): Compiled | undefined {
  if (!route.path.startsWith('/')) throw new Error(`route path must start with '/': ${route.path}`);
  const names: string[] = [];
  let src = '^';
  for (const seg of route.path.slice(1).split('/')) {
    src += '/';
    const m = PARAM_RE.exec(seg);
    if (!m) {
      if (seg.includes('{')) throw new Error(`bad route segment ${JSON.stringify(seg)} in ${route.path}`);
      src += escapeRe(seg);
      continue;
    }
    names.push(m[1]!);
    src += m[2] ? `(${m[2]})` : '([^/]+)';
  }
  if (names.length === 0) return undefined;
  return { route, re: new RegExp(src + '$'), names };
}

function firstSegment(path: string): string {
  const i = path.indexOf('/', 1);
  return i < 0 ? path.slice(1) : path.slice(1, i);
}

function decodeParam(v: string): string {
  if (!v.includes('%')) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

export class Router {
  private readonly exact = new Map<string, Map<string, Route>>();
  private readonly buckets = new Map<string, Compiled[]>();
  private readonly wild: Compiled[] = [];

  constructor(routes: readonly Route[]) {
    for (const r of routes) this.add(r);
  }

  private add(route: Route): void {
    const c = compile(route);
    if (!c) {
      let byMethod = this.exact.get(route.path);
      if (!byMethod) this.exact.set(route.path, (byMethod = new Map()));
      if (byMethod.has(route.method)) throw new Error(`duplicate route ${route.method} ${route.path}`);
      byMethod.set(route.method, route);
      return;
    }
    const first = route.path.slice(1).split('/')[0]!;
    if (PARAM_RE.test(first)) {
      this.wild.push(c);
    } else {
      let b = this.buckets.get(first);
      if (!b) this.buckets.set(first, (b = []));
      b.push(c);
    }
  }

  /**
   * The route for `method` and `path` (path without the version prefix and query). Returns
   * undefined when no route has this path or none has this method for it.
   */
  match(method: string, path: string): RouteMatch | undefined {
    const exact = this.exact.get(path);
    if (exact) {
      const r = exact.get(method);
      if (r) return { route: r, params: {} };
    }
    const bucket = this.buckets.get(firstSegment(path));
    return (bucket && this.matchIn(bucket, method, path)) ?? this.matchIn(this.wild, method, path);
  }

  private matchIn(list: Compiled[], method: string, path: string): RouteMatch | undefined {
    for (const c of list) {
      if (c.route.method !== method) continue;
      const m = c.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < c.names.length; i++) params[c.names[i]!] = decodeParam(m[i + 1]!);
      return { route: c.route, params };
    }
    return undefined;
  }
}

const VERSION_PREFIX_RE = /^\/v([0-9.]+)(\/.*)$/;

/**
 * Splits an optional `/vX.Y` prefix off a path (moby's versionMatcher `/v{version:[0-9.]+}`).
 * Returns the version ('' when unversioned) and the rest of the path.
 */
export function splitVersion(path: string): { version: string; path: string } {
  if (path.length > 2 && path.charCodeAt(1) === 0x76 /* v */) {
    const m = VERSION_PREFIX_RE.exec(path);
    if (m) return { version: m[1]!, path: m[2]! };
  }
  return { version: '', path };
}
