/**
 * Query-string values as the Engine API reads them (moby api/server/httputils/form.go):
 * loose booleans, integers, `filters` in both JSON encodings, and event timestamps.
 *
 * compat: booleans are loose. `""`, `0`, `no`, `false` and `none` (any case, surrounding blanks
 * ignored) are false and everything else is true, so both the CLI's `force=1` and docker-py's
 * `v=True&link=False` work. An absent key gives the caller's default (moby BoolValueOrDefault).
 */
import { invalidParameter } from './errdefs.js';
import { parseFilters, type Filters } from './filters.js';

const FALSE_WORDS = new Set(['', '0', 'no', 'false', 'none']);

/** Loose boolean (moby httputils.BoolValue); `undefined`/`null` (absent) gives `def`. */
export function parseBool(value: string | null | undefined, def = false): boolean {
  if (value === null || value === undefined) return def;
  return !FALSE_WORDS.has(value.trim().toLowerCase());
}

const INT_RE = /^[+-]?[0-9]+$/;

/**
 * A base-10 integer (Go strconv.ParseInt(v, 10, 64)); empty or absent gives `def`.
 * Throws invalidParameter on anything else, or outside the safe-integer range.
 */
export function parseInteger(value: string | null | undefined, def: number, name = 'value'): number {
  if (value === null || value === undefined || value === '') return def;
  if (!INT_RE.test(value)) {
    throw invalidParameter(`invalid value for ${name}: strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw invalidParameter(`invalid value for ${name}: strconv.ParseInt: parsing ${JSON.stringify(value)}: value out of range`);
  }
  return n;
}

const UNIX_TS_RE = /^(-?[0-9]+)(?:\.([0-9]{1,9}))?$/;
const RFC3339_RE = /^([0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:[0-9]{2})$/;

/**
 * An event timestamp as nanoseconds since the epoch: unix seconds with an optional fraction
 * (`1795975136`, `1795975136.000000000`, moby timetypes.ParseTimestamps; a short fraction is
 * scaled, `.5` = 500ms) or RFC 3339 with optional fractional seconds. Empty or absent gives
 * undefined. The result is a JS number, so it is exact to about 0.25µs at today's dates.
 * Throws invalidParameter on anything else.
 */
export function parseTimestampNanos(value: string | null | undefined, name = 'timestamp'): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const u = UNIX_TS_RE.exec(value);
  if (u) {
    const sec = Number(u[1]);
    const frac = u[2] ? Number(u[2].padEnd(9, '0')) : 0;
    return sec * 1e9 + (sec < 0 ? -frac : frac);
  }
  const r = RFC3339_RE.exec(value);
  if (r) {
    const ms = Date.parse(`${r[1]!.replace(/[t ]/, 'T')}${r[3]!.toUpperCase()}`);
    if (!Number.isNaN(ms)) return ms * 1e6 + (r[2] ? Number(r[2].padEnd(9, '0')) : 0);
  }
  throw invalidParameter(`invalid value for ${name}: ${JSON.stringify(value)} is not a unix timestamp or RFC 3339 time`);
}

/** The parsed query string of one request, with Docker's value rules. */
export class Query {
  private constructor(private readonly params: URLSearchParams | undefined) {}

  /** Parses the part of a URL after `?` (without the `?`); empty input is cheap. */
  static parse(search: string | undefined): Query {
    return new Query(search ? new URLSearchParams(search) : undefined);
  }

  static fromParams(params: URLSearchParams): Query {
    return new Query(params);
  }

  has(name: string): boolean {
    return this.params?.has(name) ?? false;
  }

  /** The first value of `name`, or undefined when absent. */
  get(name: string): string | undefined {
    return this.params?.get(name) ?? undefined;
  }

  /** The first value, or `def` when absent or empty. */
  string(name: string, def = ''): string {
    const v = this.params?.get(name);
    return v === null || v === undefined || v === '' ? def : v;
  }

  getAll(name: string): string[] {
    return this.params?.getAll(name) ?? [];
  }

  /** Loose boolean; absent gives `def`, present-but-empty gives false (moby BoolValueOrDefault). */
  bool(name: string, def = false): boolean {
    return parseBool(this.params?.get(name), def);
  }

  /** Integer; absent or empty gives `def`. Throws invalidParameter when malformed. */
  int(name: string, def: number): number {
    return parseInteger(this.params?.get(name), def, name);
  }

  /** Integer or undefined when absent or empty. Throws invalidParameter when malformed. */
  optionalInt(name: string): number | undefined {
    const v = this.params?.get(name);
    return v === null || v === undefined || v === '' ? undefined : parseInteger(v, 0, name);
  }

  /** The `filters` parameter (either JSON encoding). Throws invalidParameter when malformed. */
  filters(name = 'filters'): Filters {
    return parseFilters(this.params?.get(name));
  }

  /** A timestamp parameter in nanoseconds (see parseTimestampNanos). */
  timestampNanos(name: string): number | undefined {
    return parseTimestampNanos(this.params?.get(name), name);
  }

  /** All key/value pairs in order. */
  entries(): [string, string][] {
    return this.params ? [...this.params.entries()] : [];
  }
}
