/**
 * A scripted container daemon on top of the CLI's FakeEngine, for the container commands'
 * tests and their docker oracle (record-goldens.ts). It answers the container and exec
 * routes the way dockerd does, with the ordering the CLI depends on:
 *
 *   attach (101)      registered before start; output flows once the container "runs"
 *   wait              200 + headers at once, the body {"Error":null,"StatusCode":N} when the
 *                     container exits (after its attached streams ended)
 *   start             204; then, per container script: wait for the clients' half-close when
 *                     the script echoes stdin, write the output (stdcopy frames, or raw for a
 *                     tty), end the streams, exit
 *   exec              create 201 {"Id"}, start hijacked (or 200 for detached), json with the
 *                     exit code
 *
 * Unknown names get 404 {"message":"No such container: <name>"}. Every request is recorded
 * by the FakeEngine (hijacked ones with the bytes the client sent).
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { muxFrame, type StdStreamId } from '../../../lib/index.js';
import type { FakeEngine, SeenRequest } from '../../test-helpers.js';

export type Frame = [StdStreamId, string];

/** One container the fake knows. */
export interface FakeContainer {
  id: string;
  name: string;
  tty?: boolean;
  openStdin?: boolean;
  autoRemove?: boolean;
  /** created | running | exited | paused */
  state?: string;
  /** Output once it runs (attached clients only). */
  output?: Frame[];
  /** Echo what attached clients send on stdin, as stdout, once they half-close. */
  echoStdin?: boolean;
  exitCode?: number;
  /** The wait answers with this Error.Message instead of a status. */
  waitError?: string;
  /** start fails with [status, message]. */
  startError?: [number, string];
  /** The inspect document (defaults are filled in). */
  inspect?: Record<string, unknown>;
  /** GET /containers/{id}/logs body frames (raw when tty). */
  logs?: Frame[];
  top?: { Titles: string[]; Processes: string[][] };
  /** docker cp: path -> the stat HEAD/GET /archive report and the tar GET sends. */
  files?: Record<string, { stat: Record<string, unknown>; tar?: Buffer }>;
  /** GET /containers/{id}/changes. */
  changes?: unknown;
  /** GET /containers/{id}/export. */
  exportTar?: Buffer;
}

export interface FakeExec {
  id: string;
  output?: Frame[];
  echoStdin?: boolean;
  exitCode?: number;
}

export interface FakeDaemonOptions {
  containers?: FakeContainer[];
  /** POST /containers/create: the answer (default 201 with the first container's ID). */
  create?: { status: number; body: unknown } | ((req: SeenRequest, attempt: number) => { status: number; body: unknown });
  /** POST /images/create: [status, body lines] (JSON messages, "\r\n"-terminated) or an error. */
  pull?: { status: number; messages?: unknown[]; message?: string };
  /** GET /containers/json. */
  list?: unknown[];
  prune?: unknown;
  execs?: FakeExec[];
  /** Per-verb errors: "POST stop web" -> [status, message]. */
  errors?: Record<string, [number, string]>;
  /** Extra routes (GET /info, /networks/…) as path -> [status, body]. */
  extra?: Record<string, [number, unknown]>;
  /** POST /commit: the answer (default 201 with an image ID). */
  commit?: { status: number; body: unknown };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body) + '\n');
};

const noSuch = (res: ServerResponse, name: string) => json(res, 404, { message: `No such container: ${name}` });

