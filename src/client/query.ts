/**
 * Query strings as docker's Go client builds them (url.Values.Encode): keys sorted, values
 * escaped with url.QueryEscape (space -> '+'), repeated keys for lists. Booleans follow
 * CLI 28's habit: true is sent as "1", false is left out. Filters go in the map encoding
 * ({"status":{"exited":true}}) and are left out when empty.
 */
import { Filters } from '../lib/index.js';

export type QueryValue = string | number | boolean | bigint | undefined | null | string[] | Filters | FilterMap;
/** Filters as a plain map: key -> accepted values. */
export type FilterMap = Record<string, string[]>;
export type Query = Record<string, QueryValue>;

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x5f || b === 0x2e || b === 0x7e) {
      out += String.fromCharCode(b);
    } else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** The map-form JSON of filters, or undefined when there are none; keys sorted, as Go encodes maps. */
export function encodeFilters(f: Filters | FilterMap | undefined | null): string | undefined {
  if (!f) return undefined;
  const filters = f instanceof Filters ? f : Filters.fromEntries(f);
  if (filters.size === 0) return undefined;
  const map = filters.toJSON();
  // Written by hand: JSON.stringify puts integer-like keys first, in numeric order ("3" before
  // "10"), where Go sorts every key as a string.
  const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const entries = Object.keys(map)
    .sort(byString)
    .map((k) => {
      const inner = Object.keys(map[k]!)
        .sort(byString)
        .map((v) => `${goJsonString(v)}:${map[k]![v] ? 'true' : 'false'}`);
      return `${goJsonString(k)}:{${inner.join(',')}}`;
    });
  return `{${entries.join(',')}}`;
}

/** A JSON string as Go's json.Marshal writes it: <, >, & and U+2028/U+2029 escaped. */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** "?a=1&b=x" (or "" when nothing is set). */
export function encodeQuery(q: Query | undefined): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const key of Object.keys(q).sort()) {
    const v = q[key];
    if (v === undefined || v === null || v === false) continue;
    const k = queryEscape(key);
    if (v === true) parts.push(`${k}=1`);
    else if (Array.isArray(v)) for (const x of v) parts.push(`${k}=${queryEscape(x)}`);
    else if (typeof v === 'object') {
      const enc = encodeFilters(v);
      if (enc !== undefined) parts.push(`${k}=${queryEscape(enc)}`);
    } else parts.push(`${k}=${queryEscape(String(v))}`);
  }
  return parts.length ? '?' + parts.join('&') : '';
}

/**
 * A name as docker's client puts it into a path (`/images/` + name + `/json`): Go's URL
 * encoding escapes what a path cannot hold (space, `?`, `#`, `%`, non-ASCII) and keeps `/`,
 * `:` and `@`, so `127.0.0.1:5000/app:v1` and `busybox@sha256:…` travel as they are.
 */
export function escapePath(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c)) out += c;
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
