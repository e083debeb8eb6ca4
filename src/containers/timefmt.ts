/**
 * Time as Docker writes it: Go's RFC3339Nano (`2026-11-29T17:57:35.536152705Z`, trailing zeros of
 * the fraction trimmed, no fraction at all when it is zero) and Go's zero time
 * (`0001-01-01T00:00:00Z`) for "never". JS Dates stop at milliseconds, so exact instants travel
 * as bigint nanoseconds since the Unix epoch.
 */

/** Go's zero time.Time, as Docker persists and shows StartedAt/FinishedAt that never happened. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** An injected wall clock (tests pass a fixed one). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** Epoch nanoseconds of a Date (millisecond precision). */
export function dateToNano(d: Date): bigint {
  return BigInt(d.getTime()) * NS_PER_MS;
}

/** The Date of epoch nanoseconds (truncated to the millisecond, towards the past). */
export function nanoToDate(ns: bigint): Date {
  let ms = ns / NS_PER_MS;
  if (ns < 0n && ns % NS_PER_MS !== 0n) ms -= 1n;
  return new Date(Number(ms));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Go's `t.UTC().Format(time.RFC3339Nano)` of epoch nanoseconds. */
export function formatRfc3339Nano(ns: bigint): string {
  let secs = ns / NS_PER_S;
  let frac = ns % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    secs -= 1n;
  }
  const d = new Date(Number(secs) * 1000);
  const y = d.getUTCFullYear();
  const date = `${pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const f = frac === 0n ? '' : '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${date}T${time}${f}Z`;
}

/** RFC3339Nano of a Date (what Docker shows for a time we only know to the millisecond). */
export function formatDate(d: Date): string {
  return formatRfc3339Nano(dateToNano(d));
}

const RFC3339_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch nanoseconds of an RFC3339 / RFC3339Nano string (any offset, fraction up to 9 digits).
 * Returns undefined when the text is not one.
 */
export function parseRfc3339Nano(s: string): bigint | undefined {
  const m = RFC3339_RE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, fr, z, sign, oh, om] = m;
  const base = new Date(0);
  base.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  base.setUTCHours(Number(h), Number(mi), Number(se), 0);
  const ms = base.getTime();
  if (Number.isNaN(ms)) return undefined;
  let ns = BigInt(ms) * NS_PER_MS;
  if (fr) ns += BigInt(fr.padEnd(9, '0'));
  if (!z) {
    const off = (BigInt(Number(oh) * 60 + Number(om)) * 60n) * NS_PER_S;
    ns = sign === '+' ? ns - off : ns + off;
  }
  return ns;
}

/** True for Go's zero time (or an empty/absent value). */
export function isZeroTime(s: string | undefined | null): boolean {
  if (!s) return true;
  return s === ZERO_TIME || s.startsWith('0001-01-01T00:00:00');
}

/**
 * A nanosecond wall clock: the wall time from Date.now(), the digits below the millisecond from
 * the monotonic clock. It re-anchors itself when the two drift apart by more than a millisecond or two,
 * so it follows wall-clock steps as Go's time.Now() does.
 */
export class NanoClock {
  private baseWall = 0n;
  private baseHr = 0n;

  constructor(
    private readonly wallMs: () => number = Date.now,
    private readonly hr: () => bigint = () => process.hrtime.bigint(),
  ) {
    this.anchor();
  }

  private anchor(): void {
    this.baseWall = BigInt(this.wallMs()) * NS_PER_MS;
    this.baseHr = this.hr();
  }

  /** Epoch nanoseconds now. */
  now(): bigint {
    const t = this.baseWall + (this.hr() - this.baseHr);
    const wall = BigInt(this.wallMs()) * NS_PER_MS;
    const drift = t - wall;
    if (drift > 2n * NS_PER_MS || drift < -NS_PER_MS) {
      this.anchor();
      return this.baseWall;
    }
    return t;
  }
}
