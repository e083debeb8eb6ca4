/** Wire shapes of error bodies and of the JSON-message streams (build, pull, push, load). */

/** The body of every error response: `{"message":"..."}` (moby api/types.ErrorResponse). */
export interface ErrorResponse {
  message: string;
}

/** One message of a build/pull/push/load stream (moby pkg/jsonmessage.JSONMessage). */
export interface JSONMessage {
  stream?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number; start?: number; hidecounts?: boolean; units?: string };
  progress?: string;
  id?: string;
  from?: string;
  time?: number;
  timeNano?: number;
  /** A failure inside the stream; the HTTP status stays 200. */
  errorDetail?: { code?: number; message: string };
  /** Deprecated mirror of errorDetail.message, still sent. */
  error?: string;
  aux?: unknown;
}
