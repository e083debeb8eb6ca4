/**
 * stdcopy: Docker's multiplexing of stdout and stderr over one byte stream (moby
 * pkg/stdcopy), used by non-tty attach, exec and logs
 * (`application/vnd.docker.multiplexed-stream`, and 20.10's `raw-stream` on non-tty).
 *
 * Wire format, one frame:
 *
 *   byte 0      stream: 0 stdin, 1 stdout, 2 stderr, 3 systemerr (an error message from the daemon)
 *   bytes 1-3   zero
 *   bytes 4-7   payload length, uint32 big-endian
 *   then        the payload
 *
 * The demuxer is streaming: frames may be split anywhere across chunks (even inside the
 * header) and several may share a chunk. By default it hands out payload pieces as they
 * arrive, so its only buffer is the 8-byte header; with `wholeFrames` it buffers each frame
 * up to `maxFrameBytes` (default 16 MiB) and fails beyond that.
 */

/** Stream ids of the frame header. */
export const StdStream = { stdin: 0, stdout: 1, stderr: 2, systemerr: 3 } as const;
export type StdStreamId = 0 | 1 | 2 | 3;

export const STDCOPY_HEADER_BYTES = 8;
const MAX_PAYLOAD = 0xffffffff;

/** A frame (or, without `wholeFrames`, a piece of one). */
export interface StdFrame {
  stream: StdStreamId;
  data: Buffer;
}

export class StdcopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StdcopyError';
  }
}

/** The 8-byte header of a frame. */
export function frameHeader(stream: StdStreamId, length: number): Buffer {
  if (length < 0 || length > MAX_PAYLOAD) throw new StdcopyError(`stdcopy: frame too large: ${length}`);
  const h = Buffer.alloc(STDCOPY_HEADER_BYTES);
  h[0] = stream;
  h.writeUInt32BE(length, 4);
  return h;
}

/** Header and payload as one buffer (one write, one HTTP chunk). */
export function muxFrame(stream: StdStreamId, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (data.length > MAX_PAYLOAD) throw new StdcopyError(`stdcopy: frame too large: ${data.length}`);
  const out = Buffer.allocUnsafe(STDCOPY_HEADER_BYTES + data.length);
  out[0] = stream;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  out.writeUInt32BE(data.length, 4);
  data.copy(out, STDCOPY_HEADER_BYTES);
  return out;
}

export interface DemuxOptions {
  /** Deliver each frame whole instead of in pieces as they arrive. */
  wholeFrames?: boolean;
  /** With wholeFrames: the largest frame accepted (default 16 MiB). */
  maxFrameBytes?: number;
}

/** Incremental demuxer. */
export class StdcopyDemuxer {
  private readonly whole: boolean;
  private readonly maxFrame: number;
  private readonly header = Buffer.alloc(STDCOPY_HEADER_BYTES);
  private headerLen = 0;
  private stream: StdStreamId = StdStream.stdout;
  /** Payload bytes of the current frame still to come; -1 while reading a header. */
  private remaining = -1;
  private parts: Buffer[] = [];
  private partsLen = 0;

  constructor(opts: DemuxOptions = {}) {
    this.whole = opts.wholeFrames ?? false;
    this.maxFrame = opts.maxFrameBytes ?? 16 << 20;
  }

  /** True when the input stopped inside a frame. */
  get midFrame(): boolean {
    return this.headerLen > 0 || this.remaining > 0;
  }

  /** Feeds bytes; returns the frames (or pieces) they complete, in order. */
  push(chunk: Buffer): StdFrame[] {
    const out: StdFrame[] = [];
    let off = 0;
    while (off < chunk.length) {
      if (this.remaining < 0) {
        const n = Math.min(STDCOPY_HEADER_BYTES - this.headerLen, chunk.length - off);
        chunk.copy(this.header, this.headerLen, off, off + n);
        this.headerLen += n;
        off += n;
        if (this.headerLen < STDCOPY_HEADER_BYTES) break;
        const s = this.header[0]!;
        if (s > StdStream.systemerr) throw new StdcopyError(`stdcopy: unrecognized input header: ${s}`);
        this.stream = s as StdStreamId;
        this.remaining = this.header.readUInt32BE(4);
        this.headerLen = 0;
        if (this.whole && this.remaining > this.maxFrame) {
          throw new StdcopyError(`stdcopy: frame of ${this.remaining} bytes exceeds ${this.maxFrame}`);
        }
        if (this.remaining === 0) {
          this.remaining = -1;
          if (this.whole) out.push({ stream: this.stream, data: Buffer.alloc(0) });
        }
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - off);
      const piece = chunk.subarray(off, off + n);
      off += n;
      this.remaining -= n;
      if (!this.whole) {
        out.push({ stream: this.stream, data: piece });
      } else {
        this.parts.push(piece);
        this.partsLen += n;
        if (this.remaining === 0) {
          const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLen);
          out.push({ stream: this.stream, data });
          this.parts = [];
          this.partsLen = 0;
        }
      }
      if (this.remaining === 0) this.remaining = -1;
    }
    return out;
  }

  /** Ends the input; throws when it stopped inside a frame. */
  end(): void {
    if (this.midFrame) throw new StdcopyError('stdcopy: unexpected EOF inside a frame');
  }
}

/** Demultiplexes a byte stream into frames (pieces unless `wholeFrames`). */
export async function* demuxStdcopy(source: AsyncIterable<Buffer>, opts?: DemuxOptions): AsyncGenerator<StdFrame> {
  const d = new StdcopyDemuxer(opts);
  for await (const chunk of source) yield* d.push(chunk);
  d.end();
}
