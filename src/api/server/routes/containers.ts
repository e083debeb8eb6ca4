/**
 * Container and exec routes (moby api/server/router/container): lifecycle, inspect/list,
 * hijacked attach and exec start, websocket attach, logs, wait (headers first, body at the
 * condition).
 */
import type { Readable } from 'node:stream';
import { invalidParameter, muxFrame, type Ctx, type Filters, type StdStreamId } from '../../../lib/index.js';
import type {
  ContainerCreateRequest,
  StatsJSON,
  ContainerCreateResponse,
  ContainerJSON,
  ContainerSummary,
  ContainersPruneReport,
  ContainerWaitResponse,
  ExecConfig,
  ExecInspect,
} from '../../types/index.js';
import type { ApiRequest } from '../request.js';
import type { ApiResponse } from '../response.js';
import type { Route } from '../router.js';

/** One chunk of a process's output. */
export interface OutputChunk {
  stream: 1 | 2;
  data: Buffer;
}

/** What attach (and exec start) hand the route once the container is found. */
export interface AttachStreams {
  tty: boolean;
  /** Output until the process ends, the client detaches, or ctx aborts. */
  output: AsyncIterable<OutputChunk>;
  /** Client input for the process's stdin (ends on client EOF or the detach keys). */
  pipeInput?(input: Readable): void;
}

export interface AttachOptions {
  stream: boolean;
  logs: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys?: string;
}

