/**
 * CLI configuration (STYLE D8): the config directory (`--config`, else $DOCKER_CONFIG, else
 * ~/.docker) and its config.json (docker's ConfigFile: auths, credsStore, proxies, ...). The
 * file is read on first use only; a missing file is an empty config.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface AuthConfig {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress?: string;
}

export interface ConfigFile {
  auths?: Record<string, AuthConfig>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  psFormat?: string;
  imagesFormat?: string;
  networksFormat?: string;
  statsFormat?: string;
  detachKeys?: string;
  currentContext?: string;
  proxies?: Record<string, Record<string, string>>;
  [key: string]: unknown;
}

/** docker's config.Dir(): $DOCKER_CONFIG or ~/.docker. */
export function defaultConfigDir(env: Record<string, string | undefined>): string {
  return env['DOCKER_CONFIG'] || join(env['HOME'] || homedir(), '.docker');
}

/** Loads `<dir>/config.json`; throws with docker's wording when it is not valid JSON. */
export function loadConfigFile(dir: string): ConfigFile {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  try {
    return JSON.parse(text) as ConfigFile;
  } catch (e) {
    throw new Error(`loading config file: ${path}: ${(e as Error).message}`);
  }
}

/** Writes `<dir>/config.json` (0600, atomically: temp + rename), as docker's ConfigFile.Save. */
export function saveConfigFile(dir: string, cfg: ConfigFile): string {
  const path = join(dir, 'config.json');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.config.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(cfg, null, '\t'), { mode: 0o600 });
  renameSync(tmp, path);
  return path;
}

/** Docker Hub's key in config.json and in X-Registry-Config (the CLI's copy of oci's; cli/ may not import oci/). */
export const INDEX_SERVER = 'https://index.docker.io/v1/';

/** The config.json key of a registry: docker.io's is `https://index.docker.io/v1/`. */
export function authKey(server: string): string {
  const host = server.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (!host || host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io') return INDEX_SERVER;
  return host;
}
