/**
 * Registry credentials of the CLI (docker/cli's credentials store): in config.json's `auths`
 * (base64 user:password in `auth`), or in an external helper when `credHelpers[<host>]` or
 * `credsStore` names one: `docker-credential-<name> get|store|erase`, speaking JSON
 * ({"ServerURL","Username","Secret"}) on stdio. An identity token travels as Username
 * "<token>" with the token as Secret, as docker does.
 */
import { background, nodeExec, type Exec } from '../lib/index.js';
import type { AuthConfig, ConfigFile } from './config.js';

export interface Credential {
  username: string;
  password: string;
  identitytoken?: string;
  serveraddress: string;
}

const TOKEN_USER = '<token>';

/** `https://index.docker.io/v1/` -> `index.docker.io`, `127.0.0.1:5000` stays. */
function hostnameOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** The helper program for a registry key, if the config names one. */
export function helperFor(cfg: ConfigFile, key: string): string | undefined {
  const name = cfg.credHelpers?.[hostnameOf(key)] ?? cfg.credHelpers?.[key] ?? cfg.credsStore;
  return name ? `docker-credential-${name}` : undefined;
}

function fromAuths(entry: AuthConfig | undefined, key: string): Credential | undefined {
  if (!entry) return undefined;
  let username = entry.username ?? '';
  let password = entry.password ?? '';
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i >= 0) [username, password] = [decoded.slice(0, i), decoded.slice(i + 1).replace(/\0+$/, '')];
  }
  if (!username && !password && !entry.identitytoken) return undefined;
  return { username, password, serveraddress: key, ...(entry.identitytoken ? { identitytoken: entry.identitytoken } : {}) };
}

/** The stored credentials for a registry key; undefined when there are none. */
export async function getCredentials(cfg: ConfigFile, key: string, exec: Exec = nodeExec): Promise<Credential | undefined> {
  const helper = helperFor(cfg, key);
  if (!helper) return fromAuths(cfg.auths?.[key], key);
  let out: string;
  try {
    out = (await exec.run(background(), helper, ['get'], { input: key, timeoutMs: 30_000 })).stdout;
  } catch {
    // "credentials not found in native keychain" (or no such helper): none
    return undefined;
  }
  const v = JSON.parse(out) as { ServerURL?: string; Username?: string; Secret?: string };
  if (v.Username === TOKEN_USER) return { username: '', password: '', identitytoken: v.Secret ?? '', serveraddress: key };
  return { username: v.Username ?? '', password: v.Secret ?? '', serveraddress: key };
}

/**
 * Every stored credential by registry key (docker/cli GetAllCredentials: the keys of `auths`
 * and `credHelpers`), in AuthConfig's JSON shape: what `docker build` sends as X-Registry-Config.
 */
export async function allCredentials(cfg: ConfigFile, exec: Exec = nodeExec): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  const keys = new Set([...Object.keys(cfg.auths ?? {}), ...Object.keys(cfg.credHelpers ?? {})]);
  for (const key of keys) {
    const c = await getCredentials(cfg, key, exec);
    if (!c) continue;
    out[key] = {
      ...(c.username ? { username: c.username } : {}),
      ...(c.password ? { password: c.password } : {}),
      serveraddress: key,
      ...(c.identitytoken ? { identitytoken: c.identitytoken } : {}),
    };
  }
  return out;
}

/** Stores credentials (helper, else config.json's auths); the caller saves the config file. */
export async function storeCredentials(cfg: ConfigFile, key: string, c: Credential, exec: Exec = nodeExec): Promise<void> {
  const helper = helperFor(cfg, key);
  cfg.auths ??= {};
  if (helper) {
    const body = c.identitytoken
      ? { ServerURL: key, Username: TOKEN_USER, Secret: c.identitytoken }
      : { ServerURL: key, Username: c.username, Secret: c.password };
    await exec.run(background(), helper, ['store'], { input: JSON.stringify(body), timeoutMs: 30_000 });
    // compat: docker keeps an empty entry in auths for a helper-stored registry
    cfg.auths[key] = {};
    return;
  }
  cfg.auths[key] = c.identitytoken
    ? { auth: Buffer.from(`${c.username}:`).toString('base64'), identitytoken: c.identitytoken }
    : { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
}

/** Forgets the credentials of a registry (helper and config.json); the caller saves the config file. */
export async function eraseCredentials(cfg: ConfigFile, key: string, exec: Exec = nodeExec): Promise<void> {
  const helper = helperFor(cfg, key);
  if (helper) await exec.run(background(), helper, ['erase'], { input: key, timeoutMs: 30_000 }).catch(() => {});
  if (cfg.auths) delete cfg.auths[key];
}
