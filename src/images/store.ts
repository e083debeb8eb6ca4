/**
 * ImageStore: Docker's view of images on top of containerd's content store, snapshots and image
 * records. An image is identified by its config digest (the image ID); every record whose target
 * resolves (through an index, for the host platform) to that config is one of its names.
 *
 * Content layout and GC references, as containerd's own unpacker leaves them:
 *   index    --gc.ref.content.m.<i>-->  manifests
 *   manifest --gc.ref.content.config--> config, --gc.ref.content.l.<i>--> layer blobs
 *   config   --gc.ref.snapshot.overlayfs--> the committed snapshot of the top layer (chain ID);
 *            berth.io/unpacked-size = the summed usage of the layer snapshots
 * Anything written during an operation is held by a lease until the records exist, so a crash
 * mid-way leaves no image (the lease expires and containerd collects the rest).
 */
import { randomBytes } from 'node:crypto';
import { notFound, invalidParameter, sha256, system, type Ctx } from '../lib/index.js';
import {
  MediaType,
  isIndex,
  isManifest,
  hostPlatform,
  platformMatches,
  parseNormalizedNamed,
  withDefaultTag,
  referenceString,
  familiarString,
  type Descriptor,
  type ImageConfig,
  type Index,
  type Manifest,
  type Platform,
  type Reference,
} from '../oci/index.js';
import { GcLabel, type ContentStore, type LeaseManager } from '../content/index.js';
import { chainIds, type Snapshotter } from '../snapshots/index.js';
import { DANGLING_PREFIX, isDanglingName, type ImageRecord, type ImageRecords } from './records.js';

export const SNAPSHOTTER = 'overlayfs';
export const SIZE_LABEL = 'berth.io/unpacked-size';
/** On a committed layer snapshot: the bytes of the regular files of that layer. */
export const LAYER_SIZE_LABEL = 'berth.io/layer-size';
export const LEASE_LABEL = 'berth.io/operation';
/** Leases expire by themselves if berthd dies mid-operation. */
const LEASE_TTL_MS = 60 * 60 * 1000;

/** One image as Docker sees it. */
export interface Image {
  /** sha256 of the config blob. */
  id: string;
  /** Descriptor of the manifest the config was found through. */
  manifest: Descriptor;
  /** The records naming it (tags, digests, dangling). */
  records: ImageRecord[];
  config: ImageConfig;
  layers: Descriptor[];
  /** Canonical tag references (`docker.io/library/busybox:latest`). */
  tags: Reference[];
  /** Canonical digest references (`docker.io/library/busybox@sha256:…`). */
  digests: Reference[];
  /** Unpacked size in bytes. */
  size: number;
  /** Latest update among its tag records (Metadata.LastTagTime). */
  lastTagTime?: Date;
}

export interface StoreDeps {
  records: ImageRecords;
  content: ContentStore;
  snapshotter: Snapshotter;
  leases: LeaseManager;
  platform?: Platform;
}

/** A lease and the content/snapshot views bound to it. */
export interface Leased {
  content: ContentStore;
  snapshotter: Snapshotter;
  /** Keeps committed snapshot `key` (one found existing, not made under the lease) until release. */
  hold(ctx: Ctx, key: string): Promise<void>;
  /** Drops the lease; after a failure pass `collect` to have containerd collect what it held right away. */
  release(collect?: boolean): Promise<void>;
}

export interface NewImage {
  /** The config blob, byte for byte (its digest is the image ID). */
  config: Buffer;
  /** Layer blobs already written to the content store, bottom first. */
  layers: Descriptor[];
  /** Canonical references to point at the image; none makes it dangling. */
  names: Reference[];
  /** The manifest media type to write (Docker schema 2 by default). */
  manifestMediaType?: string;
  /** Per layer, the bytes of its regular files (Docker's layer size); -1 or absent: the snapshot usage counts. */
  layerSizes?: number[];
  /** Labels of the dangling record of an unnamed image (the classic builder's parent link). */
  recordLabels?: Record<string, string>;
}

const HEX_ID_RE = /^(sha256:)?[a-f0-9]{1,64}$/;

export class ImageStore {
  private readonly platform: Platform;
  /** Parsed immutable blobs (manifests, indexes, configs) by digest. Bounded: see remember(). */
  private readonly blobs = new Map<string, unknown>();
  private readonly sizes = new Map<string, number>();

  constructor(private readonly deps: StoreDeps) {
    this.platform = deps.platform ?? hostPlatform();
  }

  get content(): ContentStore {
    return this.deps.content;
  }

  get snapshotter(): Snapshotter {
    return this.deps.snapshotter;
  }

