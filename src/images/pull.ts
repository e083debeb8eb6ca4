/**
 * `docker pull`: resolve the reference at the registry (a failure here is thrown before any
 * progress, so the API answers an HTTP error), pick the platform's manifest of an index, then
 * download the missing layers (three at a time, each verified against its digest by the
 * content store; a broken download resumes with a Range request) while extracting them in
 * order, and finally write config, manifest (and index) with their GC references and point
 * the names at the pulled target. Everything is held by a
 * lease until the names exist: a failed pull leaves no image.
 *
 * Progress, as dockerd reports it (layer ids are 12 hex of the compressed blob digest):
 *   Pulling from <path> (id: tag or digest) · Already exists | Pulling fs layer ·
 *   Downloading (bytes) · Verifying Checksum · Download complete · Extracting · Pull complete ·
 *   Digest: sha256:… · Status: Downloaded newer image for <ref> | Status: Image is up to date for <ref>
 */
import { invalidParameter, kindOf, messageOf, notFound, shortId, system, type Ctx } from '../lib/index.js';
import {
  MediaType,
  familiarName,
  familiarString,
  fullName,
  formatPlatform,
  hostPlatform,
  isIndex,
  isManifest,
  platformMatches,
  referenceString,
  type Descriptor,
  type ImageConfig,
  type Index,
  type Manifest,
  type Platform,
  type Reference,
} from '../oci/index.js';
import { GcLabel } from '../content/index.js';
import { readAll, type Credentials, type RegistryClient } from '../registry/client/index.js';
import { ProgressChannel, forEachLimit, throttled, type Progress } from './progress.js';
import { SIZE_LABEL, SNAPSHOTTER, type ImageStore } from './store.js';
import { addBlobSource } from './source-labels.js';

export const MAX_CONCURRENT_DOWNLOADS = 3;
/** Resumed attempts of one layer download before the pull fails. */
const MAX_RESUMES = 5;

export interface PullOptions {
  /** The reference, with a tag or a digest. */
  ref: Reference;
  platform?: Platform;
  registry: RegistryClient;
  credentials?: Credentials;
}

export interface PullResult {
  /** The image ID (config digest). */
  id: string;
  /** The digest of what the reference resolved to (index or manifest). */
  digest: string;
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (e) {
    throw invalidParameter(`invalid ${what}: ${(e as Error).message}`, e);
  }
}

/** The manifest of `index` for `platform` (containerd's platform matcher; exact variant preferred). */
export function selectManifest(index: Index, platform: Platform): Descriptor {
  const candidates = index.manifests.filter((d) => isManifest(d.mediaType ?? MediaType.OciManifest) && platformMatches(platform, d.platform));
  const exact = candidates.find((d) => (d.platform?.variant ?? '') === (platform.variant ?? ''));
  const m = exact ?? candidates[0];
  if (!m) throw notFound(`no matching manifest for ${formatPlatform(platform)} in the manifest list entries`);
  return m;
}

/**
 * Resolves `opts.ref` at the registry (throws before streaming: unreachable registry, unknown
 * manifest, no manifest for the platform), then returns the progress of the rest of the pull;
 * the iterable ends with the result or throws the failure.
 */
export async function pullImage(
  ctx: Ctx,
  store: ImageStore,
  opts: PullOptions,
): Promise<{ progress: AsyncIterable<Progress>; result: Promise<PullResult> }> {
  const repo = opts.registry.repository(opts.ref, opts.credentials);
  const reference = opts.ref.digest ?? opts.ref.tag ?? 'latest';
  let top;
  try {
    top = await repo.getManifest(ctx, reference);
  } catch (e) {
    // compat: dockerd's translatePullError: a refusal reads as "does not exist or needs login" (404)
    if (kindOf(e) === 'unauthorized' || kindOf(e) === 'forbidden') {
      throw notFound(`pull access denied for ${familiarName(opts.ref)}, repository does not exist or may require 'docker login': ${messageOf(e)}`, e);
    }
    throw e;
  }
  const platform = opts.platform ?? hostPlatform();
  let manifestDesc = top.descriptor;
  let manifestBytes = top.bytes;
  let index: Index | undefined;
  let childIndex = -1;
  if (isIndex(top.descriptor.mediaType)) {
    index = parseJson<Index>(top.bytes, 'manifest list');
    const chosen = selectManifest(index, platform);
    childIndex = index.manifests.indexOf(chosen);
    const child = await repo.getManifest(ctx, chosen.digest);
    manifestDesc = { ...child.descriptor, mediaType: chosen.mediaType ?? child.descriptor.mediaType, platform: chosen.platform };
    manifestBytes = child.bytes;
  } else if (!isManifest(top.descriptor.mediaType)) {
    throw invalidParameter(`unsupported manifest media type ${top.descriptor.mediaType}`);
  }
  const manifest = parseJson<Manifest>(manifestBytes, 'manifest');
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw invalidParameter('invalid manifest: config or layers missing');

  const ch = new ProgressChannel();
  const result = run(ctx, store, opts, repo, reference, top.descriptor, top.bytes, index, childIndex, manifestDesc, manifestBytes, manifest, ch);
  result.then(
    () => ch.close(),
    (e) => ch.fail(e),
  );
  return { progress: ch, result };
}

