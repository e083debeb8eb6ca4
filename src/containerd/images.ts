/** containerd's image metadata service (containerd.services.images.v1.Images): name -> target. */
import type { Ctx } from '../lib/index.js';
import type { Rpc } from './rpc.js';
import type { Descriptor, Image, Labels } from './types.js';

const SVC = 'containerd.services.images.v1.Images';

/** What images.create / images.update take. */
export interface ImageInput {
  name: string;
  target: Partial<Descriptor> & { digest: string; media_type: string; size: number };
  labels?: Labels;
}

export class ImagesService {
  constructor(private readonly rpc: Rpc) {}

  /** The image `name`. Throws notFound. */
  async get(ctx: Ctx, name: string): Promise<Image> {
    const res = await this.rpc.unary<{ image: Image | null }>(ctx, SVC, 'Get', { name });
    return res.image!;
  }

  /** Images matching the filters (e.g. `name==x`, `target.digest==sha256:…`); all when none. */
  async list(ctx: Ctx, filters: string[] = []): Promise<Image[]> {
    const res = await this.rpc.unary<{ images: Image[] }>(ctx, SVC, 'List', { filters });
    return res.images;
  }

  /** Records a new image. Throws conflict when the name exists, invalidParameter for a bad target. */
  async create(ctx: Ctx, image: ImageInput): Promise<Image> {
    const res = await this.rpc.unary<{ image: Image }>(ctx, SVC, 'Create', { image });
    return res.image;
  }

  /**
   * Updates an image: the fields named in `paths` (`labels`, `labels.<k>`, `target`,
   * `annotations`), or every updatable field when `paths` is omitted. Throws notFound.
   */
  async update(ctx: Ctx, image: ImageInput, paths?: string[]): Promise<Image> {
    const res = await this.rpc.unary<{ image: Image }>(ctx, SVC, 'Update', {
      image,
      update_mask: paths ? { paths } : null,
    });
    return res.image;
  }

  /** Deletes an image record; `sync` waits for the GC it triggers. Throws notFound. */
  async delete(ctx: Ctx, name: string, opts: { sync?: boolean } = {}): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Delete', { name, sync: opts.sync ?? false });
  }
}
