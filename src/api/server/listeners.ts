/**
 * Listening sockets for dockerd's `-H` forms:
 *
 *   unix:///path/to.sock   (unix:// alone = /var/run/docker.sock) stale socket removed, mode 0660
 *   tcp://host:port        tcp://:2375 = every interface; no port = 2375, or 2376 with TLS
 *   fd://                  systemd socket activation: refused with a clear error
 *
 * TLS applies to tcp hosts. A TLS port peeks at the first byte of each connection: 0x16 (a
 * TLS handshake record) goes to the TLS server, anything else gets Go's answer to plain HTTP
 * on an HTTPS port, which the docker CLI turns into its "maybe you need --tls" hint:
 *
 *   HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n
 */
import { promises as fs } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { invalidParameter, type Logger } from '../../lib/index.js';

export type HostSpec = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export interface TlsConfig {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  /** Require client certificates signed by `ca` (dockerd --tlsverify). */
  verify: boolean;
}

export const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock';

/** Parses one `-H` value. Throws invalidParameter for forms berthd does not serve. */
export function parseHost(raw: string, tls: boolean): HostSpec {
  const h = raw.trim();
  if (h.startsWith('unix://')) {
    const path = h.slice('unix://'.length) || DEFAULT_UNIX_SOCKET;
    if (!path.startsWith('/')) throw invalidParameter(`invalid unix socket path in host ${JSON.stringify(raw)}: must be absolute`);
    return { kind: 'unix', path };
  }
  if (h.startsWith('tcp://')) {
    let rest = h.slice('tcp://'.length);
    const slash = rest.indexOf('/');
    if (slash >= 0) {
      if (rest.slice(slash) !== '/') throw invalidParameter(`invalid bind address ${JSON.stringify(raw)}: should not contain a path element`);
      rest = rest.slice(0, slash);
    }
    let host = rest;
    let portText = '';
    if (rest.startsWith('[')) {
      const end = rest.indexOf(']');
      if (end < 0) throw invalidParameter(`invalid bind address ${JSON.stringify(raw)}`);
      host = rest.slice(1, end);
      if (rest.length > end + 1) {
        if (rest[end + 1] !== ':') throw invalidParameter(`invalid bind address ${JSON.stringify(raw)}`);
        portText = rest.slice(end + 2);
      }
    } else {
      const colon = rest.lastIndexOf(':');
      if (colon >= 0) {
        host = rest.slice(0, colon);
        portText = rest.slice(colon + 1);
      }
    }
    const port = portText === '' ? (tls ? 2376 : 2375) : Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535 || !/^[0-9]*$/.test(portText)) {
      throw invalidParameter(`invalid bind address ${JSON.stringify(raw)}: invalid port ${JSON.stringify(portText)}`);
    }
    return { kind: 'tcp', host, port };
  }
  if (h.startsWith('fd://')) {
    throw invalidParameter(`host ${JSON.stringify(raw)}: fd:// (systemd socket activation) is not supported; use unix:// or tcp://`);
  }
  throw invalidParameter(`invalid host ${JSON.stringify(raw)}: expected unix:///path or tcp://host:port`);
}

/** The address a listening server reports, in -H form. */
export function formatAddress(spec: HostSpec, server: net.Server): string {
  if (spec.kind === 'unix') return `unix://${spec.path}`;
  const a = server.address();
  if (a && typeof a === 'object') return `tcp://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  return `tcp://${spec.host}:${spec.port}`;
}

/** Removes a stale socket file (only a socket: anything else at the path is an error). */
export async function removeStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = await fs.lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isSocket()) throw invalidParameter(`cannot listen on ${path}: the path exists and is not a socket`);
  await fs.unlink(path);
}

/** Starts listening; resolves once bound. */
export async function listenOn(spec: HostSpec, server: net.Server): Promise<void> {
  if (spec.kind === 'unix') {
    await fs.mkdir(dirname(spec.path), { recursive: true, mode: 0o755 });
    await removeStaleSocket(spec.path);
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    const done = () => {
      server.removeListener('error', onError);
      resolve();
    };
    if (spec.kind === 'unix') server.listen(spec.path, done);
    else if (spec.host === '') server.listen(spec.port, done);
    else server.listen(spec.port, spec.host, done);
  });
  if (spec.kind === 'unix') await fs.chmod(spec.path, 0o660);
}

export const PLAIN_HTTP_ON_TLS_ANSWER = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

const TLS_HANDSHAKE = 0x16;
const PEEK_TIMEOUT_MS = 60_000;
const PLAIN_LINGER_MS = 2_000;

/**
 * A connection handler for a TLS port: peeks at the first byte, hands TLS connections to
 * `onTls` (the byte is put back first) and answers anything else as Go does.
 */
export function tlsPeek(onTls: (socket: net.Socket) => void, log: Logger): (socket: net.Socket) => void {
  return (socket) => {
    const onError = (e: Error) => log.debug('connection error before TLS handshake', { error: e });
    socket.on('error', onError);
    socket.setTimeout(PEEK_TIMEOUT_MS, () => socket.destroy());
    const onReadable = () => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) {
        if (socket.readableEnded) socket.destroy();
        else socket.once('readable', onReadable);
        return;
      }
      socket.setTimeout(0);
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE) {
        onTls(socket);
        return;
      }
      socket.end(PLAIN_HTTP_ON_TLS_ANSWER);
      socket.resume();
      socket.once('end', () => socket.destroy());
      setTimeout(() => socket.destroy(), PLAIN_LINGER_MS).unref();
    };
    socket.once('readable', onReadable);
  };
}
