/**
 * `docker load`: docker-archive (manifest.json, legacy `<id>/layer.tar` or Docker 25's blobs/)
 * and OCI layouts (index.json + blobs/), plain or gzip. The outer archive is checked entry by
 * entry; every large file is streamed into the content store while its own tar entries are
 * checked and its uncompressed digest computed, so nothing big is held in memory. Images become
 * visible only once everything verified (digests of blobs/ names, diff IDs against the config),
 * and a failure leaves nothing: all writes are held by one lease that is dropped.
 */
import { PassThrough, type Readable } from 'node:stream';
import { posix } from 'node:path';
import {
  Digester,
  TarChecker,
  decompressed,
  invalidParameter,
  isDigest,
  tarExtract,
  tarValidator,
  writeTo,
  type Ctx,
} from '../../lib/index.js';
import {
  MediaType,
  isIndex,
  isManifest,
  parseNormalizedNamed,
  withDefaultTag,
  familiarString,
  type Descriptor,
  type ImageConfig,
  type Index,
  type Manifest,
  type Reference,
  hostPlatform,
  platformMatches,
} from '../../oci/index.js';
import type { ImageStore, Leased } from '../store.js';

/** Files up to this size are kept in memory (metadata, configs); larger ones go to the store. */
const SMALL_FILE = 1 << 20;
/** Bound on the memory all small files may take together. */
const SMALL_TOTAL = 256 << 20;

interface StoredFile {
  digest: string;
  size: number;
  /** Digest of the uncompressed bytes; equals digest for a plain tar. */
  diffId: string;
  /** Why the file is not a usable layer tar, if it is not. */
  notALayer?: string;
  /** Bytes of the regular files in the layer (Docker's layer size); unknown when not re-read. */
  fileBytes?: number;
}

export interface LoadedImage {
  id: string;
  names: Reference[];
}

export interface LoadResult {
  images: LoadedImage[];
  /** "Loaded image: busybox:latest" / "Loaded image ID: sha256:…" lines, in order. */
  messages: string[];
}

/** Re-yields `first` and the rest of `it`. */
async function* prepend(first: Buffer | undefined, it: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (first) yield first;
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    yield r.value;
  }
}


/**
 * Streams one file into the content store, checking it as a layer tar on the side and computing
 * its uncompressed digest (the diff ID: the blob digest itself for a plain tar, hashed only for a
 * gzip one). A file that is not a tar is stored all the same (notALayer says why).
 * When `known` names a blob the store already holds, the bytes are only hashed to verify them:
 * nothing is written and the layer, stored before, is not checked again.
 */
async function ingest(ctx: Ctx, leased: Leased, src: AsyncIterable<Buffer>, known?: string): Promise<StoredFile> {
  const it = src[Symbol.asyncIterator]();
  const head = await it.next();
  const first = head.done ? undefined : head.value;
  const gzip = !!first && first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  const chunks = prepend(first, it);

  // The uncompressed side: diff ID (gzip only) and, when storing, the tar check.
  const diff = gzip ? new Digester() : undefined;
  const inner = new PassThrough();
  const plain = gzip ? decompressed(inner) : inner;
  const present = known ? await leased.content.info(ctx, known).then(() => true, () => false) : false;
  const v = present ? undefined : tarValidator();
  let notALayer: string | undefined;
  let fileBytes: number | undefined;
  v?.done.then((st) => (fileBytes = st.fileBytes), (e) => (notALayer = (e as Error).message));
  const consumed = (async () => {
    try {
      for await (const c of plain) {
        diff?.update(c as Buffer);
        if (v && !notALayer) await writeTo(v.sink, c as Buffer);
      }
    } catch (e) {
      notALayer ??= (e as Error).message;
    }
    v?.sink.end();
    await v?.done.catch(() => {});
  })();
  async function* tee(): AsyncGenerator<Buffer> {
    for await (const c of chunks) {
      if (gzip || v) await writeTo(inner, c);
      yield c;
    }
    inner.end();
  }
  let stored: { digest: string; size: number };
  try {
    if (present) {
      const d = new Digester();
      for await (const c of tee()) d.update(c);
      stored = { digest: d.digest(), size: d.size };
    } else {
      stored = await leased.content.write(ctx, tee());
    }
  } finally {
    inner.end();
    await consumed;
  }
  return { digest: stored.digest, size: stored.size, diffId: diff ? diff.digest() : stored.digest, notALayer, fileBytes };
}

function parseJson<T>(data: Buffer, what: string): T {
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch (e) {
    throw invalidParameter(`invalid ${what}: ${(e as Error).message}`, e);
  }
}

