/**
 * The Engine API client (docker's client package, trimmed to what Berth's CLI and compose use).
 *
 * Transport: HTTP/1.1 over a unix socket or TCP (HTTPS when TLS is configured), one keep-alive
 * agent per client; idle sockets do not keep the process alive. Hijacked requests (attach, exec
 * start) get a connection of their own.
 *
 * Version negotiation (moby client.checkVersion/negotiateAPIVersionPing): before the first
 * versioned request the client sends `HEAD /_ping` (unversioned), retried as `GET /_ping` when
 * the HEAD is answered with anything but 200/500, reads `Api-Version` and settles on
 * min(maxVersion, server's); no header means 1.24. A pinned `version` (DOCKER_API_VERSION)
 * skips all this. Every path is then sent as `/v<version><path>`. If the ping fails for a reason
 * other than a connection failure, the request goes out with maxVersion, and the next request
 * tries to negotiate again (as docker does).
 *
 * Errors: statuses >= 400 throw ResponseError (kind from the status, message from the body's
 * `message`); 304 is a success as in docker's client. Socket failures throw ConnectionError
 * with docker's sentences. Aborting `signal` rejects with an AbortError (kind `cancelled`).
 */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  API_VERSION_MAX,
  compareApiVersions,
  type EventMessage,
  type Info,
  type VersionResponse,
} from '../api/types/index.js';
import { Filters } from '../lib/index.js';
import { parseHost, type DaemonAddress } from './host.js';
import { ConnectionError, ResponseError, TLS_HINT, connectionError } from './errors.js';
import { encodeQuery, type FilterMap, type Query } from './query.js';

/** API version assumed when /_ping has no Api-Version header (moby's fallbackAPIVersion). */
export const FALLBACK_API_VERSION = '1.24';

export interface TLSOptions {
  /** PEM contents (not paths). */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Verify the server's certificate (and host name) against `ca`. */
  verify: boolean;
}

export interface EngineClientOptions {
  /** unix:///path, tcp://host:port, http(s)://host:port */
  host: string;
  tls?: TLSOptions;
  /** Pins the API version and skips negotiation (DOCKER_API_VERSION). */
  version?: string;
  /** Highest version this client speaks; default API_VERSION_MAX. */
  maxVersion?: string;
  userAgent?: string;
}

export interface RequestOptions {
  query?: Query;
  /** A JSON body (sent as application/json). */
  body?: unknown;
  /** A raw body: bytes, text, or a stream (sent chunked), e.g. a build context tar. */
  rawBody?: Buffer | string | Readable | AsyncIterable<Buffer>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Prefix the path with /vX.Y (default true). */
  versioned?: boolean;
}

export interface PingResult {
  apiVersion?: string;
  osType?: string;
  experimental: boolean;
  builderVersion?: string;
  /** From the `Swarm: <state>/<role>` header, when the daemon sends one. */
  swarm?: { nodeState: string; controlAvailable: boolean };
}

/** A response whose status was checked; the body is unread. */
export interface RawResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: IncomingMessage;
}

/** A hijacked connection (101 UPGRADED): a plain byte pipe to the daemon. */
export interface HijackedConnection {
  socket: Duplex;
  contentType: string | undefined;
}

/** An event as the client delivers it: `timeNano` exact (int64 nanoseconds exceed 2^53). */
export type ClientEvent = Omit<EventMessage, 'timeNano'> & { timeNano: bigint };

export interface EventsOptions {
  /** API value ("1795975136", "1795975136.000000000"), a Date, or Unix seconds. */
  since?: string | Date | number;
  until?: string | Date | number;
  filters?: Filters | FilterMap;
  signal?: AbortSignal;
}

const MAX_ERROR_BODY = 1024 * 1024;
const EVENT_BIGINT_KEYS = new Set(['timeNano']);

