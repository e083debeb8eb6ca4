/**
 * RegistryClient: the distribution API client berthd pulls and pushes with. It picks the
 * endpoints of a registry (mirrors first for docker.io pulls; https, then plain http for
 * insecure registries, as Docker's endpoint list does), and gives a Repository per reference:
 * manifests by tag or digest (verified against their digest), blobs as streams, existence checks,
 * cross-repository mounts, uploads (POST, PATCH with the stream, PUT ?digest=) and manifest PUT.
 * Registry errors come back as error kinds with distribution's wording
 * (`manifest unknown: manifest unknown`).
 */
import type { Readable } from 'node:stream';
import { Digester, kindOf, forbidden, notFound, system, unauthorized, type Ctx } from '../../lib/index.js';
import { DEFAULT_DOMAIN, LEGACY_DEFAULT_DOMAIN, MediaType, type Descriptor, type Reference } from '../../oci/index.js';
import { Transport, readAll, type Credentials, type Response } from './transport.js';

export const MANIFEST_ACCEPT = [MediaType.DockerManifestList, MediaType.DockerManifest, MediaType.OciIndex, MediaType.OciManifest].join(', ');

export interface RegistryClientOptions {
  /** Whether a registry host (`127.0.0.1:5000`) is insecure: plain HTTP or unverified TLS. */
  insecure: (host: string) => boolean;
  /** Mirror URLs for docker.io (daemon.json registry-mirrors). */
  mirrors?: string[];
  userAgent?: string;
}

/** One result of the v1 search API. */
export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

export interface Manifest {
  descriptor: Descriptor;
  bytes: Buffer;
}

/** docker.io is served by registry-1.docker.io. */
export function registryHost(domain: string): string {
  return domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : domain;
}

/** The error a registry answer stands for, in distribution's `code: message` wording. */
export async function responseError(res: Response, what: string): Promise<Error> {
  let text = '';
  try {
    text = (await readAll(res.body, 1 << 20)).toString('utf8');
  } catch {
    /* no body */
  }
  let msg = '';
  try {
    const errs = (JSON.parse(text) as { errors?: { code?: string; message?: string; detail?: unknown }[] }).errors ?? [];
    msg = errs.map((e) => `${(e.code ?? 'unknown').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`).join(', ');
  } catch {
    msg = text.trim().slice(0, 200);
  }
  const full = msg ? `${what}: ${msg}` : `${what}: unexpected status ${res.status}`;
  switch (res.status) {
    case 401:
      return unauthorized(msg || 'unauthorized: authentication required');
    case 403:
      return forbidden(msg || 'denied: requested access to the resource is denied');
    case 404:
      return notFound(full);
    default:
      return system(full);
  }
}

export class RegistryClient {
  /** Per host, the scheme that answered last (for insecure registries). */
  private readonly schemes = new Map<string, string>();
  private readonly transports = new Map<string, Transport>();

  constructor(private readonly opts: RegistryClientOptions) {}

  get userAgent(): string {
    return this.opts.userAgent ?? 'berth';
  }

  /** The Repository of `ref` (its domain and path), with `credentials` for that registry. */
  repository(ref: Reference, credentials?: Credentials): Repository {
    return new Repository(this, ref, credentials);
  }

  /** The transport for one set of credentials and TLS mode (connections are reused). */
  transport(host: string, credentials?: Credentials): Transport {
    const key = `${host} ${JSON.stringify(credentials ?? {})}`;
    let t = this.transports.get(key);
    if (!t) {
      if (this.transports.size > 64) {
        for (const old of this.transports.values()) old.close();
        this.transports.clear();
      }
      t = new Transport({ insecureTls: this.opts.insecure(host), credentials, userAgent: this.userAgent });
      this.transports.set(key, t);
    }
    return t;
  }

  /** Base URLs to try for a registry, in order (mirrors only for docker.io pulls). */
  endpoints(domain: string, forPush: boolean): { url: string; mirror: boolean }[] {
    const out: { url: string; mirror: boolean }[] = [];
    if (domain === DEFAULT_DOMAIN && !forPush) for (const m of this.opts.mirrors ?? []) out.push({ url: m.replace(/\/+$/, ''), mirror: true });
    const host = registryHost(domain);
    const urls = !this.opts.insecure(domain)
      ? [`https://${host}`]
      : this.schemes.get(host) === 'http'
        ? [`http://${host}`, `https://${host}`]
        : [`https://${host}`, `http://${host}`];
    for (const url of urls) out.push({ url, mirror: false });
    return out;
  }

  rememberScheme(host: string, scheme: string): void {
    this.schemes.set(host, scheme);
  }

  close(): void {
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
  }

