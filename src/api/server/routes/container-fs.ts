/**
 * Container filesystem routes (moby api/server/router/container copy.go, container_routes.go):
 * docker cp (HEAD/GET/PUT /containers/{id}/archive), docker diff (GET /containers/{id}/changes),
 * docker export (GET /containers/{id}/export) and docker commit (POST /commit).
 *
 * The stat of a cp path travels in X-Docker-Container-Path-Stat: base64 (standard, padded) of
 * the ContainerPathStat JSON. Archives go out as application/x-tar, gzip- or deflate-encoded
 * when the client accepts it (Go's HTTP client asks for gzip by itself and undoes it).
 */
import type { Readable } from 'node:stream';
import { createDeflateRaw, createGzip } from 'node:zlib';
import { invalidParameter, type Ctx } from '../../../lib/index.js';
import type { CommitResponse, ContainerConfig, ContainerPathStat, FilesystemChange } from '../../types/index.js';
import type { ApiRequest } from '../request.js';
import type { ApiResponse } from '../response.js';
import type { Route } from '../router.js';

export interface CommitOptions {
  container: string;
  repo: string;
  tag: string;
  author: string;
  comment: string;
  pause: boolean;
  changes: string[];
  config?: ContainerConfig;
}

export interface ContainerFsBackend {
  /** Stat of `path` in the container. notFound: `Could not find the file <path> in container <id>`. */
  statPath(ctx: Ctx, id: string, path: string): Promise<ContainerPathStat>;
  /** A tar of `path` in the container, and its stat; same errors as statPath. */
  archivePath(ctx: Ctx, id: string, path: string): Promise<{ stat: ContainerPathStat; tar: AsyncIterable<Buffer> }>;
  /**
   * Extracts the tar `body` into directory `path` of the container. notFound as statPath,
   * invalidParameter for a non-directory, a read-only root filesystem or a hostile entry.
   */
  extractToDir(ctx: Ctx, id: string, path: string, opts: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }, body: Readable): Promise<void>;
  /** The container's filesystem changes; null when there are none. */
  changes(ctx: Ctx, id: string): Promise<FilesystemChange[] | null>;
  /** The container's root filesystem as a tar. */
  exportContainer(ctx: Ctx, id: string): Promise<AsyncIterable<Buffer>>;
  /** A new image from the container; conflict for a dead container or one being removed. */
  commit(ctx: Ctx, opts: CommitOptions): Promise<CommitResponse>;
}

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

function statHeader(stat: ContainerPathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

/** gddo's NegotiateContentEncoding over gzip and deflate: the highest q wins, gzip on ties. */
export function negotiateEncoding(accept: string | undefined): 'gzip' | 'deflate' | undefined {
  if (!accept) return undefined;
  let best: { enc: 'gzip' | 'deflate'; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [name, ...params] = part.trim().split(';');
    const enc = name!.trim().toLowerCase();
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (!(q > 0)) continue;
    for (const offer of ['gzip', 'deflate'] as const) {
      if ((enc === offer || enc === '*') && (!best || q > best.q)) best = { enc: offer, q };
    }
  }
  return best?.enc;
}

async function* compressed(tar: AsyncIterable<Buffer>, enc: 'gzip' | 'deflate'): AsyncGenerator<Buffer> {
  const z = enc === 'gzip' ? createGzip() : createDeflateRaw();
  const feeding = (async () => {
    try {
      for await (const chunk of tar) if (!z.write(chunk)) await new Promise((r) => z.once('drain', r));
      z.end();
    } catch (e) {
      z.destroy(e as Error);
    }
  })();
  try {
    for await (const c of z) yield c as Buffer;
  } finally {
    z.destroy();
    await feeding;
  }
}

export function containerFsRoutes(b: ContainerFsBackend): Route[] {
  const archiveArgs = (req: ApiRequest) => {
    const path = req.query.string('path');
    // compat: moby's badParameterError (20.10 printed it without the space).
    if (!path) throw invalidParameter('bad parameter: path cannot be empty');
    return { id: req.param('id'), path };
  };

  const head = async (req: ApiRequest, res: ApiResponse) => {
    const { id, path } = archiveArgs(req);
    const stat = await b.statPath(req.ctx, id, path);
    res.send(200, undefined, { [STAT_HEADER]: statHeader(stat) });
  };

  const get = async (req: ApiRequest, res: ApiResponse) => {
    const { id, path } = archiveArgs(req);
    const { stat, tar } = await b.archivePath(req.ctx, id, path);
    res.setHeader(STAT_HEADER, statHeader(stat));
    const enc = negotiateEncoding(req.header('accept-encoding'));
    if (enc) res.setHeader('Content-Encoding', enc);
    await res.rawStream(enc ? compressed(tar, enc) : tar, { contentType: 'application/x-tar' });
  };

  const put = async (req: ApiRequest, res: ApiResponse) => {
    const { id, path } = archiveArgs(req);
    await b.extractToDir(req.ctx, id, path, { noOverwriteDirNonDir: req.query.bool('noOverwriteDirNonDir'), copyUIDGID: req.query.bool('copyUIDGID') }, req.stream());
    res.send(200);
  };

  const exportTar = async (req: ApiRequest, res: ApiResponse) => {
    const tar = await b.exportContainer(req.ctx, req.param('id'));
    await res.rawStream(tar, { contentType: 'application/x-tar' });
  };

  const commit = async (req: ApiRequest, res: ApiResponse) => {
    const q = req.query;
    const body = (await req.json()) as ContainerConfig | null;
    // compat: pause defaults to true since API 1.13 (and whenever it is not given).
    const pause = q.get('pause') === undefined || q.get('pause') === '' ? true : q.bool('pause');
    res.json(
      201,
      await b.commit(req.ctx, {
        container: q.string('container'),
        repo: q.string('repo'),
        tag: q.string('tag'),
        author: q.string('author'),
        comment: q.string('comment'),
        pause,
        changes: q.getAll('changes'),
        config: body && typeof body === 'object' && Object.keys(body).length > 0 ? body : undefined,
      }),
    );
  };

  return [
    { method: 'HEAD', path: '/containers/{id}/archive', handler: head },
    { method: 'GET', path: '/containers/{id}/archive', handler: get },
    { method: 'PUT', path: '/containers/{id}/archive', handler: put },
    { method: 'GET', path: '/containers/{id}/changes', handler: (req) => b.changes(req.ctx, req.param('id')) },
    { method: 'GET', path: '/containers/{id}/export', handler: exportTar },
    { method: 'POST', path: '/commit', handler: commit },
  ];
}
