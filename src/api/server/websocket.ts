/**
 * WebSocket upgrades, for `GET /containers/{id}/attach/ws` (moby serves it with
 * golang.org/x/net/websocket; we use the `ws` package for the protocol: handshake, framing,
 * masking, ping/pong, close).
 *
 * Only routes declared `websocket: true` receive `Upgrade: websocket` requests this way
 * (server.ts); every other upgrade is a Docker hijack (hijack.ts) as before. A handshake
 * that is not a websocket one (no `Upgrade: websocket`, no key, bad version) is an
 * invalidParameter error, which the server writes as Docker's JSON error (400) on the
 * still-HTTP connection; moby's x/net writes a plain-text 400 there instead.
 *
 * Semantics routes rely on (WebSocketConn):
 * - `send()` = one daemon->client message, binary or text as chosen at accept time; it
 *   resolves once the socket took the frame, so a slow client slows the sender (one
 *   message in flight per send).
 * - `input()` = the payloads of client messages (text or binary alike, as x/net's Read
 *   gives them) as one byte stream, ending when the websocket closes. Bound: the Readable's
 *   highWaterMark (16 KiB); past it the websocket is paused (the socket stops being read)
 *   until the consumer drains. Messages are dropped when input() is never called.
 * - a client disconnect (close frame or a dropped connection) closes the socket, which
 *   aborts ctx.signal (server.ts).
 * - when the handler returns, the server closes the websocket normally (1000); moby closes
 *   the raw connection without a close frame, which clients report as 1006.
 */
import type { IncomingMessage } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { cancelled, invalidParameter } from '../../lib/index.js';

/** Largest client message accepted (x/net/websocket's DefaultMaxPayloadBytes); larger ones close with 1009. */
export const WS_MAX_PAYLOAD = 32 << 20;

/** What x/net/websocket answers for a request that is not a websocket handshake. */
export const NOT_WEBSOCKET = 'not websocket protocol';

export interface WebSocketOptions {
  /** Binary frames for output (true) or text frames (false). */
  binary: boolean;
  /** Protocol errors from the client (bad frames, oversized messages); ws then closes the connection. */
  onError?: (err: Error) => void;
}

export interface WebSocketConn {
  /** Sends one message; rejects (cancelled) when the websocket is no longer open. */
  send(data: Buffer): Promise<void>;
  /** Client messages as bytes; call at most once. */
  input(): Readable;
  /** True while messages can be sent. */
  readonly open: boolean;
  /** Normal closure (1000), with the closing handshake. */
  close(): void;
  /** Drops the connection at once (no close frame). */
  terminate(): void;
}

/** True when the request asks for a websocket upgrade. */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return typeof upgrade === 'string' && upgrade.toLowerCase() === 'websocket';
}

/**
 * Completes the websocket handshake on an upgrade request's socket (101 Switching
 * Protocols). Rejects with invalidParameter, having written nothing, when the handshake is
 * not acceptable. Any bytes the client sent after its headers must already be back in the
 * socket (server.ts unshifts node's `head`).
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, opts: WebSocketOptions): Promise<WebSocketConn> {
  if (!isWebSocketUpgrade(req)) return Promise.reject(invalidParameter(NOT_WEBSOCKET));
  if (socket.destroyed) return Promise.reject(cancelled('client disconnected'));
  return new Promise((resolve, reject) => {
    // One server per handshake: it holds no sockets (clientTracking off) and lets the
    // wsClientError listener belong to this request alone.
    const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: WS_MAX_PAYLOAD });
    // With a listener, ws leaves the socket alone on a bad handshake (no plain-text 400).
    wss.on('wsClientError', (err: Error) => reject(invalidParameter(`${NOT_WEBSOCKET}: ${err.message}`)));
    try {
      wss.handleUpgrade(req, socket, Buffer.alloc(0), (ws) => resolve(wrap(ws, opts)));
    } catch (e) {
      reject(e);
      return;
    }
    // handleUpgrade destroys a socket whose client already half-closed, without a callback.
    if (socket.destroyed) reject(cancelled('client disconnected'));
  });
}

function wrap(ws: WebSocket, opts: WebSocketOptions): WebSocketConn {
  let inputTaken = false;
  // An 'error' without a listener would throw; ws closes the connection itself after it.
  ws.on('error', (err) => opts.onError?.(err));
  return {
    get open() {
      return ws.readyState === WebSocket.OPEN;
    },
    send(data: Buffer): Promise<void> {
      if (ws.readyState !== WebSocket.OPEN) return Promise.reject(cancelled('client disconnected'));
      return new Promise((resolve, reject) => {
        ws.send(data, { binary: opts.binary }, (err) => (err ? reject(cancelled('client disconnected', err)) : resolve()));
      });
    },
    input(): Readable {
      if (inputTaken) throw new Error('websocket input already taken');
      inputTaken = true;
      const out = new Readable({
        read() {
          if (ws.isPaused) ws.resume();
        },
      });
      const onMessage = (data: Buffer | ArrayBuffer | Buffer[]) => {
        const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        if (!out.push(buf)) ws.pause();
      };
      const onClose = () => {
        ws.removeListener('message', onMessage);
        out.push(null);
      };
      ws.on('message', onMessage);
      if (ws.readyState === WebSocket.CLOSED) onClose();
      else ws.once('close', onClose);
      return out;
    },
    close(): void {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    },
    terminate(): void {
      ws.terminate();
    },
  };
}