  /**
   * The v1 search API of a registry (docker search): results as the registry gives them. Docker
   * Hub's search is served by its index (index.docker.io), not by registry-1; mirrors are not
   * asked. Any answer but 200 is a system error with moby's text ("Unexpected status code 401").
   */
  async search(ctx: Ctx, domain: string, term: string, limit: number, credentials?: Credentials): Promise<SearchResult[]> {
    let last: unknown;
    const endpoints = domain === DEFAULT_DOMAIN ? [{ url: `https://${LEGACY_DEFAULT_DOMAIN}` }] : this.endpoints(domain, true);
    for (const { url: base } of endpoints) {
      const host = new URL(base).host;
      let res: Response;
      try {
        res = await this.transport(host, credentials).request(ctx, `${base}/v1/search?q=${encodeURIComponent(term)}&n=${limit}`, { scope: 'registry:catalog:*', keepUnauthorized: true });
      } catch (e) {
        if (kindOf(e) !== 'system') throw e;
        last = e;
        continue;
      }
      if (res.status !== 200) {
        // compat: moby's searchRepositories drops the body and answers errUnknown (a 500)
        await readAll(res.body, 1 << 20).catch(() => undefined);
        throw system(`Unexpected status code ${res.status}`);
      }
      this.rememberScheme(host, new URL(base).protocol.replace(':', ''));
      const body = JSON.parse((await readAll(res.body, 8 << 20)).toString('utf8')) as { results?: SearchResult[] };
      return body.results ?? [];
    }
    throw last ?? system('no endpoint');
  }

  /** GET /v2/ with credentials: resolves when they are accepted (docker login). */
  async login(ctx: Ctx, domain: string, credentials: Credentials): Promise<void> {
    let last: unknown;
    for (const { url: base } of this.endpoints(domain, true)) {
      const host = new URL(base).host;
      const t = this.transport(host, credentials);
      let res: Response;
      try {
        res = await t.request(ctx, `${base}/v2/`, { scope: '' });
      } catch (e) {
        if (kindOf(e) !== 'system') throw e;
        last = e;
        continue;
      }
      res.body.resume();
      if (res.status === 200) {
        this.rememberScheme(host, new URL(base).protocol.replace(':', ''));
        return;
      }
      // compat: dockerd's loginV2 wording
      if (res.status === 401) throw unauthorized(`login attempt to ${base}/v2/ failed with status: 401 Unauthorized`);
      last = system(`login attempt to ${base}/v2/ failed with status: ${res.status} ${res.headers['status'] ?? ''}`.trim());
    }
    throw last ?? system('no endpoint');
  }
}

export class Repository {
  private base: string | undefined;

  constructor(
    private readonly client: RegistryClient,
    readonly ref: Reference,
    private readonly credentials?: Credentials,
  ) {}

  private scope(push: boolean): string {
    return `repository:${this.ref.path}:${push ? 'pull,push' : 'pull'}`;
  }

  /**
   * Sends a request to the first endpoint that answers (connection errors and TLS failures move
   * on to the next one; the one that worked is kept for the repository's later requests).
   */
  private async send(ctx: Ctx, path: string, opts: Parameters<Transport['request']>[2] & { push?: boolean } = {}): Promise<Response> {
    const push = opts.push ?? false;
    const tryBase = async (base: string) => {
      const host = new URL(base).host;
      const url = /^https?:\/\//.test(path) ? path : `${base}/v2/${this.ref.path}${path}`;
      return this.client.transport(host, this.credentials).request(ctx, url, { ...opts, scope: this.scope(push) });
    };
    if (this.base) return tryBase(this.base);
    let last: unknown;
    for (const ep of this.client.endpoints(this.ref.domain, push)) {
      try {
        const res = await tryBase(ep.url);
        // A mirror that cannot serve the request: the next endpoint (in the end, the registry itself).
        if (ep.mirror && res.status >= 400) {
          res.body.resume();
          continue;
        }
        this.base = ep.url;
        this.client.rememberScheme(new URL(ep.url).host, new URL(ep.url).protocol.replace(':', ''));
        return res;
      } catch (e) {
        // Only a failure to talk to an endpoint moves on; a refusal (bad credentials) is the answer.
        if (kindOf(e) !== 'system') throw e;
        last = e;
      }
    }
    throw last ?? system('no endpoint to reach');
  }

  /** A manifest by tag or digest (verified when by digest). Throws notFound with Docker's wording. */
  async getManifest(ctx: Ctx, reference: string): Promise<Manifest> {
    const res = await this.send(ctx, `/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT } });
    if (res.status !== 200) {
      const name = `${this.ref.domain === DEFAULT_DOMAIN ? this.ref.path.replace(/^library\//, '') : `${this.ref.domain}/${this.ref.path}`}`;
      const sep = reference.includes(':') ? '@' : ':';
      throw await responseError(res, `manifest for ${name}${sep}${reference} not found`);
    }
    const bytes = await readAll(res.body, 4 << 20);
    const d = new Digester();
    d.update(bytes);
    const digest = d.digest();
    if (reference.includes(':') && digest !== reference) throw system(`manifest digest mismatch: got ${digest}, want ${reference}`);
    let mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    try {
      const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: unknown };
      if (parsed.mediaType) mediaType = parsed.mediaType;
      else if (!mediaType || mediaType === 'application/json') mediaType = parsed.manifests ? MediaType.OciIndex : MediaType.OciManifest;
    } catch (e) {
      throw system('invalid manifest JSON', e);
    }
    return { descriptor: { mediaType, digest, size: bytes.length }, bytes };
  }

  /** A blob as a stream (from `offset` when given) and the total size. Throws notFound. */
  async fetchBlob(ctx: Ctx, digest: string, offset = 0): Promise<{ body: Readable; size: number; offset: number }> {
    const res = await this.send(ctx, `/blobs/${digest}`, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {} });
    if (res.status === 200 || res.status === 206) {
      const len = Number(res.headers['content-length'] ?? -1);
      const start = res.status === 206 ? offset : 0;
      return { body: res.body, size: len >= 0 ? start + len : -1, offset: start };
    }
    throw await responseError(res, `fetching blob ${digest}`);
  }

