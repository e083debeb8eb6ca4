/**
 * The Engine API server on node's http: listeners for every -H, the /vX.Y prefix and
 * version checks, routing, the common headers, error -> status, and hijacking.
 *
 * Per request: split `/vX.Y`, match the route (404 "page not found" when none), check the
 * version (400 with moby's wording), build the context (signal aborted when the client goes
 * away or the response is over; apiVersion; requestId; a logger carrying requestId, method
 * and path, created only when something logs), run the handler, and map a thrown error to
 * its status (errors.ts). Nothing here takes a lock or touches the disk, so /_ping and
 * /version answer whatever the backends are doing.
 *
 * Upgrade requests (`Connection: Upgrade`) arrive through node's 'upgrade' event with the
 * socket already detached from the HTTP parser; routes declared `hijack: true` may take the
 * socket over (Docker's hijack, whatever the Upgrade header names), routes declared
 * `websocket: true` may complete a websocket handshake on it (websocket.ts), every other
 * answer is written through a ServerResponse bound to that socket, which is closed
 * afterwards.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { promises as fs } from 'node:fs';
import type { Duplex } from 'node:stream';
import { invalidParameter, kindOf, notFound, type Fields, type Level, type Logger } from '../../lib/index.js';
import { API_VERSION_MAX, API_VERSION_MIN, compareApiVersions, versionLessThan } from '../types/index.js';
import type { Backends } from './backends.js';
import { errorBody, logRequestError, statusOf } from './errors.js';
import { formatAddress, listenOn, parseHost, tlsPeek, type HostSpec, type TlsConfig } from './listeners.js';
import { ApiRequest, messageBody, UpgradeBody, type ApiCtx, type BodySource } from './request.js';
import { ApiResponse } from './response.js';
import { buildRoutes } from './routes/index.js';
import { Router, splitVersion, type Route } from './router.js';
import { acceptWebSocket, type WebSocketOptions } from './websocket.js';

export interface ApiServerOptions {
  backends: Backends;
  log: Logger;
  /** The Server header, e.g. "Berth/0.1.0 (linux)". */
  serverHeader: string;
  /** Reported in the Docker-Experimental header. */
  experimental: boolean;
  /** Largest request body read into memory (JSON), in bytes. Default 10 MiB. */
  maxBodyBytes?: number;
  /** The Swarm header of /_ping ("inactive", "active/manager", ...). Default "inactive". */
  swarmStatus?: () => string;
  /** More routes, matched after the built-in tables (tests, later areas being wired up). */
  extraRoutes?: Route[];
}

export interface ApiServer {
  /** Listens on every host (dockerd -H forms); TLS applies to tcp hosts. Rejects on the first failure. */
  listen(hosts: string[], tls?: TlsConfig): Promise<void>;
  /** Stops listening, aborts in-flight requests and closes every connection. */
  close(): Promise<void>;
  /** The bound addresses in -H form (tcp ports resolved). */
  addresses(): string[];
}

export const DEFAULT_MAX_BODY_BYTES = 10 << 20;

/** A logger whose child (with the request's fields) is made on first use. */
class RequestLogger implements Logger {
  private child: Logger | undefined;
  constructor(
    private readonly base: Logger,
    private readonly fields: Fields,
  ) {}
  private get l(): Logger {
    return (this.child ??= this.base.with(this.fields));
  }
  trace(msg: string, f?: Fields) {
    if (this.base.enabled('trace')) this.l.trace(msg, f);
  }
  debug(msg: string, f?: Fields) {
    if (this.base.enabled('debug')) this.l.debug(msg, f);
  }
  info(msg: string, f?: Fields) {
    this.l.info(msg, f);
  }
  warn(msg: string, f?: Fields) {
    this.l.warn(msg, f);
  }
  error(msg: string, f?: Fields) {
    this.l.error(msg, f);
  }
  with(f: Fields): Logger {
    return this.l.with(f);
  }
  enabled(level: Level): boolean {
    return this.base.enabled(level);
  }
}

interface Bound {
  spec: HostSpec;
  server: net.Server;
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const log = opts.log;
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const swarmStatus = opts.swarmStatus ?? (() => 'inactive');
  const router = new Router([
    ...buildRoutes(opts.backends, { experimental: opts.experimental, swarmStatus }),
    ...(opts.extraRoutes ?? []),
  ]);
  const baseHeaders: Readonly<Record<string, string>> = Object.freeze({
    'Api-Version': API_VERSION_MAX,
    'Docker-Experimental': String(opts.experimental),
    Ostype: 'linux',
    Server: opts.serverHeader,
  });

