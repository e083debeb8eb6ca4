/** POST /images/{name}/tag */
import { invalidParameter, type Ctx } from '../../lib/index.js';
import { isValidTag, parseNormalizedNamed, referenceString, withDefaultTag } from '../../oci/index.js';
import { builtOn, builtOnLabels } from '../../images/index.js';
import type { ImagesServiceBase } from './service.js';

export async function tagImage(svc: ImagesServiceBase, ctx: Ctx, source: string, repo: string, tag: string): Promise<void> {
  const images = await svc.store.list(ctx);
  const img = svc.store.pick(images, source);
  if (tag && !isValidTag(tag)) throw invalidParameter(`invalid tag format`);
  let ref = parseNormalizedNamed(repo);
  if (ref.digest) throw invalidParameter('refusing to create a tag with a digest reference');
  if (ref.tag && tag) throw invalidParameter('refusing to create an ambiguous tag using digest algorithm as name');
  if (tag) ref = { ...ref, tag };
  ref = withDefaultTag(ref);
  // The builder's parent link (or its FROM scratch mark) travels from the dangling record to the name.
  const name = referenceString(ref);
  const previous = images.flatMap((i) => i.records).find((r) => r.name === name) ?? null;
  await svc.store.setName(ctx, name, img.manifest, builtOnLabels(builtOn(img.records)), previous);
  // The image lost its dangling record, if it had one.
  for (const r of img.records) if (r.name.startsWith('moby-dangling@')) await svc.store.deleteRecord(ctx, r.name, false);
  svc.emitRef('tag', img, ref);
}
