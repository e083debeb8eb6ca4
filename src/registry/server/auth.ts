/**
 * Access control of the registry server, as distribution's auth backends:
 *
 * - htpasswd (auth.htpasswd): HTTP Basic against an htpasswd file of bcrypt entries
 *   (`user:$2y$…`, what `htpasswd -B` writes); without valid credentials every request gets
 *   401 UNAUTHORIZED with `WWW-Authenticate: Basic realm="<realm>"`. Authenticated users may do
 *   everything.
 * - token (auth.token): the distribution token flow with a built-in token endpoint served at
 *   the path of `realm`. Requests without a valid bearer token covering the needed actions get
 *   401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=repository:<name>:<actions>`.
 *   The endpoint (GET <realm path>?service=&scope=&account=) checks Basic credentials against
 *   `htpasswd` (wrong ones: 401; none: the anonymous account) and grants, per requested scope,
 *   the actions the ACL allows (first matching entry; `account: "*"` means any authenticated
 *   user, `anonymous` the anonymous one; without an ACL authenticated users get everything and
 *   anonymous nothing). Tokens are HS256 JWTs signed with `secret` (random per start when unset),
 *   valid for five minutes.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import bcrypt from 'bcryptjs';
import { RegistryError } from './errcodes.js';
import type { AccessController, Action } from './server.js';
import type { AclEntry, RegistryConfig } from './config.js';

export interface Access {
  access: AccessController;
  /** The token endpoint, when the config asks for one. */
  extra?: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;
}

const TOKEN_TTL_S = 300;

/** Parses an htpasswd file: user -> hash (comments and blank lines skipped). */
export function parseHtpasswd(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const i = t.indexOf(':');
    if (i > 0) out.set(t.slice(0, i), t.slice(i + 1));
  }
  return out;
}

/** Checks a password against an htpasswd hash (bcrypt only, as distribution). */
export function checkHtpasswd(users: Map<string, string>, user: string, password: string): boolean {
  const hash = users.get(user);
  if (!hash || !/^\$2[abxy]\$/.test(hash)) {
    // Same cost either way, so a missing user is not faster to detect.
    bcrypt.compareSync(password, '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW');
    return false;
  }
  return bcrypt.compareSync(password, hash.replace(/^\$2y\$/, '$2a$'));
}

function basicCredentials(req: http.IncomingMessage): { user: string; password: string } | undefined {
  const h = req.headers.authorization;
  if (!h || !/^basic\s+/i.test(h)) return undefined;
  const plain = Buffer.from(h.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const i = plain.indexOf(':');
  if (i < 0) return undefined;
  return { user: plain.slice(0, i), password: plain.slice(i + 1) };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: { type: string; name: string; actions: string[] }[];
}

export function signToken(claims: TokenClaims, secret: Buffer): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  return `${head}.${body}.${b64url(sig)}`;
}

/** The claims of a token this server signed, or undefined (bad signature, expired, wrong audience). */
export function verifyToken(token: string, secret: Buffer, audience: string, now = Date.now()): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const want = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2]!, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  let c: TokenClaims;
  try {
    c = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return undefined;
  }
  const t = Math.floor(now / 1000);
  if (c.aud !== audience || c.exp < t || c.nbf > t + 60) return undefined;
  return c;
}

/** `*` and trailing-`*` globs over repository names. */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(name);
}

