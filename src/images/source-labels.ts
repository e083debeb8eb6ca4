/**
 * Where a blob came from or went to, as containerd records it: the content label
 * `containerd.io/distribution.source.<registry>` = comma-separated repository paths. Push uses
 * it to mount a layer from another repository of the same registry instead of uploading it.
 */
import type { Ctx } from '../lib/index.js';
import type { ContentStore } from '../content/index.js';

export const SOURCE_LABEL_PREFIX = 'containerd.io/distribution.source.';
/** containerd refuses label values over 4 KiB; keep the newest repositories within that. */
const MAX_VALUE = 4000;

export function sourceLabel(domain: string): string {
  return SOURCE_LABEL_PREFIX + domain;
}

/** Repositories of `domain` a blob is known in (newest first). */
export async function blobSources(ctx: Ctx, content: ContentStore, digest: string, domain: string): Promise<string[]> {
  try {
    const v = (await content.info(ctx, digest)).labels[sourceLabel(domain)];
    return v ? v.split(',').filter(Boolean) : [];
  } catch {
    return [];
  }
}

/** Records that `digest` is in `domain`/`repo`; failures are ignored (the label is a hint). */
export async function addBlobSource(ctx: Ctx, content: ContentStore, digest: string, domain: string, repo: string): Promise<void> {
  const known = await blobSources(ctx, content, digest, domain);
  if (known[0] === repo) return;
  const list = [repo, ...known.filter((r) => r !== repo)];
  while (list.join(',').length > MAX_VALUE) list.pop();
  await content.setLabels(ctx, digest, { [sourceLabel(domain)]: list.join(',') }).catch(() => {});
}
