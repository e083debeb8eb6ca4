/**
 * Streaming decoder of concatenated JSON values, as Go's json.Decoder reads Docker's streams:
 * events and wait end each value with "\n", build/pull/push/load with "\r\n", and a value may
 * be split across chunks anywhere (even inside a UTF-8 sequence). Values are delimited by
 * bracket depth outside strings, so no separator is needed at all; whitespace between values
 * is skipped. Buffering is bounded by the size of one value (`maxValueBytes`, default 64 MiB;
 * a larger value fails the stream).
 */
import { StringDecoder } from 'node:string_decoder';

export interface JsonStreamOptions {
  /** Parses one value's text; defaults to JSON.parse. */
  parse?: (text: string) => unknown;
  maxValueBytes?: number;
}

/** Incremental splitter: push chunks, get complete values' texts. */
export class JsonValueSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private scanned = 0;
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly maxValueBytes = 64 * 1024 * 1024) {}

  /** Adds bytes; returns the texts of the values completed by them. */
  push(chunk: Buffer | string): string[] {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const out: string[] = [];
    let start = 0;
    // skip whitespace before a value
    const skipWs = (from: number) => {
      let k = from;
      while (k < this.buf.length && /\s/.test(this.buf[k]!)) k++;
      return k;
    };
    let i = this.scanned;
    if (this.depth === 0 && !this.inString && i === 0) {
      start = skipWs(0);
      i = start;
    }
    for (; i < this.buf.length; i++) {
      const c = this.buf[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') {
          this.inString = false;
          if (this.depth === 0) {
            out.push(this.buf.slice(start, i + 1));
            start = skipWs(i + 1);
            i = start - 1;
          }
        }
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) {
          out.push(this.buf.slice(start, i + 1));
          start = skipWs(i + 1);
          i = start - 1;
        }
      } else if (this.depth === 0 && /\s/.test(c)) {
        // end of a top-level scalar (number, true, false, null)
        if (i > start) out.push(this.buf.slice(start, i));
        start = skipWs(i);
        i = start - 1;
      }
    }
    this.buf = this.buf.slice(start);
    this.scanned = this.buf.length;
    if (this.depth === 0 && !this.inString && /^\s*$/.test(this.buf)) {
      this.buf = '';
      this.scanned = 0;
    }
    if (this.buf.length > this.maxValueBytes) throw new Error(`JSON value exceeds ${this.maxValueBytes} bytes`);
    return out;
  }

  /** Ends the stream: a trailing top-level scalar is returned; a truncated value is an error. */
  end(): string[] {
    this.buf += this.decoder.end();
    const rest = this.buf.trim();
    this.buf = '';
    this.scanned = 0;
    if (!rest) return [];
    if (this.depth !== 0 || this.inString) throw new Error('unexpected EOF');
    return [rest];
  }
}

/** Decodes a byte stream of JSON values into an async iterable of parsed values. */
export async function* decodeJsonStream<T = unknown>(
  source: AsyncIterable<Buffer | string>,
  opts: JsonStreamOptions = {},
): AsyncGenerator<T> {
  const splitter = new JsonValueSplitter(opts.maxValueBytes);
  const parse = opts.parse ?? JSON.parse;
  for await (const chunk of source) {
    for (const text of splitter.push(chunk)) yield parse(text) as T;
  }
  for (const text of splitter.end()) yield parse(text) as T;
}
