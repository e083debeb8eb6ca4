/**
 * containerd's content service (containerd.services.content.v1.Content): blobs by digest.
 *
 * Write protocol (containerd services/content/service.go, one bidi stream per ingest `ref`):
 *   1. STAT {ref, total, expected} opens (and locks) the ingest; the reply's `offset` is how much
 *      of a previous partial ingest is there. `total` and `expected` of this first message are
 *      the ones the commit checks. If `expected` is already in the store the call fails with
 *      ALREADY_EXISTS; if another session holds `ref`, with UNAVAILABLE ("ref … locked").
 *   2. WRITE {offset, data}: data is appended at `offset`, which must equal the ingest's current
 *      offset, except that offset 0 truncates the ingest and restarts it. One reply per request.
 *   3. COMMIT {offset, data?, labels}: containerd verifies size and digest, then the blob becomes
 *      visible (FAILED_PRECONDITION on a mismatch).
 * Small writes are gathered into WRITE_CHUNK-sized requests (a registry download arrives in
 * 16-64 KiB pieces; one request per piece cost both sides about a third more CPU on a 200 MB
 * layer, and with a window counted in requests it bounds the bytes in flight to 512 KiB). We keep up to
 * WRITE_WINDOW requests in flight (so at most 16 MiB sent plus one WRITE_CHUNK gathered per
 * writer) and check every reply's offset.
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Ctx, invalidParameter, kindOf, system } from '../lib/index.js';
import { GrpcCode, hasGrpcCode } from './errors.js';
import type { BidiStream, Rpc } from './rpc.js';
import type { ContentInfo, ContentStatus, Labels, WriteContentRequest, WriteContentResponse } from './types.js';

const SVC = 'containerd.services.content.v1.Content';

export const WRITE_CHUNK = 2 << 20;
export const WRITE_WINDOW = 8;
/** How long writeBlob retries while another session holds the same ref. */
const LOCKED_RETRY_MS = 10_000;

export interface WriterOptions {
  /** Expected total size; 0 when unknown (then not checked at commit). */
  total?: number;
  /** Expected digest; commit fails when the content does not match. */
  expected?: string;
}

/**
 * One open ingest. Obtain with ContentService.writer(); call write() any number of times, then
 * commit(); call close() in any case (after commit it is a no-op).
 */
export class ContentWriter {
  /** For each request in flight, the offset its reply must report. */
  private readonly inFlight: number[] = [];
  /** Bytes written but not sent yet (fewer than WRITE_CHUNK), in order. */
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;
  /** Where the next request goes: bytes sent so far (or found from an earlier partial ingest). */
  private sent: number;
  private done = false;

  private constructor(
    private readonly stream: BidiStream<WriteContentRequest, WriteContentResponse>,
    /** Where the next write goes: bytes written so far, or found from an earlier partial ingest. */
    public offset: number,
  ) {
    this.sent = offset;
  }

  /** Opens the ingest `ref` (STAT). Throws conflict (exists), unavailable (ref locked). */
  static async open(rpc: Rpc, ctx: Ctx, ref: string, opts: WriterOptions = {}): Promise<ContentWriter> {
    const stream = rpc.bidi<WriteContentRequest, WriteContentResponse>(ctx, SVC, 'Write');
    try {
      stream.send({ action: 'STAT', ref, total: opts.total ?? 0, expected: opts.expected ?? '' });
      const res = await stream.recv();
      return new ContentWriter(stream, res.offset);
    } catch (e) {
      stream.cancel();
      throw e;
    }
  }

  /** Restarts the ingest from byte 0 (the next write truncates what a partial ingest left). */
  restart(): void {
    this.offset = 0;
    this.sent = 0;
    this.gathered = [];
    this.gatheredBytes = 0;
  }

  /**
   * Appends `data` at the current offset. The writer may keep a reference to `data` until it
   * is sent (at most WRITE_CHUNK bytes later, or at commit), so the caller must not modify it.
   */
  async write(data: Uint8Array): Promise<void> {
    let rest = data;
    while (rest.length > 0) {
      const piece = rest.subarray(0, WRITE_CHUNK - this.gatheredBytes);
      rest = rest.subarray(piece.length);
      this.gathered.push(piece);
      this.gatheredBytes += piece.length;
      this.offset += piece.length;
      if (this.gatheredBytes === WRITE_CHUNK) await this.flush();
    }
  }

