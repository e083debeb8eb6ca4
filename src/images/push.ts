/**
 * `docker push`: for each tag pushed (the given one, or every tag of the repository), upload the
 * layers the registry lacks (HEAD first; five at a time), the config, then PUT the manifest
 * under the tag; an index target pushes its platform manifests, then the index (or, when only
 * some platforms are here, the host platform's image alone).
 * The pushed digest is recorded as a repo digest (`name@sha256:…`), as dockerd does.
 * Uncompressed layers are sent gzip-compressed (see compress.ts): the pushed manifest (and an
 * index over it) then lists the gzip blobs, while the local image keeps its own manifest.
 *
 * Progress, as dockerd reports it (layer ids are 12 hex of the diff ID; top layer first):
 *   The push refers to repository [<name>] · Preparing · Layer already exists | Pushing (bytes)
 *   · Pushed · <tag>: digest: sha256:… size: N · aux {Tag, Digest, Size}
 */
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { notFound, sha256, shortId, system, type Ctx } from '../lib/index.js';
import { GcLabel, type ContentStore } from '../content/index.js';
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
import type { ImageStore, Leased } from './store.js';
import { addBlobSource, blobSources } from './source-labels.js';
import { compressLayer, gzipMediaType, GZIP_LABEL, MANIFEST_GZIP_PREFIX, type Compression } from './compress.js';

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
    // The lease holds gzip blobs written by this push until the labels that keep them are set;
    // taken when the first one is written (a push of layers the registry has writes none).
    let leased: Promise<Leased> | undefined;
    const p: Pusher = { store, lease: () => (leased ??= store.lease(ctx, 'push')), repo, ch };
    try {
      const pushed: PushedTag[] = [];
      for (const t of tags) {
        let target = t.target;
        let bytes = await store.content.readAll(ctx, target.digest, 4 << 20);
        if (isIndex(target.mediaType)) {
          const index = JSON.parse(bytes.toString('utf8')) as Index;
          const have = await Promise.all(index.manifests.map((m) => store.content.info(ctx, m.digest).then(() => true, () => false)));
          if (have.every(Boolean)) {
            const manifests: Descriptor[] = [];
            for (const m of index.manifests) manifests.push(isManifest(m.mediaType) ? await pushManifest(ctx, p, m) : m);
            // Platform manifests whose layers were compressed have new digests: so has the index.
            if (manifests.some((m, i) => m.digest !== index.manifests[i]!.digest)) {
              bytes = Buffer.from(JSON.stringify({ ...index, manifests }, null, 3));
            }
          } else {
            // Only some platforms are here (a pull keeps the host's): push this platform's image
            // under the tag, as the classic Docker store does.
            target = await store.resolveManifest(ctx, target);
            bytes = await pushBlobs(ctx, p, target.digest, await store.content.readAll(ctx, target.digest, 4 << 20));
          }
        } else {
          bytes = await pushBlobs(ctx, p, target.digest, bytes);
        }
        const digest = await repo.putManifest(ctx, t.tag, target.mediaType, bytes);
        ch.push({ status: `${t.tag}: digest: ${digest} size: ${bytes.length}` });
        ch.push({ aux: { Tag: t.tag, Digest: digest, Size: bytes.length }, status: '' });
        if ((await store.recordTarget(ctx, `${name}@${digest}`)) !== t.target.digest) await store.setName(ctx, `${name}@${digest}`, t.target);
        pushed.push({ tag: t.tag, digest, size: bytes.length });
      }
      return pushed;
    } finally {
      if (leased) await leased.then((l) => l.release(), () => {});
    }
  })();
  result.then(
    () => ch.close(),
    (e) => ch.fail(e),
  );
  return { progress: ch, result };
}

interface Pusher {
  store: ImageStore;
  /** The push's lease (its content view is for the gzip blobs it writes). */
  lease(): Promise<Leased>;
  repo: Repository;
  ch: ProgressChannel;
}

/** Pushes a platform manifest of an index (its blobs, then the manifest by digest); returns its pushed descriptor. */
async function pushManifest(ctx: Ctx, p: Pusher, desc: Descriptor): Promise<Descriptor> {
  const local = await p.store.content.readAll(ctx, desc.digest, 4 << 20);
  const bytes = await pushBlobs(ctx, p, desc.digest, local);
  const digest = bytes === local ? desc.digest : sha256(bytes);
  await p.repo.putManifest(ctx, digest, desc.mediaType, bytes);
  return bytes === local ? desc : { ...desc, digest, size: bytes.length };
}

/**
 * Pushes the layers and config of the manifest `manifestDigest` (`bytes`); returns the manifest
 * to PUT: the same bytes, or, when layers were sent gzip-compressed, the manifest listing those.
 */
