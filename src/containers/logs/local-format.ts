/**
 * berth's `local` log format. Docker's local driver is documented as an internal format (it is
 * protobuf framed by lengths); ours is a compact framing of our own with the same property that
 * matters: the length is written at both ends of a record, so the file can be read backwards
 * (tail) as well as forwards. All integers big-endian.
 *
 *   record  = len:u32  payload  len:u32            len = payload length
 *   payload = version:u8 (1)  flags:u8  timeNano:i64  line:bytes
 *   flags   = bit 0: stream (0 stdout, 1 stderr)   bit 1: partial (no newline after the line)
 *
 * A record whose two lengths differ, whose version is unknown, or whose length exceeds
 * MAX_RECORD is corrupt: readers stop reading that file there (and log it).
 */
import type { LogEntry, LogMessage } from './driver.js';
import { BackwardCursor, type LogFormat, type ParseResult, type Source } from './format.js';
import { dateToNano, formatRfc3339Nano } from '../timefmt.js';

const VERSION = 1;
const HEADER = 1 + 1 + 8;
const FLAG_STDERR = 1;
const FLAG_PARTIAL = 2;
/** Larger payloads are taken as corruption (the stdio copier cuts lines far below this). */
export const MAX_RECORD = 16 * 1024 * 1024;

export class LocalFormat implements LogFormat {
  encode(msg: LogMessage): Buffer {
    const len = HEADER + msg.line.length;
    const buf = Buffer.allocUnsafe(len + 8);
    buf.writeUInt32BE(len, 0);
    buf[4] = VERSION;
    buf[5] = (msg.stream === 'stderr' ? FLAG_STDERR : 0) | (msg.partial ? FLAG_PARTIAL : 0);
    buf.writeBigInt64BE(msg.timeNano ?? dateToNano(msg.time), 6);
    msg.line.copy(buf, 4 + HEADER);
    buf.writeUInt32BE(len, 4 + len);
    return buf;
  }

  parse(buf: Buffer, emit: (e: LogEntry) => void): ParseResult {
    let pos = 0;
    while (pos + 4 <= buf.length) {
      const len = buf.readUInt32BE(pos);
      if (len < HEADER || len > MAX_RECORD) throw new CorruptLogError(pos);
      if (pos + len + 8 > buf.length) break;
      if (buf.readUInt32BE(pos + 4 + len) !== len || buf[pos + 4] !== VERSION) throw new CorruptLogError(pos);
      emit(decode(buf.subarray(pos + 4, pos + 4 + len)));
      pos += len + 8;
    }
    return { consumed: pos, bad: 0 };
  }

  async tailStart(src: Source, end: number, n: number): Promise<{ offset: number; found: number; end: number }> {
    const cur = new BackwardCursor(src);
    const stop = (await this.validEnd(src, cur, end)) ?? (await this.scanEnd(src, end));
    let pos = stop;
    let found = 0;
    while (found < n && pos >= 8) {
      const len = (await cur.bytes(pos - 4, 4)).readUInt32BE(0);
      const start = pos - len - 8;
      if (len < HEADER || len > MAX_RECORD || start < 0) break;
      if ((await cur.bytes(start, 4)).readUInt32BE(0) !== len) break;
      pos = start;
      found++;
    }
    return { offset: pos, found, end: stop };
  }

  /** `end` itself when the record before it checks out (the usual case), else undefined. */
  private async validEnd(src: Source, cur: BackwardCursor, end: number): Promise<number | undefined> {
    if (end === 0) return 0;
    if (end < 8 + HEADER) return undefined;
    const len = (await cur.bytes(end - 4, 4)).readUInt32BE(0);
    const start = end - len - 8;
    if (len < HEADER || len > MAX_RECORD || start < 0) return undefined;
    const head = await src.readAt(start, 5);
    return head.readUInt32BE(0) === len && head[4] === VERSION ? end : undefined;
  }

  /** The end of the last complete record, found by walking forwards (torn tail). */
  private async scanEnd(src: Source, end: number): Promise<number> {
    let pos = 0;
    while (pos + 4 <= end) {
      const len = (await src.readAt(pos, 4)).readUInt32BE(0);
      if (len < HEADER || len > MAX_RECORD || pos + len + 8 > end) break;
      pos += len + 8;
    }
    return pos;
  }
}

export class CorruptLogError extends Error {
  constructor(readonly offset: number) {
    super(`corrupt log record at offset ${offset}`);
    this.name = 'CorruptLogError';
  }
}

function decode(p: Buffer): LogEntry {
  const flags = p[1]!;
  const timeNano = p.readBigInt64BE(2);
  const partial = (flags & FLAG_PARTIAL) !== 0;
  const body = p.subarray(HEADER);
  const line = Buffer.allocUnsafe(body.length + (partial ? 0 : 1));
  body.copy(line);
  if (!partial) line[body.length] = 0x0a;
  return {
    stream: flags & FLAG_STDERR ? 'stderr' : 'stdout',
    line,
    partial,
    timeNano,
    timestamp: formatRfc3339Nano(timeNano),
  };
}
