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
 * GET /images/search (moby registry.Service.Search, 28.2): `host/term` searches that registry,
 * any other term Docker Hub's index. Checked in moby's order: filter names (stars, is-official,
 * is-automated), their values, a scheme in the term, then the limit (0: 25; else 1..100), all
 * before the registry is asked (moby checks the limit after reaching it). Filtered here: at
 * least `stars` stars, `is-official`; is-automated is deprecated, `true` finds nothing and every
 * result says false.
 */
export async function search(
  svc: ImagesServiceBase,
  ctx: Ctx,
  opts: { term: string; limit: number; filters: Filters; auth: AuthConfig | undefined },
): Promise<ImageSearchResult[]> {
  const registry = svc.deps.registry;
  if (!registry) throw notImplemented('this daemon has no registry client');
  const plan = planSearch(opts.term, opts.limit, opts.filters);
  if (plan.nothing) return [];
  const results = await registry.search(ctx, plan.domain, plan.term, plan.limit, credentialsOf(opts.auth));
  return results
    .filter((r) => (plan.official === undefined || !!r.is_official === plan.official) && (r.star_count ?? 0) >= plan.minStars)
    .slice(0, plan.limit)
    .map((r) => ({ name: r.name, description: r.description ?? '', star_count: r.star_count ?? 0, is_official: !!r.is_official, is_automated: false }));
}

/** What a search asks the registry, and how its answer is filtered. */
export interface SearchPlan {
  /** The registry (docker.io for Docker Hub's index). */
  domain: string;
  /** The query sent to it. */
  term: string;
  limit: number;
  /** Keep only official (true) or only unofficial (false) results; undefined keeps both. */
  official: boolean | undefined;
  minStars: number;
  /** is-automated=true: nothing can match, the registry is not asked. */
  nothing: boolean;
}

/** Validates a search's term, limit (0: the default) and filters; throws invalidParameter with moby's texts. */
export function planSearch(term: string, limit: number, f: Filters): SearchPlan {
  f.validate(['stars', 'is-automated', 'is-official']);
  const nothing = boolFilter(f, 'is-automated');
  const official = f.has('is-official') ? boolFilter(f, 'is-official') : undefined;
  let minStars = 0;
  for (const v of f.get('stars')) minStars = Math.max(minStars, atoi(v, `invalid filter 'stars=${v}'`));
  if (term.includes('://')) throw invalidParameter(`invalid repository name: repository name (${term}) should not have a scheme`);
  const n = limit === 0 ? DEFAULT_SEARCH_LIMIT : limit;
  if (n < 1 || n > 100) throw invalidParameter(`limit ${n} is outside the range of [1, 100]`);
  let domain = DEFAULT_DOMAIN;
  let query = term;
  const slash = term.indexOf('/');
  if (slash > 0 && /[.:]|^localhost$/.test(term.slice(0, slash))) {
    domain = loginDomain(term.slice(0, slash));
    query = term.slice(slash + 1);
  }
  // compat: on the official index "library/foo" is searched as "foo"
  if (domain === DEFAULT_DOMAIN) query = query.replace(/^library\//, '');
  return { domain, term: query, limit: n, official, minStars, nothing };
}

/** moby's defaultSearchLimit. */
const DEFAULT_SEARCH_LIMIT = 25;

/**
 * filters.Args.GetBoolOrDefault: false when absent; "1"/"true" and "0"/"false" (exactly); no
 * value, neither or both are `invalid filter 'key=[v …]'` (Go's %s of a []string).
 */
function boolFilter(f: Filters, key: string): boolean {
  if (!f.has(key)) return false;
  const vs = f.get(key);
  if (vs.length === 0) throw invalidParameter(`invalid filter '${key}'`);
  const isFalse = vs.includes('0') || vs.includes('false');
  const isTrue = vs.includes('1') || vs.includes('true');
  if (isFalse === isTrue) throw invalidParameter(`invalid filter '${key}=[${vs.join(' ')}]'`);
  return isTrue;
}

/** strconv.Atoi, its error wrapped as moby does: "<what>: strconv.Atoi: parsing "x": invalid syntax". */
function atoi(v: string, what: string): number {
  const fail = (why: string) => invalidParameter(`${what}: strconv.Atoi: parsing ${JSON.stringify(v)}: ${why}`);
  if (!/^[+-]?\d+$/.test(v)) throw fail('invalid syntax');
  const n = BigInt(v);
  if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) throw fail('value out of range');
  return Number(n);
}
