/**
 * The classic builder's cache (moby image/cache): which image a step may reuse instead of
 * running.
 *
 * Local cache (LocalImageCache): a child of the current image, made by this daemon's builder
 * (the parent recorded when it was built; FROM scratch counts as parent ''), whose
 * container_config equals the step's (its Cmd carries the instruction, the build args in
 * effect and the COPY/ADD checksum) and whose config is the one the step would write. Pulled
 * or loaded images are never local cache: they have no recorded parent.
 *
 * With cache-from images (ImageCache): a local hit counts only when it is an ancestor of one of
 * them; else a cache-from image matches when its history starts with the current image's
 * history (and its layers with the current layers) and its next entry's created_by is the
 * step's Cmd joined by spaces. When that entry is its last, the image itself is the hit;
 * otherwise an image of the current one plus that entry (and its layer) is made, and from then
 * on only that cache-from image is followed (moby: "avoid jumping to different target").
 */
import type { ImageRuntimeConfig } from '../oci/index.js';
import type { BuildImage, RestoreRequest } from './backend.js';

export interface CacheProbe {
  /** The build's current image; undefined for scratch. */
  parent?: BuildImage;
  /** The step's container_config (Cmd: the instruction as the history will record it). */
  containerConfig: ImageRuntimeConfig;
  /** The config the step's image would have. */
  config: ImageRuntimeConfig;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** moby isValidParent: `img`'s history and layers start with `parent`'s, and it has more history. */
export function isValidParent(img: BuildImage, parent: BuildImage | undefined): boolean {
  const h = img.config.history ?? [];
  if (h.length === 0) return false;
  const ph = parent?.config.history ?? [];
  const pd = parent?.config.rootfs?.diff_ids ?? [];
  if (!parent || (ph.length === 0 && pd.length === 0)) return true;
  const d = img.config.rootfs?.diff_ids ?? [];
  if (ph.length >= h.length || pd.length > d.length) return false;
  return ph.every((x, i) => same(x, h[i])) && pd.every((x, i) => d[i] === x);
}

/** moby getLocalCachedImage: the newest child of `parent` built here by the same step. */
export function localMatch(images: readonly BuildImage[], p: CacheProbe): BuildImage | undefined {
  const parentId = p.parent?.id ?? '';
  const ph = p.parent?.config.history ?? [];
  let match: BuildImage | undefined;
  for (const img of images) {
    if (img.parent === undefined || img.parent !== parentId) continue;
    const h = img.config.history ?? [];
    if (h.length !== ph.length + 1 || !ph.every((x, i) => same(x, h[i]))) continue;
    if (!same(img.config.container_config ?? {}, p.containerConfig)) continue;
    if (!same(img.config.config ?? {}, p.config)) continue;
    if (!match || Date.parse(img.config.created ?? '') > Date.parse(match.config.created ?? '')) match = img;
  }
  return match;
}

/** moby ImageCache.isParent: whether `ancestor` is a (strict) ancestor of `of` by recorded parents. */
export function isAncestor(images: readonly BuildImage[], of: BuildImage, ancestor: string): boolean {
  const byId = new Map(images.map((i) => [i.id, i]));
  const seen = new Set<string>();
  let cur = of.parent ?? byId.get(of.id)?.parent;
  while (cur && !seen.has(cur)) {
    if (cur === ancestor) return true;
    seen.add(cur);
    cur = byId.get(cur)?.parent;
  }
  return false;
}

/** The cache-from image whose history continues the parent's with this step, if any. */
export function sourceMatch(sources: readonly BuildImage[], p: CacheProbe): BuildImage | undefined {
  const n = p.parent?.config.history?.length ?? 0;
  const want = (p.containerConfig.Cmd ?? []).join(' ');
  return sources.find((t) => isValidParent(t, p.parent) && (t.config.history?.[n]?.created_by ?? '') === want);
}

export class BuildCache {
  private images: Promise<BuildImage[]> | undefined;
  private sources: Promise<BuildImage[]> | undefined;

  constructor(
    private readonly list: () => Promise<BuildImage[]>,
    private readonly restore: (req: RestoreRequest) => Promise<BuildImage>,
  ) {}

  /** Starts listing the local images (once per build: a listing reads every manifest and config). */
  prefetch(): void {
    this.images ??= this.list();
    this.images.catch(() => {});
  }

  /** The cache-from images (those that exist). */
  setSources(sources: Promise<BuildImage[]>): void {
    this.sources = sources;
    sources.catch(() => {});
  }

  /** An image the build made: a candidate for its later steps. */
  async add(img: BuildImage): Promise<void> {
    if (this.images) (await this.images).push(img);
  }

  /** The image the step may reuse, if any (made from a cache-from image when needed). */
  async probe(p: CacheProbe): Promise<BuildImage | undefined> {
    const images = await (this.images ??= this.list());
    const local = localMatch(images, p);
    if (!this.sources) return local;
    const sources = await this.sources;
    if (local && sources.some((s) => isAncestor(images, s, local.id))) return local;
    const target = sourceMatch(sources, p);
    if (!target) return undefined;
    const n = p.parent?.config.history?.length ?? 0;
    if ((target.config.history ?? []).length - 1 === n) return target;
    const restored = await this.restore({ ...(p.parent ? { parent: p.parent } : {}), target, index: n, config: p.containerConfig });
    this.sources = Promise.resolve([target]);
    images.push(restored);
    return restored;
  }
}
