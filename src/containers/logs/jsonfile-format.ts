/**
 * Docker's json-file record format (moby daemon/logger/jsonfilelog/jsonlog/jsonlogbytes.go), byte
 * for byte:
 *
 *   {"log":"hi\n","stream":"stdout","time":"2026-11-29T17:57:35.536152705Z"}\n
 *   {"log":"x","stream":"stderr","attrs":{"tag":"web"},"time":"2026-11-29T17:57:35Z"}\n
 *
 * - `log` is the line plus "\n" (none for a partial line); omitted when empty.
 * - Escaping of `log` is moby's ffjson writer: `"` and `\` escaped, "\n" and "\r" as \n \r, other
 *   bytes < 0x20 as \u00XX (so a tab is \u0009), `<` `>` `&` as \u003c \u003e \u0026, U+2028/2029
 *   as \u2028/\u2029, each invalid UTF-8 byte as \ufffd; everything else raw UTF-8.
 * - `attrs` is Go's json.Marshal of a map (keys sorted; \t \b \f short escapes).
 * - `time` is Go's RFC3339Nano in UTC (trailing zeros trimmed).
 */
import type { LogEntry, LogMessage, LogStream } from './driver.js';
import { BackwardCursor, type LogFormat, type ParseResult, type Source } from './format.js';
import { dateToNano, formatRfc3339Nano, parseRfc3339Nano } from '../timefmt.js';

const HEX = '0123456789abcdef';
const NL = 0x0a;

/** Bytes that are copied as-is in the ASCII range. */
const SAFE = new Uint8Array(128);
for (let b = 0x20; b < 0x80; b++) SAFE[b] = 1;
for (const c of '"\\<>&') SAFE[c.charCodeAt(0)] = 0;

/** True when every byte is printable ASCII that needs no escaping. */
function isPlain(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b >= 0x80 || SAFE[b] === 0) return false;
  }
  return true;
}

/** Length of the valid UTF-8 sequence at buf[i] (Go's utf8.DecodeRune), 0 when invalid. */
function utf8Len(buf: Buffer, i: number): { len: number; rune: number } {
  const b0 = buf[i]!;
  const n = buf.length;
  const cont = (k: number) => i + k < n && (buf[i + k]! & 0xc0) === 0x80;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    if (cont(1)) return { len: 2, rune: ((b0 & 0x1f) << 6) | (buf[i + 1]! & 0x3f) };
    return { len: 0, rune: 0 };
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (!cont(1) || !cont(2)) return { len: 0, rune: 0 };
    const b1 = buf[i + 1]!;
    if (b0 === 0xe0 && b1 < 0xa0) return { len: 0, rune: 0 }; // overlong
    if (b0 === 0xed && b1 > 0x9f) return { len: 0, rune: 0 }; // surrogates
    return { len: 3, rune: ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (buf[i + 2]! & 0x3f) };
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return { len: 0, rune: 0 };
    const b1 = buf[i + 1]!;
    if (b0 === 0xf0 && b1 < 0x90) return { len: 0, rune: 0 };
    if (b0 === 0xf4 && b1 > 0x8f) return { len: 0, rune: 0 };
    return { len: 4, rune: 0x10000 };
  }
  return { len: 0, rune: 0 };
}

/** moby's ffjsonWriteJSONBytesAsString: `s` as a JSON string literal, quotes included. */
export function ffjsonString(s: Buffer): Buffer {
  const parts: Buffer[] = [];
  const out: number[] = [];
  let start = 0;
  const flushRaw = (end: number) => {
    if (start < end) {
      if (out.length) {
        parts.push(Buffer.from(out));
        out.length = 0;
      }
      parts.push(s.subarray(start, end));
    }
  };
  const pushStr = (str: string) => {
    for (let k = 0; k < str.length; k++) out.push(str.charCodeAt(k));
  };
  out.push(0x22);
  for (let i = 0; i < s.length; ) {
    const b = s[i]!;
    if (b < 0x80) {
      if (SAFE[b]) {
        i++;
        continue;
      }
      flushRaw(i);
      if (b === 0x5c || b === 0x22) out.push(0x5c, b);
      else if (b === 0x0a) out.push(0x5c, 0x6e);
      else if (b === 0x0d) out.push(0x5c, 0x72);
      else pushStr('\\u00' + HEX[b >> 4] + HEX[b & 0xf]);
      i++;
      start = i;
      continue;
    }
    const { len, rune } = utf8Len(s, i);
    if (len === 0) {
      flushRaw(i);
      pushStr('\\ufffd');
      i++;
      start = i;
      continue;
    }
    if (len === 3 && (rune === 0x2028 || rune === 0x2029)) {
      flushRaw(i);
      pushStr('\\u202' + HEX[rune & 0xf]);
      i += len;
      start = i;
      continue;
    }
    i += len;
  }
  flushRaw(s.length);
  out.push(0x22);
  parts.push(Buffer.from(out));
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Go's json.Marshal of a string (HTML-safe, as encoding/json does by default). */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += '\\ufffd';
      continue;
    }
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x3c:
        out += '\\u003c';
        break;
      case 0x3e:
        out += '\\u003e';
        break;
      case 0x26:
        out += '\\u0026';
        break;
      case 0x2028:
        out += '\\u2028';
        break;
      case 0x2029:
        out += '\\u2029';
        break;
      default:
        out += c < 0x20 ? '\\u00' + HEX[c >> 4] + HEX[c & 0xf] : s[i];
    }
  }
  return out + '"';
}

