/** containerd's namespaces service (containerd.services.namespaces.v1.Namespaces). */
import type { Ctx } from '../lib/index.js';
import type { Rpc } from './rpc.js';
import type { Labels, Namespace } from './types.js';

const SVC = 'containerd.services.namespaces.v1.Namespaces';

export class NamespacesService {
  constructor(private readonly rpc: Rpc) {}

  /** The namespace `name`. Throws notFound. */
  async get(ctx: Ctx, name: string): Promise<Namespace> {
    const res = await this.rpc.unary<{ namespace: Namespace }>(ctx, SVC, 'Get', { name });
    return res.namespace;
  }

  /** Every namespace. */
  async list(ctx: Ctx): Promise<Namespace[]> {
    const res = await this.rpc.unary<{ namespaces: Namespace[] }>(ctx, SVC, 'List', {});
    return res.namespaces;
  }

  /** Creates a namespace. Throws conflict when it exists, invalidParameter for a bad name. */
  async create(ctx: Ctx, name: string, labels: Labels = {}): Promise<Namespace> {
    const res = await this.rpc.unary<{ namespace: Namespace }>(ctx, SVC, 'Create', { namespace: { name, labels } });
    return res.namespace;
  }

  /**
   * Replaces the labels of a namespace (`paths` limits the update, e.g. ['labels.x']).
   * Throws notFound.
   */
  async update(ctx: Ctx, name: string, labels: Labels, paths?: string[]): Promise<Namespace> {
    const res = await this.rpc.unary<{ namespace: Namespace }>(ctx, SVC, 'Update', {
      namespace: { name, labels },
      update_mask: paths ? { paths } : null,
    });
    return res.namespace;
  }

  /** Removes an empty namespace. Throws notFound, or conflict (FAILED_PRECONDITION) when not empty. */
  async remove(ctx: Ctx, name: string): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Delete', { name });
  }
}
