/** Volume routes (moby api/server/router/volume): list, create, inspect, remove, prune. */
import type { Ctx, Filters } from '../../../lib/index.js';
import type { Volume, VolumeCreateRequest, VolumeListResponse, VolumesPruneReport } from '../../types/index.js';
import type { ApiRequest } from '../request.js';
import type { ApiResponse } from '../response.js';
import type { Route } from '../router.js';

export interface VolumesBackend {
  /**
   * Volumes matching `filters` (dangling, driver, label, name). Throws invalidParameter for an
   * unknown filter or a bad dangling value.
   */
  list(ctx: Ctx, filters: Filters): Promise<VolumeListResponse>;
  /**
   * Creates a volume (an anonymous one without a name), or returns the existing one of that name.
   * Throws invalidParameter for a bad name or bad driver options, notFound for an unknown driver.
   */
  create(ctx: Ctx, req: VolumeCreateRequest): Promise<Volume>;
  /** One volume. Throws notFound `get <name>: no such volume`. */
  inspect(ctx: Ctx, name: string): Promise<Volume>;
  /**
   * Removes a volume. Throws conflict `remove <name>: volume is in use - [<ids>]` while
   * containers use it, notFound when there is none (unless `force`).
   */
  remove(ctx: Ctx, name: string, opts: { force: boolean }): Promise<void>;
  /**
   * Removes the unused local volumes matching `filters` (label, label!, all): only anonymous
   * ones unless all=true. Throws invalidParameter for a bad filter, conflict while a prune runs.
   */
  prune(ctx: Ctx, filters: Filters): Promise<VolumesPruneReport>;
}

export function volumeRoutes(backend: VolumesBackend): Route[] {
  return [
    { method: 'GET', path: '/volumes', handler: (req: ApiRequest) => backend.list(req.ctx, req.query.filters()) },
    {
      method: 'POST',
      path: '/volumes/create',
      handler: async (req: ApiRequest, res: ApiResponse) => {
        const body = await req.json<VolumeCreateRequest>();
        res.json(201, await backend.create(req.ctx, body));
      },
    },
    {
      method: 'POST',
      path: '/volumes/prune',
      handler: (req: ApiRequest) => {
        const filters = req.query.filters();
        // since API 1.42 prune removes only anonymous volumes unless all=true
        if (!req.versionAtLeast('1.42')) filters.add('all', 'true');
        return backend.prune(req.ctx, filters);
      },
    },
    { method: 'GET', path: '/volumes/{name}', handler: (req: ApiRequest) => backend.inspect(req.ctx, req.param('name')) },
    {
      method: 'DELETE',
      path: '/volumes/{name}',
      handler: async (req: ApiRequest) => {
        await backend.remove(req.ctx, req.param('name'), { force: req.query.bool('force') });
      },
    },
  ];
}
