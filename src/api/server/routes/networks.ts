/** Network routes (moby api/server/router/network). */
import type { Ctx, Filters } from '../../../lib/index.js';
import type { EndpointSettings, NetworkCreateRequest, NetworkResource } from '../../types/index.js';
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
  create(ctx: Ctx, req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }>;
  remove(ctx: Ctx, ref: string): Promise<void>;
  connect(ctx: Ctx, ref: string, body: { Container?: string; EndpointConfig?: EndpointSettings }): Promise<void>;
  disconnect(ctx: Ctx, ref: string, body: { Container?: string; Force?: boolean }): Promise<void>;
  prune(ctx: Ctx, filters: Filters): Promise<{ NetworksDeleted: string[] | null }>;
}

export function networkRoutes(backend: NetworksBackend): Route[] {
  const list = (req: ApiRequest) => backend.list(req.ctx, req.query.filters());
  const inspect = (req: ApiRequest) =>
    backend.inspect(req.ctx, req.param('id'), { verbose: req.query.bool('verbose'), scope: req.query.string('scope') });
  return [
    { method: 'GET', path: '/networks', handler: list },
    { method: 'POST', path: '/networks/create', handler: async (req, res) => res.json(201, await backend.create(req.ctx, await req.json<NetworkCreateRequest>())) },
    { method: 'POST', path: '/networks/prune', handler: (req) => backend.prune(req.ctx, req.query.filters()) },
    {
      method: 'POST',
      path: '/networks/{id}/connect',
      handler: async (req, res) => {
        await backend.connect(req.ctx, req.param('id'), await req.json());
        res.send(200, '');
      },
    },
    {
      method: 'POST',
      path: '/networks/{id}/disconnect',
      handler: async (req, res) => {
        await backend.disconnect(req.ctx, req.param('id'), await req.json());
        res.send(200, '');
      },
    },
    { method: 'DELETE', path: '/networks/{id:.*}', handler: async (req) => void (await backend.remove(req.ctx, req.param('id'))) },
    { method: 'GET', path: '/networks/{id:.*}', handler: inspect },
  ];
}