/** Only the streams the client attached (dockerd sends no others; docker's CLI relies on it). */
function attachedFrames(req: SeenRequest, frames: Frame[]): Frame[] {
  const want = (k: string) => ['1', 'true'].includes(req.query.get(k) ?? '');
  return frames.filter(([stream]) => stream === 3 || (stream === 1 && want('stdout')) || (stream === 2 && want('stderr')));
}

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A dockerd-shaped inspect document for a fake container. */
export function inspectDoc(c: FakeContainer): Record<string, unknown> {
  const state = c.state ?? 'created';
  const base: Record<string, unknown> = {
    Id: c.id,
    Created: '2026-11-29T17:59:01.835613349Z',
    Path: 'sh',
    Args: [],
    State: {
      Status: state,
      Running: state === 'running' || state === 'paused',
      Paused: state === 'paused',
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: state === 'running' ? 4242 : 0,
      ExitCode: c.exitCode ?? 0,
      Error: '',
      StartedAt: '2026-11-29T17:59:02.056633024Z',
      FinishedAt: '0001-01-01T00:00:00Z',
    },
    Image: 'sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a',
    Name: `/${c.name}`,
    RestartCount: 0,
    HostConfig: { AutoRemove: c.autoRemove ?? false, NetworkMode: 'default' },
    Config: {
      Hostname: c.id.slice(0, 12),
      Tty: c.tty ?? false,
      OpenStdin: c.openStdin ?? false,
      StdinOnce: false,
      Image: 'busybox',
      Cmd: ['sh'],
    },
    NetworkSettings: { Ports: {} },
  };
  return { ...base, ...(c.inspect ?? {}) };
}

