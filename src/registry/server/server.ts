/**
 * The registry HTTP API: OCI Distribution Specification 1.1 / Docker Registry HTTP API V2.
 *
 *   GET    /v2/                                    version check (200 {}), auth challenge
 *   GET    /v2/_catalog?n=&last=                   repositories, paginated (Link: rel="next")
 *   GET    /v2/<name>/tags/list?n=&last=           tags, paginated
 *   GET|HEAD /v2/<name>/manifests/<tag|digest>     Content-Type = the stored media type
 *   PUT    /v2/<name>/manifests/<tag|digest>       201, Docker-Content-Digest (OCI-Subject)
 *   DELETE /v2/<name>/manifests/<tag|digest>       202
 *   GET|HEAD /v2/<name>/blobs/<digest>             Range: bytes=a-b -> 206
 *   DELETE /v2/<name>/blobs/<digest>               202 (the repository's link)
 *   POST   /v2/<name>/blobs/uploads/               202 session | ?digest= monolithic 201 |
 *                                                  ?mount=&from= cross-repo mount 201
 *   PATCH  /v2/<name>/blobs/uploads/<uuid>         chunk (Content-Range: a-b) 202
 *   PUT    /v2/<name>/blobs/uploads/<uuid>?digest= last chunk + commit 201
 *   GET    /v2/<name>/blobs/uploads/<uuid>         status 204 (Range: 0-<n-1>)
 *   DELETE /v2/<name>/blobs/uploads/<uuid>         cancel 204
 *   GET    /v2/<name>/referrers/<digest>           OCI index of manifests whose subject is <digest>
 *   GET    /v1/search?q=&n=&page=                  docker search (repositories containing q)
 *
 * Every answer carries `Docker-Distribution-API-Version: registry/2.0`; errors are
 * `{"errors":[{"code","message","detail"}]}` (errcodes.ts).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { sha256, type Logger } from '../../lib/index.js';
import { MediaType } from '../../oci/index.js';
import { RegistryError, regError } from './errcodes.js';
import { baseHeaders, paginate, parseRange, readBody, sendEmpty, sendJson } from './http.js';
import { checkDigest, isValidRepoName, isValidTag, type FsRegistryStorage } from './storage.js';

/** The largest manifest accepted (distribution: 4 MiB). */
const MAX_MANIFEST = 4 << 20;

export type Action = 'pull' | 'push' | 'delete' | '*';

/** Who may do what: given the request and the access it needs, resolves or throws UNAUTHORIZED/DENIED. */
export interface AccessController {
  /** `repo` is empty for registry-wide requests (/v2/, _catalog: scope registry:catalog:*). */
  authorize(req: http.IncomingMessage, access: { repo: string; actions: Action[] } | undefined): Promise<void>;
}

export interface RegistryServerOptions {
  storage: FsRegistryStorage;
  log: Logger;
  access?: AccessController;
  /** Whether DELETE of manifests and blobs is allowed (UNSUPPORTED 405 otherwise). */
  deleteEnabled?: boolean;
  /** Extra routes served before /v2/ (the token endpoint). */
  extra?: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;
}

const KNOWN_MANIFEST_TYPES = new Set<string>([
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
  MediaType.OciManifest,
  MediaType.OciIndex,
]);

interface ParsedManifest {
  mediaType?: string;
  schemaVersion?: number;
  config?: { digest?: string };
  layers?: { digest?: string }[];
  manifests?: { digest?: string }[];
  subject?: { digest?: string };
  artifactType?: string;
  annotations?: Record<string, string>;
}

export class RegistryServer {
  private server: http.Server | undefined;

  constructor(private readonly opts: RegistryServerOptions) {}

