/**
 * The bits of Go's time package the CLI prints or parses: RFC 3339 with fixed nanoseconds,
 * ANSIC, time.ParseDuration, and moby's api/types/time.GetTimestamp (the --since/--until
 * values of `events` and `logs`). All output is in the local time zone, as Go's time.Local.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const p2 = (n: number) => String(n).padStart(2, '0');

/** Go's Z07:00 for a Date in local time: "Z" at UTC, else "+hh:mm". */
function zone(d: Date): string {
  const off = -d.getTimezoneOffset();
  if (off === 0) return 'Z';
  const a = Math.abs(off);
  return (off < 0 ? '-' : '+') + p2(Math.floor(a / 60)) + ':' + p2(a % 60);
}

/**
 * "2006-01-02T15:04:05.000000000Z07:00" (docker's rfc3339NanoFixed) of a Unix time in
 * nanoseconds, in local time.
 */
export function formatRFC3339NanoFixed(unixNano: bigint): string {
  let sec = unixNano / 1_000_000_000n;
  let ns = unixNano % 1_000_000_000n;
  if (ns < 0n) {
    ns += 1_000_000_000n;
    sec -= 1n;
  }
  const d = new Date(Number(sec) * 1000);
  return (
    `${String(d.getFullYear()).padStart(4, '0')}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}` +
    `T${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}` +
    `.${ns.toString().padStart(9, '0')}${zone(d)}`
  );
}

/** Go's time.ANSIC layout, "Mon Jan _2 15:04:05 2006", in local time. */
export function formatANSIC(d: Date): string {
  return (
    `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`
  );
}

/** docker's reformatDate: an RFC 3339 string becomes ANSIC; anything else is kept. */
export function reformatDate(s: string): string {
  const t = parseRFC3339(s);
  return t ? formatANSIC(new Date(Number(t.sec) * 1000)) : s;
}

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** time.ParseDuration: "300ms", "-1.5h", "2h45m"; nanoseconds, or undefined when invalid. */
export function parseGoDuration(s: string): number | undefined {
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(rest);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
    const unit = UNIT_NS[m[3]!];
    if (unit === undefined) return undefined;
    total += Number(`${m[1] || '0'}.${m[2] || '0'}`) * unit;
    rest = rest.slice(m[0].length);
  }
  return neg ? -total : total;
}

interface Parsed {
  sec: bigint;
  nsec: number;
}

/** Date.UTC without its two-digit-year rule (years 0-99 are not 1900-1999 in Go). */
function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(y, mo, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

/** new Date(y, mo, ...) in local time, without the two-digit-year rule. */
function localMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const date = new Date(2000, 0, 1);
  date.setFullYear(y, mo, d);
  date.setHours(h, mi, s, 0);
  return date.getTime();
}

function checkRange(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  const dim = new Date(utcMs(y, mo, 0)).getUTCDate();
  return d <= dim;
}

function fracToNs(frac: string | undefined): number {
  if (!frac) return 0;
  return Number(frac.slice(0, 9).padEnd(9, '0'));
}

/** Strict RFC 3339 (with optional fraction), as time.Parse(time.RFC3339Nano). */
export function parseRFC3339(s: string): Parsed | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return undefined;
  return build(m.slice(1, 7).map(Number) as Six, m[7], m[8]!);
}

type Six = [number, number, number, number, number, number];

function build([y, mo, d, h, mi, s]: Six, frac: string | undefined, tz: string | null): Parsed | undefined {
  if (!checkRange(y, mo, d, h, mi, s)) return undefined;
  let ms: number;
  if (tz === null) {
    ms = localMs(y, mo - 1, d, h, mi, s);
  } else {
    ms = utcMs(y, mo - 1, d, h, mi, s);
    if (tz !== 'Z' && tz !== 'z') {
      const sign = tz[0] === '-' ? -1 : 1;
      ms -= sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
    }
  }
  return { sec: BigInt(Math.floor(ms / 1000)), nsec: fracToNs(frac) };
}

/**
 * moby's GetTimestamp: a Go duration ("10m": that long before `now`), an RFC 3339 date or
 * date-time (local time unless it has a zone), or a Unix timestamp ("1795975136.5"), turned
 * into the "<seconds>[.<nanoseconds>]" string the API takes. Throws with moby's wording.
 */
