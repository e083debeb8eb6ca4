/** Registry routes (moby api/server/router/system: POST /auth; distribution router: GET /distribution/{name}/json). */
import type { Ctx } from '../../../lib/index.js';
import type { AuthConfig, AuthResponse } from '../../types/index.js';
import type { Route } from '../router.js';

export interface RegistryBackend {
  /**
   * Checks credentials against a registry (docker login): resolves with Docker's answer
   * (`Login Succeeded`); throws unauthorized when refused, system when unreachable.
   */
  auth(ctx: Ctx, cfg: AuthConfig): Promise<AuthResponse>;
}

export function registryRoutes(backend: RegistryBackend): Route[] {
  return [
    {
      method: 'POST',
      path: '/auth',
      handler: async (req, res) => res.json(200, await backend.auth(req.ctx, await req.json<AuthConfig>())),
    },
  ];
}