async function run(
  ctx: Ctx,
  store: ImageStore,
  opts: PullOptions,
  repo: ReturnType<RegistryClient['repository']>,
  reference: string,
  topDesc: Descriptor,
  topBytes: Buffer,
  index: Index | undefined,
  childIndex: number,
  manifestDesc: Descriptor,
  manifestBytes: Buffer,
  manifest: Manifest,
  ch: ProgressChannel,
): Promise<PullResult> {
  ch.push({ status: `Pulling from ${opts.ref.path}`, id: reference });
  // A foreign platform's image (--platform) is named by its own manifest, so the names resolve
  // to it rather than to the host's entry of the index (what the classic Docker store does).
  const foreign = !!index && !platformMatches(hostPlatform(), manifestDesc.platform);
  const target: Descriptor = foreign
    ? { mediaType: manifestDesc.mediaType, digest: manifestDesc.digest, size: manifestDesc.size, ...(manifestDesc.platform ? { platform: manifestDesc.platform } : {}) }
    : { mediaType: topDesc.mediaType, digest: topDesc.digest, size: topDesc.size };
  const names: string[] = [];
  if (opts.ref.tag && !opts.ref.digest) names.push(referenceString({ domain: opts.ref.domain, path: opts.ref.path, tag: opts.ref.tag }));
  names.push(`${fullName(opts.ref)}@${topDesc.digest}`);
  const shown = familiarString(opts.ref.digest ? { domain: opts.ref.domain, path: opts.ref.path, digest: opts.ref.digest } : opts.ref);
  // Up to date: every name already points at the target and its image is whole here.
  if (await isUpToDate(ctx, store, names, target, manifest)) {
    ch.push({ status: `Digest: ${topDesc.digest}` });
    ch.push({ status: `Status: Image is up to date for ${shown}` });
    return { id: manifest.config.digest, digest: topDesc.digest };
  }
  const leased = await store.lease(ctx, 'pull');
  try {
    // The config: small, fetched whole and verified.
    const cfg = await repo.fetchBlob(ctx, manifest.config.digest);
    const configBytes = await readAll(cfg.body, 16 << 20);
    const config = parseJson<ImageConfig>(configBytes, 'image config');
    const diffIds = config.rootfs?.diff_ids ?? [];
    const layers = manifest.layers;
    if (diffIds.length !== layers.length) {
      throw invalidParameter(`image has ${layers.length} layers but its config lists ${diffIds.length} diff IDs`);
    }

    // Which layers are here already (by blob).
    const present = await Promise.all(layers.map((l) => leased.content.info(ctx, l.digest).then(() => true, () => false)));
    const seen = new Set<string>();
    layers.forEach((l, i) => {
      if (seen.has(l.digest)) return;
      seen.add(l.digest);
      ch.push({ id: shortId(l.digest), status: present[i] ? 'Already exists' : 'Pulling fs layer' });
    });

    // Downloads (3 at a time) and in-order extraction run side by side.
    const done = layers.map(() => {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const p = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      p.catch(() => {});
      return { p, resolve, reject };
    });
    const toFetch = layers.map((l, i) => ({ l, i })).filter(({ i }) => !present[i]);
    const firstOf = new Map<string, number>();
    const downloads = forEachLimit(toFetch, MAX_CONCURRENT_DOWNLOADS, async ({ l, i }) => {
      const first = firstOf.get(l.digest);
      if (first !== undefined) {
        // The same blob twice in one manifest: wait for the first download.
        await done[first]!.p.then(done[i]!.resolve, done[i]!.reject);
        return;
      }
      firstOf.set(l.digest, i);
      try {
        await download(ctx, repo, leased.content, l, ch);
        done[i]!.resolve();
      } catch (e) {
        done[i]!.reject(e);
        throw e;
      }
    });
    downloads.catch(() => {});
    layers.forEach((_, i) => present[i] && done[i]!.resolve());

    let unpacked = { top: '', size: 0 };
    for (let i = 0; i < layers.length; i++) {
      await done[i]!.p;
      const l = layers[i]!;
      const fresh = !present[i];
      await addBlobSource(ctx, leased.content, l.digest, opts.ref.domain, opts.ref.path);
      if (fresh) ch.push({ id: shortId(l.digest), status: 'Extracting', current: l.size, total: l.size });
      unpacked = await store.unpack(ctx, leased, layers.slice(0, i + 1), diffIds.slice(0, i + 1));
      if (fresh) ch.push({ id: shortId(l.digest), status: 'Pull complete' });
    }
    await downloads;

    // Config, manifest (and index) with their GC references, then the names.
    const configLabels: Record<string, string> = { [SIZE_LABEL]: String(unpacked.size) };
    if (unpacked.top) configLabels[GcLabel.snapshot(SNAPSHOTTER)] = unpacked.top;
    await leased.content.write(ctx, configBytes, { expected: manifest.config.digest, labels: configLabels });
    await leased.content.setLabels(ctx, manifest.config.digest, configLabels);
    store.forget(manifest.config.digest);
    const mLabels: Record<string, string> = { [`${GcLabel.contentPrefix}config`]: manifest.config.digest };
    layers.forEach((l, i) => (mLabels[`${GcLabel.contentPrefix}l.${i}`] = l.digest));
    await leased.content.write(ctx, manifestBytes, { expected: manifestDesc.digest, labels: mLabels });
    await leased.content.setLabels(ctx, manifestDesc.digest, mLabels);
    if (index) {
      const iLabels = { [`${GcLabel.contentPrefix}m.${childIndex}`]: manifestDesc.digest };
      await leased.content.write(ctx, topBytes, { expected: topDesc.digest, labels: iLabels });
      await leased.content.setLabels(ctx, topDesc.digest, iLabels);
    }
    let upToDate = true;
    for (const name of names) {
      const before = await store.recordTarget(ctx, name);
      if (before !== target.digest) upToDate = false;
      await store.setName(ctx, name, target);
    }
    ch.push({ status: `Digest: ${topDesc.digest}` });
    ch.push({ status: upToDate && toFetch.length === 0 ? `Status: Image is up to date for ${shown}` : `Status: Downloaded newer image for ${shown}` });
    return { id: manifest.config.digest, digest: topDesc.digest };
  } catch (e) {
    await leased.release(true);
    throw e;
  } finally {
    await leased.release();
  }
}

