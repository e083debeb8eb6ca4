/**
 * Connection hijacking for attach and exec start (STYLE D6, moby httputils hijack).
 *
 * Upgrade clients (`Connection: Upgrade`, `Upgrade: tcp`; the docker CLI, docker-py) get,
 * written raw and without the usual API headers:
 *
 *   HTTP/1.1 101 UPGRADED\r\n
 *   Content-Type: application/vnd.docker.raw-stream\r\n      (multiplexed-stream: API >= 1.42, non-tty)
 *   Connection: Upgrade\r\n
 *   Upgrade: tcp\r\n
 *   \r\n
 *
 * after which the socket is a plain byte pipe both ways. Clients that did not ask for an
 * upgrade get `200 OK` with the same content type and the stream as the body; there is no
 * stdin then (node's HTTP parser still owns the incoming bytes) and the connection closes
 * at the end.
 *
 * Semantics handlers rely on:
 * - `stdin` = client->daemon bytes (never framed). A client half-close (CloseWrite; the CLI
 *   does it right after the 101 when it has no stdin) ends it, and only it: the daemon
 *   keeps writing output.
 * - `write()` = daemon->client bytes; the handler frames them (stdcopy) or not (tty). It
 *   waits for 'drain'.
 * - a client disconnect aborts ctx.signal. When the handler returns, the server flushes
 *   and closes the connection (moby closes the hijacked conn when the stream ends).
 */
import type { ServerResponse } from 'node:http';
import { Duplex, Readable } from 'node:stream';
import { cancelled } from '../../lib/index.js';
import { versionAtLeast } from '../types/index.js';
import { writeChunk } from './encode.js';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

export interface HijackOptions {
  /**
   * True when daemon->client bytes will be stdcopy frames (a non-tty container or exec).
   * Selects the multiplexed content type for API >= 1.42; 20.10-era clients always get
   * raw-stream (compat: 20.10 sends raw-stream even for frames).
   */
  multiplexed: boolean;
}

export interface Hijacked {
  /**
   * Client->daemon bytes. Ends when the client half-closes; destroying it (or leaving a
   * for-await loop over it early) does not close the connection.
   */
  readonly stdin: Readable;
  /**
   * The raw connection. Write output through write(); do not iterate it with for-await,
   * which destroys a stream at its end, output side included.
   */
  readonly conn: Duplex;
  /** True for 101 (stdin available), false for the 200 fallback (no stdin). */
  readonly upgraded: boolean;
  /** Writes with backpressure; rejects (cancelled) when the client is gone. */
  write(chunk: Buffer | string): Promise<void>;
}

/** The content type of a hijacked stream for this API version. */
export function hijackContentType(apiVersion: string, multiplexed: boolean): string {
  // since API 1.42: multiplexed-stream when the output is stdcopy-framed
  return multiplexed && versionAtLeast(apiVersion, '1.42') ? MULTIPLEXED_STREAM : RAW_STREAM;
}

/** The raw 101 response head. */
export function upgradeResponseHead(contentType: string): string {
  return `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`;
}

/** Switches an upgrade request's socket to a raw stream: writes the 101 and hands the socket out. */
export async function hijackUpgrade(socket: Duplex, contentType: string, signal: AbortSignal): Promise<Hijacked> {
  if (socket.destroyed) throw cancelled('client disconnected');
  await writeChunk(socket, upgradeResponseHead(contentType), signal);
  return {
    stdin: Readable.from(socket.iterator({ destroyOnReturn: false }), { objectMode: false }),
    conn: socket,
    upgraded: true,
    write: (chunk) => writeChunk(socket, chunk, signal),
  };
}

/**
 * The 200 fallback for clients that did not ask for an upgrade: headers go out now, the
 * body is the raw stream (no chunked encoding) and the connection closes after it.
 */
export function hijackPlain(res: ServerResponse, headers: Record<string, string>, signal: AbortSignal): Hijacked {
  res.useChunkedEncodingByDefault = false;
  res.shouldKeepAlive = false;
  res.writeHead(200, headers);
  res.flushHeaders();
  const conn = new Duplex({
    allowHalfOpen: true,
    read() {},
    write(chunk: Buffer, _enc, cb) {
      if (res.destroyed) {
        cb(cancelled('client disconnected'));
        return;
      }
      res.write(chunk, (err) => cb(err ?? null));
    },
    final(cb) {
      res.end(() => cb());
    },
    destroy(err, cb) {
      if (!res.writableEnded) res.destroy();
      cb(err);
    },
  });
  conn.push(null);
  res.once('close', () => conn.destroy());
  const stdin = new Readable({ read() {} });
  stdin.push(null);
  return {
    stdin,
    conn,
    upgraded: false,
    write: (chunk) => writeChunk(conn, chunk, signal),
  };
}