/** Go's json.Marshal of a map[string]string (keys sorted bytewise). */
export function goJsonStringMap(m: Record<string, string>): string {
  const keys = Object.keys(m).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return '{' + keys.map((k) => `${goJsonString(k)}:${goJsonString(m[k]!)}`).join(',') + '}';
}

const LOG_KEY = Buffer.from('{"log":');
const NEWLINE = Buffer.from([NL]);

export class JsonFileFormat implements LogFormat {
  private readonly attrsJson: string | undefined;
  private lastSecs = -1n;
  private lastPrefix = '';

  constructor(attrs?: Record<string, string>) {
    this.attrsJson = attrs && Object.keys(attrs).length > 0 ? goJsonStringMap(attrs) : undefined;
  }

  encode(msg: LogMessage): Buffer {
    const ns = msg.timeNano ?? dateToNano(msg.time);
    const tail = `${this.attrsJson ? `,"attrs":${this.attrsJson}` : ''},"time":"${this.time(ns)}"}\n`;
    const stream = msg.stream === 'stdout' || msg.stream === 'stderr' ? msg.stream : undefined;
    const line = msg.line;
    if (stream && isPlain(line)) {
      // fast path: nothing to escape (most log lines)
      const head = `{"log":"`;
      const mid = `${msg.partial ? '' : '\\n'}","stream":"${stream}"`;
      if (line.length === 0 && msg.partial) return Buffer.from(`{"stream":"${stream}"${tail}`);
      const out = Buffer.allocUnsafe(head.length + line.length + mid.length + Buffer.byteLength(tail));
      let off = out.write(head, 0, 'latin1');
      off += line.copy(out, off);
      off += out.write(mid, off, 'latin1');
      out.write(tail, off, 'utf8');
      return out;
    }
    const full = msg.partial ? line : Buffer.concat([line, NEWLINE]);
    const parts: Buffer[] = [];
    let first = true;
    if (full.length > 0) {
      first = false;
      parts.push(LOG_KEY, ffjsonString(full));
    } else {
      parts.push(Buffer.from('{'));
    }
    parts.push(Buffer.from(`${first ? '' : ','}"stream":${goJsonString(msg.stream)}${tail}`));
    return Buffer.concat(parts);
  }

  /** RFC3339Nano of ns, reusing the formatted second (log lines come many per second). */
  private time(ns: bigint): string {
    const secs = ns / 1_000_000_000n;
    const frac = ns - secs * 1_000_000_000n;
    if (frac < 0n) return formatRfc3339Nano(ns);
    if (secs !== this.lastSecs) {
      this.lastSecs = secs;
      this.lastPrefix = formatRfc3339Nano(secs * 1_000_000_000n).slice(0, -1);
    }
    return frac === 0n ? `${this.lastPrefix}Z` : `${this.lastPrefix}.${frac.toString().padStart(9, '0').replace(/0+$/, '')}Z`;
  }

  parse(buf: Buffer, emit: (e: LogEntry) => void): ParseResult {
    let pos = 0;
    let bad = 0;
    for (;;) {
      const nl = buf.indexOf(NL, pos);
      if (nl < 0) break;
      if (nl > pos) {
        const e = decodeLine(buf.subarray(pos, nl));
        if (e) emit(e);
        else bad++;
      }
      pos = nl + 1;
    }
    return { consumed: pos, bad };
  }

  async tailStart(src: Source, end: number, n: number): Promise<{ offset: number; found: number; end: number }> {
    const cur = new BackwardCursor(src);
    // complete records only: cut a torn tail back to the last newline
    let stop = end;
    while (stop > 0) {
      const { start, buf } = await cur.chunkBefore(stop);
      const i = buf.lastIndexOf(NL);
      if (i >= 0) {
        stop = start + i + 1;
        break;
      }
      stop = start;
    }
    if (stop === 0 || n <= 0) return { offset: stop, found: 0, end: stop };
    let found = 0;
    let pos = stop - 1; // the newline that ends the last record
    while (pos > 0) {
      const { start, buf } = await cur.chunkBefore(pos);
      let i = buf.length;
      while ((i = buf.lastIndexOf(NL, i - 1)) >= 0) {
        found++;
        if (found === n) return { offset: start + i + 1, found, end: stop };
        if (i === 0) break;
      }
      pos = start;
    }
    return { offset: 0, found: found + 1, end: stop };
  }
}

function decodeLine(line: Buffer): LogEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as { log?: unknown; stream?: unknown; time?: unknown; attrs?: unknown };
  const timestamp = typeof o.time === 'string' ? o.time : '';
  const timeNano = parseRfc3339Nano(timestamp) ?? 0n;
  const text = typeof o.log === 'string' ? o.log : '';
  const entry: LogEntry = {
    stream: (typeof o.stream === 'string' ? o.stream : 'stdout') as LogStream,
    line: Buffer.from(text, 'utf8'),
    partial: !text.endsWith('\n'),
    timeNano,
    timestamp,
  };
  if (o.attrs && typeof o.attrs === 'object') entry.attrs = o.attrs as Record<string, string>;
  return entry;
}