async function isUpToDate(ctx: Ctx, store: ImageStore, names: string[], target: Descriptor, manifest: Manifest): Promise<boolean> {
  for (const name of names) if ((await store.recordTarget(ctx, name)) !== target.digest) return false;
  try {
    const labels = (await store.content.info(ctx, manifest.config.digest)).labels;
    // the config of a complete image carries its unpacked size (written last but one)
    return labels[SIZE_LABEL] !== undefined;
  } catch {
    return false;
  }
}

/** Downloads one layer into the content store (verified against its digest), reporting bytes. */
async function download(
  ctx: Ctx,
  repo: ReturnType<RegistryClient['repository']>,
  content: { write: ImageStore['content']['write'] },
  l: Descriptor,
  ch: ProgressChannel,
): Promise<void> {
  const id = shortId(l.digest);
  let blob = await repo.fetchBlob(ctx, l.digest);
  const total = l.size;
  let current = 0;
  const report = throttled((c) => ch.push({ id, status: 'Downloading', current: c, total }));
  // A connection that breaks (or ends early) is resumed with a Range request from where it
  // stopped, as dockerd's transport does; a registry that ignores the range fails the pull.
  async function* counted(): AsyncGenerator<Buffer> {
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      try {
        for await (const chunk of blob.body) {
          current += (chunk as Buffer).length;
          report.update(current);
          yield chunk as Buffer;
        }
      } catch (e) {
        failure = e;
      }
      if (current >= total && failure === undefined) break;
      if (ctx.signal.aborted || attempt >= MAX_RESUMES || current > total) throw failure ?? system(`layer ${l.digest}: the download ended after ${current} of ${total} bytes`);
      ctx.log.debug('resuming a layer download', { digest: l.digest, offset: current, error: failure });
      blob.body.destroy();
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      blob = await repo.fetchBlob(ctx, l.digest, current);
      if (blob.offset !== current) {
        blob.body.destroy();
        throw system(`layer ${l.digest}: the registry cannot resume the download at byte ${current}`, failure);
      }
    }
    report.flush();
    if (current !== total) throw system(`layer ${l.digest}: got ${current} bytes, the manifest says ${total}`);
    ch.push({ id, status: 'Verifying Checksum' });
  }
  try {
    await content.write(ctx, counted(), { expected: l.digest, size: total });
  } finally {
    blob.body.destroy();
  }
  ch.push({ id, status: 'Download complete' });
}
