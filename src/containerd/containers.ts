/** containerd's container metadata service (containerd.services.containers.v1.Containers). */
import type { Ctx } from '../lib/index.js';
import type { Rpc } from './rpc.js';
import type { Any, Container, ContainerRuntime, Labels } from './types.js';

const SVC = 'containerd.services.containers.v1.Containers';

/** What containers.create / containers.update take. */
export interface ContainerInput {
  id: string;
  labels?: Labels;
  image?: string;
  runtime: Partial<ContainerRuntime> & { name: string };
  /** packJson(SPEC_TYPE_URL, spec) */
  spec: Any;
  snapshotter?: string;
  snapshot_key?: string;
  extensions?: Record<string, Any>;
}

export class ContainersService {
  constructor(private readonly rpc: Rpc) {}

  /** Records a container. Throws conflict when the id exists, invalidParameter for a bad record. */
  async create(ctx: Ctx, container: ContainerInput): Promise<Container> {
    const res = await this.rpc.unary<{ container: Container }>(ctx, SVC, 'Create', { container });
    return res.container;
  }

  /** The container `id`. Throws notFound. */
  async get(ctx: Ctx, id: string): Promise<Container> {
    const res = await this.rpc.unary<{ container: Container }>(ctx, SVC, 'Get', { id });
    return res.container;
  }

  /** Containers matching the filters (e.g. `labels."k"==v`, `id==x`); all when none. */
  async list(ctx: Ctx, filters: string[] = []): Promise<Container[]> {
    const res = await this.rpc.unary<{ containers: Container[] }>(ctx, SVC, 'List', { filters });
    return res.containers;
  }

  /**
   * Updates the fields named in `paths` (`labels`, `labels.<k>`, `spec`, `snapshotter`,
   * `snapshotkey`, `image`, `runtime`, `extensions`), or every updatable field when omitted.
   * Throws notFound.
   */
  async update(ctx: Ctx, container: ContainerInput, paths?: string[]): Promise<Container> {
    const res = await this.rpc.unary<{ container: Container }>(ctx, SVC, 'Update', {
      container,
      update_mask: paths ? { paths } : null,
    });
    return res.container;
  }

  /** Deletes a container record (its task must be gone). Throws notFound. */
  async delete(ctx: Ctx, id: string): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Delete', { id });
  }
}
