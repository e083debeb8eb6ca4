/** DELETE /images/{name}: untag or delete, with Docker's conflict rules (moby image_delete.go). */
import { conflict, shortId, type Ctx } from '../../lib/index.js';
import type { ImageDeleteItem } from '../../api/types/index.js';
import { familiarString, parseNormalizedNamed, referenceString, withDefaultTag, type Reference } from '../../oci/index.js';
import { builtOn, type Image } from '../../images/index.js';
import type { ImagesServiceBase } from './service.js';

/** Whether the user named the image by (a prefix of) its ID rather than by a reference. */
function isIdRef(img: Image, ref: string): boolean {
  const hex = ref.startsWith('sha256:') ? ref.slice(7) : ref;
  return /^[a-f0-9]+$/.test(hex) && img.id.slice(7).startsWith(hex);
}

async function checkUsers(svc: ImagesServiceBase, ctx: Ctx, img: Image, force: boolean): Promise<void> {
  const users = await svc.usersOf(ctx, img.id);
  const running = users.find((u) => u.running);
  if (running) {
    throw conflict(`conflict: unable to delete ${shortId(img.id)} (cannot be forced) - image is being used by running container ${shortId(running.id)}`);
  }
  if (!force && users.length > 0) {
    throw conflict(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is being used by stopped container ${shortId(users[0]!.id)}`);
  }
}

/** Deletes every record of the image; containerd collects its content and snapshots. */
export async function deleteWholeImage(svc: ImagesServiceBase, ctx: Ctx, img: Image, out: ImageDeleteItem[]): Promise<void> {
  for (const ref of [...img.tags, ...img.digests]) {
    out.push({ Untagged: familiarString(ref) });
    svc.emitRef('untag', img, ref);
  }
  const names = img.records.map((r) => r.name);
  for (let i = 0; i < names.length; i++) await svc.store.deleteRecord(ctx, names[i]!, i === names.length - 1);
  out.push({ Deleted: img.id });
  svc.emit('delete', img.id, img.id);
}

/** The parent the classic builder recorded for `img`, if any. */
export function buildParentOf(img: Image): string | undefined {
  return builtOn(img.records) || undefined;
}

/** IDs of the images some other image names as its build parent. */
export async function buildParents(svc: ImagesServiceBase, ctx: Ctx): Promise<Set<string>> {
  const all = await svc.store.list(ctx);
  return new Set(all.map(buildParentOf).filter((x): x is string => !!x));
}

/**
 * After `child` was deleted: its untagged build parents that no other image and no container
 * uses go too, up the chain (moby's imageDeleteHelper with prune, the default of docker rmi).
 */
export async function pruneParents(svc: ImagesServiceBase, ctx: Ctx, parentId: string | undefined, out: ImageDeleteItem[]): Promise<number> {
  let reclaimed = 0;
  let next = parentId;
  while (next) {
    const parent = await svc.store.resolve(ctx, next).catch(() => undefined);
    if (!parent || parent.tags.length > 0 || parent.digests.length > 0) break;
    if ((await buildParents(svc, ctx)).has(parent.id)) break;
    if ((await svc.usersOf(ctx, parent.id)).length > 0) break;
    next = buildParentOf(parent);
    await deleteWholeImage(svc, ctx, parent, out);
    reclaimed += parent.size;
  }
  return reclaimed;
}

export async function removeImage(
  svc: ImagesServiceBase,
  ctx: Ctx,
  name: string,
  opts: { force: boolean; noprune: boolean },
): Promise<ImageDeleteItem[]> {
  const img = await svc.store.resolve(ctx, name);
  const out: ImageDeleteItem[] = [];
  if (!isIdRef(img, name)) {
    const ref: Reference = withDefaultTag(parseNormalizedNamed(name));
    const refName = referenceString(ref);
    const others = img.tags.filter((t) => referenceString(t) !== refName);
    if (others.length > 0 || ref.digest) {
      // Other tags keep the image: just drop this name.
      if (img.records.some((r) => r.name === refName)) {
        if (others.length === 0) await svc.store.keepIfUnnamed(ctx, img.manifest, {}, refName);
        await svc.store.deleteRecord(ctx, refName, false);
        out.push({ Untagged: familiarString(ref) });
        svc.emitRef('untag', img, ref);
        return out;
      }
    }
    const users = await svc.usersOf(ctx, img.id);
    if (users.length > 0 && !opts.force) {
      if (users.some((u) => u.running)) await checkUsers(svc, ctx, img, false);
      throw conflict(
        `conflict: unable to remove repository reference "${name}" (must force) - container ${shortId(users[0]!.id)} is using its referenced image ${shortId(img.id)}`,
      );
    }
    if (users.length > 0) {
      // Forced while a stopped container uses it: untag, keep the image dangling.
      await svc.store.keepIfUnnamed(ctx, img.manifest, {}, refName);
      await svc.store.deleteRecord(ctx, refName, false);
      out.push({ Untagged: familiarString(ref) });
      svc.emitRef('untag', img, ref);
      return out;
    }
    await deleteWholeImage(svc, ctx, img, out);
    if (!opts.noprune) await pruneParents(svc, ctx, buildParentOf(img), out);
    return out;
  }
  if (img.tags.length > 1 && !opts.force) {
    throw conflict(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is referenced in multiple repositories`);
  }
  await checkUsers(svc, ctx, img, opts.force);
  // compat: an image another was built on cannot be deleted by its ID, not even forced (moby)
  if ((await buildParents(svc, ctx)).has(img.id)) {
    throw conflict(`conflict: unable to delete ${shortId(img.id)} (cannot be forced) - image has dependent child images`);
  }
  await deleteWholeImage(svc, ctx, img, out);
  if (!opts.noprune) await pruneParents(svc, ctx, buildParentOf(img), out);
  return out;
}
