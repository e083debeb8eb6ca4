/** POST /auth: docker login checks the credentials against the registry's /v2/ (moby registry.loginV2). */
import type { AuthConfig, AuthResponse, DistributionInspect } from '../../api/types/index.js';
import { notImplemented, unauthorized, type Ctx } from '../../lib/index.js';
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
