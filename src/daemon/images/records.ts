/** ImageRecords on containerd's image service (the images/ store's name table). */
import { isConflict, isNotFound, type Ctx } from '../../lib/index.js';
import { timestampToDate, type ContainerdClient, type Image as CdImage } from '../../containerd/index.js';
import type { ImageRecord, ImageRecords } from '../../images/index.js';

function toRecord(i: CdImage): ImageRecord {
  const t = i.target!;
  return {
    name: i.name,
    target: {
      mediaType: t.media_type,
      digest: t.digest,
      size: Number(t.size),
      ...(t.annotations && Object.keys(t.annotations).length ? { annotations: t.annotations } : {}),
    },
    labels: i.labels ?? {},
    createdAt: i.created_at ? timestampToDate(i.created_at) : undefined,
    updatedAt: i.updated_at ? timestampToDate(i.updated_at) : undefined,
  };
}

export class ContainerdImageRecords implements ImageRecords {
  constructor(private readonly cd: ContainerdClient) {}

  async get(ctx: Ctx, name: string): Promise<ImageRecord> {
    return toRecord(await this.cd.images.get(ctx, name));
  }

  async list(ctx: Ctx): Promise<ImageRecord[]> {
    return (await this.cd.images.list(ctx)).filter((i) => i.target).map(toRecord);
  }

  async put(ctx: Ctx, rec: ImageRecord, opts: { exists?: boolean } = {}): Promise<void> {
    const input = {
      name: rec.name,
      target: { media_type: rec.target.mediaType, digest: rec.target.digest, size: rec.target.size, annotations: rec.target.annotations ?? {} },
      labels: rec.labels,
    };
    if (opts.exists) {
      try {
        await this.cd.images.update(ctx, input);
        return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    try {
      await this.cd.images.create(ctx, input);
    } catch (e) {
      if (!isConflict(e)) throw e;
      await this.cd.images.update(ctx, input);
    }
  }

  async delete(ctx: Ctx, name: string, opts: { sync?: boolean } = {}): Promise<void> {
    await this.cd.images.delete(ctx, name, opts);
  }
}