async function pushBlobs(ctx: Ctx, p: Pusher, manifestDigest: string, bytes: Buffer): Promise<Buffer> {
  const { store, repo, ch } = p;
  const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  const config = await store.readJson<ImageConfig>(ctx, manifest.config.digest);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const order = manifest.layers.map((l, i) => ({ l, diffId: diffIds[i] ?? l.digest, id: shortId(diffIds[i] ?? l.digest) })).reverse();
  const unique = order.filter((x, i) => order.findIndex((y) => y.l.digest === x.l.digest) === i);
  const sent = new Map<string, Descriptor>();
  for (const { id } of unique) ch.push({ id, status: 'Preparing' });
  // The config goes up beside the layers (a registry takes blobs in any order).
  const configPushed = (async () => {
    if ((await repo.statBlob(ctx, manifest.config.digest, true)) === undefined) {
      const cfg = await store.content.info(ctx, manifest.config.digest);
      await repo.pushBlob(ctx, manifest.config.digest, cfg.size, () => store.content.read(ctx, manifest.config.digest));
    }
  })();
  const layersPushed = forEachLimit(unique, MAX_CONCURRENT_UPLOADS, async ({ l, diffId, id }) => {
    const { domain, path } = repo.ref;
    let blob: Descriptor = l;
    const gzType = gzipMediaType(l.mediaType);
    if (gzType) {
      const known = await knownGzip(ctx, store.content, l.digest);
      if (!known) {
        const desc = await compressAndPush(ctx, p, l, gzType, diffId, id);
        sent.set(l.digest, desc);
        ch.push({ id, status: 'Pushed' });
        await addBlobSource(ctx, store.content, desc.digest, domain, path);
        return;
      }
      // compat: dockerd's v2 metadata (diffID -> pushed digest): no recompression, and the
      // existence check and mounts below go by the compressed digest.
      blob = { mediaType: gzType, digest: known.digest, size: known.size };
    }
    sent.set(l.digest, blob);
    if ((await repo.statBlob(ctx, blob.digest, true)) !== undefined) {
      ch.push({ id, status: 'Layer already exists' });
      await addBlobSource(ctx, store.content, blob.digest, domain, path);
      return;
    }
    for (const from of (await blobSources(ctx, store.content, blob.digest, domain)).filter((r) => r !== path).slice(0, 3)) {
      if (await repo.mountBlob(ctx, blob.digest, from).catch(() => false)) {
        ch.push({ id, status: `Mounted from ${from}` });
        await addBlobSource(ctx, store.content, blob.digest, domain, path);
        return;
      }
    }
    let current = 0;
    const report = throttled((c) => ch.push({ id, status: 'Pushing', current: c, total: blob.size }));
    await repo.pushBlob(ctx, blob.digest, blob.size, () => {
      current = 0;
      const counter = new Transform({
        transform(c: Buffer, _enc, cb) {
          report.update((current += c.length));
          cb(null, c);
        },
      });
      pipeline(store.content.read(ctx, blob.digest), counter).catch((e: Error) => counter.destroy(e));
      return counter;
    });
    report.flush();
    ch.push({ id, status: 'Pushed' });
    await addBlobSource(ctx, store.content, blob.digest, domain, path);
  });
  await Promise.all([layersPushed, configPushed]);
  const layers = manifest.layers.map((l) => sent.get(l.digest) ?? l);
  if (layers.every((l, i) => l.digest === manifest.layers[i]!.digest)) return bytes;
  const gc: Record<string, string> = {};
  layers.forEach((l, i) => {
    if (l.digest !== manifest.layers[i]!.digest) gc[`${MANIFEST_GZIP_PREFIX}${i}`] = l.digest;
  });
  const had = (await store.content.info(ctx, manifestDigest)).labels;
  if (Object.entries(gc).some(([k, v]) => had[k] !== v)) await store.content.setLabels(ctx, manifestDigest, gc);
  const pushed: Manifest = {
    ...manifest,
    layers: manifest.layers.map((l, i) => ({ ...l, mediaType: layers[i]!.mediaType, digest: layers[i]!.digest, size: layers[i]!.size })),
  };
  return Buffer.from(JSON.stringify(pushed, null, 3));
}

/** The gzip blob recorded for an uncompressed layer, when the content store still has it. */
async function knownGzip(ctx: Ctx, content: ContentStore, digest: string): Promise<{ digest: string; size: number } | undefined> {
  try {
    const gz = (await content.info(ctx, digest)).labels[GZIP_LABEL];
    if (!gz) return undefined;
    return { digest: gz, size: (await content.info(ctx, gz)).size };
  } catch {
    return undefined;
  }
}

/**
 * Uploads layer `l` gzipped on the fly (chunked PATCH; the digest, known at the end, goes in the
 * closing PUT) while writing the same bytes into the content store, labelled with the diffID;
 * then labels the uncompressed blob with the gzip digest, which holds it.
 */
async function compressAndPush(ctx: Ctx, p: Pusher, l: Descriptor, mediaType: string, diffId: string, id: string): Promise<Descriptor> {
  const report = throttled((c) => p.ch.push({ id, status: 'Pushing', current: c, total: l.size }));
  const { content } = await p.lease();
  let attempt: { c: Compression; stored: Promise<{ digest: string; size: number }> } | undefined;
  await p.repo.pushBlob(
    ctx,
    () => attempt!.c.result().digest,
    -1,
    () => {
      attempt?.c.abort(new Error('upload restarted'));
      const c = compressLayer(p.store.content.read(ctx, l.digest), (n) => report.update(n));
      const stored = content.write(ctx, c.copy, { labels: { [GcLabel.uncompressed]: diffId } });
      stored.catch((e: Error) => c.abort(e));
      attempt = { c, stored };
      return c.upload;
    },
  );
  report.flush();
  const { c, stored } = attempt!;
  await c.done;
  const sent = c.result();
  const kept = await stored;
  if (kept.digest !== sent.digest) throw system(`gzip of layer ${l.digest}: stored ${kept.digest}, pushed ${sent.digest}`);
  await content.setLabels(ctx, kept.digest, { [GcLabel.uncompressed]: diffId });
  await p.store.content.setLabels(ctx, l.digest, { [GZIP_LABEL]: kept.digest });
  return { mediaType, digest: sent.digest, size: sent.size };
}