export function getTimestamp(value: string, now: Date): string {
  const d = parseGoDuration(value);
  if (value !== '0' && d !== undefined) {
    return String(Math.floor((now.getTime() * 1e6 - d) / 1e9));
  }
  const inLocation = !/[zZ+]/.test(value) && value.split('-').length - 1 !== 3;
  let parsed: Parsed | undefined;
  let m: RegExpExecArray | null;
  if (value.includes('.')) {
    m = inLocation
      ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d+)$/.exec(value)
      : /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d+)(Z|z|[+-]\d{2}:\d{2})$/.exec(value);
    if (m) parsed = build(m.slice(1, 7).map(Number) as Six, m[7], inLocation ? null : m[8]!);
  } else if (value.includes('T')) {
    m = inLocation
      ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(?::(\d{2}))?(?::(\d{2}))?$/.exec(value)
      : /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(?::(\d{2}))?(?::(\d{2}))?(Z|z|[+-]\d{2}:\d{2})$/.exec(value);
    if (m) {
      const six = [m[1], m[2], m[3], m[4], m[5] ?? '0', m[6] ?? '0'].map(Number) as Six;
      parsed = build(six, undefined, inLocation ? null : m[7]!);
    }
  } else {
    m = inLocation
      ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
      : /^(\d{4})-(\d{2})-(\d{2})(Z|z|[+-]\d{2}:\d{2})$/.exec(value);
    if (m) parsed = build([Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0], undefined, inLocation ? null : m[4]!);
  }
  if (parsed) return `${parsed.sec}.${String(parsed.nsec).padStart(9, '0')}`;
  if (value.includes('-')) throw new Error(`parsing time ${JSON.stringify(value)}: cannot parse as RFC 3339 date or time`);
  if (!/^-?\d+(\.\d+)?$/.test(value)) {
    throw new Error(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Go's "-0700" of a Date in local time. */
function numericZone(d: Date): string {
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  return (off < 0 ? '-' : '+') + p2(Math.floor(a / 60)) + p2(a % 60);
}

/**
 * The zone abbreviation Go prints for local time ("UTC", "CET"); zones without a letter
 * abbreviation get tzdata's numeric form ("+03", "+0530"), as Go shows them.
 */
function zoneAbbr(d: Date): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
  if (/^[A-Z]{2,5}$/.test(name)) return name;
  const z = numericZone(d);
  return z.endsWith('00') ? z.slice(0, 3) : z;
}

/** Go's time.Time.String() of a Unix time in seconds, local time: "2026-11-29 17:59:40 +0000 UTC". */
export function formatGoTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  return (
    `${String(d.getFullYear()).padStart(4, '0')}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${numericZone(d)} ${zoneAbbr(d)}`
  );
}

/**
 * Go's time.Time.String() of a time decoded from JSON (RFC 3339 with a zone), as the CLI prints
 * build cache dates: "2026-11-29 17:51:25.123456789 +0000 UTC". The wall clock is the string's
 * own; "Z" is UTC; an offset is the local zone when that zone had it at that instant, else a
 * nameless fixed zone, printed "+0200 +0200". undefined when `s` is not RFC 3339.
 */
export function goTimeString(s: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$/.exec(s);
  const t = parseRFC3339(s);
  if (!m || !t) return undefined;
  const frac = t.nsec === 0 ? '' : '.' + String(t.nsec).padStart(9, '0').replace(/0+$/, '');
  const wall = `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}${frac}`;
  const tz = m[8]!;
  if (tz === 'Z' || tz === 'z') return `${wall} +0000 UTC`;
  const numeric = tz.replace(':', '');
  const offset = (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
  const d = new Date(Number(t.sec) * 1000);
  if (-d.getTimezoneOffset() === offset) return `${wall} ${numeric} ${zoneAbbr(d)}`;
  return `${wall} ${numeric} ${numeric}`;
}

/** time.RFC3339 ("2006-01-02T15:04:05Z07:00") of a Unix time in seconds, local time. */
export function formatRFC3339(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  return (
    `${String(d.getFullYear()).padStart(4, '0')}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}` +
    `T${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}${zone(d)}`
  );
}

/** Go's time.Duration.String() of a whole number of seconds ("1h2m3s", "45s", "0s"). */
export function formatGoSeconds(seconds: number): string {
  if (seconds === 0) return '0s';
  const neg = seconds < 0;
  let s = Math.abs(seconds);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  let out = '';
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  out += `${s}s`;
  return (neg ? '-' : '') + out;
}
