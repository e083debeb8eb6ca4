/**
 * The request object handlers receive: context, path params, query helpers and body readers.
 *
 * Bodies are never read unless the handler asks. JSON bodies follow moby's httputils.ReadJSON:
 * the Content-Type must be application/json whenever there is a body (CheckForJSON wording),
 * an empty body reads as `{}`, malformed JSON is a 400 with Go-like wording, and a body above
 * the limit is a 400 that leaves the daemon serving (the connection is closed after the
 * answer instead of draining the rest). Streaming bodies (tar uploads) are handed out as a
 * Readable without buffering.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { invalidParameter, Query, type Ctx } from '../../lib/index.js';
import { versionAtLeast } from '../types/index.js';

/** The context of an API request: apiVersion and requestId are always set. */
export interface ApiCtx extends Ctx {
  apiVersion: string;
  requestId: string;
}

export interface JsonBodyOptions {
  /** Largest body accepted, in bytes (default: the server's maxBodyBytes). */
  maxBytes?: number;
  /** Accept any JSON value at the top level, not only an object (e.g. plugin privileges). */
  anyValue?: boolean;
}

/** Where the bytes of a body come from. */
export interface BodySource {
  /** The body as a stream; callable once. */
  stream(): Readable;
  /** True once every byte of the body has been read. */
  readonly complete: boolean;
}

/** The body of a normal request: the IncomingMessage itself. */
export function messageBody(req: IncomingMessage): BodySource {
  return {
    stream: () => req,
    get complete() {
      return req.complete;
    },
  };
}

/**
 * The body of an upgrade request. Node hands the socket over right after the headers, so
 * the body (Content-Length bytes) is read from the socket here and whatever follows it is
 * left there for the hijacked stream (stdin).
 */
export class UpgradeBody implements BodySource {
  private remaining: number;
  private taken = false;

  constructor(
    private readonly socket: Duplex,
    length: number,
    private readonly chunked: boolean,
  ) {
    this.remaining = length;
  }

  get complete(): boolean {
    return !this.chunked && this.remaining === 0;
  }

  stream(): Readable {
    if (this.chunked) throw invalidParameter('chunked request bodies are not supported on upgrade requests');
    if (this.taken) throw new Error('request body already read');
    this.taken = true;
    const socket = this.socket;
    const self = this;
    let waiting = false;
    const out = new Readable({
      read() {
        pull();
      },
    });
    function detach() {
      socket.removeListener('readable', onReadable);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      waiting = false;
    }
    function onReadable() {
      detach();
      pull();
    }
    function onEnd() {
      detach();
      out.destroy(invalidParameter('unexpected EOF while reading request body'));
    }
    function pull() {
      if (self.remaining === 0) {
        out.push(null);
        return;
      }
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) {
        if (socket.readableEnded || socket.destroyed) {
          onEnd();
        } else if (!waiting) {
          waiting = true;
          socket.once('readable', onReadable);
          socket.once('end', onEnd);
          socket.once('close', onEnd);
        }
        return;
      }
      const n = Math.min(chunk.length, self.remaining);
      if (n < chunk.length) socket.unshift(chunk.subarray(n));
      self.remaining -= n;
      out.push(chunk.subarray(0, n));
      if (self.remaining === 0) out.push(null);
    }
    return out;
  }

  /** Reads and drops what is left of the body, so the socket is positioned at stdin. */
  async discard(): Promise<void> {
    if (this.complete) return;
    if (this.chunked) throw invalidParameter('chunked request bodies are not supported on upgrade requests');
    const s = this.taken ? undefined : this.stream();
    if (!s) throw new Error('request body partly read before hijack');
    for await (const _ of s) {
      /* drop */
    }
  }
}

export interface ApiRequestInit {
  ctx: ApiCtx;
  method: string;
  path: string;
  search: string | undefined;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  upgrade: boolean;
  body: BodySource;
  maxBodyBytes: number;
  /** Called when the body was abandoned part-way, so the connection must not be reused. */
  onBodyAbandoned: () => void;
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const cl = headers['content-length'];
  return cl !== undefined && cl !== '0' && cl !== '';
}

