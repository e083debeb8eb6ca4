/**
 * HTTP to registries: node's http/https with keep-alive agents (one pair per client), plain HTTP
 * or unverified TLS for insecure registries, and the auth challenge flow of the distribution
 * token spec: a 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…` is answered by
 * fetching a token from the realm (with Basic credentials when there are some, anonymously
 * otherwise) and retrying with `Authorization: Bearer`; a `Basic` challenge is retried with the
 * credentials. Tokens are cached per host and scope until they expire.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cancelled, kindOf, system, unauthorized, type Ctx } from '../../lib/index.js';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth refresh token (identitytoken in config.json) for the token endpoint. */
  identitytoken?: string;
  /** A bearer token to send as is. */
  registrytoken?: string;
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Readable;
  /** The final URL (after redirects). */
  url: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | number>;
  /** A body: bytes, or a factory for a stream (called again when the request must be retried). */
  body?: Buffer | (() => Readable);
  /** Scope for bearer tokens, e.g. `repository:library/busybox:pull`. */
  scope?: string;
  /** Follow redirects (blob downloads): yes by default. */
  follow?: boolean;
  /**
   * A challenge the credentials cannot answer (Basic without credentials, a refused token) gives
   * back the 401 response instead of failing (search reports the status, as moby does).
   */
  keepUnauthorized?: boolean;
}

/** Reads a whole (small) body. */
export async function readAll(body: Readable, limit = 16 << 20): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += (c as Buffer).length;
    if (n > limit) {
      body.destroy();
      throw system(`response larger than ${limit} bytes`);
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** Parses `Bearer realm="x",service="y"` into its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^(\w+)\s*(.*)$/s.exec(header.trim());
  const params: Record<string, string> = {};
  if (!m) return { scheme: '', params };
  const re = /(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!))) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

interface CachedToken {
  token: string;
  expires: number;
}

export class Transport {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly httpsAgent: https.Agent;
  private readonly tokens = new Map<string, CachedToken>();
  /** Hosts that answered with a Basic challenge. */
  private readonly basicHosts = new Set<string>();

