/**
 * Snapshotter: layered filesystems (containerd's overlayfs snapshotter). Committed snapshots are
 * named by the chain ID of the layers they hold; active snapshots (a container's rw layer, an
 * extraction in progress) by a key. `apply` unpacks a layer blob from the content store onto the
 * mounts of an active snapshot (containerd's diff service).
 */
import type { Ctx } from '../lib/index.js';

export interface Mount {
  type: string;
  source: string;
  target?: string;
  options: string[];
}

export type SnapshotKind = 'view' | 'active' | 'committed' | 'unknown';

export interface SnapshotInfo {
  name: string;
  parent: string;
  kind: SnapshotKind;
  labels: Record<string, string>;
}

/** An uncompressed OCI layer (what diff writes by default). */
export const UNCOMPRESSED_LAYER = 'application/vnd.oci.image.layer.v1.tar';

export interface LayerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface Snapshotter {
  /** Creates an active snapshot `key` on top of committed `parent`. Throws conflict if it exists, notFound for a missing parent. */
  prepare(ctx: Ctx, key: string, parent?: string, labels?: Record<string, string>): Promise<Mount[]>;
  /** Creates a read-only view `key` of committed `parent`. Throws conflict, notFound. */
  view(ctx: Ctx, key: string, parent: string, labels?: Record<string, string>): Promise<Mount[]>;
  /** The mounts of an active snapshot or view. Throws notFound. */
  mounts(ctx: Ctx, key: string): Promise<Mount[]>;
  /** Commits active `key` as `name`. Throws notFound, conflict (name taken). */
  commit(ctx: Ctx, name: string, key: string, labels?: Record<string, string>): Promise<void>;
  /** Removes a snapshot that has no children. Throws notFound, conflict (has children). */
  remove(ctx: Ctx, key: string): Promise<void>;
  /** Throws notFound. */
  stat(ctx: Ctx, key: string): Promise<SnapshotInfo>;
  /**
   * Keeps snapshot `target` as long as `key` is kept: a GC reference label on `key` (containerd's
   * `containerd.io/gc.ref.snapshot.<snapshotter>/<ref>`), one per `ref`. Throws notFound.
   */
  holdRef(ctx: Ctx, key: string, ref: string, target: string): Promise<void>;
  list(ctx: Ctx): Promise<SnapshotInfo[]>;
  /** Disk usage of one snapshot (its own layer only). Throws notFound. */
  usage(ctx: Ctx, key: string): Promise<{ size: number; inodes: number }>;
  /**
   * Unpacks `layer` (a blob in the content store, tar or tar+gzip) onto `mounts`; returns the
   * digest of the uncompressed tar (the diff ID). Throws notFound for a missing blob.
   */
  apply(ctx: Ctx, layer: LayerDescriptor, mounts: Mount[]): Promise<string>;
  /**
   * The layer that turns `lower` into `upper` (containerd's diff service: a tar with whiteouts
   * for what is gone, `lower` may be [] for an empty base), written to the content store; with
   * the default uncompressed media type its digest is the diff ID. Works on the mounts of an
   * active snapshot in use (they are mounted read-only for the walk). Throws notImplemented for
   * a media type the differ lacks.
   */
  diff(ctx: Ctx, lower: Mount[], upper: Mount[], opts?: { mediaType?: string; labels?: Record<string, string> }): Promise<LayerDescriptor>;
  /** The same snapshotter with every new snapshot held by lease `id`. */
  withLease(id: string): Snapshotter;
}

/** Chain IDs (image-spec config.md): chain(L0) = diff(L0); chain(Ln) = sha256(chain(Ln-1) + " " + diff(Ln)). */
export function chainIds(diffIds: string[], hash: (s: string) => string): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : hash(`${out[out.length - 1]} ${d}`));
  return out;
}