  /** Starts an operation: everything written through the returned views is held until release(). */
  async lease(ctx: Ctx, operation: string): Promise<Leased> {
    const id = await this.deps.leases.create(ctx, { expireAfterMs: LEASE_TTL_MS, labels: { [LEASE_LABEL]: operation } });
    return {
      content: this.deps.content.withLease(id),
      snapshotter: this.deps.snapshotter.withLease(id),
      hold: (c, key) => this.deps.leases.holdSnapshot(c, id, SNAPSHOTTER, key),
      release: (collect = false) => this.deps.leases.delete(ctx, id, { sync: collect }).catch(() => {}),
    };
  }

  /**
   * Runs `fn` under a lease of its own: released when it ends, and after a failure with what it
   * wrote collected right away.
   */
  async withLease<T>(ctx: Ctx, operation: string, fn: (leased: Leased) => Promise<T>): Promise<T> {
    const leased = await this.lease(ctx, operation);
    try {
      return await fn(leased);
    } catch (e) {
      await leased.release(true);
      throw e;
    } finally {
      await leased.release();
    }
  }

  /** Deletes leases left by an earlier berthd that died mid-operation (startup). */
  async releaseStaleLeases(ctx: Ctx): Promise<number> {
    const stale = (await this.deps.leases.list(ctx)).filter((l) => l.labels[LEASE_LABEL] !== undefined);
    for (const l of stale) await this.deps.leases.delete(ctx, l.id).catch(() => {});
    return stale.length;
  }

  private remember(digest: string, value: unknown): void {
    if (this.blobs.size > 4096) this.blobs.clear();
    this.blobs.set(digest, value);
  }

  /** A JSON blob (manifest, index, config), parsed and cached by digest. */
  async readJson<T>(ctx: Ctx, digest: string): Promise<T> {
    const hit = this.blobs.get(digest);
    if (hit) return hit as T;
    const raw = await this.deps.content.readAll(ctx, digest, 16 << 20);
    let v: T;
    try {
      v = JSON.parse(raw.toString('utf8')) as T;
    } catch (e) {
      throw system(`blob ${digest} is not valid JSON`, e);
    }
    this.remember(digest, v);
    return v;
  }

  /** The platform manifest a target resolves to (itself for a manifest; the host's entry of an index). */
  async resolveManifest(ctx: Ctx, target: Descriptor, platform = this.platform): Promise<Descriptor> {
    if (isManifest(target.mediaType)) return target;
    if (isIndex(target.mediaType)) {
      const index = await this.readJson<Index>(ctx, target.digest);
      const m = index.manifests.find((d) => isManifest(d.mediaType) && platformMatches(platform, d.platform));
      if (!m) throw notFound(`no matching manifest for ${platform.os}/${platform.architecture} in the manifest list entries`);
      return m;
    }
    throw invalidParameter(`unsupported image media type ${target.mediaType}`);
  }

  private async unpackedSize(ctx: Ctx, configDigest: string): Promise<number> {
    const cached = this.sizes.get(configDigest);
    if (cached !== undefined) return cached;
    let size = 0;
    try {
      size = Number((await this.deps.content.info(ctx, configDigest)).labels[SIZE_LABEL] ?? 0);
    } catch {
      /* config gone: report 0 */
    }
    this.sizes.set(configDigest, size);
    return size;
  }

  /** Every image, one entry per image ID, names gathered from all records. */
  async list(ctx: Ctx): Promise<Image[]> {
    const records = await this.deps.records.list(ctx);
    // Resolve every record to its manifest and config first (in parallel), then group.
    const resolved = await Promise.all(
      records.map(async (rec) => {
        try {
          const manifestDesc = await this.resolveManifest(ctx, rec.target);
          const manifest = await this.readJson<Manifest>(ctx, manifestDesc.digest);
          const config = await this.readJson<ImageConfig>(ctx, manifest.config.digest);
          const size = await this.unpackedSize(ctx, manifest.config.digest);
          return { rec, manifestDesc, manifest, config, size };
        } catch (e) {
          ctx.log.debug('skipping unreadable image record', { name: rec.name, error: e });
          return undefined;
        }
      }),
    );
    const byId = new Map<string, Image>();
    for (const r of resolved) {
      if (!r) continue;
      const id = r.manifest.config.digest;
      let img = byId.get(id);
      if (!img) {
        img = { id, manifest: r.manifestDesc, records: [], config: r.config, layers: r.manifest.layers, tags: [], digests: [], size: r.size };
        byId.set(id, img);
      }
      img.records.push(r.rec);
      if (isDanglingName(r.rec.name)) continue;
      let ref: Reference;
      try {
        ref = parseNormalizedNamed(r.rec.name);
      } catch {
        continue;
      }
      if (ref.digest && !ref.tag) img.digests.push(ref);
      else if (ref.tag) {
        img.tags.push(ref);
        if (r.rec.updatedAt && (!img.lastTagTime || r.rec.updatedAt > img.lastTagTime)) img.lastTagTime = r.rec.updatedAt;
      }
    }
    const out = [...byId.values()];
    for (const img of out) {
      img.tags.sort((a, b) => referenceString(a).localeCompare(referenceString(b)));
      img.digests.sort((a, b) => referenceString(a).localeCompare(referenceString(b)));
    }
    return out;
  }