  /** Sends what was gathered as one WRITE request (waiting while the window is full). */
  private async flush(): Promise<void> {
    if (this.gatheredBytes === 0) return;
    if (this.inFlight.length >= WRITE_WINDOW) await this.ack();
    const parts = this.gathered;
    const size = this.gatheredBytes;
    this.gathered = [];
    this.gatheredBytes = 0;
    this.stream.sendEncoded(encodeWrite(this.sent, parts, size));
    this.sent += size;
    this.inFlight.push(this.sent);
  }

  private async ack(): Promise<WriteContentResponse> {
    const res = await this.stream.recv();
    const want = this.inFlight.shift();
    if (want !== undefined && res.offset !== want) {
      throw system(`content write: containerd is at offset ${res.offset}, expected ${want}`);
    }
    return res;
  }

  /**
   * Commits the ingest; returns the digest containerd computed. Throws conflict when the content
   * already exists (ALREADY_EXISTS) or does not match size/digest (FAILED_PRECONDITION).
   */
  async commit(labels: Labels = {}): Promise<string> {
    await this.flush();
    this.stream.send({ action: 'COMMIT', offset: this.sent, labels });
    this.inFlight.push(this.sent);
    let res: WriteContentResponse;
    do res = await this.ack();
    while (this.inFlight.length > 0);
    this.done = true;
    this.stream.closeSend();
    return res.digest;
  }

  /** Ends the session; an uncommitted ingest stays resumable under its ref (or abort() it). */
  close(): void {
    if (!this.done) this.stream.cancel();
    this.done = true;
  }
}

/** Appends `n` (a non-negative integer below 2^53) as a protobuf varint at `pos`; returns the new position. */
function putVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
  return pos;
}

/**
 * A WRITE request (`action = 1`, `offset = 5`, `data = 6` of WriteContentRequest) in protobuf's
 * wire format, byte for byte as protobufjs writes it (fields in number order), built
 * straight from the gathered pieces: one copy of the data where concatenating them and then
 * encoding would make two, and a layer download is hundreds of MB of them.
 */
export function encodeWrite(offset: number, parts: readonly Uint8Array[], size: number): Buffer {
  const buf = Buffer.allocUnsafe(2 + 11 + 1 + 10 + size);
  let pos = 0;
  buf[pos++] = (1 << 3) | 0; // action: varint
  buf[pos++] = 1; // WRITE
  buf[pos++] = (5 << 3) | 0; // offset: varint
  pos = putVarint(buf, pos, offset);
  buf[pos++] = (6 << 3) | 2; // data: length-delimited
  pos = putVarint(buf, pos, size);
  for (const p of parts) {
    buf.set(p, pos);
    pos += p.length;
  }
  return buf.subarray(0, pos);
}

export interface WriteBlobOptions {
  /** The digest the content must have ("sha256:…"). */
  expected: string;
  /** The size; required for streams if it should be checked, taken from a Buffer otherwise. */
  size?: number;
  /** Labels of the committed blob (GC references, containerd.io/uncompressed, …). */
  labels?: Labels;
}

export class ContentService {
  constructor(private readonly rpc: Rpc) {}

  /** Information about a blob. Throws notFound. */
  async info(ctx: Ctx, digest: string): Promise<ContentInfo> {
    const res = await this.rpc.unary<{ info: ContentInfo }>(ctx, SVC, 'Info', { digest });
    return res.info;
  }

  /** Updates a blob's labels (`paths`: `labels` or `labels.<k>`). Throws notFound. */
  async update(ctx: Ctx, digest: string, labels: Labels, paths?: string[]): Promise<ContentInfo> {
    const res = await this.rpc.unary<{ info: ContentInfo }>(ctx, SVC, 'Update', {
      info: { digest, labels },
      update_mask: paths ? { paths } : null,
    });
    return res.info;
  }

  /** Blobs matching the filters (e.g. `labels."k"==v`); all when none. */
  async list(ctx: Ctx, filters: string[] = []): Promise<ContentInfo[]> {
    const out: ContentInfo[] = [];
    for await (const page of this.rpc.serverStream<{ info: ContentInfo[] }>(ctx, SVC, 'List', { filters })) {
      out.push(...page.info);
    }
    return out;
  }