function timeParam(v: string | Date | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v instanceof Date) {
    const ms = v.getTime();
    return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1e6).padStart(9, '0')}`;
  }
  return String(v);
}

/** Go's url.PathEscape of a socket path, as it appears in docker's error messages. */
function goHostOf(addr: DaemonAddress): string {
  if (addr.kind === 'unix') return encodeURIComponent(addr.socketPath);
  return `${addr.hostname.includes(':') ? `[${addr.hostname}]` : addr.hostname}:${addr.port}`;
}

async function readBody(res: IncomingMessage, limit: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    chunks.push(c);
    size += c.length;
    if (size > limit) {
      res.destroy();
      return { text: Buffer.concat(chunks).subarray(0, limit).toString('utf8'), truncated: true };
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

export class EngineClient {
  readonly address: DaemonAddress;
  /** The host as given (used in docker's error sentences). */
  readonly host: string;
  private readonly tls: TLSOptions | undefined;
  private readonly pinned: string | undefined;
  private readonly maxVersion: string;
  private readonly userAgent: string;
  private agent: http.Agent | undefined;
  private requestFn: typeof http.request | undefined;
  private negotiated: string | undefined;
  private negotiation: Promise<string> | undefined;
  private pinged: PingResult | undefined;

  /** Parses the host (throws invalidParameter `invalid bind address format: …`); no I/O. */
  constructor(opts: EngineClientOptions) {
    this.host = opts.host;
    this.tls = opts.tls;
    this.address = parseHost(opts.host, opts.tls !== undefined);
    this.pinned = opts.version?.replace(/^v/, '') || undefined;
    this.maxVersion = opts.maxVersion ?? API_VERSION_MAX;
    this.userAgent = opts.userAgent ?? 'Berth-Client';
  }

  /** The client's highest API version (docker's DefaultAPIVersion). */
  get defaultVersion(): string {
    return this.maxVersion;
  }

  /**
   * The version requests use right now: pinned, negotiated, or (before negotiation) the
   * client's maximum, as docker's ClientVersion().
   */
  get currentVersion(): string {
    return this.pinned ?? this.negotiated ?? this.maxVersion;
  }

  private get https(): boolean {
    return this.address.kind === 'tcp' && this.address.https;
  }

  private async transport(): Promise<{ request: typeof http.request; agent: http.Agent }> {
    if (this.agent && this.requestFn) return { request: this.requestFn, agent: this.agent };
    if (this.https) {
      const https = await import('node:https');
      const t = this.tls ?? { verify: false };
      this.agent = new https.Agent({
        keepAlive: true,
        ca: t.ca,
        cert: t.cert,
        key: t.key,
        rejectUnauthorized: t.verify,
        ...(t.verify ? {} : { checkServerIdentity: () => undefined }),
      });
      this.requestFn = https.request as unknown as typeof http.request;
    } else {
      this.agent = new http.Agent({ keepAlive: true });
      this.requestFn = http.request;
    }
    return { request: this.requestFn, agent: this.agent };
  }

  /** The URL of a path as Go's client prints it in errors (`http://%2Frun%2F…sock/v1.44/x`). */
  private goURL(path: string): string {
    return `${this.https ? 'https' : 'http'}://${goHostOf(this.address)}${path}`;
  }

  private goMethod(method: string): string {
    return method.charAt(0) + method.slice(1).toLowerCase();
  }

  /** Sends one request; resolves with the response (any status). */
  private async send(
    method: string,
    fullPath: string,
    opts: RequestOptions,
    extra: { agent?: false } = {},
  ): Promise<{ req: http.ClientRequest; res?: IncomingMessage; upgrade?: { res: IncomingMessage; socket: Duplex; head: Buffer } }> {
    const { request, agent } = await this.transport();
    const headers: Record<string, string> = { 'User-Agent': this.userAgent, ...opts.headers };
    let body: Buffer | undefined;
    let stream: Readable | undefined;
    if (opts.body !== undefined) {
      body = Buffer.from(JSON.stringify(opts.body) + '\n');
      headers['Content-Type'] ??= 'application/json';
    } else if (opts.rawBody !== undefined) {
      if (typeof opts.rawBody === 'string' || Buffer.isBuffer(opts.rawBody)) body = Buffer.from(opts.rawBody);
      else stream = opts.rawBody instanceof Readable ? opts.rawBody : Readable.from(opts.rawBody);
      headers['Content-Type'] ??= 'text/plain';
    }
    if (body) headers['Content-Length'] = String(body.length);
    const addr = this.address;
    const target =
      addr.kind === 'unix'
        ? { socketPath: addr.socketPath, headers: { Host: 'api.moby.localhost', ...headers } }
        : { host: addr.hostname, port: addr.port, headers };
    const url = `${this.goMethod(method)} "${this.goURL(fullPath)}"`;
    return new Promise((resolve, reject) => {
      const req = request({
        ...target,
        method,
        path: fullPath,
        agent: extra.agent === false ? false : agent,
        signal: opts.signal,
        // Plain HTTP needs no TLS server name; computing one costs Node an IPv6 regex compile
        // (~5 ms of every CLI start).
        ...(this.https ? {} : { servername: '' }),
        ...(extra.agent === false && this.https ? this.tlsRequestOptions() : {}),
      });
      req.on('response', (res) => resolve({ req, res }));
      req.on('upgrade', (res, socket, head) => resolve({ req, upgrade: { res, socket, head } }));
      req.on('error', (err) =>
        reject(connectionError(err, this.host, { https: this.https, socketPath: addr.kind === 'unix' ? addr.socketPath : undefined, url })),
      );
      if (stream) {
        pipeline(stream, req).catch((err: unknown) => req.destroy(err as Error));
      } else req.end(body);
    });
  }

  private tlsRequestOptions() {
    const t = this.tls ?? { verify: false };
    return {
      ca: t.ca,
      cert: t.cert,
      key: t.key,
      rejectUnauthorized: t.verify,
      ...(t.verify ? {} : { checkServerIdentity: () => undefined }),
    };
  }

  /** Throws the error a >= 400 response stands for (reads and discards its body). */
  private async checkResponse(res: IncomingMessage, fullPath: string): Promise<void> {
    const status = res.statusCode ?? 0;
    if (status < 400) return;
    const { text, truncated } = await readBody(res, MAX_ERROR_BODY);
    const statusText = `${status} ${http.STATUS_CODES[status] ?? ''}`.trim();
    const url = this.goURL(fullPath);
    if (truncated) {
      throw new ResponseError(status, `request returned ${statusText} with a message (> ${MAX_ERROR_BODY} bytes) for API route and version ${url}, check if the server supports the requested API version`);
    }
    if (text.length === 0) {
      throw new ResponseError(status, `request returned ${statusText} for API route and version ${url}, check if the server supports the requested API version`);
    }
    let message: string;
    if ((res.headers['content-type'] ?? '').startsWith('application/json')) {
      let parsed: { message?: unknown };
      try {
        parsed = JSON.parse(text) as { message?: unknown };
      } catch (e) {
        throw new ResponseError(status, `Error reading JSON: ${(e as Error).message}`);
      }
      message =
        typeof parsed.message === 'string' && parsed.message !== ''
          ? parsed.message.trim()
          : `API returned a ${status} (${http.STATUS_CODES[status] ?? ''}) but provided no error-message`;
    } else message = text.trim();
    if (!this.https && message.includes('Client sent an HTTP request to an HTTPS server')) {
      throw new ConnectionError(`${message}\n${TLS_HINT}`);
    }
    throw new ResponseError(status, message);
  }

  /**
   * Pings the daemon: `HEAD /_ping`, then `GET /_ping` if the HEAD got another status than
   * 200/500. Throws ConnectionError when unreachable, ResponseError for an error status.
   */
  async ping(signal?: AbortSignal): Promise<PingResult> {
    let res: IncomingMessage | undefined;
    try {
      res = (await this.send('HEAD', '/_ping', { signal })).res;
    } catch (e) {
      if (e instanceof ConnectionError || (e as Error).name === 'AbortError') throw e;
    }
    if (res && res.statusCode !== 200 && res.statusCode !== 500) {
      res.resume();
      res = undefined;
    }
    if (!res) res = (await this.send('GET', '/_ping', { signal })).res!;
    const h = res.headers;
    const result: PingResult = { experimental: h['docker-experimental'] === 'true' };
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    if (one(h['api-version'])) result.apiVersion = one(h['api-version']);
    if (one(h['ostype'])) result.osType = one(h['ostype']);
    if (one(h['builder-version'])) result.builderVersion = one(h['builder-version']);
    const swarm = one(h['swarm']);
    if (swarm) {
      const [state, role] = swarm.split('/');
      result.swarm = { nodeState: state ?? '', controlAvailable: role === 'manager' };
    }
    await this.checkResponse(res, '/_ping');
    res.resume();
    return result;
  }

  /**
   * The API version to use, negotiating on first call (see the header). Concurrent callers
   * share one ping. Throws ConnectionError when the daemon is unreachable.
   */
  async apiVersion(signal?: AbortSignal): Promise<string> {
    if (this.pinned) return this.pinned;
    if (this.negotiated) return this.negotiated;
    this.negotiation ??= this.ping(signal).then(
      (p) => {
        this.pinged = p;
        const server = p.apiVersion || FALLBACK_API_VERSION;
        this.negotiated = compareApiVersions(server, this.maxVersion) < 0 ? server : this.maxVersion;
        return this.negotiated;
      },
      (err: unknown) => {
        this.negotiation = undefined;
        if (err instanceof ConnectionError || (err as Error).name === 'AbortError') throw err;
        return this.maxVersion;
      },
    );
    return this.negotiation;
  }

  /**
   * The daemon's OS type from its ping (docker's ServerInfo().OSType): the ping of the version
   * negotiation, or a ping of its own when the version is pinned. "" when the daemon does not
   * say or cannot be reached (never throws).
   */
  async serverOSType(signal?: AbortSignal): Promise<string> {
    if (!this.pinged) {
      // compat: docker's ServerInfo() is empty when the daemon cannot be reached; the
      // request that follows reports the failure
      try {
        await this.apiVersion(signal);
        this.pinged ??= await this.ping(signal);
      } catch {
        return '';
      }
    }
    return this.pinged.osType ?? '';
  }

  private async fullPath(path: string, opts: RequestOptions): Promise<string> {
    const prefix = opts.versioned === false ? '' : `/v${await this.apiVersion(opts.signal)}`;
    return prefix + path + encodeQuery(opts.query);
  }

  /** Sends a request and checks its status; the caller consumes (or destroys) the body. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const fullPath = await this.fullPath(path, opts);
    const { res, upgrade } = await this.send(method, fullPath, opts);
    if (upgrade) {
      upgrade.socket.destroy();
      throw new ConnectionError(`unexpected protocol upgrade for ${method} ${path}`);
    }
    await this.checkResponse(res!, fullPath);
    return { statusCode: res!.statusCode ?? 0, headers: res!.headers, body: res! };
  }

  /** Sends a request and decodes its JSON answer (undefined for an empty body). */
  async call<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const r = await this.request(method, path, opts);
    const { text } = await readBody(r.body, Number.MAX_SAFE_INTEGER);
    if (text.trim() === '') return undefined as T;
    return JSON.parse(text) as T;
  }

  /** GET with a JSON answer. */
  get<T>(path: string, opts: Omit<RequestOptions, 'body' | 'rawBody'> = {}): Promise<T> {
    return this.call<T>('GET', path, opts);
  }

  /** POST with an optional JSON body and a JSON (or empty) answer. */
  post<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.call<T>('POST', path, opts);
  }

  /** DELETE with a JSON (or empty) answer. */
  delete<T>(path: string, opts: Omit<RequestOptions, 'body' | 'rawBody'> = {}): Promise<T> {
    return this.call<T>('DELETE', path, opts);
  }

  /** A response body as a byte stream (logs, export, save), after the status check. */
  async stream(method: string, path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    return (await this.request(method, path, opts)).body;
  }

  /**
   * A JSON-message stream (events, pull, push, build, load, stats) decoded value by value;
   * `\n` and `\r\n` separators and arbitrary chunking are fine. Breaking out of the loop
   * closes the response.
   */
  async *jsonStream<T>(method: string, path: string, opts: RequestOptions = {}, parse?: (text: string) => T): AsyncGenerator<T> {
    const res = await this.stream(method, path, opts);
    const { decodeJsonStream } = await import('./jsonlines.js');
    try {
      yield* decodeJsonStream<T>(res, { parse });
    } finally {
      res.destroy();
    }
  }

  /**
   * Hijacks a connection (`Connection: Upgrade`, `Upgrade: tcp`) for attach and exec start.
   * Resolves once the daemon answers 101; the socket then carries raw or stdcopy-framed bytes.
   * `socket.end()` half-closes (the container's stdin sees EOF) while output keeps flowing.
   */
  async hijack(method: string, path: string, opts: RequestOptions = {}): Promise<HijackedConnection> {
    const fullPath = await this.fullPath(path, opts);
    const headers = { Connection: 'Upgrade', Upgrade: 'tcp', ...opts.headers };
    const sendOpts: RequestOptions = { ...opts, headers };
    if (opts.body === undefined && opts.rawBody === undefined) {
      sendOpts.rawBody = '';
    }
    const { res, upgrade } = await this.send(method, fullPath, sendOpts, { agent: false });
    if (upgrade) {
      if (upgrade.head.length) upgrade.socket.unshift(upgrade.head);
      const ct = upgrade.res.headers['content-type'];
      return { socket: upgrade.socket, contentType: Array.isArray(ct) ? ct[0] : ct };
    }
    await this.checkResponse(res!, fullPath);
    res!.destroy();
    throw new ConnectionError(`unable to upgrade to tcp, received ${res!.statusCode}`);
  }

  /** GET /version. */
  version(signal?: AbortSignal): Promise<VersionResponse> {
    return this.get<VersionResponse>('/version', { signal });
  }

  /** GET /info. */
  info(signal?: AbortSignal): Promise<Info> {
    return this.get<Info>('/info', { signal });
  }

  /**
   * GET /events as an async iterable; it ends when the daemon closes the stream (`until`
   * reached). Abort with `signal` or break out of the loop to stop following.
   */
  events(opts: EventsOptions = {}): AsyncGenerator<ClientEvent> {
    const query: Query = { since: timeParam(opts.since), until: timeParam(opts.until), filters: opts.filters };
    return this.eventStream(query, opts.signal);
  }

  private async *eventStream(query: Query, signal: AbortSignal | undefined): AsyncGenerator<ClientEvent> {
    const { parseJson } = await import('./json.js');
    yield* this.jsonStream<ClientEvent>('GET', '/events', { query, signal }, (text) => parseEvent(text, parseJson));
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent?.destroy();
  }
}

/** Decodes one events message, keeping timeNano exact (`parse` is json.ts's parseJson). */
export function parseEvent(text: string, parse: (text: string, bigintKeys: ReadonlySet<string>) => unknown): ClientEvent {
  const ev = parse(text, EVENT_BIGINT_KEYS) as Omit<EventMessage, 'timeNano'> & { timeNano?: number | bigint };
  const tn = ev.timeNano;
  // Absent timeNano (very old daemons) stays 0, as in Go's events.Message; printers fall back to `time`.
  return { ...ev, timeNano: typeof tn === 'bigint' ? tn : typeof tn === 'number' ? BigInt(Math.round(tn)) : 0n };
}
