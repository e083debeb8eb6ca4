/**
 * ContentStore: immutable blobs addressed by digest (containerd's content store), plus leases
 * that keep in-flight content and snapshots from garbage collection until an operation ends.
 */
import type { Readable } from 'node:stream';
import type { Ctx } from '../lib/index.js';

export type Labels = Record<string, string>;

export interface BlobInfo {
  digest: string;
  size: number;
  labels: Labels;
}

export interface WriteOptions {
  /** The digest the content must have; the write fails with conflict otherwise. */
  expected?: string;
  /** Expected size, checked when given. */
  size?: number;
  /** Labels of the committed blob (GC references). */
  labels?: Labels;
}

export interface ContentStore {
  /** A blob's size and labels. Throws notFound. */
  info(ctx: Ctx, digest: string): Promise<BlobInfo>;
  /** A whole (small) blob. Throws notFound; invalidParameter over maxBytes. */
  readAll(ctx: Ctx, digest: string, maxBytes?: number): Promise<Buffer>;
  /** A blob as a byte stream; errors (notFound) surface on the stream. */
  read(ctx: Ctx, digest: string): Readable;
  /**
   * Stores a blob. The content becomes visible only after its digest (computed, and compared
   * with `expected` when given) is verified. Writing an existing blob succeeds without effect.
   * Throws conflict on a digest or size mismatch, cancelled when ctx aborts.
   */
  write(ctx: Ctx, data: Buffer | AsyncIterable<Uint8Array>, opts?: WriteOptions): Promise<{ digest: string; size: number }>;
  /** Sets labels (merged; an empty string value removes the label). Throws notFound. */
  setLabels(ctx: Ctx, digest: string, labels: Labels): Promise<void>;
  /** Deletes a blob. Throws notFound. */
  delete(ctx: Ctx, digest: string): Promise<void>;
  /** Every blob. */
  list(ctx: Ctx): Promise<BlobInfo[]>;
  /** The same store with every write held by lease `id`. */
  withLease(id: string): ContentStore;
}

export interface LeaseManager {
  /** Creates a lease that expires after `expireAfterMs` if not deleted first. */
  create(ctx: Ctx, opts: { expireAfterMs: number; labels?: Labels }): Promise<string>;
  /** Deletes a lease; with sync, garbage collection runs before this returns. Throws notFound. */
  delete(ctx: Ctx, id: string, opts?: { sync?: boolean }): Promise<void>;
  list(ctx: Ctx): Promise<{ id: string; labels: Labels }[]>;
  /** Makes lease `id` hold snapshot `key` of `snapshotter` (whether or not it exists yet). */
  holdSnapshot(ctx: Ctx, id: string, snapshotter: string, key: string): Promise<void>;
}

/** containerd's GC reference labels (containerd/gc, images.go). */
export const GcLabel = {
  contentPrefix: 'containerd.io/gc.ref.content.',
  snapshot: (snapshotter: string) => `containerd.io/gc.ref.snapshot.${snapshotter}`,
  uncompressed: 'containerd.io/uncompressed',
} as const;
