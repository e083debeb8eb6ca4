/**
 * The response object handlers write successes through. Every response carries the common
 * headers (Api-Version, Docker-Experimental, Ostype, Server; node adds Date). Buffered JSON
 * ends with `\n` (Go's json.Encoder) and has a Content-Length; streams flush their headers
 * at once (a client may block on them, e.g. `docker run` waits for the /wait headers before
 * it sends start) and go out chunked.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { invalidParameter, type StdFrame } from '../../lib/index.js';
import {
  pumpJsonLines,
  pumpRaw,
  pumpStdcopy,
  type JsonLinesPumpOptions,
} from './encode.js';
import { hijackContentType, hijackPlain, hijackUpgrade, type HijackOptions, type Hijacked } from './hijack.js';
import type { ApiCtx } from './request.js';
import { NOT_WEBSOCKET, type WebSocketConn, type WebSocketOptions } from './websocket.js';

export interface StreamOptions {
  status?: number;
  /** Content-Type of the stream; null sends none (compat: 20.10's logs have none). */
  contentType?: string | null;
  /** Stops the stream when aborted; defaults to the request's ctx.signal. */
  signal?: AbortSignal;
}

export interface ApiResponseInit {
  res: ServerResponse;
  ctx: ApiCtx;
  baseHeaders: Readonly<Record<string, string>>;
  /** The socket of an upgrade request (hijack writes the 101 on it). */
  upgradeSocket?: Duplex;
  /** Runs before a hijack: drops an unread request body so the socket is at stdin. */
  beforeHijack?: () => Promise<void>;
  /** Completes a websocket handshake (routes declared `websocket: true`, upgrade requests only). */
  acceptWebSocket?: (opts: WebSocketOptions) => Promise<WebSocketConn>;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

type State = 'idle' | 'sent' | 'streaming' | 'hijacked' | 'websocket';

export class ApiResponse {
  private state: State = 'idle';
  private hijackedConn: Hijacked | undefined;
  private readonly res: ServerResponse;
  private readonly ctx: ApiCtx;
  private readonly base: Readonly<Record<string, string>>;
  private readonly upgradeSocket: Duplex | undefined;
  private readonly beforeHijack: (() => Promise<void>) | undefined;
  private readonly acceptWebSocket: ((opts: WebSocketOptions) => Promise<WebSocketConn>) | undefined;
  private ws: WebSocketConn | undefined;

  constructor(init: ApiResponseInit) {
    this.res = init.res;
    this.ctx = init.ctx;
    this.base = init.baseHeaders;
    this.upgradeSocket = init.upgradeSocket;
    this.beforeHijack = init.beforeHijack;
    this.acceptWebSocket = init.acceptWebSocket;
  }

  /** The accepted websocket, if the handler took one. */
  get webSocket(): WebSocketConn | undefined {
    return this.ws;
  }

  /** True once a status went out (or the connection was hijacked). */
  get started(): boolean {
    return this.state !== 'idle';
  }

  get hijacked(): Hijacked | undefined {
    return this.hijackedConn;
  }

  /** The status sent, or undefined. */
  get statusCode(): number | undefined {
    return this.state === 'idle' ? undefined : this.state === 'hijacked' || this.state === 'websocket' ? 101 : this.res.statusCode;
  }

  /** Adds a header to the response to come. */
  setHeader(name: string, value: string | number | readonly string[]): this {
    if (this.state !== 'idle') throw new Error(`cannot set header ${name}: response already started`);
    this.res.setHeader(name, value);
    return this;
  }

  private head(status: number, headers?: Record<string, string | number>): void {
    if (this.state !== 'idle') throw new Error('response already started');
    this.res.writeHead(status, headers ? { ...this.base, ...headers } : this.base);
  }

  /**
   * A complete response with an optional body; `headers` may carry Content-Type and any
   * other header (Content-Length is computed unless given).
   */
  send(status: number, body?: string | Buffer, headers?: Record<string, string | number>): void {
    if (body === undefined || body.length === 0) {
      this.head(status, headers);
    } else {
      const len = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      this.head(status, headers ? { 'Content-Length': len, ...headers } : { 'Content-Length': len });
    }
    this.state = 'sent';
    this.res.end(body);
  }

