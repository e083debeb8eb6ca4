/**
 * Image references as the docker CLI parses them (github.com/distribution/reference): the
 * grammar, Docker Hub normalization ("busybox" is "docker.io/library/busybox") and the familiar
 * form shown to users. The CLI needs this on its own side: `image ls` groups RepoTags by their
 * familiar name, and `tag`/`import` validate and split their target before calling the daemon.
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [domain '/'] remote-name
 *   domain     := host [':' port-number]     (host: DNS labels or [IPv6])
 *   remote-name:= path-component ['/' path-component]*
 *   path-component := [a-z0-9]+ (separator [a-z0-9]+)*     separator: [_.] | "__" | [-]+
 *   tag        := [\w][\w.-]{0,127}
 *   digest     := algorithm ":" hex{32,}
 */
import { CliError } from './command.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const REFERENCE_RE = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const ANCHORED_NAME_RE = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** A reference that failed to parse; the message is distribution/reference's. */
export class InvalidReference extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReference';
  }
}

/** A parsed reference: a name (domain + path), an optional tag and digest. */
export interface Reference {
  /** Empty for a bare digest reference. */
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** The reference's Name(): "docker.io/library/busybox". */
export function nameOf(ref: Reference): string {
  return ref.domain ? `${ref.domain}/${ref.path}` : ref.path;
}

/** go-digest's Parse, for the algorithms docker knows. */
function checkDigest(d: string): void {
  if (!DIGEST_RE.test(d)) throw new InvalidReference('invalid checksum digest format');
  const [alg, hex] = d.split(':') as [string, string];
  const sizes: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
  const size = sizes[alg];
  if (size === undefined) throw new InvalidReference('unsupported digest algorithm');
  if (hex.length !== size || !/^[a-f0-9]+$/.test(hex)) throw new InvalidReference('invalid checksum digest length');
}

/** reference.Parse: the grammar, without normalization. */
export function parse(s: string): Reference {
  if (s === '') throw new InvalidReference('repository name must have at least one component');
  const m = REFERENCE_RE.exec(s);
  if (!m) {
    const lower = s.toLowerCase();
    if (lower !== s && REFERENCE_RE.test(lower)) throw new InvalidReference('repository name must be lowercase');
    throw new InvalidReference('invalid reference format');
  }
  const n = ANCHORED_NAME_RE.exec(m[1]!);
  const ref: Reference = n ? { domain: n[1] ?? '', path: n[2]! } : { domain: '', path: m[1]! };
  if (ref.path.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReference(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (m[2]) ref.tag = m[2];
  if (m[3]) {
    checkDigest(m[3]);
    ref.digest = m[3];
  }
  return ref;
}

/** splitDockerDomain: the domain of a familiar name, and the rest ("busybox" -> docker.io, library/busybox). */
function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (maybeDomain === 'localhost') {
    [domain, remote] = [maybeDomain, maybeRemote];
  } else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) {
    [domain, remote] = [DEFAULT_DOMAIN, maybeRemote];
  } else if (/[.:]/.test(maybeDomain) || maybeDomain.toLowerCase() !== maybeDomain) {
    [domain, remote] = [maybeDomain, maybeRemote];
  } else {
    [domain, remote] = [DEFAULT_DOMAIN, name];
  }
  if (domain === DEFAULT_DOMAIN && !remote.includes('/')) remote = OFFICIAL_REPO_PREFIX + remote;
  return [domain, remote];
}

/** reference.ParseNormalizedNamed: "busybox:1" -> docker.io/library/busybox, tag 1. */
export function parseNormalizedNamed(s: string): Reference {
  if (IDENTIFIER_RE.test(s)) throw new InvalidReference(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon >= 0 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw new InvalidReference(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  return parse(`${domain}/${remainder}`);
}

/** reference.ParseAnyReference: a 64-hex ID or a digest stands alone; anything else is a name. */
export function parseAnyReference(s: string): Reference {
  if (IDENTIFIER_RE.test(s)) return { domain: '', path: '', digest: `sha256:${s}` };
  try {
    checkDigest(s);
    return { domain: '', path: '', digest: s };
  } catch {
    return parseNormalizedNamed(s);
  }
}

/** reference.FamiliarName: "docker.io/library/busybox" -> "busybox". */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return nameOf(ref);
  let path = ref.path;
  if (path.startsWith(OFFICIAL_REPO_PREFIX) && !path.slice(OFFICIAL_REPO_PREFIX.length).includes('/')) {
    path = path.slice(OFFICIAL_REPO_PREFIX.length);
  }
  return path;
}

/** reference.FamiliarString: the familiar name with its tag and digest. */
export function familiarString(ref: Reference): string {
  let s = familiarName(ref);
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/** reference.TagNameOnly: a name without tag or digest gets ":latest". */
export function tagNameOnly(ref: Reference): Reference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** How docker's client reports a reference it cannot parse (ImageTag). */
function invalidTagReference(s: string, e: unknown): InvalidReference {
  return new InvalidReference(`Error parsing reference: ${JSON.stringify(s)} is not a valid repository/tag: ${(e as Error).message}`);
}

/** Checks the source of `image tag` as docker's client does (any reference, an ID included). */
export function checkTagSource(source: string): void {
  try {
    parseAnyReference(source);
  } catch (e) {
    throw invalidTagReference(source, e);
  }
}

/**
 * The query of POST /images/{name}/tag for a target, as docker's client builds it (ImageTag):
 * the normalized name and the tag ("latest" when none). Throws InvalidReference with the
 * client's wording for an invalid target or a digest.
 */
export function tagTarget(target: string): { repo: string; tag: string } {
  let ref: Reference;
  try {
    ref = parseNormalizedNamed(target);
  } catch (e) {
    throw invalidTagReference(target, e);
  }
  if (ref.digest !== undefined) throw new InvalidReference('refusing to create a tag with a digest reference');
  const tagged = tagNameOnly(ref);
  return { repo: nameOf(tagged), tag: tagged.tag! };
}

/** A NAME argument as a reference; docker's invalid-reference message as a CliError. */
export function parseNamedArg(s: string): Reference {
  try {
    return parseNormalizedNamed(s);
  } catch (e) {
    if (e instanceof InvalidReference) throw new CliError(e.message);
    throw e;
  }
}
