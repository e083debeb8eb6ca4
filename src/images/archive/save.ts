/**
 * `docker save`: images as one tar that both Docker loaders understand (Docker 25's layout):
 *
 *   blobs/sha256/<hex>   every blob once: layers (as stored), configs, manifests
 *   index.json           OCI index, one entry per name (io.containerd.image.name annotations)
 *   manifest.json        docker-archive: [{Config, RepoTags, Layers}] pointing into blobs/
 *   repositories         {"busybox":{"latest":"<top layer hex>"}}
 *   oci-layout           {"imageLayoutVersion":"1.0.0"}
 */
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TarPack as Pack } from '../../lib/index.js';
import { encoded, tarPack, type Ctx } from '../../lib/index.js';
import { MediaType, familiarName, familiarString, referenceString, type Descriptor, type Reference } from '../../oci/index.js';
import type { Image, ImageStore } from '../store.js';

export interface SaveItem {
  image: Image;
  /** The names to record for it (the tags the user asked for, or all its tags). */
  names: Reference[];
}

const blobPath = (digest: string) => `blobs/sha256/${encoded(digest)}`;

function addBuffer(p: Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => p.entry({ name, size: data.length, mode: 0o644, mtime: new Date(0) }, data, (e) => (e ? reject(e) : resolve())));
}

async function addStream(p: Pack, name: string, size: number, src: Readable): Promise<void> {
  const sink = p.entry({ name, size, mode: 0o644, mtime: new Date(0) });
  await pipeline(src, sink);
}

/** A tar stream of the images; errors surface on the stream. */
export function saveImages(ctx: Ctx, store: ImageStore, items: SaveItem[]): Readable {
  const p = tarPack();
  const out = new PassThrough();
  p.on('error', (e) => out.destroy(e));
  p.pipe(out);
  (async () => {
    const written = new Set<string>();
    const addBlob = async (d: Descriptor) => {
      if (written.has(d.digest)) return;
      written.add(d.digest);
      await addStream(p, blobPath(d.digest), d.size, store.content.read(ctx, d.digest));
    };
    const index: { schemaVersion: 2; mediaType: string; manifests: Descriptor[] } = {
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [],
    };
    const manifestJson: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const { image, names } of items) {
      for (const l of image.layers) await addBlob(l);
      const configDesc = { mediaType: MediaType.DockerConfig, digest: image.id, size: (await store.content.info(ctx, image.id)).size };
      await addBlob(configDesc);
      await addBlob(image.manifest);
      const tags = names.filter((n) => n.tag);
      if (tags.length === 0) index.manifests.push({ ...image.manifest });
      for (const n of tags) {
        index.manifests.push({
          ...image.manifest,
          annotations: { 'io.containerd.image.name': referenceString(n), 'org.opencontainers.image.ref.name': n.tag! },
        });
        const top = image.layers[image.layers.length - 1];
        if (top) (repositories[familiarName(n)] ??= {})[n.tag!] = encoded(top.digest);
      }
      manifestJson.push({
        Config: blobPath(image.id),
        RepoTags: tags.length ? tags.map(familiarString) : null,
        Layers: image.layers.map((l) => blobPath(l.digest)),
      });
    }
    await addBuffer(p, 'index.json', Buffer.from(JSON.stringify(index)));
    await addBuffer(p, 'manifest.json', Buffer.from(JSON.stringify(manifestJson)));
    await addBuffer(p, 'oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    if (Object.keys(repositories).length) await addBuffer(p, 'repositories', Buffer.from(JSON.stringify(repositories)));
    p.finalize();
  })().catch((e) => {
    p.destroy(e);
    out.destroy(e);
  });
  return out;
}
