/** The daemon's image service: one object wiring the verb files for the API routes. */
import type { Readable } from 'node:stream';
import { sha256, type Ctx, type Filters } from '../../lib/index.js';
import { chainIds } from '../../snapshots/index.js';
import type {
  AuthConfig,
  AuthResponse,
  DistributionInspect,
  ImageSearchResult,
  ImageDeleteItem,
  ImageHistoryItem,
  ImageInspect,
  ImagesPruneReport,
  ImageSummary,
  JSONMessage,
  PullRequest,
  PushRequest,
} from '../../api/types/index.js';
import { fullName, parseNormalizedNamed, withDefaultTag, parsePlatform, referenceString, type Reference } from '../../oci/index.js';
import { builtOn, importImage, loadImages, saveImages, SNAPSHOTTER, type Image, type LoadResult, type SaveItem } from '../../images/index.js';
import { ImagesServiceBase } from './service.js';
import { listImages } from './list.js';
import { tagImage } from './tag.js';
import { removeImage } from './remove.js';
import { pruneImages } from './prune.js';
import { history, inspect } from './view.js';
import { imagesDiskUsage, type ImagesDiskUsage } from './df.js';
import { pull } from './pull.js';
import { push } from './push.js';
import { distributionInspect, login, search } from './login.js';

export interface ImportRequest {
  source: Readable;
  repo?: string;
  tag?: string;
  changes: string[];
  message?: string;
  platform?: string;
}

export class ImagesService extends ImagesServiceBase {
  list(ctx: Ctx, opts: { all: boolean; filters: Filters; apiVersion: string }): Promise<ImageSummary[]> {
    return listImages(this, ctx, opts);
  }

  async inspect(ctx: Ctx, name: string, apiVersion: string): Promise<ImageInspect> {
    const img = await this.store.resolve(ctx, name);
    return inspect(img, apiVersion, null);
  }

  async history(ctx: Ctx, name: string): Promise<ImageHistoryItem[]> {
    const img = await this.store.resolve(ctx, name);
    const diffIds = img.config.rootfs?.diff_ids ?? [];
    const sizes = await Promise.all(
      chainIds(diffIds, sha256).map((c) => this.store.layerSize(ctx, c).catch(() => 0)),
    );
    // The builder's parent links name the rows of the images it made (Docker's img.Parent walk).
    const ancestors: Image[] = [];
    let cur = img;
    for (let i = 0; i < 1000; i++) {
      const parentId = builtOn(cur.records);
      if (!parentId) break;
      const parent = await this.store.resolve(ctx, parentId).catch(() => undefined);
      if (!parent) break;
      ancestors.push(parent);
      cur = parent;
    }
    return history(img, sizes, ancestors);
  }

  tag(ctx: Ctx, source: string, repo: string, tag: string): Promise<void> {
    return tagImage(this, ctx, source, repo, tag);
  }

  remove(ctx: Ctx, name: string, opts: { force: boolean; noprune: boolean }): Promise<ImageDeleteItem[]> {
    return removeImage(this, ctx, name, opts);
  }

  prune(ctx: Ctx, filters: Filters): Promise<ImagesPruneReport> {
    return pruneImages(this, ctx, filters);
  }

  /** POST /images/create?fromSrc=-: returns the new image ID. */
  async import(ctx: Ctx, req: ImportRequest): Promise<string> {
    const names: Reference[] = [];
    if (req.repo) {
      let ref = parseNormalizedNamed(req.repo);
      if (req.tag) ref = { ...ref, tag: req.tag };
      names.push(withDefaultTag(ref));
    }
    const id = await importImage(ctx, this.store, {
      source: req.source,
      names,
      changes: req.changes,
      message: req.message,
      platform: req.platform ? parsePlatform(req.platform) : undefined,
    });
    this.emit('import', id, id);
    return id;
  }

  /**
   * GET /images/get: `name:tag` saves that tag, a bare repository name every tag of that
   * repository, an ID the image without names. Resolves all names before streaming.
   */
  async save(ctx: Ctx, names: string[]): Promise<Readable> {
    const items = new Map<string, SaveItem>();
    const all = await this.store.list(ctx);
    for (const name of names) {
      const img = await this.store.resolve(ctx, name);
      const item = items.get(img.id) ?? { image: img, names: [] };
      items.set(img.id, item);
      let ref: Reference | undefined;
      try {
        ref = parseNormalizedNamed(name);
      } catch {
        ref = undefined;
      }
      if (!ref || img.id.slice(7).startsWith(name.replace(/^sha256:/, ''))) continue;
      if (ref.tag || ref.digest) {
        const r = withDefaultTag(ref);
        if (r.tag && !item.names.some((n) => referenceString(n) === referenceString(r))) item.names.push(r);
        continue;
      }
      for (const other of all) {
        for (const t of other.tags) {
          if (fullName(t) !== fullName(ref)) continue;
          const it = items.get(other.id) ?? { image: other, names: [] };
          items.set(other.id, it);
          if (!it.names.some((n) => referenceString(n) === referenceString(t))) it.names.push(t);
        }
      }
    }
    for (const it of items.values()) this.emit('save', it.image.id, it.names[0] ? referenceString(it.names[0]) : it.image.id);
    return saveImages(ctx, this.store, [...items.values()]);
  }

  /** POST /images/create?fromImage= (see daemon/images/pull.ts). */
  pull(ctx: Ctx, req: PullRequest): Promise<AsyncIterable<JSONMessage>> {
    return pull(this, ctx, req);
  }

  /** POST /images/{name}/push */
  push(ctx: Ctx, req: PushRequest): Promise<AsyncIterable<JSONMessage>> {
    return push(this, ctx, req);
  }

  /** POST /auth */
  auth(ctx: Ctx, cfg: AuthConfig): Promise<AuthResponse> {
    return login(this, ctx, cfg);
  }

  /** GET /distribution/{name}/json */
  distributionInspect(ctx: Ctx, name: string, auth: AuthConfig | undefined): Promise<DistributionInspect> {
    return distributionInspect(this, ctx, name, auth);
  }

  /** GET /images/search */
  search(ctx: Ctx, opts: { term: string; limit: number; filters: Filters; auth: AuthConfig | undefined }): Promise<ImageSearchResult[]> {
    return search(this, ctx, opts);
  }

  /** POST /images/load */
  async load(ctx: Ctx, input: Readable): Promise<LoadResult> {
    const result = await loadImages(ctx, this.store, input);
    for (const img of result.images) this.emit('load', img.id, img.names[0] ? referenceString(img.names[0]) : img.id);
    return result;
  }

  /** The image rows of /system/df. */
  diskUsage(ctx: Ctx, apiVersion: string): Promise<ImagesDiskUsage> {
    return imagesDiskUsage(this, ctx, apiVersion);
  }

  get snapshotterName(): string {
    return SNAPSHOTTER;
  }
}