  let nextId = 0;
  const bound: Bound[] = [];
  const sockets = new Set<Duplex>();
  let closing = false;

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void dispatch(req, res, undefined);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // node removed its own listeners: errors are ours now, and the socket is ours to close.
    socket.on('error', (e) => log.debug('hijacked connection error', { error: e }));
    if (head.length > 0) socket.unshift(head);
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as net.Socket);
    res.once('finish', () => {
      res.detachSocket(socket as net.Socket);
      if (!socket.destroyed) socketDestroySoon(socket);
    });
    void dispatch(req, res, socket);
  };

  function socketDestroySoon(socket: Duplex): void {
    const s = socket as Duplex & { destroySoon?: () => void };
    if (typeof s.destroySoon === 'function') s.destroySoon();
    else socket.end(() => socket.destroy());
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse, upgradeSocket: Duplex | undefined) {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const { version, path } = splitVersion(rawPath);
    const requestId = (++nextId).toString(36);
    const reqLog = new RequestLogger(log, { requestId, method, path: rawPath });
    const ac = new AbortController();
    const t0 = log.enabled('debug') ? performance.now() : 0;
    const abort = () => ac.abort();
    // A hijacked stream ends only on close (a half-close is stdin EOF); an ordinary request
    // is over for the client once it stops sending (Go cancels the request context then).
    const sock = upgradeSocket ?? req.socket;
    if (upgradeSocket) upgradeSocket.once('close', abort);
    else {
      res.once('close', abort);
      sock.once('end', abort);
    }

    let ares: ApiResponse | undefined;
    let upgradeBody: UpgradeBody | undefined;
    try {
      const match = router.match(method, path);
      if (!match) throw notFound('page not found');
      const apiVersion = version || API_VERSION_MAX;
      if (version) {
        if (compareApiVersions(version, API_VERSION_MIN) < 0) {
          throw invalidParameter(
            `client version ${version} is too old. Minimum supported API version is ${API_VERSION_MIN}, please upgrade your client to a newer version`,
          );
        }
        if (compareApiVersions(version, API_VERSION_MAX) > 0) {
          throw invalidParameter(`client version ${version} is too new. Maximum supported API version is ${API_VERSION_MAX}`);
        }
      }
      const route = match.route;
      if (route.minVersion && versionLessThan(apiVersion, route.minVersion)) throw notFound('page not found');

      const ctx: ApiCtx = { signal: ac.signal, log: reqLog, apiVersion, requestId };
      let body: BodySource;
      if (upgradeSocket) {
        const te = req.headers['transfer-encoding'];
        upgradeBody = new UpgradeBody(upgradeSocket, Number(req.headers['content-length'] ?? 0) || 0, te !== undefined);
        body = upgradeBody;
      } else {
        body = messageBody(req);
      }
      const areq = new ApiRequest({
        ctx,
        method,
        path,
        search: q < 0 ? undefined : url.slice(q + 1),
        params: match.params,
        headers: req.headers,
        upgrade: upgradeSocket !== undefined,
        body,
        maxBodyBytes,
        onBodyAbandoned: () => {
          res.shouldKeepAlive = false;
        },
      });
      const ub = upgradeBody;
      const wsSocket = upgradeSocket && route.websocket ? upgradeSocket : undefined;
      ares = new ApiResponse({
        res,
        ctx,
        baseHeaders,
        upgradeSocket: upgradeSocket && route.hijack ? upgradeSocket : undefined,
        beforeHijack: ub
          ? async () => {
              await ub.discard();
              res.detachSocket(upgradeSocket as net.Socket);
            }
          : undefined,
        acceptWebSocket: wsSocket
          ? async (o: WebSocketOptions) => {
              await ub?.discard();
              const ws = await acceptWebSocket(req, wsSocket, {
                onError: (e) => reqLog.debug('websocket protocol error', { error: e }),
                ...o,
              });
              // The 101 is out: the ServerResponse no longer owns the socket (no 'finish' close).
              res.detachSocket(wsSocket as net.Socket);
              return ws;
            }
          : undefined,
      });
      if (reqLog.enabled('debug')) reqLog.debug('calling', { apiVersion });
      const result = await route.handler(areq, ares);
      finish(ares, res, upgradeSocket, result);
    } catch (err) {
      fail(err, ares, res, upgradeSocket, reqLog, ac.signal.aborted);
    } finally {
      if (!upgradeSocket) sock.removeListener('end', abort);
      if (t0 && reqLog.enabled('debug')) {
        reqLog.debug('served', { status: ares?.statusCode ?? res.statusCode, ms: Math.round(performance.now() - t0) });
      }
    }
  }

  function finish(ares: ApiResponse, res: ServerResponse, upgradeSocket: Duplex | undefined, result: unknown) {
    const ws = ares.webSocket;
    if (ws) {
      ws.close();
      return;
    }
    const h = ares.hijacked;
    if (h) {
      if (h.upgraded && upgradeSocket) {
        if (!upgradeSocket.destroyed) socketDestroySoon(upgradeSocket);
      } else if (!h.conn.writableEnded) {
        h.conn.end();
      }
      return;
    }
    if (!ares.started) {
      if (res.destroyed) return;
      if (result === undefined) ares.status(204);
      else ares.json(200, result);
      return;
    }
    if (!res.writableEnded && !res.destroyed) res.end();
  }

  function fail(
    err: unknown,
    ares: ApiResponse | undefined,
    res: ServerResponse,
    upgradeSocket: Duplex | undefined,
    reqLog: Logger,
    clientGone: boolean,
  ) {
    const status = statusOf(err);
    const gone = clientGone || res.destroyed || (upgradeSocket?.destroyed ?? false);
    logRequestError(reqLog, err, status, gone || kindOf(err) === 'cancelled');
    if (ares?.started) {
      // The status is out: cut the connection so the client sees a truncated stream.
      const h = ares.hijacked;
      if (ares.webSocket) ares.webSocket.terminate();
      else if (h) h.conn.destroy();
      else res.destroy();
      return;
    }
    if (gone) {
      if (!res.destroyed) res.destroy();
      return;
    }
    const body = errorBody(err, status);
    const headers: Record<string, string | number> = { ...baseHeaders };
    if (body) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    try {
      if (!res.headersSent) res.writeHead(status, headers);
      res.end(body || undefined);
    } catch (e) {
      reqLog.debug('writing the error response failed', { error: e });
      res.destroy();
    }
  }

  function makeHttp(server: http.Server): void {
    server.on('request', onRequest);
    server.on('upgrade', onUpgrade);
    // A client half-close aborts ctx.signal of the request in flight (dispatch), but what the
    // handler still writes goes out before the connection closes.
    (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    server.keepAliveTimeout = 60_000;
  }

  const httpOptions: http.ServerOptions = {
    maxHeaderSize: 1 << 20,
    requestTimeout: 0,
    headersTimeout: 60_000,
    noDelay: true,
  };
  const plain = http.createServer(httpOptions);
  makeHttp(plain);
  let secure: https.Server | undefined;

  function track(socket: net.Socket): void {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  }

  return {
    async listen(hosts: string[], tls?: TlsConfig): Promise<void> {
      if (closing) throw new Error('API server is closed');
      if (hosts.length === 0) throw invalidParameter('no hosts to listen on');
      const specs = hosts.map((h) => parseHost(h, tls !== undefined));
      if (tls && !secure) {
        secure = https.createServer({
          ...httpOptions,
          cert: tls.cert,
          key: tls.key,
          ca: tls.ca,
          requestCert: tls.verify,
          rejectUnauthorized: tls.verify,
          minVersion: 'TLSv1.2',
        });
        makeHttp(secure);
        secure.on('tlsClientError', (e) => log.debug('TLS handshake failed', { error: e }));
      }
      const mine: Bound[] = [];
      try {
        for (const spec of specs) {
          const tlsServer = spec.kind === 'tcp' ? secure : undefined;
          const handler = tlsServer
            ? tlsPeek((sock) => tlsServer.emit('connection', sock), log)
            : (sock: net.Socket) => plain.emit('connection', sock);
          const server = net.createServer({ allowHalfOpen: true }, (sock) => {
            track(sock);
            handler(sock);
          });
          await listenOn(spec, server);
          mine.push({ spec, server });
        }
      } catch (e) {
        // all or nothing: release what this call bound before failing
        for (const b of mine) {
          await new Promise<void>((resolve) => b.server.close(() => resolve()));
          if (b.spec.kind === 'unix') await fs.rm(b.spec.path, { force: true });
        }
        throw e;
      }
      bound.push(...mine);
    },

    async close(): Promise<void> {
      closing = true;
      const closed = bound.map(
        (b) =>
          new Promise<void>((resolve) => {
            b.server.close(() => resolve());
          }),
      );
      for (const s of sockets) s.destroy();
      sockets.clear();
      plain.closeAllConnections();
      secure?.closeAllConnections();
      await Promise.all(closed);
      for (const b of bound) {
        if (b.spec.kind === 'unix') await fs.rm(b.spec.path, { force: true });
      }
      bound.length = 0;
    },

    addresses(): string[] {
      return bound.map((b) => formatAddress(b.spec, b.server));
    },
  };
}
