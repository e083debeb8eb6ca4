/** Snapshotter on containerd's snapshots service (overlayfs) and diff service. */
import type { Ctx } from '../lib/index.js';
import type { ContainerdClient } from '../containerd/index.js';
import { UNCOMPRESSED_LAYER, type LayerDescriptor, type Mount, type SnapshotInfo, type SnapshotKind, type Snapshotter } from './snapshotter.js';

const KINDS: Record<string, SnapshotKind> = { VIEW: 'view', ACTIVE: 'active', COMMITTED: 'committed' };

const toInfo = (i: { name: string; parent: string; kind: string; labels: Record<string, string> }): SnapshotInfo => ({
  name: i.name,
  parent: i.parent ?? '',
  kind: KINDS[i.kind] ?? 'unknown',
  labels: i.labels ?? {},
});

const toMounts = (ms: { type: string; source: string; target: string; options: string[] }[]): Mount[] =>
  ms.map((m) => ({ type: m.type, source: m.source, target: m.target, options: m.options }));

export class ContainerdSnapshotter implements Snapshotter {
  constructor(
    private readonly cd: ContainerdClient,
    private readonly name = 'overlayfs',
  ) {}

  withLease(id: string): Snapshotter {
    return new ContainerdSnapshotter(this.cd.withLease(id), this.name);
  }

  async prepare(ctx: Ctx, key: string, parent = '', labels: Record<string, string> = {}): Promise<Mount[]> {
    return toMounts(await this.cd.snapshots.prepare(ctx, this.name, key, parent, labels));
  }

  async view(ctx: Ctx, key: string, parent: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    return toMounts(await this.cd.snapshots.view(ctx, this.name, key, parent, labels));
  }

  async mounts(ctx: Ctx, key: string): Promise<Mount[]> {
    return toMounts(await this.cd.snapshots.mounts(ctx, this.name, key));
  }

  async commit(ctx: Ctx, name: string, key: string, labels: Record<string, string> = {}): Promise<void> {
    await this.cd.snapshots.commit(ctx, this.name, name, key, labels);
  }

  async remove(ctx: Ctx, key: string): Promise<void> {
    await this.cd.snapshots.remove(ctx, this.name, key);
  }

  async stat(ctx: Ctx, key: string): Promise<SnapshotInfo> {
    return toInfo(await this.cd.snapshots.stat(ctx, this.name, key));
  }

  async holdRef(ctx: Ctx, key: string, ref: string, target: string): Promise<void> {
    const label = `containerd.io/gc.ref.snapshot.${this.name}/${ref}`;
    await this.cd.snapshots.update(ctx, this.name, key, { [label]: target }, [`labels.${label}`]);
  }

  async list(ctx: Ctx): Promise<SnapshotInfo[]> {
    return (await this.cd.snapshots.list(ctx, this.name)).map(toInfo);
  }

  async usage(ctx: Ctx, key: string): Promise<{ size: number; inodes: number }> {
    const u = await this.cd.snapshots.usage(ctx, this.name, key);
    return { size: Number(u.size), inodes: Number(u.inodes) };
  }

  async apply(ctx: Ctx, layer: LayerDescriptor, mounts: Mount[]): Promise<string> {
    const applied = await this.cd.diff.apply(
      ctx,
      { media_type: layer.mediaType, digest: layer.digest, size: layer.size, annotations: {} },
      mounts.map((m) => ({ type: m.type, source: m.source, target: m.target ?? '', options: m.options })),
    );
    return applied.digest;
  }

  async diff(ctx: Ctx, lower: Mount[], upper: Mount[], opts: { mediaType?: string; labels?: Record<string, string> } = {}): Promise<LayerDescriptor> {
    const wire = (ms: Mount[]) => ms.map((m) => ({ type: m.type, source: m.source, target: m.target ?? '', options: m.options }));
    const d = await this.cd.diff.diff(ctx, wire(lower), wire(upper), { media_type: opts.mediaType ?? UNCOMPRESSED_LAYER, labels: opts.labels ?? {} });
    return { mediaType: d.media_type, digest: d.digest, size: Number(d.size) };
  }
}
