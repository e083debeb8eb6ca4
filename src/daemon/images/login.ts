/** POST /auth: docker login checks the credentials against the registry's /v2/ (moby registry.loginV2). */
import type { AuthConfig, AuthResponse } from '../../api/types/index.js';
import { notImplemented, unauthorized, type Ctx } from '../../lib/index.js';
import { DEFAULT_DOMAIN, LEGACY_DEFAULT_DOMAIN } from '../../oci/index.js';
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
