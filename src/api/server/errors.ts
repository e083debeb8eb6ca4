/**
 * The one place that turns error kinds into HTTP statuses (STYLE D5, moby
 * api/server/httpstatus). Handlers throw kinds and never choose a status for an error.
 *
 * Body: `{"message":"<text>"}\n`, except 304 which has none.
 */
import { kindOf, messageOf, type ErrorKind, type Logger } from '../../lib/index.js';
import type { ErrorResponse } from '../types/index.js';

export const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  notFound: 404,
  invalidParameter: 400,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  notModified: 304,
  notImplemented: 501,
  cancelled: 500,
  deadline: 500,
  system: 500,
};

/** The HTTP status for any thrown value. */
export function statusOf(err: unknown): number {
  return STATUS_BY_KIND[kindOf(err)];
}

/** The response body for an error, trailing newline included; empty for 304. */
export function errorBody(err: unknown, status = statusOf(err)): string {
  if (status === 304) return '';
  const body: ErrorResponse = { message: messageOf(err) };
  return JSON.stringify(body) + '\n';
}

/**
 * Logs a failed request the way D8 asks: 5xx at error with the cause chain, 4xx (and a
 * cancellation caused by the client leaving) at debug.
 */
export function logRequestError(log: Logger, err: unknown, status: number, clientGone: boolean): void {
  if (status >= 500 && !clientGone) {
    log.error('request failed', { status, error: err });
  } else if (log.enabled('debug')) {
    log.debug('request failed', { status, error: err });
  }
}