  constructor(
    private readonly opts: { insecureTls: boolean; credentials?: Credentials; userAgent: string },
  ) {
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: !opts.insecureTls });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** One request with the auth flow applied. Errors only for transport failures. */
  async request(ctx: Ctx, url: string, opts: RequestOptions = {}): Promise<Response> {
    const host = new URL(url).host;
    const auth = this.cachedAuth(host, opts.scope);
    let res = await this.raw(ctx, url, opts, auth);
    if (res.status !== 401) return res;
    const challenge = res.headers['www-authenticate'];
    res.body.resume();
    if (!challenge) return res;
    const c = parseChallenge(Array.isArray(challenge) ? challenge[0]! : challenge);
    let header: string | undefined;
    if (c.scheme === 'bearer') {
      let token: string;
      try {
        token = await this.fetchToken(ctx, host, c.params, opts.scope);
      } catch (e) {
        if (opts.keepUnauthorized && kindOf(e) === 'unauthorized') return res;
        throw e;
      }
      header = `Bearer ${token}`;
    } else if (c.scheme === 'basic') {
      const cr = this.opts.credentials;
      if (!cr?.username && opts.keepUnauthorized) return res;
      // compat: Go's docker/distribution client fails this way (a 500 at dockerd's API)
      if (!cr?.username) throw system(`${goVerb(opts.method ?? 'GET')} "${url}": no basic auth credentials`);
      this.basicHosts.add(host);
      header = basic(cr);
    } else return this.raw(ctx, url, opts, undefined);
    res = await this.raw(ctx, url, opts, header);
    return res;
  }

  private cachedAuth(host: string, scope?: string): string | undefined {
    if (this.opts.credentials?.registrytoken) return `Bearer ${this.opts.credentials.registrytoken}`;
    if (this.basicHosts.has(host) && this.opts.credentials?.username) return basic(this.opts.credentials);
    const t = this.tokens.get(`${host} ${scope ?? ''}`);
    if (t && t.expires > Date.now()) return `Bearer ${t.token}`;
    return undefined;
  }

  private async fetchToken(ctx: Ctx, host: string, params: Record<string, string>, scope?: string): Promise<string> {
    const realm = params['realm'];
    if (!realm) throw unauthorized('bearer challenge without a realm');
    const u = new URL(realm);
    if (params['service']) u.searchParams.set('service', params['service']);
    const wanted = scope ?? params['scope'];
    if (wanted) u.searchParams.set('scope', wanted);
    const cr = this.opts.credentials;
    if (cr?.username) u.searchParams.set('account', cr.username);
    const res = await this.raw(ctx, u.toString(), {}, cr?.username ? basic(cr) : undefined);
    const body = await readAll(res.body, 1 << 20);
    if (res.status === 401 || res.status === 403) {
      throw unauthorized(cr?.username ? 'unauthorized: incorrect username or password' : 'unauthorized: authentication required');
    }
    if (res.status !== 200) throw system(`token endpoint ${u.origin}${u.pathname} answered ${res.status}`);
    let parsed: { token?: string; access_token?: string; expires_in?: number };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch (e) {
      throw system('token endpoint answered no JSON', e);
    }
    const token = parsed.token ?? parsed.access_token;
    if (!token) throw system('token endpoint answered no token');
    const ttl = Math.max(10, (parsed.expires_in ?? 60) - 5) * 1000;
    this.tokens.set(`${host} ${wanted ?? ''}`, { token, expires: Date.now() + ttl });
    return token;
  }

  /** A single HTTP exchange (redirects followed for GET/HEAD, without the Authorization header across hosts). */
  private raw(ctx: Ctx, url: string, opts: RequestOptions, authorization: string | undefined, hops = 0): Promise<Response> {
    if (ctx.signal.aborted) return Promise.reject(cancelled());
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const headers: Record<string, string | number> = { 'User-Agent': this.opts.userAgent, ...opts.headers };
    if (authorization) headers['Authorization'] = authorization;
    const body = opts.body;
    if (Buffer.isBuffer(body)) headers['Content-Length'] = body.length;
    return new Promise<Response>((resolve, reject) => {
      const req = mod.request(
        u,
        { method: opts.method ?? 'GET', headers, agent: u.protocol === 'https:' ? this.httpsAgent : this.httpAgent, signal: ctx.signal },
        (res) => {
          const status = res.statusCode ?? 0;
          const method = opts.method ?? 'GET';
          if ([301, 302, 303, 307, 308].includes(status) && res.headers.location && (opts.follow ?? true) && (method === 'GET' || method === 'HEAD') && hops < 10) {
            res.resume();
            const next = new URL(res.headers.location, u).toString();
            const sameHost = new URL(next).host === u.host;
            resolve(this.raw(ctx, next, opts, sameHost ? authorization : undefined, hops + 1));
            return;
          }
          resolve({ status, headers: res.headers, body: res, url });
        },
      );
      req.on('error', (e) => reject(ctx.signal.aborted ? cancelled('context canceled', e) : transportError(opts.method ?? 'GET', url, e)));
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        // A failed source destroys the request, which rejects through its 'error' event.
        pipeline(body(), req).catch((e: Error) => req.destroy(e));
      }
    });
  }
}

function goVerb(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}

function basic(cr: Credentials): string {
  return `Basic ${Buffer.from(`${cr.username ?? ''}:${cr.password ?? ''}`).toString('base64')}`;
}

/** Go's url.Error wording: `Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused`. */
function transportError(method: string, url: string, e: Error & { code?: string; address?: string; port?: number }): Error {
  const verb = goVerb(method);
  const u = new URL(url);
  let detail = e.message;
  if (e.code === 'ECONNREFUSED') detail = `dial tcp ${u.host}: connect: connection refused`;
  else if (e.code === 'ENOTFOUND') detail = `dial tcp: lookup ${u.hostname}: no such host`;
  else if (e.code === 'ETIMEDOUT') detail = `dial tcp ${u.host}: i/o timeout`;
  return system(`${verb} "${url}": ${detail}`, e);
}