  /** Listens on host:port (port 0: any free one); resolves with the bound address. */
  async listen(host: string, port: number, tls?: { cert: Buffer; key: Buffer }): Promise<AddressInfo> {
    await this.opts.storage.init();
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    this.server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** The request handler (exported for tests that bring their own server). */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    baseHeaders(res);
    const log = this.opts.log.with({ method: req.method, path: req.url });
    try {
      if (this.opts.extra && (await this.opts.extra(req, res))) return;
      await this.route(req, res);
      log.debug('request', { status: res.statusCode });
    } catch (e) {
      const err = e instanceof RegistryError ? e : new RegistryError('UNKNOWN', { message: (e as Error).message, cause: e });
      if (err.code === 'UNKNOWN') log.error('request failed', { error: e });
      else log.debug('request refused', { code: err.code, detail: err.detail });
      if (!req.complete) req.resume();
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (req.method === 'HEAD') sendEmpty(res, err.status, err.headers);
      else sendJson(res, err.status, err.body(), err.headers);
    }
  }

  private async authorize(req: http.IncomingMessage, repo: string, actions: Action[] | undefined): Promise<void> {
    if (this.opts.access) await this.opts.access.authorize(req, actions ? { repo, actions } : undefined);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const st = this.opts.storage;
    let m: RegExpExecArray | null;

    if (path === '/v2' || path === '/v2/') {
      await this.authorize(req, '', undefined);
      return sendJson(res, 200, {});
    }
    if (path === '/v1/search' && method === 'GET') {
      await this.authorize(req, '', ['*']);
      return this.search(res, url);
    }
    if (!path.startsWith('/v2/')) throw regError('UNSUPPORTED', { path }, 'page not found');
    if (path === '/v2/_catalog') {
      await this.authorize(req, '', ['*']);
      const { page, link } = paginate(await st.repositories(), url, '/v2/_catalog');
      return sendJson(res, 200, { repositories: page }, link ? { Link: link } : {});
    }
    if ((m = /^\/v2\/(.+)\/tags\/list$/.exec(path))) {
      const repo = this.repo(m[1]!);
      await this.authorize(req, repo, ['pull']);
      const { page, link } = paginate(await st.tags(repo), url, `/v2/${repo}/tags/list`);
      return sendJson(res, 200, { name: repo, tags: page }, link ? { Link: link } : {});
    }
    if ((m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path))) {
      const repo = this.repo(m[1]!);
      const ref = decodeURIComponent(m[2]!);
      if (method === 'GET' || method === 'HEAD') {
        await this.authorize(req, repo, ['pull']);
        return this.getManifest(req, res, repo, ref);
      }
      if (method === 'PUT') {
        await this.authorize(req, repo, ['pull', 'push']);
        return this.putManifest(req, res, repo, ref);
      }
      if (method === 'DELETE') {
        await this.authorize(req, repo, ['delete']);
        if (!this.opts.deleteEnabled) throw regError('UNSUPPORTED');
        if (ref.includes(':')) await st.deleteManifest(repo, checkDigest(ref));
        else await st.deleteTag(repo, ref);
        return sendEmpty(res, 202);
      }
      throw regError('UNSUPPORTED', { method });
    }
    if ((m = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(path))) {
      const repo = this.repo(m[1]!);
      if (method !== 'POST') throw regError('UNSUPPORTED', { method });
      await this.authorize(req, repo, ['pull', 'push']);
      return this.startUpload(req, res, url, repo);
    }
    if ((m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/.exec(path))) {
      const repo = this.repo(m[1]!);
      await this.authorize(req, repo, ['pull', 'push']);
      return this.upload(req, res, url, repo, m[2]!);
    }
    if ((m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path))) {
      const repo = this.repo(m[1]!);
      const digest = checkDigest(decodeURIComponent(m[2]!));
      if (method === 'GET' || method === 'HEAD') {
        await this.authorize(req, repo, ['pull']);
        return this.getBlob(req, res, repo, digest);
      }
      if (method === 'DELETE') {
        await this.authorize(req, repo, ['delete']);
        if (!this.opts.deleteEnabled) throw regError('UNSUPPORTED');
        await st.unlinkBlob(repo, digest);
        return sendEmpty(res, 202, { 'Docker-Content-Digest': digest });
      }
      throw regError('UNSUPPORTED', { method });
    }
    if ((m = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(path))) {
      const repo = this.repo(m[1]!);
      await this.authorize(req, repo, ['pull']);
      return this.referrers(res, url, repo, checkDigest(decodeURIComponent(m[2]!)));
    }
    throw regError('UNSUPPORTED', { path }, 'page not found');
  }

  private repo(raw: string): string {
    const name = decodeURIComponent(raw);
    if (!isValidRepoName(name)) throw regError('NAME_INVALID', { name });
    return name;
  }

  private location(req: http.IncomingMessage, path: string): string {
    const proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
    return `${proto}://${req.headers.host ?? 'localhost'}${path}`;
  }

  private async getBlob(req: http.IncomingMessage, res: http.ServerResponse, repo: string, digest: string): Promise<void> {
    const size = await this.opts.storage.statBlob(repo, digest);
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/octet-stream',
      'Docker-Content-Digest': digest,
      ETag: `"${digest}"`,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'max-age=31536000',
    };
    const range = size > 0 ? parseRange(req.headers.range, size) : undefined;
    if (req.method === 'HEAD') return sendEmpty(res, 200, { ...headers, 'Content-Length': size });
    if (range) {
      res.writeHead(206, { ...headers, 'Content-Length': range.end - range.start + 1, 'Content-Range': `bytes ${range.start}-${range.end}/${size}` });
    } else {
      res.writeHead(200, { ...headers, 'Content-Length': size });
    }
    if (size === 0) return void res.end();
    await pipeline(this.opts.storage.readBlob(digest, range), res);
  }

  private async startUpload(req: http.IncomingMessage, res: http.ServerResponse, url: URL, repo: string): Promise<void> {
    const st = this.opts.storage;
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    if (mount) {
      const digest = checkDigest(mount);
      if (from && isValidRepoName(from) && (await st.hasBlob(from, digest))) {
        let allowed = true;
        try {
          await this.authorize(req, from, ['pull']);
        } catch {
          allowed = false;
        }
        if (allowed) {
          await st.linkBlob(repo, digest);
          req.resume();
          return sendEmpty(res, 201, { Location: this.location(req, `/v2/${repo}/blobs/${digest}`), 'Docker-Content-Digest': digest });
        }
      }
    }
    const digestParam = url.searchParams.get('digest');
    const up = await st.startUpload(repo);
    if (digestParam && !mount) {
      const digest = checkDigest(digestParam);
      const length = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined;
      await st.finishUpload(repo, up.uuid, digest, req, length);
      return sendEmpty(res, 201, { Location: this.location(req, `/v2/${repo}/blobs/${digest}`), 'Docker-Content-Digest': digest });
    }
    req.resume();
    return sendEmpty(res, 202, {
      Location: this.location(req, `/v2/${repo}/blobs/uploads/${up.uuid}`),
      Range: '0-0',
      'Docker-Upload-UUID': up.uuid,
    });
  }

  private async upload(req: http.IncomingMessage, res: http.ServerResponse, url: URL, repo: string, uuid: string): Promise<void> {
    const st = this.opts.storage;
    const method = req.method;
    const progress = (size: number) => ({
      Location: this.location(req, `/v2/${repo}/blobs/uploads/${uuid}`),
      Range: `0-${Math.max(0, size - 1)}`,
      'Docker-Upload-UUID': uuid,
    });
    if (method === 'GET') {
      const s = await st.uploadState(repo, uuid);
      return sendEmpty(res, 204, progress(s.size));
    }
    if (method === 'DELETE') {
      await st.cancelUpload(repo, uuid);
      return sendEmpty(res, 204);
    }
    if (method === 'PATCH') {
      let start: number | undefined;
      const cr = req.headers['content-range'];
      if (cr) {
        const m = /^(?:bytes )?(\d+)-(\d+)(?:\/\d+|\/\*)?$/.exec(cr.trim());
        if (!m) throw regError('RANGE_INVALID', { contentRange: cr });
        start = Number(m[1]);
        const len = req.headers['content-length'];
        if (len !== undefined && Number(m[2]) - start + 1 !== Number(len)) throw regError('RANGE_INVALID', { contentRange: cr, contentLength: len });
      }
      const s = await st.appendUpload(repo, uuid, req, start);
      return sendEmpty(res, 202, progress(s.size));
    }
    if (method === 'PUT') {
      const digest = checkDigest(url.searchParams.get('digest'));
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      if (!hasBody) req.resume();
      await st.finishUpload(repo, uuid, digest, hasBody ? req : undefined);
      return sendEmpty(res, 201, { Location: this.location(req, `/v2/${repo}/blobs/${digest}`), 'Docker-Content-Digest': digest });
    }
    throw regError('UNSUPPORTED', { method });
  }

  private async getManifest(req: http.IncomingMessage, res: http.ServerResponse, repo: string, ref: string): Promise<void> {
    const st = this.opts.storage;
    let digest: string;
    if (ref.includes(':')) digest = checkDigest(ref);
    else {
      if (!isValidTag(ref)) throw regError('TAG_INVALID', { tag: ref });
      // compat: distribution answers MANIFEST_UNKNOWN for a tag of an unknown repository too
      digest = await st.resolveTag(repo, ref);
    }
    const m = await st.getManifest(repo, digest);
    const headers = {
      'Content-Type': m.mediaType,
      'Content-Length': m.bytes.length,
      'Docker-Content-Digest': m.digest,
      ETag: `"${m.digest}"`,
    };
    if (req.method === 'HEAD') return sendEmpty(res, 200, headers);
    res.writeHead(200, headers);
    res.end(m.bytes);
  }

  private async putManifest(req: http.IncomingMessage, res: http.ServerResponse, repo: string, ref: string): Promise<void> {
    const st = this.opts.storage;
    let tag: string | undefined;
    let wantDigest: string | undefined;
    if (ref.includes(':')) wantDigest = checkDigest(ref);
    else if (!isValidTag(ref)) throw regError('TAG_INVALID', { tag: ref });
    else tag = ref;
    const bytes = await readBody(req, MAX_MANIFEST);
    const digest = sha256(bytes);
    if (wantDigest && wantDigest !== digest) throw regError('DIGEST_INVALID', { digest: wantDigest, actual: digest });
    let parsed: ParsedManifest;
    try {
      parsed = JSON.parse(bytes.toString('utf8')) as ParsedManifest;
    } catch (e) {
      throw regError('MANIFEST_INVALID', { error: (e as Error).message });
    }
    if (!parsed || typeof parsed !== 'object' || parsed.schemaVersion !== 2) {
      throw regError('MANIFEST_INVALID', { reason: 'schemaVersion must be 2' }, 'manifest invalid: unsupported schema version');
    }
    const header = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    let mediaType = header;
    if (!KNOWN_MANIFEST_TYPES.has(header)) {
      mediaType = parsed.mediaType ?? (parsed.manifests ? MediaType.OciIndex : MediaType.OciManifest);
      if (header && header !== 'application/json' && header !== 'application/octet-stream') {
        throw regError('MANIFEST_INVALID', { mediaType: header }, `manifest invalid: unsupported media type ${header}`);
      }
    }
    if (!KNOWN_MANIFEST_TYPES.has(mediaType)) throw regError('MANIFEST_INVALID', { mediaType }, `manifest invalid: unsupported media type ${mediaType}`);
    if (parsed.mediaType && parsed.mediaType !== mediaType) {
      throw regError('MANIFEST_INVALID', { mediaType: parsed.mediaType, contentType: mediaType }, 'manifest invalid: mediaType does not match Content-Type');
    }
    const isIndex = mediaType === MediaType.OciIndex || mediaType === MediaType.DockerManifestList;
    if (isIndex) {
      if (!Array.isArray(parsed.manifests)) throw regError('MANIFEST_INVALID', { reason: 'manifests missing' });
      for (const d of parsed.manifests) {
        const cd = checkDescriptor(d);
        if (!(await st.hasManifest(repo, cd))) throw regError('MANIFEST_BLOB_UNKNOWN', { digest: cd });
      }
    } else {
      if (!parsed.config || !Array.isArray(parsed.layers)) throw regError('MANIFEST_INVALID', { reason: 'config or layers missing' });
      for (const d of [parsed.config, ...parsed.layers]) {
        const cd = checkDescriptor(d);
        if (!(await st.hasBlob(repo, cd))) throw regError('MANIFEST_BLOB_UNKNOWN', { digest: cd });
      }
    }
    await st.putManifest(repo, { digest, mediaType, bytes }, tag);
    const headers: Record<string, string> = {
      Location: this.location(req, `/v2/${repo}/manifests/${digest}`),
      'Docker-Content-Digest': digest,
    };
    if (parsed.subject?.digest) headers['OCI-Subject'] = parsed.subject.digest;
    sendEmpty(res, 201, headers);
  }

  /**
   * The v1 search API docker search speaks (GET /v1/search?q=&n=&page=): repositories whose name
   * contains the query, paginated, with distribution's empty description and zero stars.
   */
  private async search(res: http.ServerResponse, url: URL): Promise<void> {
    const q = (url.searchParams.get('q') ?? '').toLowerCase();
    const n = Math.min(100, Math.max(1, Number(url.searchParams.get('n') ?? 25) || 25));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const all = (await this.opts.storage.repositories()).filter((r) => r.includes(q));
    const results = all.slice((page - 1) * n, page * n).map((name) => ({
      name,
      description: '',
      star_count: 0,
      is_official: false,
      is_automated: false,
      is_trusted: false,
    }));
    sendJson(res, 200, { num_pages: Math.max(1, Math.ceil(all.length / n)), num_results: all.length, page, page_size: n, query: q, results });
  }

  private async referrers(res: http.ServerResponse, url: URL, repo: string, subject: string): Promise<void> {
    const st = this.opts.storage;
    const want = url.searchParams.get('artifactType');
    const manifests: unknown[] = [];
    for (const digest of await st.revisions(repo)) {
      const m = await st.getManifest(repo, digest).catch(() => undefined);
      if (!m) continue;
      let p: ParsedManifest & { config?: { mediaType?: string } };
      try {
        p = JSON.parse(m.bytes.toString('utf8')) as ParsedManifest & { config?: { mediaType?: string } };
      } catch {
        continue;
      }
      if (p.subject?.digest !== subject) continue;
      const artifactType = p.artifactType ?? p.config?.mediaType;
      if (want && artifactType !== want) continue;
      manifests.push({
        mediaType: m.mediaType,
        digest,
        size: m.bytes.length,
        ...(artifactType ? { artifactType } : {}),
        ...(p.annotations ? { annotations: p.annotations } : {}),
      });
    }
    const headers: Record<string, string> = {};
    if (want) headers['OCI-Filters-Applied'] = 'artifactType';
    const body = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests });
    res.writeHead(200, { 'Content-Type': MediaType.OciIndex, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }
}

function checkDescriptor(d: { digest?: string } | undefined): string {
  if (!d || typeof d.digest !== 'string') throw regError('MANIFEST_INVALID', { reason: 'descriptor without digest' });
  try {
    return checkDigest(d.digest);
  } catch {
    throw regError('MANIFEST_INVALID', { digest: d.digest }, 'manifest invalid: bad descriptor digest');
  }
}
