/**
 * Errors of the Engine API client. A daemon error response becomes a DockerError of the kind
 * its status stands for (the inverse of api/server/errors.ts), so `kindOf` works on the client
 * side too; the CLI prints it as `Error response from daemon: <message>`. A failure to reach the
 * daemon is a ConnectionError carrying docker's own sentence.
 */
import { DockerError, type ErrorKind } from '../lib/index.js';

/** Status -> kind, as moby's errdefs/errhttp (304 is not an error for the client, as in docker). */
export function kindForStatus(status: number): ErrorKind {
  switch (status) {
    case 304:
      return 'notModified';
    case 400:
      return 'invalidParameter';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'notFound';
    case 409:
      return 'conflict';
    case 501:
      return 'notImplemented';
    case 503:
      return 'unavailable';
    default:
      return 'system';
  }
}

/** The daemon answered with an error status; `message` is the server's own text. */
export class ResponseError extends DockerError {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(kindForStatus(statusCode), message);
    this.name = 'ResponseError';
    this.statusCode = statusCode;
  }
}

/** The daemon could not be reached (or spoke something else than HTTP). */
export class ConnectionError extends DockerError {
  constructor(message: string, cause?: unknown) {
    super('unavailable', message, { cause });
    this.name = 'ConnectionError';
  }
}

/** docker's client.connectionFailed text. */
export function cannotConnect(host: string, cause?: unknown): ConnectionError {
  return new ConnectionError(`Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?`, cause);
}

/** The hint docker's client adds when plain HTTP reaches a TLS port. */
export const TLS_HINT = '* Are you trying to connect to a TLS-enabled daemon without TLS?';

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTSOCK', 'ECONNRESET']);

/**
 * Turns a socket-level error of a request into docker's wording (moby client doRequest).
 * `url` is the request in Go's form, e.g. `Head "http://%2Frun%2Fberth%2Fberth.sock/_ping"`.
 */
export function connectionError(err: unknown, host: string, opts: { https: boolean; socketPath?: string; url: string }): Error {
  const e = err as NodeJS.ErrnoException & { code?: string; reason?: string };
  if (e?.name === 'AbortError') return e;
  const code = e?.code ?? '';
  // OpenSSL's messages carry file names and codes; its `reason` is the readable part.
  const text = code.startsWith('ERR_SSL_') && e.reason ? `remote error: tls: ${e.reason}` : (e?.message ?? String(err)).trim();
  if (!opts.https && code.startsWith('HPE_')) {
    return new ConnectionError(`${opts.url}: net/http: HTTP/1.x transport connection broken: malformed HTTP response.\n${TLS_HINT}`, err);
  }
  if (opts.https && /bad certificate|certificate required|alert (number )?4[0-9]|tlsv1 alert|unknown ca/i.test(e?.message ?? '')) {
    return new ConnectionError(
      `the server probably has client authentication (--tlsverify) enabled; check your TLS client certification settings: ${opts.url}: ${text}`,
      err,
    );
  }
  if (code === 'EACCES' && opts.socketPath) {
    return new ConnectionError(
      `permission denied while trying to connect to the Docker daemon socket at ${host}: ${opts.url}: dial unix ${opts.socketPath}: connect: permission denied`,
      err,
    );
  }
  if (CONNECT_CODES.has(code) && !(code === 'ECONNRESET' && opts.https)) return cannotConnect(host, err);
  return new ConnectionError(`error during connect: ${opts.url}: ${text}`, err);
}
