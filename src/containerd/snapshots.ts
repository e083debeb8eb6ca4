/**
 * containerd's snapshots service (containerd.services.snapshots.v1.Snapshots). Every call names
 * the snapshotter plugin (e.g. "overlayfs", "native").
 */
import type { Ctx } from '../lib/index.js';
import type { Rpc } from './rpc.js';
import type { Labels, Mount, SnapshotInfo, SnapshotUsage } from './types.js';

const SVC = 'containerd.services.snapshots.v1.Snapshots';

export class SnapshotsService {
  constructor(private readonly rpc: Rpc) {}

  /**
   * Creates an active (writable) snapshot `key` on top of the committed `parent` ('' for none)
   * and returns its mounts. Throws conflict when `key` exists, notFound when `parent` does not.
   */
  async prepare(ctx: Ctx, snapshotter: string, key: string, parent = '', labels: Labels = {}): Promise<Mount[]> {
    const res = await this.rpc.unary<{ mounts: Mount[] }>(ctx, SVC, 'Prepare', { snapshotter, key, parent, labels });
    return res.mounts;
  }

  /** Like prepare, but the snapshot is a read-only view. */
  async view(ctx: Ctx, snapshotter: string, key: string, parent = '', labels: Labels = {}): Promise<Mount[]> {
    const res = await this.rpc.unary<{ mounts: Mount[] }>(ctx, SVC, 'View', { snapshotter, key, parent, labels });
    return res.mounts;
  }

  /** The mounts of an active or view snapshot. Throws notFound. */
  async mounts(ctx: Ctx, snapshotter: string, key: string): Promise<Mount[]> {
    const res = await this.rpc.unary<{ mounts: Mount[] }>(ctx, SVC, 'Mounts', { snapshotter, key });
    return res.mounts;
  }

  /**
   * Commits the active snapshot `key` as the committed snapshot `name` (the active one goes
   * away). Throws notFound for `key`, conflict when `name` exists.
   */
  async commit(ctx: Ctx, snapshotter: string, name: string, key: string, labels: Labels = {}): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Commit', { snapshotter, name, key, labels });
  }

  /** Removes a snapshot. Throws notFound, or conflict when it has children. */
  async remove(ctx: Ctx, snapshotter: string, key: string): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Remove', { snapshotter, key });
  }

  /** Information about a snapshot. Throws notFound. */
  async stat(ctx: Ctx, snapshotter: string, key: string): Promise<SnapshotInfo> {
    const res = await this.rpc.unary<{ info: SnapshotInfo }>(ctx, SVC, 'Stat', { snapshotter, key });
    return res.info;
  }

  /** Updates a snapshot's labels (`paths`: `labels` or `labels.<k>`). Throws notFound. */
  async update(ctx: Ctx, snapshotter: string, name: string, labels: Labels, paths?: string[]): Promise<SnapshotInfo> {
    const res = await this.rpc.unary<{ info: SnapshotInfo }>(ctx, SVC, 'Update', {
      snapshotter,
      info: { name, labels },
      update_mask: paths ? { paths } : null,
    });
    return res.info;
  }

  /** Snapshots matching the filters (e.g. `parent==x`, `labels."k"`); all when none. */
  async list(ctx: Ctx, snapshotter: string, filters: string[] = []): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for await (const page of this.rpc.serverStream<{ info: SnapshotInfo[] }>(ctx, SVC, 'List', { snapshotter, filters })) {
      out.push(...page.info);
    }
    return out;
  }

  /** Disk usage of a snapshot (for an active one, of its writable layer). Throws notFound. */
  async usage(ctx: Ctx, snapshotter: string, key: string): Promise<SnapshotUsage> {
    return this.rpc.unary<SnapshotUsage>(ctx, SVC, 'Usage', { snapshotter, key });
  }

  /** Asks the snapshotter to release unreferenced resources (notImplemented if unsupported). */
  async cleanup(ctx: Ctx, snapshotter: string): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Cleanup', { snapshotter });
  }
}
