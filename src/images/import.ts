/**
 * `docker import`: a root filesystem tarball (plain or gzip) becomes a one-layer image. The
 * tarball is checked entry by entry (lib/tar TarChecker) while it streams into the content
 * store; a hostile or broken archive leaves nothing behind (the lease is dropped).
 */
import type { Readable } from 'node:stream';
import { decompressed, tarValidator, writeTo, type Ctx } from '../lib/index.js';
import { MediaType, hostPlatform, type ImageConfig, type Platform, type Reference } from '../oci/index.js';
import { applyChanges } from './changes.js';
import type { ImageStore, Leased } from './store.js';

export interface ImportOptions {
  source: Readable;
  names: Reference[];
  changes?: string[];
  message?: string;
  platform?: Platform;
  now?: Date;
}

/**
 * Streams a tar (after decompression) into the content store through a TarChecker; resolves
 * with the blob's digest and size once both the write and the check succeeded.
 */
export async function writeCheckedLayer(
  ctx: Ctx,
  leased: Leased,
  source: Readable,
): Promise<{ digest: string; size: number; fileBytes: number }> {
  const raw = decompressed(source);
  const v = tarValidator();
  let failure: unknown;
  v.done.catch((e) => (failure = e));
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const chunk of raw) {
      if (failure) throw failure;
      const b = chunk as Buffer;
      await writeTo(v.sink, b);
      yield b;
    }
    v.sink.end();
    await v.done;
  }
  const written = await leased.content.write(ctx, chunks());
  const stats = await v.done;
  return { ...written, fileBytes: stats.fileBytes };
}

/** Imports a rootfs tarball; returns the image ID. */
export async function importImage(ctx: Ctx, store: ImageStore, opts: ImportOptions): Promise<string> {
  return store.withLease(ctx, 'import', async (leased) => {
    const layer = await writeCheckedLayer(ctx, leased, opts.source);
    const now = (opts.now ?? new Date()).toISOString();
    const platform = opts.platform ?? hostPlatform();
    const comment = opts.message || 'Imported from -';
    const config: ImageConfig = {
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      os: platform.os,
      comment,
      config: applyChanges({}, opts.changes ?? []),
      created: now,
      history: [{ created: now, comment }],
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    };
    const { id } = await store.create(ctx, leased, {
      config: Buffer.from(JSON.stringify(config)),
      layers: [{ mediaType: MediaType.DockerLayer, digest: layer.digest, size: layer.size }],
      names: opts.names,
      layerSizes: [layer.fileBytes],
    });
    return id;
  });
}
