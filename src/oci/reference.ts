/**
 * Docker image references (distribution/reference): parsing, normalisation to the canonical
 * `docker.io/library/busybox:latest` form, and the familiar short form for display.
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain "/"] path-component ["/" path-component]*
 */
import { invalidParameter } from '../lib/index.js';

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN_NAME = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})`;
const DOMAIN = `${DOMAIN_NAME}(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;

const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_TAG_RE = new RegExp(`^${TAG}$`);
const ANCHORED_DIGEST_RE = new RegExp(`^${DIGEST}$`);
const HEX64_RE = /^[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
/** Docker Hub's key in credential maps and the CLI's config.json (moby registry.IndexServer). */
export const INDEX_SERVER = 'https://index.docker.io/v1/';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';

export interface Reference {
  /** Registry host, e.g. "docker.io" or "127.0.0.1:5000". */
  domain: string;
  /** Repository path within the registry, e.g. "library/busybox". */
  path: string;
  tag?: string;
  digest?: string;
}

/** `docker.io/library/busybox` */
export function fullName(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** `docker.io/library/busybox:latest`, `…@sha256:…`, or both. */
export function referenceString(r: Reference): string {
  return fullName(r) + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}

/** The name as Docker shows it: `busybox`, `user/app`, `127.0.0.1:5000/app`. */
export function familiarName(r: Reference): string {
  if (r.domain === DEFAULT_DOMAIN) {
    return r.path.startsWith(OFFICIAL_REPO_PREFIX) && r.path.split('/').length === 2
      ? r.path.slice(OFFICIAL_REPO_PREFIX.length)
      : r.path;
  }
  return fullName(r);
}

/** `busybox:latest`, `127.0.0.1:5000/app@sha256:…`. */
export function familiarString(r: Reference): string {
  return familiarName(r) + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}

function splitDomain(name: string): { domain: string; path: string } {
  const i = name.indexOf('/');
  let domain = DEFAULT_DOMAIN;
  let path = name;
  if (i >= 0) {
    const first = name.slice(0, i);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      path = name.slice(i + 1);
    }
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  return { domain, path };
}

/**
 * Parses a user-supplied reference the way `docker` does (ParseNormalizedNamed): adds docker.io
 * and library/ where implied. No default tag is added (see withDefaultTag).
 * Throws invalidParameter with Docker's wording.
 */
export function parseNormalizedNamed(s: string): Reference {
  if (HEX64_RE.test(s)) {
    throw invalidParameter(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, path: rest } = splitDomain(s);
  const remoteName = rest.split(/[:@]/, 1)[0]!;
  if (remoteName.toLowerCase() !== remoteName) {
    throw invalidParameter('invalid reference format: repository name (' + remoteName + ') must be lowercase');
  }
  const m = REFERENCE_RE.exec(`${domain}/${rest}`);
  if (!m) {
    throw invalidParameter('invalid reference format');
  }
  const name = m[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalidParameter(`invalid reference format: repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const ref: Reference = { domain, path: name.slice(domain.length + 1) };
  if (m[2]) ref.tag = m[2];
  if (m[3]) ref.digest = m[3];
  return ref;
}

/** Adds `:latest` when the reference has neither tag nor digest (TagNameOnly). */
export function withDefaultTag(r: Reference): Reference {
  return r.tag || r.digest ? r : { ...r, tag: DEFAULT_TAG };
}

export function isValidTag(tag: string): boolean {
  return ANCHORED_TAG_RE.test(tag);
}

export function isValidDigest(d: string): boolean {
  return ANCHORED_DIGEST_RE.test(d);
}
