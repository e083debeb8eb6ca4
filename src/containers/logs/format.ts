/**
 * What a file-backed log driver needs from its on-disk format: encode one message, parse complete
 * records out of a byte buffer, and find where the last N records start (reading backwards).
 */
import type { FileHandle } from 'node:fs/promises';
import type { LogEntry, LogMessage } from './driver.js';

/** Random-access bytes of one log file, at a fixed size (a snapshot of what was there). */
export interface Source {
  readonly size: number;
  readAt(pos: number, len: number): Promise<Buffer>;
}

export class FileSource implements Source {
  constructor(
    readonly fh: FileHandle,
    readonly size: number,
  ) {}

  async readAt(pos: number, len: number): Promise<Buffer> {
    const n = Math.max(0, Math.min(len, this.size - pos));
    const buf = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const { bytesRead } = await this.fh.read(buf, off, n - off, pos + off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === n ? buf : buf.subarray(0, off);
  }
}

export class BufferSource implements Source {
  constructor(readonly buf: Buffer) {}
  get size(): number {
    return this.buf.length;
  }
  async readAt(pos: number, len: number): Promise<Buffer> {
    return this.buf.subarray(pos, Math.min(this.buf.length, pos + len));
  }
}

export interface ParseResult {
  /** Bytes consumed (complete records, and skipped garbage). */
  consumed: number;
  /** Records that could not be decoded and were skipped. */
  bad: number;
}

export interface LogFormat {
  /** Encodes one message as one record, ready to append. */
  encode(msg: LogMessage): Buffer;
  /**
   * Decodes the complete records at the start of `buf`, calling `emit` for each; an incomplete
   * record at the end is left unconsumed (the caller keeps it and appends more bytes).
   */
  parse(buf: Buffer, emit: (e: LogEntry) => void): ParseResult;
  /**
   * The offset where the last `n` complete records of `src[0, end)` start, and how many records
   * were found (≤ n). Complete records only: a torn tail is not counted.
   */
  tailStart(src: Source, end: number, n: number): Promise<{ offset: number; found: number; end: number }>;
}

/** Reads backwards through a Source in chunks; byteAt(i) for i < end. */
export class BackwardCursor {
  private chunk: Buffer = Buffer.alloc(0);
  private chunkStart = 0;

  constructor(
    private readonly src: Source,
    private readonly chunkSize = 64 * 1024,
  ) {}

  /** Ensures [pos, pos+len) is cached (len ≤ chunkSize) and returns that slice. */
  async bytes(pos: number, len: number): Promise<Buffer> {
    if (pos >= this.chunkStart && pos + len <= this.chunkStart + this.chunk.length) {
      return this.chunk.subarray(pos - this.chunkStart, pos - this.chunkStart + len);
    }
    const end = pos + len;
    const start = Math.max(0, end - Math.max(this.chunkSize, len));
    this.chunk = await this.src.readAt(start, end - start);
    this.chunkStart = start;
    return this.chunk.subarray(pos - start, pos - start + len);
  }

  /** The cached chunk ending at `end` (at most chunkSize bytes), with its start offset. */
  async chunkBefore(end: number): Promise<{ start: number; buf: Buffer }> {
    const start = Math.max(0, end - this.chunkSize);
    const buf = await this.src.readAt(start, end - start);
    this.chunk = buf;
    this.chunkStart = start;
    return { start, buf };
  }
}
