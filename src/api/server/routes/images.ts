/**
 * Image routes (moby api/server/router/image): list, inspect, history, tag, delete, prune,
 * import (POST /images/create?fromSrc=), save (GET /images/get, /images/{name}/get), load.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { invalidParameter, notImplemented, type Ctx, type Filters } from '../../../lib/index.js';
import type {
  AuthConfig,
  PullRequest,
  PushRequest,
  ImageDeleteItem,
  ImageHistoryItem,
  ImageInspect,
  ImagesPruneReport,
  ImageSummary,
  JSONMessage,
} from '../../types/index.js';
import type { ApiRequest } from '../request.js';
import type { ApiResponse } from '../response.js';
import type { Route } from '../router.js';
import { jsonMessageError } from '../encode.js';

export interface ImportOptions {
  /** The tarball: the request body, or a download from a URL. */
  source: Readable;
  repo?: string;
  tag?: string;
  changes: string[];
  message?: string;
  platform?: string;
}

export interface ImagesBackend {
  /** Images matching `filters` (validated by the backend: invalidParameter). */
  list(ctx: Ctx, opts: { all: boolean; filters: Filters; apiVersion: string }): Promise<ImageSummary[]>;
  /** Throws notFound `No such image: <name>`. */
  inspect(ctx: Ctx, name: string, apiVersion: string): Promise<ImageInspect>;
  history(ctx: Ctx, name: string): Promise<ImageHistoryItem[]>;
  /** Throws notFound, invalidParameter (bad repo/tag). */
  tag(ctx: Ctx, source: string, repo: string, tag: string): Promise<void>;
  /** Untags or deletes; conflict with Docker's wording when in use or ambiguous. */
  remove(ctx: Ctx, name: string, opts: { force: boolean; noprune: boolean }): Promise<ImageDeleteItem[]>;
  prune(ctx: Ctx, filters: Filters): Promise<ImagesPruneReport>;
  /** Imports a rootfs tarball; returns the image ID. invalidParameter for hostile or broken archives. */
  import(ctx: Ctx, opts: ImportOptions): Promise<string>;
  /**
   * Pulls an image. Throws (before any progress: the API answers an HTTP error) when the
   * reference is invalid (invalidParameter) or the registry cannot be reached or does not know
   * the manifest; later failures end the progress stream by throwing.
   */
  pull?(ctx: Ctx, req: PullRequest): Promise<AsyncIterable<JSONMessage>>;
  /** Pushes a repository's tag(s); throws notFound before any progress when there is no such tag. */
  push?(ctx: Ctx, req: PushRequest): Promise<AsyncIterable<JSONMessage>>;
  /** A tar of the named images; resolves (or throws notFound) before any byte is sent. */
  save(ctx: Ctx, names: string[]): Promise<Readable>;
  /** Loads an archive; returns the lines to report. invalidParameter for hostile or broken archives. */
  load(ctx: Ctx, input: Readable): Promise<{ messages: string[] }>;
}