  /** A JSON body, newline-terminated. */
  json(status: number, value: unknown): void {
    this.send(status, JSON.stringify(value) + '\n', JSON_HEADERS);
  }

  /** An empty body: 204 No Content, 201 Created, 200 with Content-Length: 0, ... */
  status(status: number): void {
    this.send(status);
  }

  /**
   * Sends the headers of a streamed body now and returns the raw response to write to
   * (chunked; write with encode.ts writeChunk() to respect backpressure). The server ends
   * it if the handler does not.
   */
  startStream(opts: Omit<StreamOptions, 'signal'> = {}): ServerResponse {
    const ct = opts.contentType === undefined ? 'application/json' : opts.contentType;
    this.head(opts.status ?? 200, ct === null ? undefined : { 'Content-Type': ct });
    this.state = 'streaming';
    this.res.flushHeaders();
    return this.res;
  }

  private async stream(opts: StreamOptions, pump: (signal: AbortSignal) => Promise<boolean>): Promise<boolean> {
    this.startStream(opts);
    const done = await pump(opts.signal ?? this.ctx.signal);
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end();
    return done;
  }

  /**
   * Streams items as JSON lines (`\n` by default; pass `terminator: '\r\n'` for JSON-message
   * streams) and ends the response. Resolves true when the source ended, false when the
   * stream stopped on its signal (client gone, deadline).
   */
  jsonStream(items: AsyncIterable<unknown>, opts: StreamOptions & JsonLinesPumpOptions = {}): Promise<boolean> {
    return this.stream(opts, (signal) => pumpJsonLines(this.res, items, signal, opts));
  }

  /** Streams stdcopy frames (no Content-Type unless given) and ends the response. */
  stdcopyStream(frames: AsyncIterable<StdFrame>, opts: StreamOptions = {}): Promise<boolean> {
    const o = { ...opts, contentType: opts.contentType === undefined ? null : opts.contentType };
    return this.stream(o, (signal) => pumpStdcopy(this.res, frames, signal));
  }

  /** Streams bytes unchanged and ends the response. */
  rawStream(chunks: AsyncIterable<Buffer | string>, opts: StreamOptions = {}): Promise<boolean> {
    const o = { ...opts, contentType: opts.contentType === undefined ? 'application/octet-stream' : opts.contentType };
    return this.stream(o, (signal) => pumpRaw(this.res, chunks, signal));
  }

  /**
   * Takes over the connection (attach, exec start): 101 for upgrade clients, 200 raw stream
   * otherwise. Only routes declared with `hijack: true` receive upgrade requests. See
   * hijack.ts for the semantics of the returned connection.
   */
  async hijack(opts: HijackOptions): Promise<Hijacked> {
    if (this.state !== 'idle') throw new Error('response already started');
    const ct = hijackContentType(this.ctx.apiVersion, opts.multiplexed);
    if (this.upgradeSocket) {
      await this.beforeHijack?.();
      this.state = 'hijacked';
      this.hijackedConn = await hijackUpgrade(this.upgradeSocket, ct, this.ctx.signal);
    } else {
      this.state = 'hijacked';
      this.hijackedConn = hijackPlain(this.res, { ...this.base, 'Content-Type': ct }, this.ctx.signal);
    }
    return this.hijackedConn;
  }

  /**
   * Accepts a websocket (101 Switching Protocols) on a route declared `websocket: true`.
   * Throws invalidParameter (400, nothing written yet) when the request is not a websocket
   * handshake. See websocket.ts for the semantics of the returned connection; the server
   * closes it normally when the handler returns.
   */
  async websocket(opts: WebSocketOptions): Promise<WebSocketConn> {
    if (this.state !== 'idle') throw new Error('response already started');
    if (!this.acceptWebSocket) throw invalidParameter(NOT_WEBSOCKET);
    const ws = await this.acceptWebSocket(opts);
    this.state = 'websocket';
    this.ws = ws;
    return ws;
  }
}