/** Installs the fake daemon's routes on `engine`. */
export function installFakeDaemon(engine: FakeEngine, o: FakeDaemonOptions): void {
  const containers = o.containers ?? [];
  const find = (ref: string) => containers.find((c) => c.id === ref || c.name === ref || (ref.length >= 3 && c.id.startsWith(ref)));
  const attached = new Map<string, { socket: Duplex; seen: SeenRequest; eof: Promise<void> }[]>();
  const waits = new Map<string, ServerResponse[]>();
  const errorFor = (method: string, verb: string, name: string) => o.errors?.[`${method} ${verb} ${name}`];
  let createAttempts = 0;

  const write = (socket: Duplex, tty: boolean, frames: Frame[]) => {
    for (const [stream, data] of frames) socket.write(tty ? Buffer.from(data) : muxFrame(stream, data));
  };

  const answerWaits = (c: FakeContainer) => {
    const list = waits.get(c.id) ?? [];
    waits.delete(c.id);
    for (const res of list) {
      if (res.destroyed) continue;
      res.end(JSON.stringify(c.waitError ? { Error: { Message: c.waitError }, StatusCode: -1 } : { Error: null, StatusCode: c.exitCode ?? 0 }) + '\n');
    }
  };

  /** The container runs: output to attached clients, then exit. */
  const runContainer = async (c: FakeContainer) => {
    c.state = 'running';
    const clients = attached.get(c.id) ?? [];
    attached.delete(c.id);
    await later(20);
    for (const a of clients) {
      if (c.echoStdin) await a.eof;
      write(a.socket, c.tty ?? false, attachedFrames(a.seen, c.output ?? []));
      if (c.echoStdin && a.seen.body.length) write(a.socket, c.tty ?? false, [[1, a.seen.body.toString('utf8')]]);
      a.socket.end();
    }
    await later(clients.length ? 40 : 10);
    c.state = 'exited';
    answerWaits(c);
  };

  const eofOf = (socket: Duplex) =>
    new Promise<void>((resolve) => {
      socket.once('end', () => resolve());
      socket.once('close', () => resolve());
    });

  engine.on('POST', '/containers/create', (req, res) => {
    createAttempts++;
    const a = typeof o.create === 'function' ? o.create(req, createAttempts) : o.create;
    if (a) return json(res, a.status, a.body);
    json(res, 201, { Id: containers[0]?.id ?? 'f'.repeat(64), Warnings: [] });
  });

  engine.on('POST', '/images/create', (_req, res) => {
    const p = o.pull ?? { status: 404, message: 'pull access denied for busybox, repository does not exist or may require authorization' };
    if (p.message !== undefined) return json(res, p.status, { message: p.message });
    res.statusCode = p.status;
    res.setHeader('Content-Type', 'application/json');
    res.end((p.messages ?? []).map((m) => JSON.stringify(m) + '\r\n').join(''));
  });

  engine.on('GET', '/containers/json', (_req, res) => json(res, 200, o.list ?? []));
  engine.on('POST', '/containers/prune', (_req, res) => json(res, 200, o.prune ?? { ContainersDeleted: null, SpaceReclaimed: 0 }));

  engine.on('GET', '/containers/*', (req, res) => {
    const [ref, what] = req.path.slice('/containers/'.length).split('/') as [string, string];
    const c = find(ref);
    if (!c) return noSuch(res, ref);
    if (what === 'json') return json(res, 200, inspectDoc(c));
    if (what === 'top') return json(res, 200, c.top ?? { Titles: ['PID', 'USER', 'TIME', 'COMMAND'], Processes: [] });
    if (what === 'archive') return archive(req, res, ref, c, true);
    if (what === 'changes') return json(res, 200, c.changes ?? null);
    if (what === 'export') {
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/x-tar');
      res.end(c.exportTar ?? Buffer.alloc(0));
      return;
    }
    if (what === 'logs') {
      res.statusCode = 200;
      res.setHeader('Content-Type', c.tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream');
      for (const [stream, data] of c.logs ?? []) res.write(c.tty ? Buffer.from(data) : muxFrame(stream, data));
      res.end();
      return;
    }
    json(res, 404, { message: 'page not found' });
  });

  /** HEAD/GET /containers/{id}/archive: the stat header, then (GET) the tar. */
  const archive = (req: SeenRequest, res: ServerResponse, ref: string, c: FakeContainer, body: boolean) => {
    const path = req.query.get('path') ?? '';
    const f = c.files?.[path];
    if (!f) {
      if (!body) {
        res.statusCode = 404;
        res.end();
        return;
      }
      return json(res, 404, { message: `Could not find the file ${path} in container ${ref}` });
    }
    res.statusCode = 200;
    res.setHeader('X-Docker-Container-Path-Stat', Buffer.from(JSON.stringify(f.stat)).toString('base64'));
    if (!body) {
      res.end();
      return;
    }
    res.setHeader('Content-Type', 'application/x-tar');
    res.end(f.tar ?? Buffer.alloc(0));
  };

  engine.on('HEAD', '/containers/*', (req, res) => {
    const [ref] = req.path.slice('/containers/'.length).split('/') as [string];
    const c = find(ref);
    if (!c) {
      res.statusCode = 404;
      res.end();
      return;
    }
    archive(req, res, ref, c, false);
  });

  engine.on('PUT', '/containers/*', (req, res) => {
    const [ref] = req.path.slice('/containers/'.length).split('/') as [string];
    const err = errorFor('PUT', 'archive', ref);
    if (err) return json(res, err[0], { message: err[1] });
    if (!find(ref)) return noSuch(res, ref);
    res.statusCode = 200;
    res.end();
  });

  engine.on('POST', '/commit', (req, res) => {
    const ref = req.query.get('container') ?? '';
    const err = errorFor('POST', 'commit', ref);
    if (err) return json(res, err[0], { message: err[1] });
    if (!find(ref)) return noSuch(res, ref);
    const a = o.commit ?? { status: 201, body: { Id: 'sha256:7c7d2f0a3ab9e8c3e4a6a49b1e3f9d6e5b3d2a1c0f9e8d7c6b5a4f3e2d1c0b9a' } };
    json(res, a.status, a.body);
  });

  engine.on('DELETE', '/containers/*', (req, res) => {
    const ref = req.path.slice('/containers/'.length);
    const err = errorFor('DELETE', 'rm', ref);
    if (err) return json(res, err[0], { message: err[1] });
    if (!find(ref)) return noSuch(res, ref);
    res.statusCode = 204;
    res.end();
  });

  engine.on('POST', '/containers/*', (req, res) => {
    const [ref, verb] = req.path.slice('/containers/'.length).split('/') as [string, string];
    const c = find(ref);
    const err = errorFor('POST', verb, ref);
    if (err) return json(res, err[0], { message: err[1] });
    if (!c) return noSuch(res, ref);
    switch (verb) {
      case 'wait': {
        res.statusCode = 200;
        res.setHeader('Content-Type', 'application/json');
        res.flushHeaders();
        const cond = req.query.get('condition') ?? '';
        if ((cond === '' || cond === 'not-running') && c.state !== 'running' && c.state !== 'paused') {
          res.end(JSON.stringify({ Error: null, StatusCode: c.exitCode ?? 0 }) + '\n');
          return;
        }
        waits.set(c.id, [...(waits.get(c.id) ?? []), res]);
        return;
      }
      case 'start':
        if (c.startError) {
          json(res, c.startError[0], { message: c.startError[1] });
          // the daemon removes an --rm container whose start failed
          if (c.autoRemove) setTimeout(() => answerWaits(c), 20);
          return;
        }
        if (c.state === 'running') {
          res.statusCode = 304;
          res.end();
          return;
        }
        res.statusCode = 204;
        res.end();
        void runContainer(c);
        return;
      case 'exec': {
        const e = o.execs?.[0];
        return json(res, 201, { Id: e?.id ?? 'e'.repeat(64) });
      }
      case 'resize':
        res.statusCode = 200;
        res.end();
        return;
      default:
        res.statusCode = 204;
        res.end();
    }
  });

  engine.onUpgrade('POST', '/containers/*', async (req, socket) => {
    const ref = req.path.slice('/containers/'.length).split('/')[0]!;
    const c = find(ref);
    if (!c) {
      socket.end();
      return;
    }
    const eof = eofOf(socket);
    if (c.state === 'running') {
      // attach to a running container: its output now, then it exits
      await later(20);
      if (c.echoStdin) await eof;
      write(socket, c.tty ?? false, attachedFrames(req, c.output ?? []));
      if (c.echoStdin && req.body.length) write(socket, c.tty ?? false, [[1, req.body.toString('utf8')]]);
      socket.end();
      await later(40);
      c.state = 'exited';
      answerWaits(c);
      return;
    }
    attached.set(c.id, [...(attached.get(c.id) ?? []), { socket, seen: req, eof }]);
  });

  engine.onUpgrade('POST', '/exec/*', async (req, socket) => {
    const id = req.path.slice('/exec/'.length).split('/')[0]!;
    const e = o.execs?.find((x) => x.id === id);
    const tty = JSON.parse(req.requestBody?.toString('utf8') || '{}').Tty === true;
    const eof = eofOf(socket);
    await later(20);
    if (e?.echoStdin) await eof;
    write(socket, tty, e?.output ?? []);
    if (e?.echoStdin && req.body.length) write(socket, tty, [[1, req.body.toString('utf8')]]);
    socket.end();
  });

  engine.on('POST', '/exec/*', (_req, res) => {
    res.statusCode = 200;
    res.end();
  });

  engine.on('GET', '/exec/*', (req, res) => {
    const id = req.path.slice('/exec/'.length).split('/')[0]!;
    const e = o.execs?.find((x) => x.id === id);
    if (!e) return json(res, 404, { message: `No such exec instance: ${id}` });
    json(res, 200, {
      ID: e.id,
      Running: false,
      ExitCode: e.exitCode ?? 0,
      ProcessConfig: { tty: false, entrypoint: 'sh', arguments: [], privileged: false },
      OpenStdin: false,
      OpenStderr: true,
      OpenStdout: true,
      CanRemove: false,
      ContainerID: containers[0]?.id ?? '',
      DetachKeys: '',
      Pid: 4343,
    });
  });

  for (const [key, [status, body]] of Object.entries(o.extra ?? {})) {
    const [method, path] = key.split(' ') as [string, string];
    engine.json(method, path, body, status);
  }
}