export async function loadImages(ctx: Ctx, store: ImageStore, input: Readable): Promise<LoadResult> {
  const leased = await store.lease(ctx, 'load');
  try {
    const small = new Map<string, Buffer>();
    const big = new Map<string, StoredFile>();
    const links = new Map<string, string>();
    let smallTotal = 0;
    const checker = new TarChecker();
    const ex = tarExtract();
    const raw = decompressed(input);
    raw.on('error', (e) => ex.destroy(e));
    raw.pipe(ex);
    let entries = 0;
    try {
      for await (const entry of ex) {
        const h = entry.header;
        checker.check(h);
        entries++;
        const name = posix.normalize(h.name).replace(/^\.\//, '').replace(/\/$/, '');
        if (h.type === 'symlink' || h.type === 'link') {
          const target = h.type === 'symlink' ? posix.normalize(posix.join(posix.dirname(name), h.linkname!)) : posix.normalize(h.linkname!);
          links.set(name, target);
          entry.resume();
          continue;
        }
        if (h.type !== 'file' && h.type !== 'contiguous-file') {
          entry.resume();
          continue;
        }
        const size = h.size ?? 0;
        if (size <= SMALL_FILE && smallTotal + size <= SMALL_TOTAL) {
          const parts: Buffer[] = [];
          for await (const c of entry) parts.push(c as Buffer);
          small.set(name, Buffer.concat(parts));
          smallTotal += size;
        } else {
          const named = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
          big.set(name, await ingest(ctx, leased, entry as AsyncIterable<Buffer>, named ? `sha256:${named[1]}` : undefined));
        }
      }
    } catch (e) {
      if ((e as { kind?: string }).kind) throw e;
      throw invalidParameter(`invalid archive: ${(e as Error).message}`, e);
    }
    if (entries === 0) throw invalidParameter('invalid archive: no entries (empty or not a tar)');

    const resolvePath = (p: string): string => {
      let cur = posix.normalize(p).replace(/^\.\//, '');
      for (let i = 0; i < 16 && links.has(cur); i++) cur = links.get(cur)!;
      return cur;
    };
    const layerFile = async (path: string): Promise<StoredFile> => {
      const real = resolvePath(path);
      let f = big.get(real);
      if (!f) {
        const buf = small.get(real);
        if (!buf) throw invalidParameter(`invalid archive: the manifest names ${path}, which is not in the archive`);
        f = await ingest(ctx, leased, (async function* () {
          yield buf;
        })());
        big.set(real, f);
      }
      if (f.notALayer) throw invalidParameter(`invalid layer ${path}: ${f.notALayer}`);
      const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(real);
      if (m && f.digest !== `sha256:${m[1]}`) {
        throw invalidParameter(`invalid archive: ${real} has digest ${f.digest}`);
      }
      return f;
    };
    const fileBytes = async (path: string): Promise<Buffer> => {
      const real = resolvePath(path);
      const buf = small.get(real);
      if (buf) return buf;
      const f = big.get(real);
      if (f) return store.content.readAll(ctx, f.digest, 16 << 20);
      throw invalidParameter(`invalid archive: the manifest names ${path}, which is not in the archive`);
    };

    const result: LoadResult = { images: [], messages: [] };
    const create = async (configBytes: Buffer, layerPaths: string[], names: Reference[]) => {
      const config = parseJson<ImageConfig>(configBytes, 'image config');
      const diffIds = config.rootfs?.diff_ids ?? [];
      if (!Array.isArray(diffIds) || diffIds.length !== layerPaths.length || !diffIds.every(isDigest)) {
        throw invalidParameter(`invalid archive: the config lists ${diffIds.length} diff IDs for ${layerPaths.length} layers`);
      }
      const layers: Descriptor[] = [];
      const layerSizes: number[] = [];
      for (let i = 0; i < layerPaths.length; i++) {
        const f = await layerFile(layerPaths[i]!);
        if (f.diffId !== diffIds[i]) {
          throw invalidParameter(`invalid archive: layer ${layerPaths[i]} has diff ID ${f.diffId}, the config expects ${diffIds[i]}`);
        }
        layers.push({ mediaType: f.digest === f.diffId ? MediaType.DockerLayer : MediaType.DockerLayerGzip, digest: f.digest, size: f.size });
        layerSizes.push(f.fileBytes ?? -1);
      }
      const { id } = await store.create(ctx, leased, { config: configBytes, layers, names, layerSizes });
      result.images.push({ id, names });
      if (names.length === 0) result.messages.push(`Loaded image ID: ${id}`);
      for (const n of names) result.messages.push(`Loaded image: ${familiarString(n)}`);
    };

    const manifestJson = small.get('manifest.json');
    if (manifestJson) {
      const entries = parseJson<{ Config: string; RepoTags?: string[] | null; Layers: string[] }[]>(manifestJson, 'manifest.json');
      if (!Array.isArray(entries)) throw invalidParameter('invalid manifest.json: not a list');
      for (const e of entries) {
        if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers)) throw invalidParameter('invalid manifest.json entry');
        const names = (e.RepoTags ?? []).map((t) => withDefaultTag(parseNormalizedNamed(t)));
        await create(await fileBytes(e.Config), e.Layers, names);
      }
    } else if (small.get('index.json')) {
      const index = parseJson<Index>(small.get('index.json')!, 'index.json');
      for (const d of index.manifests ?? []) {
        const name = d.annotations?.['io.containerd.image.name'] ?? d.annotations?.['org.opencontainers.image.ref.name'];
        let names: Reference[] = [];
        if (name) {
          try {
            names = [withDefaultTag(parseNormalizedNamed(name))];
          } catch {
            names = [];
          }
        }
        let desc: Descriptor = d;
        if (isIndex(d.mediaType)) {
          const sub = parseJson<Index>(await fileBytes(`blobs/sha256/${d.digest.slice(7)}`), 'index');
          const host = hostPlatform();
          const m = sub.manifests.find((x) => isManifest(x.mediaType) && platformMatches(host, x.platform));
          if (!m) throw invalidParameter(`invalid archive: no manifest for ${host.os}/${host.architecture}`);
          desc = m;
        }
        const manifest = parseJson<Manifest>(await fileBytes(`blobs/sha256/${desc.digest.slice(7)}`), 'manifest');
        await create(
          await fileBytes(`blobs/sha256/${manifest.config.digest.slice(7)}`),
          manifest.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
          names,
        );
      }
    } else {
      throw invalidParameter('invalid archive: it holds neither manifest.json nor index.json');
    }
    return result;
  } catch (e) {
    await leased.release(true);
    throw e;
  } finally {
    await leased.release();
  }
}
