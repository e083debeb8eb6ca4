/** Network routes (moby api/server/router/network): list and inspect. */
import type { Ctx, Filters } from '../../../lib/index.js';
import type { NetworkResource } from '../../types/index.js';
import type { ApiRequest } from '../request.js';
import type { Route } from '../router.js';

export interface NetworksBackend {
  /** Networks matching `filters` (invalidParameter for an unknown filter), without their containers. */
  list(ctx: Ctx, filters: Filters): Promise<NetworkResource[]>;
  /**
   * One network by name, full ID or ID prefix, with its containers' endpoints.
   * Throws notFound `network <ref> not found`.
   */
  inspect(ctx: Ctx, ref: string, opts: { verbose: boolean; scope: string }): Promise<NetworkResource>;
}

export function networkRoutes(backend: NetworksBackend): Route[] {
  const list = (req: ApiRequest) => backend.list(req.ctx, req.query.filters());
  const inspect = (req: ApiRequest) =>
    backend.inspect(req.ctx, req.param('id'), { verbose: req.query.bool('verbose'), scope: req.query.string('scope') });
  return [
    { method: 'GET', path: '/networks', handler: list },
    { method: 'GET', path: '/networks/{id:.*}', handler: inspect },
  ];
}
