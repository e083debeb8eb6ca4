/**
 * Layer compression for push, as dockerd does it (moby distribution/push_v2.go, compress): an
 * uncompressed layer (`…rootfs.diff.tar`, `…layer.v1.tar`) is gzipped while it is uploaded, at
 * Go's `gzip.NewWriter` default level (6, zlib's default too). Unlike dockerd, blocks of it are
 * compressed on all CPUs at once (lib/pgzip.ts); the output is still deterministic, so the same
 * layer always compresses to the same digest.
 *
 * What push remembers (containerd's labels, so the mapping lives and dies with the content):
 *   uncompressed blob --containerd.io/gc.ref.content.gzip--> its gzip blob (names and holds it)
 *   gzip blob          containerd.io/uncompressed=<diffID>
 *   image manifest    --containerd.io/gc.ref.content.gzip.<i>--> gzip blob of layer i
 */
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants } from 'node:zlib';
import { createParallelGzip, Digester } from '../lib/index.js';
import { MediaType } from '../oci/index.js';

/** On an uncompressed layer blob: the digest of its gzip form (and a GC reference to it). */
export const GZIP_LABEL = 'containerd.io/gc.ref.content.gzip';
/** On a manifest: `<prefix><i>` references the gzip form of layer i. */
export const MANIFEST_GZIP_PREFIX = 'containerd.io/gc.ref.content.gzip.';

/** The gzip media type push sends for an uncompressed layer type; undefined for any other type. */
export function gzipMediaType(mt: string): string | undefined {
  if (mt === MediaType.DockerLayer) return MediaType.DockerLayerGzip;
  if (mt === MediaType.OciLayer) return MediaType.OciLayerGzip;
  return undefined;
}

export interface Compression {
  /** The gzip bytes, for the upload. */
  upload: Readable;
  /** The same gzip bytes, for the content store (consumed at the pace of the slower reader). */
  copy: Readable;
  /** Digest and size of the gzip stream; valid once `upload` has ended. */
  result(): { digest: string; size: number };
  /** Resolves when all input is compressed; rejects with the first error of the pipeline. */
  done: Promise<void>;
  /** Stops the compression (both outputs error with `err`). */
  abort(err: Error): void;
}

/**
 * Gzips `input` into two equal streams (a tee with backpressure: the compressor waits for both
 * readers; each output buffers at most its highWaterMark, 1 MiB). `onInput` sees the count of
 * uncompressed bytes read so far (progress is reported on the layer's own size, as Docker does).
 */
export function compressLayer(input: Readable, onInput: (bytes: number) => void = () => {}): Compression {
  const hwm = 1 << 20;
  const upload = new PassThrough({ highWaterMark: hwm });
  const copy = new PassThrough({ highWaterMark: hwm });
  const d = new Digester();
  let digest = '';
  let read = 0;
  const counter = new Transform({
    transform(c: Buffer, _enc, cb) {
      onInput((read += c.length));
      cb(null, c);
    },
  });
  const waitFor = (s: PassThrough) =>
    new Promise<void>((resolve) => {
      const done = () => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  const sink = new Writable({
    highWaterMark: hwm,
    write(c: Buffer, _enc, cb) {
      d.update(c);
      const waits: Promise<void>[] = [];
      for (const s of [upload, copy]) {
        if (s.destroyed) continue;
        if (!s.write(c)) waits.push(waitFor(s));
      }
      if (waits.length === 0) cb();
      else Promise.all(waits).then(() => cb(), cb);
    },
    final(cb) {
      digest = d.digest();
      upload.end();
      copy.end();
      cb();
    },
  });
  const fail = (e: Error) => {
    upload.destroy(e);
    copy.destroy(e);
  };
  const gz = createParallelGzip({ level: constants.Z_DEFAULT_COMPRESSION });
  const done = pipeline(input, counter, gz, sink);
  done.catch(fail);
  return {
    upload,
    copy,
    result: () => {
      if (!digest) throw new Error('compression has not finished');
      return { digest, size: d.size };
    },
    done,
    abort: (e) => {
      input.destroy(e);
      fail(e);
    },
  };
}
