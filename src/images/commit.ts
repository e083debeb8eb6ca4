/**
 * `docker commit`: a new image from a container's rw layer (moby daemon/images/image_commit.go
 * and image.NewChildImage; the layer comes from containerd's differ, as in moby's containerd
 * store). The layer is the diff of the rw snapshot against its parent, uncompressed (its digest
 * is the diff ID); a container that changed nothing adds no layer, only a history entry with
 * empty_layer. The config is the parent's with the new runtime config, the container's ID and
 * config, and one more history entry (created_by: the container's Cmd joined by spaces).
 *
 * Docker keeps the files its runtime bind-mounts over (/etc/hostname, /etc/hosts,
 * /etc/resolv.conf) in an init layer below the rw layer, so they never reach a commit. Berth has
 * no init layer: runc leaves them in the rw layer as empty mount points, and they are dropped
 * from the committed layer here (`runtimeFiles`), with their directory when nothing else of it
 * changed.
 */
import { randomBytes } from 'node:crypto';
import { rfc3339Nano, scanTar, transformTar, type Ctx, type IdMap } from '../lib/index.js';
import { MediaType, hostPlatform, type Descriptor, type History, type ImageConfig, type ImageRuntimeConfig, type Reference } from '../oci/index.js';
import type { ImageStore, Image } from './store.js';

export interface CommitOptions {
  /** The container's rw snapshot (active). */
  snapshotKey: string;
  containerId: string;
  /** The image the container was created from; undefined when it is gone (one layer with everything then). */
  parent?: Image;
  /** The new image's runtime config (the container's, with the --change instructions applied). */
  config: ImageRuntimeConfig;
  /** The container's config (container_config; its Cmd makes the history's created_by). */
  containerConfig: ImageRuntimeConfig;
  author?: string;
  comment?: string;
  names: Reference[];
  /** Layer paths (`etc/hosts`) that are the runtime's mount points when empty files. */
  runtimeFiles?: string[];
  /** Layer paths (`proc`) that are the runtime's mount points when empty directories. */
  runtimeDirs?: string[];
  now?: Date;
  /** Entry times later than this are set to it (reproducible builds: buildkit's rewrite-timestamp). */
  clampMtime?: Date;
  /** The layer's owners as the image must carry them (a `--userns-remap` container's files hold host ids). */
  ids?: IdMap;
  /** Labels of the dangling record when `names` is empty. */
  recordLabels?: Record<string, string>;
}

interface LayerScan {
  entries: number;
  /** Bytes of the regular files (Docker's layer size). */
  fileBytes: number;
  /** Entries to leave out of the committed layer. */
  drop: Set<string>;
}