  /**
   * Finds an image by reference (`busybox`, `busybox:1`, `name@sha256:…`), full ID
   * (`sha256:…`) or unique ID prefix, as moby's GetImage does. Throws notFound
   * `No such image: <ref>`, or invalidParameter for a malformed reference.
   */
  async resolve(ctx: Ctx, refOrId: string): Promise<Image> {
    return this.pick(await this.list(ctx), refOrId);
  }

  /** resolve() among `images` (a list() the caller has already made). */
  pick(images: Image[], refOrId: string): Image {
    const hexish = HEX_ID_RE.test(refOrId);
    if (hexish && refOrId.startsWith('sha256:') && refOrId.length === 71) {
      const img = images.find((i) => i.id === refOrId);
      if (img) return img;
      throw notFound(`No such image: ${refOrId}`);
    }
    let ref: Reference | undefined;
    try {
      ref = withDefaultTag(parseNormalizedNamed(refOrId));
    } catch (e) {
      if (!hexish) throw e;
    }
    if (ref) {
      const want = referenceString(ref);
      const byName = images.find((i) => i.records.some((r) => r.name === want));
      if (byName) return byName;
      // name@digest also matches an image whose manifest has that digest under another name.
      if (ref.digest) {
        const byDigest = images.find((i) => i.manifest.digest === ref!.digest || i.records.some((r) => r.target.digest === ref!.digest));
        if (byDigest) return byDigest;
      }
    }
    if (hexish) {
      const prefix = refOrId.startsWith('sha256:') ? refOrId : `sha256:${refOrId}`;
      const matches = images.filter((i) => i.id.startsWith(prefix));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw invalidParameter(`ambiguous image reference ${refOrId}: it matches several images`);
    }
    // compat: dockerd names the normalized reference (`No such image: busybox:latest`).
    throw notFound(`No such image: ${ref ? familiarString(ref) : refOrId}`);
  }

  /** The digest record `name` points at; undefined when there is no such record. */
  async recordTarget(ctx: Ctx, name: string): Promise<string | undefined> {
    try {
      return (await this.deps.records.get(ctx, name)).target.digest;
    } catch {
      return undefined;
    }
  }

  /** Every record (name and target). */
  records(ctx: Ctx): Promise<ImageRecord[]> {
    return this.deps.records.list(ctx);
  }

  /**
   * Points `name` (canonical) at `target`; the image it named before turns dangling if nothing
   * else names it. `known` is the record of that name as the caller just listed it (null: none),
   * saving the lookup.
   */
  async setName(ctx: Ctx, name: string, target: Descriptor, labels: Record<string, string> = {}, known?: ImageRecord | null): Promise<void> {
    let previous = known ?? undefined;
    if (known === undefined) {
      try {
        previous = await this.deps.records.get(ctx, name);
      } catch {
        /* new name */
      }
    }
    if (previous && previous.target.digest !== target.digest) await this.keepIfUnnamed(ctx, previous.target, {}, name);
    await this.deps.records.put(ctx, { name, target, labels }, { exists: previous !== undefined });
  }

  /**
   * Leaves a dangling record for `target` (Docker's <none>:<none>) when no record but `leaving`
   * points at it. Called before `leaving` is moved or deleted: an image with no record for a
   * moment is garbage to containerd, whose next GC may take its content in that moment.
   */
  async keepIfUnnamed(ctx: Ctx, target: Descriptor, labels: Record<string, string> = {}, leaving?: string): Promise<void> {
    const all = await this.deps.records.list(ctx);
    if (all.some((r) => r.target.digest === target.digest && r.name !== leaving)) return;
    await this.deps.records.put(ctx, { name: DANGLING_PREFIX + target.digest, target, labels });
  }

  /** Deletes one record; with sync, containerd collects what nothing references any more. */
  async deleteRecord(ctx: Ctx, name: string, sync: boolean): Promise<void> {
    await this.deps.records.delete(ctx, name, { sync });
  }

  /** Drops the cached size of a config (after its size label changed). */
  forget(configDigest: string): void {
    this.sizes.delete(configDigest);
  }

