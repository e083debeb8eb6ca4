/**
 * gRPC status -> Berth error kind, keeping the gRPC error as `cause` and containerd's text (the
 * status details) as the message.
 *
 *   INVALID_ARGUMENT, OUT_OF_RANGE -> invalidParameter (400)
 *   NOT_FOUND -> notFound (404)            ALREADY_EXISTS -> conflict (409)
 *   FAILED_PRECONDITION -> conflict (409)
 *   PERMISSION_DENIED -> forbidden (403)   UNAUTHENTICATED -> unauthorized (401)
 *   UNIMPLEMENTED -> notImplemented (501)  UNAVAILABLE -> unavailable (503)
 *   CANCELLED -> cancelled                 DEADLINE_EXCEEDED -> deadline
 *   anything else (UNKNOWN, INTERNAL, ABORTED, RESOURCE_EXHAUSTED, DATA_LOSS) -> system
 *
 * The table follows moby's api/server/httpstatus, with one deliberate choice. dockerd's containerd
 * client first turns the status into a containerd errdefs error, and statusCodeFromContainerdError
 * then answers 412 for FailedPrecondition (its gRPC table, statusCodeFromGRPCError, would say 400).
 * We have no 412 kind; containerd uses FAILED_PRECONDITION for state preconditions ("task must be
 * stopped before deletion", "cannot delete a running process", "container is not running"), which
 * Docker reports as 409 when the daemon checks them itself, so it maps to conflict here.
 */
import { DockerError, type ErrorKind } from '../lib/index.js';

/** gRPC status codes (google.rpc.Code). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The error kind of a gRPC status code. */
export function kindOfGrpcCode(code: number): ErrorKind {
  switch (code) {
    case GrpcCode.INVALID_ARGUMENT:
    case GrpcCode.OUT_OF_RANGE:
      return 'invalidParameter';
    case GrpcCode.NOT_FOUND:
      return 'notFound';
    case GrpcCode.ALREADY_EXISTS:
    case GrpcCode.FAILED_PRECONDITION:
      return 'conflict';
    case GrpcCode.PERMISSION_DENIED:
      return 'forbidden';
    case GrpcCode.UNAUTHENTICATED:
      return 'unauthorized';
    case GrpcCode.UNIMPLEMENTED:
      return 'notImplemented';
    case GrpcCode.UNAVAILABLE:
      return 'unavailable';
    case GrpcCode.CANCELLED:
      return 'cancelled';
    case GrpcCode.DEADLINE_EXCEEDED:
      return 'deadline';
    default:
      return 'system';
  }
}

/** The status code of a gRPC error (grpc-js ServiceError), or undefined for other values. */
export function grpcCodeOf(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'number' || !('details' in err)) return undefined;
  return code;
}

/**
 * Converts a failed containerd call into a DockerError with the mapped kind (cause: the gRPC
 * error). When `signal` is aborted the result is `cancelled` (or `deadline` when the abort reason
 * is a TimeoutError), whatever status the call ended with. Values that are not gRPC errors are
 * returned unchanged.
 */
export function fromGrpcError(err: unknown, signal?: AbortSignal): unknown {
  if (err instanceof DockerError) return err;
  if (signal?.aborted) {
    const reason = signal.reason as { name?: string; message?: string } | undefined;
    if (reason?.name === 'TimeoutError') {
      return new DockerError('deadline', 'context deadline exceeded', { cause: err });
    }
    return new DockerError('cancelled', 'context canceled', { cause: err });
  }
  const code = grpcCodeOf(err);
  if (code === undefined) return err;
  const details = (err as { details?: unknown }).details;
  const message = typeof details === 'string' && details ? details : (err as Error).message;
  return new DockerError(kindOfGrpcCode(code), message, { cause: err });
}

/** Whether `err` or an error on its cause chain is a gRPC error with status `code`. */
export function hasGrpcCode(err: unknown, code: number): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    if (grpcCodeOf(e) === code) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
