/** GET /images/json: list with Docker's filters (dangling, label, before, since, reference, until). */
import { Filters, invalidParameter, type Ctx } from '../../lib/index.js';
import type { ImageSummary } from '../../api/types/index.js';
import { parseNormalizedNamed, familiarName, familiarString } from '../../oci/index.js';
import { BUILD_PARENT_LABEL, type Image } from '../../images/index.js';
import type { ImagesServiceBase } from './service.js';
import { createdSeconds, summary } from './view.js';

export const IMAGE_LIST_FILTERS = ['dangling', 'label', 'label!', 'before', 'since', 'reference', 'until'] as const;

/** `until` values: unix seconds (with fraction), RFC 3339, or a Go duration back from now. */
export function parseTimestamp(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Math.floor(parseFloat(value));
  const d = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(value);
  if (d) {
    const mult: Record<string, number> = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    return Math.floor(now / 1000 - parseFloat(d[1]!) * mult[d[2]!]!);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalidParameter(`failed to parse value as time or duration: "${value}"`);
  return Math.floor(t / 1000);
}

/** Glob match of a familiar reference against a `reference=` pattern (path.Match semantics). */
function refMatches(pattern: string, candidates: string[]): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
  return candidates.some((c) => re.test(c));
}

export async function matchingImages(svc: ImagesServiceBase, ctx: Ctx, filters: Filters): Promise<Image[]> {
  filters.validate(IMAGE_LIST_FILTERS);
  let images = await svc.store.list(ctx);
  const dangling = filters.bool('dangling');
  if (dangling !== undefined) images = images.filter((i) => (i.tags.length === 0) === dangling);
  if (dangling === true) {
    // compat: dangling means untagged *heads*: an image another was built on never is (moby's imageStore.Heads)
    const parents = new Set(images.length ? (await svc.store.list(ctx)).flatMap((i) => i.records.map((r) => r.labels[BUILD_PARENT_LABEL]).filter((x): x is string => !!x)) : []);
    images = images.filter((i) => !parents.has(i.id));
  }
  images = images.filter((i) => filters.matchKVList('label', i.config.config?.Labels));
  for (const neg of filters.get('label!')) {
    images = images.filter((i) => !Filters.fromEntries({ label: [neg] }).matchKVList('label', i.config.config?.Labels ?? {}));
  }
  for (const key of ['before', 'since'] as const) {
    for (const ref of filters.get(key)) {
      const pivot = await svc.store.resolve(ctx, ref);
      const t = createdSeconds(pivot);
      images = images.filter((i) => (key === 'before' ? createdSeconds(i) < t : createdSeconds(i) > t));
    }
  }
  for (const u of filters.get('until')) {
    const t = parseTimestamp(u);
    images = images.filter((i) => createdSeconds(i) < t);
  }
  const refs = filters.get('reference');
  if (refs.length > 0) {
    images = images.filter((i) => {
      const names = i.tags.flatMap((t) => [familiarString(t), familiarName(t)]);
      return refs.some((r) => {
        try {
          parseNormalizedNamed(r.replace(/\*/g, 'x'));
        } catch {
          /* patterns need not be valid references */
        }
        return refMatches(r, names);
      });
    });
  }
  return images;
}

export async function listImages(
  svc: ImagesServiceBase,
  ctx: Ctx,
  opts: { all: boolean; filters: Filters; apiVersion: string },
): Promise<ImageSummary[]> {
  let images = await matchingImages(svc, ctx, opts.filters);
  if (!opts.all) {
    // compat: intermediate images (untagged parents of other images) only show with -a
    const parents = new Set((await svc.store.list(ctx)).flatMap((i) => i.records.map((r) => r.labels[BUILD_PARENT_LABEL]).filter((x): x is string => !!x)));
    images = images.filter((i) => i.tags.length > 0 || !parents.has(i.id));
  }
  return images
    .map((i) => summary(i, opts.apiVersion))
    .sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id));
}
