/**
 * JSON lines: one JSON value per line, as the Engine API streams events, stats and wait
 * results (terminated by `\n`) and JSON messages of build/pull/push/load (terminated by
 * `\r\n`, moby's streamformatter). Shared by the server (encoding) and the client (decoding).
 *
 * The decoder splits on `\n`, drops a trailing `\r`, and skips blank lines. A line is
 * buffered until its `\n` arrives; the buffer is bounded by `maxLineBytes` (default 16 MiB)
 * and an over-long line is an error, not a silent truncation.
 */

export type LineTerminator = '\n' | '\r\n';

/** One value as a line, terminator included. */
export function encodeJsonLine(value: unknown, terminator: LineTerminator = '\n'): string {
  return JSON.stringify(value) + terminator;
}

export interface JsonLinesDecoderOptions {
  /** Longest line accepted, in bytes (default 16 MiB). */
  maxLineBytes?: number;
}

export class JsonLinesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JsonLinesError';
  }
}

const NL = 0x0a;

/** Incremental decoder: push chunks, get the values of every completed line. */
export class JsonLinesDecoder {
  private readonly maxLineBytes: number;
  private pending: Buffer[] = [];
  private pendingLen = 0;

  constructor(opts: JsonLinesDecoderOptions = {}) {
    this.maxLineBytes = opts.maxLineBytes ?? 16 << 20;
  }

  /** Feeds bytes; returns the values of the lines completed by them, in order. */
  push(chunk: Buffer | string): unknown[] {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const out: unknown[] = [];
    let start = 0;
    for (let i = buf.indexOf(NL); i !== -1; i = buf.indexOf(NL, start)) {
      let line: Buffer = buf.subarray(start, i);
      if (this.pendingLen > 0) {
        this.pending.push(line);
        line = Buffer.concat(this.pending, this.pendingLen + line.length);
        this.pending = [];
        this.pendingLen = 0;
      }
      if (line.length > this.maxLineBytes) throw new JsonLinesError(`JSON line longer than ${this.maxLineBytes} bytes`);
      this.parseLine(line, out);
      start = i + 1;
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      this.pendingLen += rest.length;
      if (this.pendingLen > this.maxLineBytes) {
        throw new JsonLinesError(`JSON line longer than ${this.maxLineBytes} bytes`);
      }
      this.pending.push(rest);
    }
    return out;
  }

  /** Ends the input; a last line without `\n` still counts. */
  end(): unknown[] {
    if (this.pendingLen === 0) return [];
    const line = Buffer.concat(this.pending, this.pendingLen);
    this.pending = [];
    this.pendingLen = 0;
    const out: unknown[] = [];
    this.parseLine(line, out);
    return out;
  }

  private parseLine(line: Buffer, out: unknown[]): void {
    const text = line.toString('utf8').trim();
    if (text === '') return;
    try {
      out.push(JSON.parse(text));
    } catch (e) {
      throw new JsonLinesError(`invalid JSON line: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** Decodes a byte stream into its JSON values. */
export async function* decodeJsonLines<T = unknown>(
  source: AsyncIterable<Buffer | string>,
  opts?: JsonLinesDecoderOptions,
): AsyncGenerator<T> {
  const dec = new JsonLinesDecoder(opts);
  for await (const chunk of source) {
    for (const v of dec.push(chunk)) yield v as T;
  }
  for (const v of dec.end()) yield v as T;
}