export interface LogsOptions {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Unix seconds (fractional) bounds, as the query gives them. */
  since?: string;
  until?: string;
  timestamps: boolean;
  tail: string;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface ContainersBackend {
  create(ctx: Ctx, name: string, req: ContainerCreateRequest, apiVersion: string): Promise<ContainerCreateResponse>;
  list(ctx: Ctx, opts: { all: boolean; limit: number; size: boolean; filters: Filters }): Promise<ContainerSummary[]>;
  inspect(ctx: Ctx, id: string, opts: { size: boolean; apiVersion: string }): Promise<ContainerJSON>;
  /** Resolves false when already running (304). */
  start(ctx: Ctx, id: string): Promise<boolean>;
  /** Resolves false when already stopped (304). */
  stop(ctx: Ctx, id: string, opts: { timeout?: number; signal?: string }): Promise<boolean>;
  restart(ctx: Ctx, id: string, opts: { timeout?: number; signal?: string }): Promise<void>;
  kill(ctx: Ctx, id: string, signal: string): Promise<void>;
  remove(ctx: Ctx, id: string, opts: { force: boolean; volumes: boolean; link: boolean }): Promise<void>;
  pause(ctx: Ctx, id: string): Promise<void>;
  unpause(ctx: Ctx, id: string): Promise<void>;
  rename(ctx: Ctx, id: string, name: string): Promise<void>;
  resize(ctx: Ctx, id: string, height: number, width: number): Promise<void>;
  /**
   * Registers the wait before returning (so a start that follows is seen); the promise it
   * returns resolves when the condition is met.
   */
  wait(ctx: Ctx, id: string, condition: WaitCondition): Promise<{ done: Promise<ContainerWaitResponse> }>;
  attach(ctx: Ctx, id: string, opts: AttachOptions): Promise<AttachStreams>;
  logs(ctx: Ctx, id: string, opts: LogsOptions): Promise<{ tty: boolean; entries: AsyncIterable<OutputChunk> }>;
  top(ctx: Ctx, id: string, psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }>;
  prune(ctx: Ctx, filters: Filters): Promise<ContainersPruneReport>;
  execCreate(ctx: Ctx, id: string, cfg: ExecConfig): Promise<{ Id: string }>;
  /** Starts an exec; with detach resolves once started (no streams). */
  execStart(ctx: Ctx, execId: string, opts: { detach: boolean; tty: boolean }): Promise<AttachStreams | undefined>;
  execResize(ctx: Ctx, execId: string, height: number, width: number): Promise<void>;
  execInspect(ctx: Ctx, execId: string): Promise<ExecInspect>;
  /** Changes resources / restart policy (running or not). Throws notFound, invalidParameter. */
  update(ctx: Ctx, id: string, body: Record<string, unknown>): Promise<{ Warnings: string[] }>;
  /** Samples a second apart while `stream`, else one. Throws notFound. */
  stats(ctx: Ctx, id: string, opts: { stream: boolean; oneShot: boolean }): Promise<AsyncIterable<StatsJSON>>;
}

function frames(tty: boolean, chunk: OutputChunk): Buffer {
  return tty ? chunk.data : muxFrame(chunk.stream as StdStreamId, chunk.data);
}

async function pumpAttach(req: ApiRequest, res: ApiResponse, s: AttachStreams, wantStdin: boolean): Promise<void> {
  const h = await res.hijack({ multiplexed: !s.tty });
  if (wantStdin && h.upgraded && s.pipeInput) s.pipeInput(h.stdin);
  else h.stdin.resume();
  try {
    for await (const chunk of s.output) await h.write(frames(s.tty, chunk));
  } catch (e) {
    if (!req.ctx.signal.aborted) throw e;
  }
}

function timeoutOf(req: ApiRequest): number | undefined {
  const t = req.query.optionalInt('t');
  return t === undefined ? undefined : t;
}

export function containerRoutes(b: ContainersBackend): Route[] {
  const id = (req: ApiRequest) => req.param('id');

  const create = async (req: ApiRequest, res: ApiResponse) => {
    const body = (await req.json()) as ContainerCreateRequest;
    const platform = req.query.get('platform');
    if (platform) body.Platform = platform;
    res.json(201, await b.create(req.ctx, req.query.string('name'), body, req.apiVersion));
  };

  const wait = async (req: ApiRequest, res: ApiResponse) => {
    const condition = (req.query.string('condition') || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) {
      throw invalidParameter(`invalid condition: "${condition}"`);
    }
    const { done } = await b.wait(req.ctx, id(req), condition);
    // compat: headers go out at once; the CLI sends start only after it has them.
    const out = res.startStream({ contentType: 'application/json' });
    let body: ContainerWaitResponse;
    try {
      body = await done;
    } catch (e) {
      body = { StatusCode: -1, Error: { Message: (e as Error).message } };
    }
    if (!out.destroyed) out.end(JSON.stringify(body) + '\n');
  };

  const attach = async (req: ApiRequest, res: ApiResponse) => {
    const q = req.query;
    const opts: AttachOptions = {
      stream: q.bool('stream'),
      logs: q.bool('logs'),
      stdin: q.bool('stdin'),
      stdout: q.bool('stdout'),
      stderr: q.bool('stderr'),
      detachKeys: q.get('detachKeys') || undefined,
    };
    const s = await b.attach(req.ctx, id(req), opts);
    await pumpAttach(req, res, s, opts.stdin);
  };

  // moby wsContainersAttach: the same attach, its streams a websocket, output never
  // stdcopy-framed (MuxStreams false): stdout and stderr arrive as one raw byte stream.
  const attachWebSocket = async (req: ApiRequest, res: ApiResponse) => {
    const q = req.query;
    // since API 1.42: stdin/stdout/stderr choose the streams; older requests get all three
    const all = !req.versionAtLeast('1.42');
    const opts: AttachOptions = {
      stream: q.bool('stream'),
      logs: q.bool('logs'),
      stdin: all || q.bool('stdin'),
      stdout: all || q.bool('stdout'),
      stderr: all || q.bool('stderr'),
      detachKeys: q.get('detachKeys') || undefined,
    };
    // Errors up to here (no such container, paused) are plain HTTP answers.
    const s = await b.attach(req.ctx, id(req), opts);
    // since API 1.28: binary frames; text frames before (compat)
    const ws = await res.websocket({ binary: req.versionAtLeast('1.28') });
    if (opts.stdin && s.pipeInput) s.pipeInput(ws.input());
    try {
      for await (const chunk of s.output) {
        if (chunk.data.length > 0) await ws.send(chunk.data);
      }
    } catch (e) {
      // A client that closed (or dropped) the websocket is not an error.
      if (!req.ctx.signal.aborted && ws.open) throw e;
    }
  };

  const logs = async (req: ApiRequest, res: ApiResponse) => {
    const q = req.query;
    const opts: LogsOptions = {
      follow: q.bool('follow'),
      stdout: q.bool('stdout'),
      stderr: q.bool('stderr'),
      since: q.get('since') || undefined,
      until: q.get('until') || undefined,
      timestamps: q.bool('timestamps'),
      tail: q.string('tail', 'all') || 'all',
    };
    if (!opts.stdout && !opts.stderr) throw invalidParameter('Bad parameters: you must choose at least one stream');
    const { tty, entries } = await b.logs(req.ctx, id(req), opts);
    // compat: 20.10 sends logs without a Content-Type; API >= 1.42 names the stream type.
    const contentType = req.versionAtLeast('1.42') ? (tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream') : null;
    await res.rawStream(
      (async function* () {
        for await (const c of entries) yield frames(tty, c);
      })(),
      { contentType },
    );
  };

  const execStart = async (req: ApiRequest, res: ApiResponse) => {
    const body = (await req.json()) as { Detach?: boolean; Tty?: boolean };
    const s = await b.execStart(req.ctx, id(req), { detach: !!body.Detach, tty: !!body.Tty });
    if (!s) {
      res.send(200, '');
      return;
    }
    await pumpAttach(req, res, s, true);
  };

  const resize = async (req: ApiRequest, res: ApiResponse, exec: boolean) => {
    const h = req.query.int('h', 0);
    const w = req.query.int('w', 0);
    if (exec) await b.execResize(req.ctx, id(req), h, w);
    else await b.resize(req.ctx, id(req), h, w);
    res.send(200, '');
  };

  const notModifiedOr204 = (ok: boolean, res: ApiResponse) => res.send(ok ? 204 : 304);

  return [
    { method: 'POST', path: '/containers/create', handler: create },
    { method: 'GET', path: '/containers/json', handler: (req) => b.list(req.ctx, { all: req.query.bool('all'), limit: req.query.int('limit', -1), size: req.query.bool('size'), filters: req.query.filters() }) },
    { method: 'POST', path: '/containers/prune', handler: (req) => b.prune(req.ctx, req.query.filters()) },
    { method: 'GET', path: '/containers/{id}/json', handler: (req) => b.inspect(req.ctx, id(req), { size: req.query.bool('size'), apiVersion: req.apiVersion }) },
    { method: 'GET', path: '/containers/{id}/top', handler: (req) => b.top(req.ctx, id(req), req.query.string('ps_args')) },
    { method: 'GET', path: '/containers/{id}/logs', handler: logs },
    { method: 'POST', path: '/containers/{id}/start', handler: async (req, res) => notModifiedOr204(await b.start(req.ctx, id(req)), res) },
    { method: 'POST', path: '/containers/{id}/stop', handler: async (req, res) => notModifiedOr204(await b.stop(req.ctx, id(req), { timeout: timeoutOf(req), signal: req.query.get('signal') || undefined }), res) },
    { method: 'POST', path: '/containers/{id}/restart', handler: async (req) => { await b.restart(req.ctx, id(req), { timeout: timeoutOf(req), signal: req.query.get('signal') || undefined }); } },
    { method: 'POST', path: '/containers/{id}/kill', handler: async (req) => { await b.kill(req.ctx, id(req), req.query.string('signal', 'KILL') || 'KILL'); } },
    { method: 'POST', path: '/containers/{id}/pause', handler: async (req) => { await b.pause(req.ctx, id(req)); } },
    { method: 'POST', path: '/containers/{id}/unpause', handler: async (req) => { await b.unpause(req.ctx, id(req)); } },
    { method: 'POST', path: '/containers/{id}/rename', handler: async (req) => { await b.rename(req.ctx, id(req), req.query.string('name')); } },
    { method: 'POST', path: '/containers/{id}/resize', handler: (req, res) => resize(req, res, false) },
    { method: 'POST', path: '/containers/{id}/wait', handler: wait },
    { method: 'POST', path: '/containers/{id}/update', handler: async (req) => b.update(req.ctx, id(req), (await req.json()) as Record<string, unknown>) },
    {
      method: 'GET',
      path: '/containers/{id}/stats',
      handler: async (req, res) => {
        const items = await b.stats(req.ctx, id(req), { stream: req.query.bool('stream', true), oneShot: req.query.bool('one-shot') });
        await res.jsonStream(items, { terminator: '\n' });
      },
    },
    { method: 'POST', path: '/containers/{id}/attach', handler: attach, hijack: true },
    { method: 'GET', path: '/containers/{id}/attach/ws', handler: attachWebSocket, websocket: true },
    { method: 'DELETE', path: '/containers/{id}', handler: async (req) => { await b.remove(req.ctx, id(req), { force: req.query.bool('force'), volumes: req.query.bool('v'), link: req.query.bool('link') }); } },
    { method: 'POST', path: '/containers/{id}/exec', handler: async (req, res) => res.json(201, await b.execCreate(req.ctx, id(req), (await req.json()) as ExecConfig)) },
    { method: 'POST', path: '/exec/{id}/start', handler: execStart, hijack: true },
    { method: 'POST', path: '/exec/{id}/resize', handler: (req, res) => resize(req, res, true) },
    { method: 'GET', path: '/exec/{id}/json', handler: (req) => b.execInspect(req.ctx, id(req)) },
  ];
}
