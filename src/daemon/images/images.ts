/** The daemon's image service: one object wiring the verb files for the API routes. */
import type { Readable } from 'node:stream';
import { sha256, type Ctx, type Filters } from '../../lib/index.js';
import { chainIds } from '../../snapshots/index.js';
import type { ImageDeleteItem, ImageHistoryItem, ImageInspect, ImagesPruneReport, ImageSummary } from '../../api/types/index.js';
import { parseNormalizedNamed, withDefaultTag, parsePlatform, type Reference } from '../../oci/index.js';
import { importImage, SNAPSHOTTER } from '../../images/index.js';
import { ImagesServiceBase } from './service.js';
import { listImages } from './list.js';
import { tagImage } from './tag.js';
import { removeImage } from './remove.js';
import { pruneImages } from './prune.js';
import { history, inspect } from './view.js';

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
      chainIds(diffIds, sha256).map((c) => this.store.snapshotter.usage(ctx, c).then((u) => u.size, () => 0)),
    );
    return history(img, sizes);
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

  get snapshotterName(): string {
    return SNAPSHOTTER;
  }
}