/** Reads a layer tar's headers: its size as Docker counts it, and the mount-point leftovers. */
async function scanLayer(ctx: Ctx, store: ImageStore, digest: string, runtimeFiles: string[], runtimeDirs: string[]): Promise<LayerScan> {
  const names: { name: string; dir: boolean }[] = [];
  const drop = new Set<string>();
  let fileBytes = 0;
  await scanTar(store.content.read(ctx, digest) as AsyncIterable<Buffer>, (h) => {
    const name = h.name.replace(/^\.?\//, '').replace(/\/$/, '');
    names.push({ name, dir: h.type === 'directory' });
    if (h.type === 'file' || h.type === 'contiguous-file') {
      fileBytes += h.size ?? 0;
      if ((h.size ?? 0) === 0 && runtimeFiles.includes(name)) drop.add(name);
    }
  });
  // A directory goes too when all it holds is dropped (runc made it, or copied it up, for them).
  for (const { name, dir } of names) {
    if (!dir) continue;
    const inside = names.filter((n) => n.name.startsWith(`${name}/`));
    if (inside.length > 0 ? inside.every((n) => drop.has(n.name)) : runtimeDirs.includes(name)) drop.add(name);
  }
  return { entries: names.length - drop.size, fileBytes, drop };
}

/** Commits the container's changes as an image; returns its ID. */
export async function commitImage(ctx: Ctx, store: ImageStore, opts: CommitOptions): Promise<string> {
  const leased = await store.lease(ctx, 'commit');
  const viewKey = `commit-parent-view-${randomBytes(6).toString('hex')}`;
  let view = false;
  try {
    const info = await leased.snapshotter.stat(ctx, opts.snapshotKey);
    const upper = await leased.snapshotter.mounts(ctx, opts.snapshotKey);
    // Without the parent image (removed meanwhile) the layer holds the whole root filesystem.
    let lower: Awaited<ReturnType<typeof leased.snapshotter.view>> = [];
    if (info.parent && opts.parent) {
      lower = await leased.snapshotter.view(ctx, viewKey, info.parent);
      view = true;
    }
    let layer = await leased.snapshotter.diff(ctx, lower, upper);
    const scan = await scanLayer(ctx, store, layer.digest, opts.runtimeFiles ?? [], opts.runtimeDirs ?? []);
    const empty = scan.entries === 0;
    const clamp = opts.clampMtime;
    const ids = opts.ids;
    if (!empty && (scan.drop.size > 0 || clamp || ids)) {
      const kept = transformTar(store.content.read(ctx, layer.digest) as AsyncIterable<Buffer>, (h) => {
        if (scan.drop.has(h.name.replace(/^\.?\//, '').replace(/\/$/, ''))) return null;
        const owned = ids ? { ...h, uid: ids.uid(h.uid ?? 0), gid: ids.gid(h.gid ?? 0) } : h;
        return clamp && h.mtime && h.mtime.getTime() > clamp.getTime() ? { ...owned, mtime: clamp } : owned;
      });
      const written = await leased.content.write(ctx, kept as AsyncIterable<Buffer>);
      layer = { ...layer, digest: written.digest, size: written.size };
    }
    const base = opts.parent?.config;
    const platform = hostPlatform();
    const created = rfc3339Nano(BigInt(opts.now?.getTime() ?? Date.now()) * 1_000_000n);
    const history: History = {
      created,
      ...(opts.author ? { author: opts.author } : {}),
      created_by: (opts.containerConfig.Cmd ?? []).join(' '),
      ...(opts.comment ? { comment: opts.comment } : {}),
      ...(empty ? { empty_layer: true } : {}),
    };
    // Key order as Go marshals image.Image (V1Image's fields, then rootfs and history).
    const config: ImageConfig = {
      ...(opts.comment ? { comment: opts.comment } : {}),
      created,
      ...(opts.containerId ? { container: opts.containerId } : {}),
      container_config: opts.containerConfig,
      ...(opts.author ? { author: opts.author } : {}),
      config: opts.config,
      architecture: base?.architecture || platform.architecture,
      ...(base?.variant ? { variant: base.variant } : {}),
      os: base?.os || platform.os,
      rootfs: { type: 'layers', diff_ids: [...(base?.rootfs?.diff_ids ?? []), ...(empty ? [] : [layer.digest])] },
      history: [...(base?.history ?? []), history],
      ...(base?.['os.version'] ? { 'os.version': base['os.version'] } : {}),
    };
    const layers: Descriptor[] = [...(opts.parent?.layers ?? []), ...(empty ? [] : [{ mediaType: MediaType.DockerLayer, digest: layer.digest, size: layer.size }])];
    const layerSizes = layers.map((_, i) => (i === layers.length - 1 && !empty ? scan.fileBytes : -1));
    const { id } = await store.create(ctx, leased, { config: Buffer.from(JSON.stringify(config)), layers, names: opts.names, layerSizes, recordLabels: opts.recordLabels });
    return id;
  } catch (e) {
    if (view) await leased.snapshotter.remove(ctx, viewKey).catch(() => {});
    view = false;
    await leased.release(true);
    throw e;
  } finally {
    if (view) await leased.snapshotter.remove(ctx, viewKey).catch(() => {});
    await leased.release();
  }
}
