/**
 * Registry routes (moby api/server/router/system: POST /auth; image router: GET /images/search;
 * distribution router: GET /distribution/{name}/json).
 */
import { invalidParameter, type Ctx, type Filters } from '../../../lib/index.js';
import type { AuthConfig, AuthResponse, DistributionInspect, ImageSearchResult } from '../../types/index.js';
import { decodeRegistryAuth } from './images.js';
import type { Route } from '../router.js';

export interface RegistryBackend {
  /**
   * Checks credentials against a registry (docker login): resolves with Docker's answer
   * (`Login Succeeded`); throws unauthorized when refused, system when unreachable.
   */
  auth(ctx: Ctx, cfg: AuthConfig): Promise<AuthResponse>;
  /** The descriptor and platforms a reference resolves to at its registry (no pull). */
  distributionInspect(ctx: Ctx, name: string, auth: AuthConfig | undefined): Promise<DistributionInspect>;
  /** docker search: the registry named in `term` (docker.io otherwise); invalidParameter for bad filters. */
  search(ctx: Ctx, opts: { term: string; limit: number; filters: Filters; auth: AuthConfig | undefined }): Promise<ImageSearchResult[]>;
}

export function registryRoutes(backend: RegistryBackend): Route[] {
  return [
    {
      method: 'POST',
      path: '/auth',
      handler: async (req, res) => res.json(200, await backend.auth(req.ctx, await req.json<AuthConfig>())),
    },
    {
      method: 'GET',
      path: '/images/search',
      handler: async (req, res) =>
        res.json(
          200,
          await backend.search(req.ctx, {
            term: req.query.string('term'),
            limit: searchLimit(req.query.get('limit')),
            filters: req.query.filters(),
            auth: decodeRegistryAuth(req.header('x-registry-auth')),
          }),
        ),
    },
    {
      method: 'GET',
      path: '/distribution/{name:.*}/json',
      handler: async (req, res) => res.json(200, await backend.distributionInspect(req.ctx, req.param('name'), decodeRegistryAuth(req.header('x-registry-auth')))),
    },
  ];
}

/**
 * The `limit` of a search: 0 when absent (the backend's default), else a non-negative integer
 * (moby's getImagesSearch: "invalid limit specified: strconv.Atoi: …").
 */
function searchLimit(raw: string | null | undefined): number {
  if (!raw) return 0;
  const fail = (why: string) => invalidParameter(`invalid limit specified: strconv.Atoi: parsing ${JSON.stringify(raw)}: ${why}`);
  if (!/^[+-]?\d+$/.test(raw)) throw fail('invalid syntax');
  const n = BigInt(raw);
  if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) throw fail('value out of range');
  if (n < 0n) throw invalidParameter('invalid limit specified');
  return Number(n);
}
