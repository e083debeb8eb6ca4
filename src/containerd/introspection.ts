/** containerd's introspection service (containerd.services.introspection.v1.Introspection). */
import type { Ctx } from '../lib/index.js';
import type { Rpc } from './rpc.js';
import type { Plugin } from './types.js';

const SVC = 'containerd.services.introspection.v1.Introspection';

export class IntrospectionService {
  constructor(private readonly rpc: Rpc) {}

  /**
   * The loaded plugins, optionally filtered (containerd filter syntax, e.g.
   * `type==io.containerd.snapshotter.v1`). A plugin that failed to initialise has `init_err` set.
   */
  async plugins(ctx: Ctx, filters: string[] = []): Promise<Plugin[]> {
    const res = await this.rpc.unary<{ plugins: Plugin[] }>(ctx, SVC, 'Plugins', { filters });
    return res.plugins;
  }

  /** The server's UUID (stable across restarts of the same root). */
  async server(ctx: Ctx): Promise<{ uuid: string }> {
    return this.rpc.unary<{ uuid: string }>(ctx, SVC, 'Server', {});
  }
}
