/**
 * `docker push`: for each tag pushed (the given one, or every tag of the repository), upload the
 * layers the registry lacks (HEAD first; five at a time), the config, then PUT the manifest
 * under the tag; an index target pushes its platform manifests, then the index (or, when only
 * some platforms are here, the host platform's image alone).
 * The pushed digest is recorded as a repo digest (`name@sha256:…`), as dockerd does.
 *
 * Progress, as dockerd reports it (layer ids are 12 hex of the diff ID; top layer first):
 *   The push refers to repository [<name>] · Preparing · Layer already exists | Pushing (bytes)
 *   · Pushed · <tag>: digest: sha256:… size: N · aux {Tag, Digest, Size}
 */
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { notFound, shortId, type Ctx } from '../lib/index.js';
import {
  familiarName,
  fullName,
  isIndex,
  isManifest,
  parseNormalizedNamed,
  type Descriptor,
  type ImageConfig,
  type Index,
  type Manifest,
  type Reference,
} from '../oci/index.js';
import type { Credentials, RegistryClient, Repository } from '../registry/client/index.js';
import { ProgressChannel, forEachLimit, throttled, type Progress } from './progress.js';
import type { ImageStore } from './store.js';
import { addBlobSource, blobSources } from './source-labels.js';

export const MAX_CONCURRENT_UPLOADS = 5;

export interface PushOptions {
  /** The repository, with the tag to push; without a tag every tag of the repository. */
  ref: Reference;
  registry: RegistryClient;
  credentials?: Credentials;
}

export interface PushedTag {
  tag: string;
  digest: string;
  size: number;
}

/**
 * Finds what to push (throws notFound with Docker's wording before any progress), then returns
 * the progress of the push; `result` resolves with the pushed tags.
 */
export async function pushImage(
  ctx: Ctx,
  store: ImageStore,
  opts: PushOptions,
): Promise<{ progress: AsyncIterable<Progress>; result: Promise<PushedTag[]> }> {
  const name = fullName(opts.ref);
  const records = (await store.records(ctx)).filter((r) => {
    try {
      const ref = parseNormalizedNamed(r.name);
      return fullName(ref) === name && !!ref.tag && !ref.digest && (!opts.ref.tag || ref.tag === opts.ref.tag);
    } catch {
      return false;
    }
  });
  if (records.length === 0) {
    // compat: dockerd's wording (distribution/push.go)
    throw notFound(`An image does not exist locally with the tag: ${familiarName(opts.ref)}`);
  }
  const tags = records
    .map((r) => ({ tag: parseNormalizedNamed(r.name).tag!, target: r.target }))
    .sort((a, b) => a.tag.localeCompare(b.tag));
  const repo = opts.registry.repository(opts.ref, opts.credentials);
  const ch = new ProgressChannel();
  const result = (async () => {
    ch.push({ status: `The push refers to repository [${familiarName(opts.ref)}]` });
    const pushed: PushedTag[] = [];
    for (const t of tags) {
      let target = t.target;
      let bytes = await store.content.readAll(ctx, target.digest, 4 << 20);
      if (isIndex(target.mediaType)) {
        const index = JSON.parse(bytes.toString('utf8')) as Index;
        const have = await Promise.all(index.manifests.map((m) => store.content.info(ctx, m.digest).then(() => true, () => false)));
        if (have.every(Boolean)) {
          for (const m of index.manifests) if (isManifest(m.mediaType)) await pushManifest(ctx, store, repo, m, ch);
        } else {
          // Only some platforms are here (a pull keeps the host's): push this platform's image
          // under the tag, as the classic Docker store does.
          target = await store.resolveManifest(ctx, target);
          bytes = await store.content.readAll(ctx, target.digest, 4 << 20);
          await pushBlobs(ctx, store, repo, JSON.parse(bytes.toString('utf8')) as Manifest, ch);
        }
      } else {
        await pushBlobs(ctx, store, repo, JSON.parse(bytes.toString('utf8')) as Manifest, ch);
      }
      const digest = await repo.putManifest(ctx, t.tag, target.mediaType, bytes);
      ch.push({ status: `${t.tag}: digest: ${digest} size: ${bytes.length}` });
      ch.push({ aux: { Tag: t.tag, Digest: digest, Size: bytes.length }, status: '' });
      if ((await store.recordTarget(ctx, `${name}@${digest}`)) !== t.target.digest) await store.setName(ctx, `${name}@${digest}`, t.target);
      pushed.push({ tag: t.tag, digest, size: bytes.length });
    }
    return pushed;
  })();
  result.then(
    () => ch.close(),
    (e) => ch.fail(e),
  );
  return { progress: ch, result };
}

/** Pushes a platform manifest of an index (its blobs, then the manifest by digest). */
async function pushManifest(ctx: Ctx, store: ImageStore, repo: Repository, desc: Descriptor, ch: ProgressChannel): Promise<void> {
  const bytes = await store.content.readAll(ctx, desc.digest, 4 << 20);
  await pushBlobs(ctx, store, repo, JSON.parse(bytes.toString('utf8')) as Manifest, ch);
  await repo.putManifest(ctx, desc.digest, desc.mediaType, bytes);
}

async function pushBlobs(ctx: Ctx, store: ImageStore, repo: Repository, manifest: Manifest, ch: ProgressChannel): Promise<void> {
  const config = await store.readJson<ImageConfig>(ctx, manifest.config.digest);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const order = manifest.layers.map((l, i) => ({ l, id: shortId(diffIds[i] ?? l.digest) })).reverse();
  const unique = order.filter((x, i) => order.findIndex((y) => y.l.digest === x.l.digest) === i);
  for (const { id } of unique) ch.push({ id, status: 'Preparing' });
  await forEachLimit(unique, MAX_CONCURRENT_UPLOADS, async ({ l, id }) => {
    const { domain, path } = repo.ref;
    if ((await repo.statBlob(ctx, l.digest, true)) !== undefined) {
      ch.push({ id, status: 'Layer already exists' });
      await addBlobSource(ctx, store.content, l.digest, domain, path);
      return;
    }
    for (const from of (await blobSources(ctx, store.content, l.digest, domain)).filter((r) => r !== path).slice(0, 3)) {
      if (await repo.mountBlob(ctx, l.digest, from).catch(() => false)) {
        ch.push({ id, status: `Mounted from ${from}` });
        await addBlobSource(ctx, store.content, l.digest, domain, path);
        return;
      }
    }
    let current = 0;
    const report = throttled((c) => ch.push({ id, status: 'Pushing', current: c, total: l.size }));
    await repo.pushBlob(ctx, l.digest, l.size, () => {
      current = 0;
      const counter = new Transform({
        transform(c: Buffer, _enc, cb) {
          report.update((current += c.length));
          cb(null, c);
        },
      });
      pipeline(store.content.read(ctx, l.digest), counter).catch((e: Error) => counter.destroy(e));
      return counter;
    });
    report.flush();
    ch.push({ id, status: 'Pushed' });
    await addBlobSource(ctx, store.content, l.digest, domain, path);
  });
  if ((await repo.statBlob(ctx, manifest.config.digest, true)) === undefined) {
    const cfg = await store.content.info(ctx, manifest.config.digest);
    await repo.pushBlob(ctx, manifest.config.digest, cfg.size, () => store.content.read(ctx, manifest.config.digest));
  }
}