/** The actions of `wanted` the ACL grants `account` (undefined account: anonymous). */
export function grantedActions(acl: AclEntry[] | undefined, account: string | undefined, name: string, wanted: string[]): string[] {
  if (!acl) return account ? wanted : [];
  for (const e of acl) {
    const who = e.account === '*' ? !!account : e.account === 'anonymous' ? !account : e.account === account;
    if (!who || !globMatch(e.name, name)) continue;
    return e.actions.includes('*') ? wanted : wanted.filter((a) => e.actions.includes(a));
  }
  return [];
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function scopeOf(access: { repo: string; actions: Action[] } | undefined): string | undefined {
  if (!access) return undefined;
  if (!access.repo) return 'registry:catalog:*';
  return `repository:${access.repo}:${access.actions.join(',')}`;
}

/** The access controller `cfg` asks for; undefined: everyone may do everything. */
export function makeAccess(cfg: RegistryConfig): Access | undefined {
  if (cfg.token) return tokenAccess(cfg.token);
  if (cfg.htpasswd) return basicAccess(cfg.htpasswd);
  return undefined;
}

function basicAccess(opts: { realm: string; path: string }): Access {
  const users = parseHtpasswd(readFileSync(opts.path, 'utf8'));
  return {
    access: {
      async authorize(req) {
        const c = basicCredentials(req);
        if (c && checkHtpasswd(users, c.user, c.password)) return;
        throw new RegistryError('UNAUTHORIZED', { headers: { 'WWW-Authenticate': `Basic realm="${opts.realm}"` } });
      },
    },
  };
}

function tokenAccess(opts: NonNullable<RegistryConfig['token']>): Access {
  const users = opts.htpasswd ? parseHtpasswd(readFileSync(opts.htpasswd, 'utf8')) : new Map<string, string>();
  const secret = opts.secret ? Buffer.from(opts.secret) : randomBytes(32);
  const realmPath = new URL(opts.realm).pathname;
  const challenge = (scope?: string, error?: string) =>
    `Bearer realm="${opts.realm}",service="${opts.service}"` + (scope ? `,scope="${scope}"` : '') + (error ? `,error="${error}"` : '');

  const access: AccessController = {
    async authorize(req, need) {
      const h = req.headers.authorization;
      const scope = scopeOf(need);
      const token = h && /^bearer\s+/i.test(h) ? h.replace(/^bearer\s+/i, '') : undefined;
      const claims = token ? verifyToken(token, secret, opts.service) : undefined;
      if (!claims) {
        throw new RegistryError('UNAUTHORIZED', { headers: { 'WWW-Authenticate': challenge(scope, token ? 'invalid_token' : undefined) } });
      }
      if (!need) return;
      const type = need.repo ? 'repository' : 'registry';
      const name = need.repo || 'catalog';
      const have = new Set(claims.access.filter((a) => a.type === type && a.name === name).flatMap((a) => a.actions));
      if (need.actions.every((a) => have.has(a) || have.has('*'))) return;
      throw new RegistryError('UNAUTHORIZED', {
        detail: [{ Type: type, Name: name, Action: need.actions.find((a) => !have.has(a)) }],
        headers: { 'WWW-Authenticate': challenge(scope, 'insufficient_scope') },
      });
    },
  };

  const extra = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://registry');
    if (url.pathname !== realmPath || (req.method !== 'GET' && req.method !== 'POST')) return false;
    req.resume();
    let account: string | undefined;
    const c = basicCredentials(req);
    if (c) {
      if (!checkHtpasswd(users, c.user, c.password)) {
        sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] }, { 'WWW-Authenticate': `Basic realm="${opts.realm}"` });
        return true;
      }
      account = c.user;
    }
    const grants: TokenClaims['access'] = [];
    for (const scope of url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean)) {
      const m = /^([a-z]+):(.+):([^:]*)$/.exec(scope);
      if (!m) continue;
      const [, type, name, actions] = m;
      const granted = grantedActions(opts.acl, account, name!, actions!.split(',').filter(Boolean));
      if (type === 'repository' || type === 'registry') grants.push({ type: type!, name: name!, actions: granted });
    }
    const now = Math.floor(Date.now() / 1000);
    const token = signToken(
      { iss: opts.issuer, sub: account ?? '', aud: opts.service, exp: now + TOKEN_TTL_S, nbf: now - 1, iat: now, jti: randomBytes(8).toString('hex'), access: grants },
      secret,
    );
    sendJson(res, 200, { token, access_token: token, expires_in: TOKEN_TTL_S, issued_at: new Date(now * 1000).toISOString() });
    return true;
  };
  return { access, extra };
}