/** moby httputils.CheckForJSON: without a body any Content-Type will do; with one it must be JSON. */
export function checkForJson(contentType: string | undefined, withBody: boolean): void {
  const ct = contentType ?? '';
  if (ct === '' && !withBody) return;
  const semi = ct.indexOf(';');
  const mediaType = (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  if (mediaType === '') throw invalidParameter(`malformed Content-Type header (${ct}): mime: no media type`);
  if (mediaType !== 'application/json') {
    throw invalidParameter(`unsupported Content-Type header (${ct}): must be 'application/json'`);
  }
}

const JSON_START = new Set(['{', '[', '"', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 't', 'f', 'n']);

/** Parses a JSON body; errors read like Go's encoding/json behind moby's "invalid JSON: " prefix. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const t = text.trimStart();
    let detail: string;
    if (t === '') detail = 'got EOF while reading request body';
    else if (!JSON_START.has(t[0]!)) detail = `invalid character '${t[0]}' looking for beginning of value`;
    else if (/end of JSON input/i.test((e as Error).message)) detail = 'unexpected EOF';
    else detail = (e as Error).message;
    throw invalidParameter(`invalid JSON: ${detail}`, e);
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'object';
}

export class ApiRequest {
  readonly ctx: ApiCtx;
  readonly method: string;
  /** The path without the `/vX.Y` prefix and without the query. */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** The client asked for `Connection: Upgrade` (attach, exec start). */
  readonly upgrade: boolean;
  readonly hasBody: boolean;
  private readonly search: string | undefined;
  private readonly body: BodySource;
  private readonly maxBodyBytes: number;
  private readonly onBodyAbandoned: () => void;
  private parsedQuery: Query | undefined;
  private bodyTaken = false;

  constructor(init: ApiRequestInit) {
    this.ctx = init.ctx;
    this.method = init.method;
    this.path = init.path;
    this.params = init.params;
    this.headers = init.headers;
    this.upgrade = init.upgrade;
    this.search = init.search;
    this.body = init.body;
    this.maxBodyBytes = init.maxBodyBytes;
    this.onBodyAbandoned = init.onBodyAbandoned;
    this.hasBody = hasBody(init.headers);
  }

  /** The negotiated API version ("1.44" when the path had no prefix). */
  get apiVersion(): string {
    return this.ctx.apiVersion;
  }

  /** True when the request's API version is at least `v`. */
  versionAtLeast(v: string): boolean {
    return versionAtLeast(this.ctx.apiVersion, v);
  }

  /** Query parameters (parsed on first use). */
  get query(): Query {
    return (this.parsedQuery ??= Query.parse(this.search));
  }

  /** A path parameter; throws when the route has no such parameter (a programming error). */
  param(name: string): string {
    const v = this.params[name];
    if (v === undefined) throw new Error(`route has no parameter ${JSON.stringify(name)}`);
    return v;
  }

  /** One request header (lower-case name); the first value when repeated. */
  header(name: string): string | undefined {
    const v = this.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  /** True once the whole body has been read (or there was none). */
  get bodyComplete(): boolean {
    return !this.hasBody || this.body.complete;
  }

  /**
   * The body as a stream, for tar uploads and other large bodies: nothing is buffered.
   * May be taken once; throws when a body reader was already used.
   */
  stream(): Readable {
    if (this.bodyTaken) throw new Error('request body already read');
    this.bodyTaken = true;
    return this.body.stream();
  }

  /**
   * The whole body in memory, at most `maxBytes` (default: the server's limit). Throws
   * invalidParameter when it is larger.
   */
  async buffer(maxBytes = this.maxBodyBytes): Promise<Buffer> {
    const cl = Number(this.header('content-length') ?? NaN);
    if (cl > maxBytes) {
      this.onBodyAbandoned();
      throw tooLarge(maxBytes);
    }
    if (!this.hasBody) return Buffer.alloc(0);
    const s = this.stream();
    return new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      let len = 0;
      const cleanup = () => {
        s.removeListener('data', onData);
        s.removeListener('end', onEnd);
        s.removeListener('error', onError);
        s.removeListener('close', onClose);
      };
      const onData = (b: Buffer) => {
        len += b.length;
        if (len > maxBytes) {
          cleanup();
          s.pause();
          this.onBodyAbandoned();
          reject(tooLarge(maxBytes));
          return;
        }
        parts.push(b);
      };
      const onEnd = () => {
        cleanup();
        resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, len));
      };
      const onError = (e: unknown) => {
        cleanup();
        reject(e);
      };
      const onClose = () => {
        cleanup();
        reject(invalidParameter('unexpected EOF while reading request body'));
      };
      s.on('data', onData);
      s.once('end', onEnd);
      s.once('error', onError);
      s.once('close', onClose);
    });
  }

  /**
   * The body as JSON (moby httputils.ReadJSON): checks Content-Type when there is a body,
   * treats an empty body and `null` as `{}`, and requires an object unless `anyValue`.
   * Throws invalidParameter.
   */
  async json<T = Record<string, unknown>>(opts: JsonBodyOptions = {}): Promise<T> {
    // Without a body the Content-Type does not matter (the CLI sends text/plain on attach).
    if (!this.hasBody) return {} as T;
    checkForJson(this.header('content-type'), true);
    const buf = await this.buffer(opts.maxBytes ?? this.maxBodyBytes);
    if (buf.length === 0) return {} as T;
    const v = parseJsonBody(buf.toString('utf8'));
    if (v === null) return {} as T;
    if (!opts.anyValue && (typeof v !== 'object' || Array.isArray(v))) {
      throw invalidParameter(`invalid JSON: cannot unmarshal ${jsonKind(v)} into an object`);
    }
    return v as T;
  }
}

function tooLarge(max: number) {
  return invalidParameter(`request body is too large: it exceeds the limit of ${max} bytes`);
}