  /**
   * Unpacks `layers` into committed snapshots named by chain ID (skipping those that exist) and
   * returns the top chain ID and the summed usage. Verifies each applied diff ID.
   */
  async unpack(
    ctx: Ctx,
    leased: Leased,
    layers: Descriptor[],
    diffIds: string[],
    layerSizes: number[] = [],
  ): Promise<{ top: string; size: number }> {
    if (layers.length !== diffIds.length) {
      throw invalidParameter(`image has ${layers.length} layers but its config lists ${diffIds.length} diff IDs`);
    }
    const chains = chainIds(diffIds, sha256);
    const stat = (chain: string) => leased.snapshotter.stat(ctx, chain).catch(() => undefined);
    // The highest layer already unpacked is held by the lease before it is looked at: one that
    // nothing references any more (its image was just deleted, a removed container let go of
    // it) is collected by containerd's next GC, which may come while this operation still
    // builds on it. The layers below are its ancestors and stay with it; none above exists.
    let have = -1;
    let found: { labels: Record<string, string> } | undefined;
    for (let i = chains.length - 1; i >= 0 && !found; i--) {
      await leased.hold(ctx, chains[i]!);
      found = await stat(chains[i]!);
      if (found) have = i;
    }
    let size = 0;
    for (let i = 0; i < layers.length; i++) {
      const chain = chains[i]!;
      let info = i === have ? found : i < have ? await stat(chain) : undefined;
      if (!info) {
        const key = `extract-${randomBytes(6).toString('hex')} ${chain}`;
        const mounts = await leased.snapshotter.prepare(ctx, key, i === 0 ? '' : chains[i - 1]!);
        try {
          const applied = await leased.snapshotter.apply(ctx, layers[i]!, mounts);
          if (applied !== diffIds[i]) {
            throw invalidParameter(`layer ${layers[i]!.digest} has diff ID ${applied}, but the image config expects ${diffIds[i]}`);
          }
          const known = layerSizes[i] !== undefined && layerSizes[i]! >= 0 ? layerSizes[i] : undefined;
          await leased.snapshotter.commit(ctx, chain, key, known !== undefined ? { [LAYER_SIZE_LABEL]: String(known) } : {});
          info = { labels: known !== undefined ? { [LAYER_SIZE_LABEL]: String(known) } : {} };
        } catch (e) {
          await leased.snapshotter.remove(ctx, key).catch(() => {});
          throw e;
        }
      }
      size += await this.layerSize(ctx, chain, info.labels);
    }
    return { top: chains[chains.length - 1] ?? '', size };
  }

  /** A committed layer's size: its label when known, else the snapshot's disk usage. */
  async layerSize(ctx: Ctx, chain: string, labels?: Record<string, string>): Promise<number> {
    const l = labels ?? (await this.deps.snapshotter.stat(ctx, chain)).labels;
    const known = l[LAYER_SIZE_LABEL];
    if (known !== undefined) return Number(known);
    return (await this.deps.snapshotter.usage(ctx, chain)).size;
  }

  /**
   * Writes config and manifest, unpacks the layers, then creates the records: the image exists
   * completely or not at all. Returns the manifest descriptor and the image ID.
   */
  async create(ctx: Ctx, leased: Leased, img: NewImage): Promise<{ id: string; manifest: Descriptor }> {
    let config: ImageConfig;
    try {
      config = JSON.parse(img.config.toString('utf8')) as ImageConfig;
    } catch (e) {
      throw invalidParameter(`invalid image config: ${(e as Error).message}`, e);
    }
    const diffIds = config.rootfs?.diff_ids ?? [];
    const { top, size } = await this.unpack(ctx, leased, img.layers, diffIds, img.layerSizes);
    const configLabels: Record<string, string> = { [SIZE_LABEL]: String(size) };
    if (top) configLabels[GcLabel.snapshot(SNAPSHOTTER)] = top;
    const configDesc = await leased.content.write(ctx, img.config, { labels: configLabels });
    await leased.content.setLabels(ctx, configDesc.digest, configLabels);
    this.forget(configDesc.digest);
    const oci = img.manifestMediaType === MediaType.OciManifest;
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: oci ? MediaType.OciManifest : MediaType.DockerManifest,
      config: { mediaType: oci ? MediaType.OciConfig : MediaType.DockerConfig, digest: configDesc.digest, size: configDesc.size },
      layers: img.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 3));
    const gc: Record<string, string> = { [`${GcLabel.contentPrefix}config`]: configDesc.digest };
    img.layers.forEach((l, i) => (gc[`${GcLabel.contentPrefix}l.${i}`] = l.digest));
    const m = await leased.content.write(ctx, manifestBytes, { labels: gc });
    await leased.content.setLabels(ctx, m.digest, gc);
    const target: Descriptor = { mediaType: manifest.mediaType!, digest: m.digest, size: m.size };
    if (img.names.length === 0) {
      await this.keepIfUnnamed(ctx, target, img.recordLabels);
    } else {
      for (const n of img.names) await this.setName(ctx, referenceString(n), target);
    }
    return { id: configDesc.digest, manifest: target };
  }
}
