/** POST /images/prune: dangling images (or, with dangling=false, all unused ones). */
import { Filters, type Ctx } from '../../lib/index.js';
import type { ImagesPruneReport, ImageDeleteItem } from '../../api/types/index.js';
import type { ImagesServiceBase } from './service.js';
import { buildParentOf, buildParents, deleteWholeImage, pruneParents } from './remove.js';
import { matchingImages } from './list.js';

export const IMAGE_PRUNE_FILTERS = ['dangling', 'until', 'label', 'label!'] as const;

export async function pruneImages(svc: ImagesServiceBase, ctx: Ctx, filters: Filters): Promise<ImagesPruneReport> {
  filters.validate(IMAGE_PRUNE_FILTERS);
  const f = Filters.fromEntries(Object.fromEntries(filters.keys().map((k) => [k, filters.get(k)])));
  if (!f.has('dangling')) f.add('dangling', 'true');
  const onlyDangling = f.bool('dangling') !== false;
  // dangling=false means "all unused", not "only tagged".
  const list = onlyDangling ? f : Filters.fromEntries(Object.fromEntries(f.keys().filter((k) => k !== 'dangling').map((k) => [k, f.get(k)])));
  const candidates = await matchingImages(svc, ctx, list);
  const deleted: ImageDeleteItem[] = [];
  let reclaimed = 0;
  // compat: only the heads (images no other image was built on); deleting one prunes its
  // untagged build parents too, as moby's prune does through image delete
  const parents = await buildParents(svc, ctx);
  for (const img of candidates) {
    if (onlyDangling && parents.has(img.id)) continue;
    if (deleted.some((d) => d.Deleted === img.id)) continue;
    if ((await svc.usersOf(ctx, img.id)).length > 0) continue;
    await deleteWholeImage(svc, ctx, img, deleted);
    reclaimed += img.size;
    if (onlyDangling) reclaimed += await pruneParents(svc, ctx, buildParentOf(img), deleted);
  }
  svc.deps.events.publish({ type: 'image', action: 'prune', actorId: '', attributes: { reclaimed: String(reclaimed) } });
  return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
}