  /** The size of a blob the repository has; undefined when it has not. */
  async statBlob(ctx: Ctx, digest: string, push = false): Promise<number | undefined> {
    const res = await this.send(ctx, `/blobs/${digest}`, { method: 'HEAD', push });
    res.body.resume();
    if (res.status === 200) return Number(res.headers['content-length'] ?? 0);
    if (res.status === 404) return undefined;
    throw await responseError(res, `checking blob ${digest}`);
  }

  /** Cross-repository mount from `from` (a path in the same registry); true when mounted. */
  async mountBlob(ctx: Ctx, digest: string, from: string): Promise<boolean> {
    const res = await this.send(ctx, `/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, {
      method: 'POST',
      push: true,
      body: Buffer.alloc(0),
    });
    res.body.resume();
    if (res.status === 201) return true;
    if (res.status === 202) {
      // An upload session was opened instead: cancel it.
      const loc = res.headers.location;
      if (loc) await this.send(ctx, new URL(loc, this.base).toString(), { method: 'DELETE', push: true }).then((r) => r.body.resume(), () => {});
      return false;
    }
    throw await responseError(res, 'mounting blob');
  }

  /**
   * Uploads a blob: POST a session, PATCH the stream, PUT ?digest=. `source` may be called again
   * if the first attempt is answered with a challenge. A `size` below 0 streams the PATCH
   * chunked; `digest` may be a function, asked once the stream has been sent (a blob whose
   * digest is computed while it is produced, e.g. a layer compressed on the fly).
   */
  async pushBlob(ctx: Ctx, digest: string | (() => string), size: number, source: () => Readable): Promise<void> {
    const start = await this.send(ctx, '/blobs/uploads/', { method: 'POST', push: true, body: Buffer.alloc(0) });
    start.body.resume();
    if (start.status !== 202) throw await responseError(start, 'starting upload');
    let loc = this.absolute(start.headers.location);
    const patch = await this.send(ctx, loc, {
      method: 'PATCH',
      push: true,
      headers: { 'Content-Type': 'application/octet-stream', ...(size >= 0 ? { 'Content-Length': size } : {}) },
      body: source,
    });
    patch.body.resume();
    if (patch.status !== 202 && patch.status !== 204) throw await responseError(patch, 'uploading blob');
    loc = this.absolute(patch.headers.location ?? loc);
    const u = new URL(loc);
    u.searchParams.set('digest', typeof digest === 'string' ? digest : digest());
    const put = await this.send(ctx, u.toString(), { method: 'PUT', push: true, body: Buffer.alloc(0) });
    put.body.resume();
    if (put.status !== 201 && put.status !== 204) throw await responseError(put, 'committing blob');
  }

  /** PUT a manifest by tag or digest; returns the digest the registry reports (or computed). */
  async putManifest(ctx: Ctx, reference: string, mediaType: string, bytes: Buffer): Promise<string> {
    const res = await this.send(ctx, `/manifests/${reference}`, { method: 'PUT', push: true, headers: { 'Content-Type': mediaType }, body: bytes });
    res.body.resume();
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await responseError(res, 'pushing manifest');
    const d = new Digester();
    d.update(bytes);
    return String(res.headers['docker-content-digest'] ?? d.digest());
  }

  /** Tags of the repository (all pages). */
  async tags(ctx: Ctx): Promise<string[]> {
    const out: string[] = [];
    let path = '/tags/list';
    for (let i = 0; i < 1000; i++) {
      const res = await this.send(ctx, path);
      if (res.status !== 200) throw await responseError(res, 'listing tags');
      const body = JSON.parse((await readAll(res.body)).toString('utf8')) as { tags?: string[] | null };
      out.push(...(body.tags ?? []));
      const link = /<([^>]+)>;\s*rel="next"/.exec(String(res.headers.link ?? ''));
      if (!link) break;
      path = this.absolute(link[1]!);
    }
    return out;
  }

  private absolute(loc: string | undefined): string {
    if (!loc) throw system('registry answered without a Location');
    return new URL(loc, this.base).toString();
  }
}