  /** Deletes a blob. Throws notFound. */
  async delete(ctx: Ctx, digest: string): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Delete', { digest });
  }

  /**
   * The bytes of a blob from `offset` (default 0), `size` bytes (default: to the end), as a byte
   * stream. Errors (notFound, …) surface as the stream's error; destroying it cancels the call.
   */
  read(ctx: Ctx, digest: string, opts: { offset?: number; size?: number } = {}): Readable {
    const stream = this.rpc.serverStream<{ offset: number; data: Buffer }>(ctx, SVC, 'Read', {
      digest,
      offset: opts.offset ?? 0,
      size: opts.size ?? 0,
    });
    return Readable.from(
      (async function* () {
        for await (const msg of stream) if (msg.data.length > 0) yield msg.data;
      })(),
      { objectMode: false },
    );
  }

  /** A whole blob in memory (manifests, configs). Throws notFound; invalidParameter over maxBytes. */
  async readAll(ctx: Ctx, digest: string, maxBytes = 64 << 20): Promise<Buffer> {
    const parts: Buffer[] = [];
    let n = 0;
    for await (const msg of this.rpc.serverStream<{ data: Buffer }>(ctx, SVC, 'Read', { digest })) {
      n += msg.data.length;
      if (n > maxBytes) throw invalidParameter(`blob ${digest} is larger than ${maxBytes} bytes`);
      parts.push(msg.data);
    }
    return Buffer.concat(parts, n);
  }

  /** The status of an in-progress ingest. Throws notFound. */
  async status(ctx: Ctx, ref: string): Promise<ContentStatus> {
    const res = await this.rpc.unary<{ status: ContentStatus }>(ctx, SVC, 'Status', { ref });
    return res.status;
  }

  /** In-progress ingests matching the filters (e.g. `ref~=^pull-`). */
  async listStatuses(ctx: Ctx, filters: string[] = []): Promise<ContentStatus[]> {
    const res = await this.rpc.unary<{ statuses: ContentStatus[] }>(ctx, SVC, 'ListStatuses', { filters });
    return res.statuses;
  }

  /** Drops an in-progress ingest. Throws notFound. */
  async abort(ctx: Ctx, ref: string): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Abort', { ref });
  }

  /** Opens an ingest for low-level writing (see ContentWriter). */
  writer(ctx: Ctx, ref: string, opts: WriterOptions = {}): Promise<ContentWriter> {
    return ContentWriter.open(this.rpc, ctx, ref, opts);
  }

  /**
   * Writes a blob under the ingest `ref` and commits it with its expected digest (containerd
   * verifies digest and size before the blob becomes visible). Succeeds without writing when the
   * blob already exists. A Buffer resumes a partial ingest of the same ref; a stream restarts it.
   * Waits up to 10 s while another session holds `ref`. Throws conflict on a digest or size
   * mismatch, unavailable while containerd is down, cancelled when ctx aborts.
   */
  async writeBlob(
    ctx: Ctx,
    ref: string,
    data: Buffer | Uint8Array | AsyncIterable<Uint8Array>,
    opts: WriteBlobOptions,
  ): Promise<{ digest: string; size: number }> {
    const isBuffer = data instanceof Uint8Array;
    const total = isBuffer ? data.length : (opts.size ?? 0);
    const w = await this.openRetrying(ctx, ref, { total, expected: opts.expected });
    if (!w) return { digest: opts.expected, size: total || (await this.info(ctx, opts.expected)).size };
    try {
      if (isBuffer) {
        if (w.offset > 0 && w.offset <= data.length) await w.write(data.subarray(w.offset));
        else {
          w.restart();
          await w.write(data);
        }
      } else {
        w.restart();
        for await (const chunk of data) await w.write(chunk);
      }
      const size = w.offset;
      try {
        await w.commit(opts.labels ?? {});
      } catch (e) {
        if (!hasGrpcCode(e, GrpcCode.ALREADY_EXISTS)) throw e;
      }
      return { digest: opts.expected, size };
    } finally {
      w.close();
    }
  }

  /** Opens a writer, retrying while the ref is locked; undefined when the blob already exists. */
  private async openRetrying(ctx: Ctx, ref: string, opts: WriterOptions): Promise<ContentWriter | undefined> {
    const deadline = Date.now() + LOCKED_RETRY_MS;
    for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
      try {
        return await ContentWriter.open(this.rpc, ctx, ref, opts);
      } catch (e) {
        if (hasGrpcCode(e, GrpcCode.ALREADY_EXISTS)) return undefined;
        const locked = kindOf(e) === 'unavailable' && /locked/.test((e as Error).message);
        if (!locked || Date.now() + delay > deadline) throw e;
        await sleep(delay, undefined, { signal: ctx.signal });
      }
    }
  }
}
