/**
 * The registry's error code table (distribution registry/api/errcode + the OCI distribution spec
 * §error-codes): one code, its message and its HTTP status. Handlers throw RegistryError; the
 * server renders `{"errors":[{"code","message","detail"}]}` with the status of the first error.
 */
export interface ErrorCodeInfo {
  message: string;
  status: number;
}

export const ERROR_CODES = {
  BLOB_UNKNOWN: { message: 'blob unknown to registry', status: 404 },
  BLOB_UPLOAD_INVALID: { message: 'blob upload invalid', status: 400 },
  BLOB_UPLOAD_UNKNOWN: { message: 'blob upload unknown to registry', status: 404 },
  DIGEST_INVALID: { message: 'provided digest did not match uploaded content', status: 400 },
  MANIFEST_BLOB_UNKNOWN: { message: 'manifest references a manifest or blob unknown to registry', status: 400 },
  MANIFEST_INVALID: { message: 'manifest invalid', status: 400 },
  MANIFEST_UNKNOWN: { message: 'manifest unknown', status: 404 },
  NAME_INVALID: { message: 'invalid repository name', status: 400 },
  NAME_UNKNOWN: { message: 'repository name not known to registry', status: 404 },
  SIZE_INVALID: { message: 'provided length did not match content length', status: 400 },
  TAG_INVALID: { message: 'manifest tag did not match URI', status: 400 },
  UNAUTHORIZED: { message: 'authentication required', status: 401 },
  DENIED: { message: 'requested access to the resource is denied', status: 403 },
  UNSUPPORTED: { message: 'The operation is unsupported.', status: 405 },
  TOOMANYREQUESTS: { message: 'too many requests', status: 429 },
  RANGE_INVALID: { message: 'invalid content range', status: 416 },
  PAGINATION_NUMBER_INVALID: { message: 'invalid number of results requested', status: 400 },
  UNKNOWN: { message: 'unknown error', status: 500 },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class RegistryError extends Error {
  readonly code: ErrorCode;
  readonly detail: unknown;
  /** Extra response headers (WWW-Authenticate on UNAUTHORIZED). */
  readonly headers: Record<string, string>;
  constructor(code: ErrorCode, opts: { message?: string; detail?: unknown; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(opts.message ?? ERROR_CODES[code].message, { cause: opts.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.detail = opts.detail;
    this.headers = opts.headers ?? {};
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** The wire form of this error. */
  body(): { errors: { code: string; message: string; detail: unknown }[] } {
    return { errors: [{ code: this.code, message: this.message, detail: this.detail ?? null }] };
  }
}

export const regError = (code: ErrorCode, detail?: unknown, message?: string) => new RegistryError(code, { detail, message });
