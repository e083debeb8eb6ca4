/**
 * Parallel gzip, the way pigz does it: the input is cut into fixed blocks, each deflated on its
 * own (zlib in libuv's thread pool, several at once) with the 32 KiB of input before it as the
 * preset dictionary, ending in a sync flush so that the pieces concatenate into one deflate
 * stream; the last piece finishes it. The gzip header has no name and a zero mtime, and the
 * blocks are fixed, so the same input always gives the same bytes.
 *
 * The compression ratio is within a fraction of a percent of one serial gzip at the same level.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { availableParallelism } from 'node:os';
import type { ZlibOptions } from 'node:zlib';
import { nodeZlib } from './builtins.js';

/** Bytes of input per block. */
export const PGZIP_BLOCK = 1 << 20;
const WINDOW = 32 << 10;
/** ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=3 (Unix): what Node's createGzip writes. */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);

function deflateBlock(block: Buffer, dictionary: Buffer | undefined, level: number, last: boolean): Promise<Buffer> {
  const z = nodeZlib();
  // Output in one piece per block where it fits: each piece is a round trip to the thread pool.
  const opts: ZlibOptions = { level, chunkSize: block.length + 1024, finishFlush: last ? z.constants.Z_FINISH : z.constants.Z_SYNC_FLUSH };
  if (dictionary) opts.dictionary = dictionary;
  return new Promise((resolve, reject) => z.deflateRaw(block, opts, (e, out) => (e ? reject(e) : resolve(out))));
}

export interface ParallelGzipOptions {
  level?: number;
  /** Blocks compressed at once (default: the CPUs available). */
  parallel?: number;
  blockSize?: number;
}

/** A gzip Transform that compresses blocks of its input in parallel (see the module comment). */
export function createParallelGzip(opts: ParallelGzipOptions = {}): Transform {
  const { crc32, constants } = nodeZlib();
  const level = opts.level ?? constants.Z_DEFAULT_COMPRESSION;
  const parallel = Math.max(1, opts.parallel ?? availableParallelism());
  const blockSize = opts.blockSize ?? PGZIP_BLOCK;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let previous: Buffer | undefined;
  let crc = 0;
  let total = 0;
  const inFlight: Promise<Buffer>[] = [];

  const start = (block: Buffer, last: boolean) => {
    const dict = previous && previous.length > WINDOW ? previous.subarray(previous.length - WINDOW) : previous;
    const p = deflateBlock(block, dict, level, last);
    p.catch(() => {});
    inFlight.push(p);
    previous = block;
  };

  return new Transform({
    construct(cb) {
      this.push(HEADER);
      cb();
    },
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      crc = crc32(chunk, crc);
      total += chunk.length;
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < blockSize) return cb();
      let all = Buffer.concat(pending, pendingBytes);
      while (all.length >= blockSize) {
        start(all.subarray(0, blockSize), false);
        all = all.subarray(blockSize);
      }
      pending = all.length ? [all] : [];
      pendingBytes = all.length;
      void (async () => {
        // Backpressure: no more than `parallel` blocks wait; the oldest goes out first.
        while (inFlight.length > parallel) this.push(await inFlight.shift()!);
      })().then(() => cb(), cb);
    },
    flush(cb: TransformCallback) {
      start(Buffer.concat(pending, pendingBytes), true);
      void (async () => {
        while (inFlight.length) this.push(await inFlight.shift()!);
        const trailer = Buffer.alloc(8);
        trailer.writeUInt32LE(crc >>> 0, 0);
        trailer.writeUInt32LE(total % 2 ** 32, 4);
        this.push(trailer);
      })().then(() => cb(), cb);
    },
  });
}
