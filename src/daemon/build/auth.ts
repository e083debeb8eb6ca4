/** Which of a build's credentials (X-Registry-Config) a pull uses (moby registry.ResolveAuthConfig). */
import type { AuthConfig } from '../../api/types/index.js';
import { DEFAULT_DOMAIN, INDEX_SERVER } from '../../oci/index.js';

/** moby ConvertToHostname: `https://r:5000/v2/` -> `r:5000`. */
export function convertToHostname(url: string): string {
  const stripped = url.startsWith('http://') ? url.slice(7) : url.startsWith('https://') ? url.slice(8) : url;
  const i = stripped.indexOf('/');
  return i < 0 ? stripped : stripped.slice(0, i);
}

/**
 * The credentials for a registry `domain` (a reference's domain, `docker.io` for Docker Hub):
 * the entry under its key (Docker Hub: INDEX_SERVER, and nothing else), else the first whose
 * key names the same host (legacy `https://host/v1/` keys); undefined when none.
 */
export function resolveAuthConfig(auths: Record<string, AuthConfig>, domain: string): AuthConfig | undefined {
  const official = domain === DEFAULT_DOMAIN;
  const key = official ? INDEX_SERVER : domain;
  if (Object.prototype.hasOwnProperty.call(auths, key)) return auths[key];
  if (official) return undefined;
  for (const [k, a] of Object.entries(auths)) if (convertToHostname(k) === key) return a;
  return undefined;
}