/** Downloads `src` (docker import URL form); http/https only. */
async function download(ctx: Ctx, src: string): Promise<Readable> {
  const url = /^[a-z]+:\/\//i.test(src) ? src : `http://${src}`;
  if (!/^https?:\/\//i.test(url)) throw invalidParameter(`unsupported URL scheme: ${src}`);
  let res: Response;
  try {
    res = await fetch(url, { signal: ctx.signal });
  } catch (e) {
    throw invalidParameter(`error downloading ${url}: ${(e as Error).message}`, e);
  }
  if (!res.ok || !res.body) throw invalidParameter(`error downloading ${url}: status ${res.status}`);
  return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
}

export function imageRoutes(backend: ImagesBackend): Route[] {
  const list = (req: ApiRequest) =>
    backend.list(req.ctx, { all: req.query.bool('all'), filters: req.query.filters(), apiVersion: req.apiVersion });

  const inspect = (req: ApiRequest) => backend.inspect(req.ctx, req.param('name'), req.apiVersion);
  const history = (req: ApiRequest) => backend.history(req.ctx, req.param('name'));

  const tag = async (req: ApiRequest, res: ApiResponse) => {
    const repo = req.query.string('repo');
    if (!repo) throw invalidParameter('repository name must have at least one component');
    await backend.tag(req.ctx, req.param('name'), repo, req.query.string('tag'));
    res.send(201);
  };

  const remove = (req: ApiRequest) =>
    backend.remove(req.ctx, req.param('name'), { force: req.query.bool('force'), noprune: req.query.bool('noprune') });

  const prune = (req: ApiRequest) => backend.prune(req.ctx, req.query.filters());

  const create = async (req: ApiRequest, res: ApiResponse) => {
    const q = req.query;
    if (q.has('fromImage')) {
      if (!backend.pull) throw notImplemented('pulling images is not available');
      const progress = await backend.pull(req.ctx, {
        image: q.string('fromImage'),
        tag: q.string('tag'),
        platform: q.get('platform') || undefined,
        auth: registryAuth(req),
      });
      await res.jsonStream(progress, { terminator: '\r\n', onError: jsonMessageError });
      return;
    }
    const src = q.string('fromSrc');
    if (!src) throw invalidParameter('fromImage or fromSrc is required');
    const source = src === '-' ? req.stream() : await download(req.ctx, src);
    const id = await backend.import(req.ctx, {
      source,
      repo: q.get('repo') || undefined,
      tag: q.get('tag') || undefined,
      changes: q.getAll('changes'),
      message: q.get('message') || undefined,
      platform: q.get('platform') || undefined,
    });
    await res.jsonStream(one<JSONMessage>({ status: id }), { terminator: '\r\n' });
  };

  const push = async (req: ApiRequest, res: ApiResponse) => {
    if (!backend.push) throw notImplemented('pushing images is not available');
    const progress = await backend.push(req.ctx, { name: req.param('name'), tag: req.query.string('tag'), auth: registryAuth(req) });
    await res.jsonStream(progress, { terminator: '\r\n', onError: jsonMessageError });
  };

  const save = async (req: ApiRequest, res: ApiResponse) => {
    const names = req.params['name'] ? [req.param('name')] : req.query.getAll('names');
    if (names.length === 0) throw invalidParameter('no images named');
    const tar = await backend.save(req.ctx, names);
    await res.rawStream(tar as AsyncIterable<Buffer>, { contentType: 'application/x-tar' });
  };

  const load = async (req: ApiRequest, res: ApiResponse) => {
    const { messages } = await backend.load(req.ctx, req.stream());
    await res.jsonStream(
      (async function* () {
        for (const m of messages) yield { stream: `${m}\n` } satisfies JSONMessage;
      })(),
      { terminator: '\r\n' },
    );
  };

  return [
    { method: 'GET', path: '/images/json', handler: list },
    { method: 'POST', path: '/images/create', handler: create },
    { method: 'POST', path: '/images/load', handler: load },
    { method: 'POST', path: '/images/prune', handler: prune },
    { method: 'GET', path: '/images/get', handler: save },
    { method: 'GET', path: '/images/{name:.*}/get', handler: save },
    { method: 'GET', path: '/images/{name:.*}/history', handler: history },
    { method: 'GET', path: '/images/{name:.*}/json', handler: inspect },
    { method: 'POST', path: '/images/{name:.*}/tag', handler: tag },
    { method: 'POST', path: '/images/{name:.*}/push', handler: push },
    { method: 'DELETE', path: '/images/{name:.*}', handler: remove },
  ];
}

/**
 * X-Registry-Auth: base64url (or standard base64) JSON of an AuthConfig; `e30=` ({}) and a
 * missing header mean no credentials. An undecodable header counts as none (as moby does).
 */
export function decodeRegistryAuth(header: string | undefined): AuthConfig | undefined {
  if (!header) return undefined;
  try {
    const json = Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const a = JSON.parse(json) as AuthConfig;
    if (!a || typeof a !== 'object') return undefined;
    return Object.values(a).some((v) => typeof v === 'string' && v !== '') ? a : undefined;
  } catch {
    return undefined;
  }
}

function registryAuth(req: ApiRequest): AuthConfig | undefined {
  const h = req.header('x-registry-auth');
  return decodeRegistryAuth(h);
}

async function* one<T>(v: T): AsyncGenerator<T> {
  yield v;
}
