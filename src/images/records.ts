/**
 * ImageRecords: the name -> target descriptor table (containerd's image service). Names are
 * canonical references: `docker.io/library/busybox:latest` for tags,
 * `docker.io/library/busybox@sha256:…` for repo digests, and `moby-dangling@sha256:…` for
 * images that lost their last name (moby's containerd image store does the same).
 * The containerd-backed implementation lives in daemon/ (images/ does not import containerd).
 */
import type { Ctx } from '../lib/index.js';
import type { Descriptor } from '../oci/index.js';

export interface ImageRecord {
  name: string;
  target: Descriptor;
  labels: Record<string, string>;
  createdAt?: Date;
  updatedAt?: Date;
}

export interface ImageRecords {
  /** Throws notFound. */
  get(ctx: Ctx, name: string): Promise<ImageRecord>;
  list(ctx: Ctx): Promise<ImageRecord[]>;
  /**
   * Creates or replaces the record `rec.name`. `exists` says which is likely (a record of that
   * name was just read): it is then replaced first and created only if it went meanwhile.
   */
  put(ctx: Ctx, rec: ImageRecord, opts?: { exists?: boolean }): Promise<void>;
  /** Deletes a record; with sync, containerd's GC runs before this returns. Throws notFound. */
  delete(ctx: Ctx, name: string, opts?: { sync?: boolean }): Promise<void>;
}

export const DANGLING_PREFIX = 'moby-dangling@';

/**
 * On the dangling record of an image the classic builder made: its parent's ID (moby's
 * containerd image store uses the same label). `docker images` hides untagged images that are
 * some image's parent, as Docker hides intermediate images.
 */
export const BUILD_PARENT_LABEL = 'org.mobyproject.image.parent';

/** On the dangling record of an image the classic builder made FROM scratch: "1" (moby's label too). */
export const BUILD_FROM_SCRATCH_LABEL = 'org.mobyproject.image.fromscratch';

/**
 * What the classic builder recorded its image (`records`) was built on: the parent's ID, `''`
 * FROM scratch; undefined for an image it did not make (pulled, loaded, imported).
 */
export function builtOn(records: readonly { labels: Record<string, string> }[]): string | undefined {
  const parent = records.map((r) => r.labels[BUILD_PARENT_LABEL]).find((x) => !!x);
  if (parent) return parent;
  return records.some((r) => r.labels[BUILD_FROM_SCRATCH_LABEL] === '1') ? '' : undefined;
}

/** The record labels that say an image was built on `parent` (builtOn's inverse; none for undefined). */
export function builtOnLabels(parent: string | undefined): Record<string, string> {
  if (parent === undefined) return {};
  return parent ? { [BUILD_PARENT_LABEL]: parent } : { [BUILD_FROM_SCRATCH_LABEL]: '1' };
}

export function isDanglingName(name: string): boolean {
  return name.startsWith(DANGLING_PREFIX);
}
