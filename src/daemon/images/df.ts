/** The image part of GET /system/df: per-image shared size and the total size of all layers. */
import { sha256, type Ctx } from '../../lib/index.js';
import type { ImageSummary } from '../../api/types/index.js';
import { chainIds } from '../../snapshots/index.js';
import type { ImagesServiceBase } from './service.js';
import { summary } from './view.js';

export interface ImagesDiskUsage {
  layersSize: number;
  images: ImageSummary[];
}

export async function imagesDiskUsage(svc: ImagesServiceBase, ctx: Ctx, apiVersion: string): Promise<ImagesDiskUsage> {
  const images = await svc.store.list(ctx);
  const chainsOf = new Map<string, string[]>();
  const refs = new Map<string, number>();
  for (const img of images) {
    const chains = chainIds(img.config.rootfs?.diff_ids ?? [], sha256);
    chainsOf.set(img.id, chains);
    for (const c of chains) refs.set(c, (refs.get(c) ?? 0) + 1);
  }
  const usage = new Map<string, number>();
  await Promise.all(
    [...refs.keys()].map(async (c) => usage.set(c, await svc.store.layerSize(ctx, c).catch(() => 0))),
  );
  const rows: ImageSummary[] = [];
  for (const img of images) {
    const s = summary(img, apiVersion);
    s.SharedSize = chainsOf.get(img.id)!.filter((c) => refs.get(c)! > 1).reduce((n, c) => n + usage.get(c)!, 0);
    s.Containers = (await svc.usersOf(ctx, img.id)).length;
    rows.push(s);
  }
  return { layersSize: [...usage.values()].reduce((a, b) => a + b, 0), images: rows };
}
