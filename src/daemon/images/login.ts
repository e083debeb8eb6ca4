/** POST /auth: docker login checks the credentials against the registry's /v2/ (moby registry.loginV2). */
import type { AuthConfig, AuthResponse, DistributionInspect, ImageSearchResult } from '../../api/types/index.js';
import { invalidParameter, notImplemented, unauthorized, type Ctx, type Filters } from '../../lib/index.js';
import { DEFAULT_DOMAIN, LEGACY_DEFAULT_DOMAIN, isIndex, parseNormalizedNamed, withDefaultTag, type ImageConfig, type Index, type Manifest } from '../../oci/index.js';
import { readAll } from '../../registry/client/index.js';
import type { ImagesServiceBase } from './service.js';
import { credentialsOf } from './pull.js';

/** The registry a login's serveraddress names: `https://index.docker.io/v1/` and "" are docker.io. */
export function loginDomain(serveraddress: string | undefined): string {
  const s = (serveraddress ?? '').trim();
  if (!s) return DEFAULT_DOMAIN;
  const host = s.replace(/^[a-z]+:\/\//i, '').split('/')[0]!;
  if (host === LEGACY_DEFAULT_DOMAIN || host === DEFAULT_DOMAIN || host === 'registry-1.docker.io') return DEFAULT_DOMAIN;
  return host;
}

export async function login(svc: ImagesServiceBase, ctx: Ctx, cfg: AuthConfig): Promise<AuthResponse> {
  const registry = svc.deps.registry;
  if (!registry) throw notImplemented('this daemon has no registry client');
  const creds = credentialsOf(cfg);
  if (!creds?.username && !creds?.identitytoken) throw unauthorized('Username or password is required');
  await registry.login(ctx, loginDomain(cfg.serveraddress), creds);
  return { Status: 'Login Succeeded', IdentityToken: '' };
}

/** GET /distribution/{name}/json: what the reference resolves to at the registry, and its platforms. */
export async function distributionInspect(svc: ImagesServiceBase, ctx: Ctx, name: string, auth: AuthConfig | undefined): Promise<DistributionInspect> {
  const registry = svc.deps.registry;
  if (!registry) throw notImplemented('this daemon has no registry client');
  const ref = withDefaultTag(parseNormalizedNamed(name));
  const repo = registry.repository(ref, credentialsOf(auth));
  const m = await repo.getManifest(ctx, ref.digest ?? ref.tag!);
  const platforms: DistributionInspect['Platforms'] = [];
  if (isIndex(m.descriptor.mediaType)) {
    for (const d of (JSON.parse(m.bytes.toString('utf8')) as Index).manifests) if (d.platform) platforms.push(d.platform);
  } else {
    const manifest = JSON.parse(m.bytes.toString('utf8')) as Manifest;
    const blob = await repo.fetchBlob(ctx, manifest.config.digest);
    const cfg = JSON.parse((await readAll(blob.body, 16 << 20)).toString('utf8')) as ImageConfig;
    platforms.push({ architecture: cfg.architecture, os: cfg.os, ...(cfg.variant ? { variant: cfg.variant } : {}) });
  }
  return { Descriptor: { mediaType: m.descriptor.mediaType, digest: m.descriptor.digest, size: m.descriptor.size }, Platforms: platforms };
}

/**
 * GET /images/search (moby registry.Service.Search): `host/term` searches that registry, any other
 * term docker.io; filters stars=N, is-official, is-automated; at most `limit` (1..100) results.
 */
export async function search(
  svc: ImagesServiceBase,
  ctx: Ctx,
  opts: { term: string; limit: number; filters: Filters; auth: AuthConfig | undefined },
): Promise<ImageSearchResult[]> {
  const registry = svc.deps.registry;
  if (!registry) throw notImplemented('this daemon has no registry client');
  opts.filters.validate(['stars', 'is-automated', 'is-official']);
  if (opts.limit < 1 || opts.limit > 100) throw invalidParameter(`limit ${opts.limit} is outside the range of [1, 100]`);
  let domain = DEFAULT_DOMAIN;
  let term = opts.term;
  const slash = term.indexOf('/');
  if (slash > 0 && /[.:]|^localhost$/.test(term.slice(0, slash))) {
    domain = loginDomain(term.slice(0, slash));
    term = term.slice(slash + 1);
  }
  let minStars = 0;
  for (const v of opts.filters.get('stars')) {
    const n = Number(v);
    if (!Number.isInteger(n)) throw invalidParameter(`invalid filter 'stars=${v}'`);
    minStars = Math.max(minStars, n);
  }
  const official = opts.filters.bool('is-official');
  const automated = opts.filters.bool('is-automated');
  const results = await registry.search(ctx, domain, term, opts.limit, credentialsOf(opts.auth));
  return results
    .filter((r) => r.star_count >= minStars && (official === undefined || r.is_official === official) && (automated === undefined || r.is_automated === automated))
    .slice(0, opts.limit)
    .map((r) => ({ name: r.name, description: r.description ?? '', star_count: r.star_count ?? 0, is_official: !!r.is_official, is_automated: !!r.is_automated }));
}
