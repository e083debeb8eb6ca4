/** attach, logs, resize, exec (moby daemon/attach.go, logs.go, exec.go). */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { conflict, invalidParameter, notFound, type Ctx } from '../../lib/index.js';
import { isRunning, type LogEntry } from '../../containers/index.js';
import type { ExecConfig, ExecInspect } from '../../api/types/index.js';
import type { ContainersServiceBase, ExecRecord } from './service.js';
import { DEFAULT_DETACH_KEYS, ProcessStreams, parseDetachKeys, type Chunk } from './streams.js';

export interface AttachResult {
  tty: boolean;
  output: AsyncIterable<Chunk>;
  pipeInput?(input: Readable): void;
}

/** Attaches to the current process of a container, or to its next one when it is not running. */
export async function attachContainer(
  svc: ContainersServiceBase,
  ctx: Ctx,
  ref: string,
  opts: { stream: boolean; logs: boolean; stdin: boolean; stdout: boolean; stderr: boolean; detachKeys?: string },
): Promise<AttachResult> {
  const rec = svc.store.get(ref);
  if (rec.State.Paused) throw conflict(`You cannot attach to a paused container, unpause it first`);
  if (rec.State.Restarting) throw conflict(`You cannot attach to a restarting container, wait until it is running`);
  const keys = opts.detachKeys ? parseDetachKeys(opts.detachKeys) : DEFAULT_DETACH_KEYS;
  const live = svc.liveOf(rec);
  const detach = new AbortController();
  const signal = AbortSignal.any([ctx.signal, detach.signal]);
  const tty = !!rec.Config.Tty;
  svc.emit('attach', rec);
  // Subscribed now, not when the client starts reading: `docker run` starts the container
  // right after the 101, and a short-lived process could come and go in between.
  const live$ = opts.stream ? live.hub.output(signal, { stdout: opts.stdout, stderr: opts.stderr }) : undefined;
  async function* output(): AsyncGenerator<Chunk> {
    if (opts.logs) {
      for await (const e of svc.logReader(rec).read({ follow: false, signal })) {
        const stream = e.stream === 'stdout' ? 1 : 2;
        if ((stream === 1 && opts.stdout) || (stream === 2 && opts.stderr)) yield { stream, data: e.line };
      }
    }
    if (live$) yield* live$;
  }
  return {
    tty,
    output: output(),
    pipeInput: opts.stdin && rec.Config.OpenStdin
      ? (input: Readable) => {
          void live.hub.processOrNext(signal).then((ps) => {
            if (!ps) return input.resume();
            // compat: moby's CopyStreams (container/stream/attach.go) looks for the detach keys
            // only on a tty, and closes the container's stdin at the client's EOF (StdinOnce) only
            // without one: `docker run -it` then Ctrl-P Ctrl-Q (the CLI catches the keys itself
            // and hangs up) must leave the shell running, not hang up its terminal.
            ps.pipeInput(input, {
              detachKeys: tty ? keys : null,
              closeOnEof: !!rec.Config.StdinOnce && !tty,
              onEof: () => void svc.deps.tasks.closeStdin(ctx, rec.ID).catch(() => {}),
              onDetach: () => {
                svc.emit('detach', rec);
                detach.abort();
              },
            });
          });
        }
      : undefined,
  };
}

function parseLogTime(v: string | undefined, name: string): bigint | undefined {
  if (!v) return undefined;
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (!m) throw invalidParameter(`invalid value for "${name}": ${v}`);
  const ns = BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
  return ns === 0n ? undefined : ns;
}

export async function containerLogs(
  svc: ContainersServiceBase,
  ctx: Ctx,
  ref: string,
  opts: { follow: boolean; stdout: boolean; stderr: boolean; since?: string; until?: string; timestamps: boolean; tail: string },
): Promise<{ tty: boolean; entries: AsyncIterable<Chunk> }> {
  const rec = svc.store.get(ref);
  const reader = svc.logReader(rec);
  const tail = opts.tail === 'all' || opts.tail === '' ? 'all' : Number(opts.tail);
  if (tail !== 'all' && (!Number.isInteger(tail) || tail < 0)) throw invalidParameter(`invalid value for "tail": ${opts.tail}`);
  const since = parseLogTime(opts.since, 'since');
  const until = parseLogTime(opts.until, 'until');
  // A running state whose process is already gone (its exit not yet recorded) has nothing more
  // to follow: a poll-follow of the file would never end (compose's attached `up` waits on it).
  const follow = opts.follow && isRunning(rec.State) && svc.hasProcess(rec.ID);
  const iter = reader.read({ follow, tail, since, until, signal: ctx.signal });
  async function* entries(): AsyncGenerator<Chunk> {
    for await (const e of iter as AsyncIterable<LogEntry>) {
      const stream = e.stream === 'stdout' ? 1 : 2;
      if ((stream === 1 && !opts.stdout) || (stream === 2 && !opts.stderr)) continue;
      const data = opts.timestamps ? Buffer.concat([Buffer.from(e.timestamp + ' '), e.line]) : e.line;
      yield { stream, data };
    }
  }
  return { tty: !!rec.Config.Tty, entries: entries() };
}

export async function resizeContainer(svc: ContainersServiceBase, ctx: Ctx, ref: string, h: number, w: number): Promise<void> {
  const rec = svc.store.get(ref);
  if (!isRunning(rec.State)) throw conflict(`Container ${rec.ID} is not running`);
  if (!rec.Config.Tty) return;
  await svc.deps.tasks.resize(ctx, rec.ID, '', w, h);
  svc.emit('resize', rec, { height: String(h), width: String(w) });
}

export async function execCreate(svc: ContainersServiceBase, _ctx: Ctx, ref: string, cfg: ExecConfig): Promise<{ Id: string }> {
  const rec = svc.store.get(ref);
  if (!isRunning(rec.State)) throw conflict(`Container ${rec.ID} is not running`);
  if (rec.State.Paused) throw conflict(`Container ${rec.ID} is paused, unpause the container before exec`);
  if (rec.State.Restarting) throw conflict(`Container ${rec.ID} is restarting, wait until the container is running`);
  if (!cfg.Cmd || cfg.Cmd.length === 0) throw invalidParameter('No exec command specified');
  if (cfg.DetachKeys) parseDetachKeys(cfg.DetachKeys);
  const id = randomBytes(32).toString('hex');
  const e: ExecRecord = {
    id,
    containerId: rec.ID,
    cmd: cfg.Cmd,
    tty: !!cfg.Tty,
    stdin: !!cfg.AttachStdin,
    stdout: cfg.AttachStdout !== false,
    stderr: cfg.AttachStderr !== false,
    user: cfg.User ?? '',
    privileged: !!cfg.Privileged,
    env: cfg.Env ?? [],
    workingDir: cfg.WorkingDir ?? '',
    detachKeys: cfg.DetachKeys ?? '',
    running: false,
    exitCode: null,
    pid: 0,
  };
  svc.execs.set(id, e);
  svc.emit('exec_create: ' + cfg.Cmd.join(' '), rec, { execID: id });
  return { Id: id };
}

function execOf(svc: ContainersServiceBase, id: string): ExecRecord {
  const e = svc.execs.get(id);
  if (!e) throw notFound(`No such exec instance: ${id}`);
  return e;
}

export async function execStart(
  svc: ContainersServiceBase,
  ctx: Ctx,
  execId: string,
  opts: { detach: boolean },
): Promise<AttachResult | undefined> {
  const e = execOf(svc, execId);
  if (e.running || e.exitCode !== null) throw conflict(`Error: Exec command ${execId} has already run`);
  const rec = svc.store.get(e.containerId);
  if (!isRunning(rec.State)) throw conflict(`Container ${rec.ID} is not running`);
  // The running container's own spec (in containerd) is the base: no user lookup, no profile.
  const base = svc.liveOf(rec).spec ?? (await svc.deps.tasks.getSpec(ctx, rec.ID).catch(() => undefined));
  const spec = await svc.deps.buildExecSpec(ctx, rec, e, base);
  e.exited = new Promise((r) => (e.markExited = r));
  // Claimed before the await: a second start is refused, and an exit reported while containerd's
  // start is still answering (a short command) is not overwritten by a late `running = true`.
  e.running = true;
  let started: Awaited<ReturnType<typeof svc.deps.tasks.startExec>>;
  try {
    started = await svc.deps.tasks.startExec(ctx, rec.ID, execId, spec, { tty: e.tty, stdin: e.stdin });
  } catch (err) {
    e.running = false;
    throw err;
  }
  const { pid, io } = started;
  e.pid = pid;
  svc.emit('exec_start: ' + e.cmd.join(' '), rec, { execID: execId });
  const ps = new ProcessStreams(io.stdout, io.stderr, io.stdin);
  e.streams = ps;
  if (opts.detach) {
    // nobody reads: drain so the process never blocks on a full pipe
    ps.subscribe(new AbortController().signal, { stdout: false, stderr: false });
    return undefined;
  }
  const signal = ctx.signal;
  const sub = ps.subscribe(signal, { stdout: e.stdout, stderr: e.stderr });
  async function* output(): AsyncGenerator<Chunk> {
    yield* sub;
    // The CLI reads the exit code right after the stream ends: record it first.
    await Promise.race([e.exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  return {
    tty: e.tty,
    output: output(),
    pipeInput: e.stdin
      ? (input: Readable) =>
          // compat: as for attach, detach keys and no stdin close at EOF on a tty only (moby's exec CopyStreams: CloseStdin, TTY).
          ps.pipeInput(input, {
            detachKeys: e.tty ? (e.detachKeys ? parseDetachKeys(e.detachKeys) : DEFAULT_DETACH_KEYS) : null,
            closeOnEof: !e.tty,
            onEof: () => void svc.deps.tasks.closeStdin(ctx, e.containerId, e.id).catch(() => {}),
            onDetach: () => {},
          })
      : undefined,
  };
}

/** An exec process exited (TaskExit with its id). */
export async function handleExecExit(svc: ContainersServiceBase, ctx: Ctx, execId: string, exitCode: number): Promise<void> {
  const e = svc.execs.get(execId);
  if (!e) return;
  if (e.streams) await Promise.race([e.streams.closed, new Promise((r) => setTimeout(r, 2000))]);
  e.running = false;
  e.exitCode = exitCode;
  // the client asks for the exit code as soon as the stream ends: it is known now
  e.markExited?.();
  await svc.deps.tasks.deleteExec(ctx, e.containerId, execId).catch(() => {});
  const rec = svc.store.find(e.containerId);
  if (rec) svc.emit('exec_die', rec, { execID: execId, exitCode: String(exitCode) });
}

export async function execResize(svc: ContainersServiceBase, ctx: Ctx, execId: string, h: number, w: number): Promise<void> {
  const e = execOf(svc, execId);
  if (!e.running) throw conflict(`Exec ${execId} is not running`);
  if (e.tty) await svc.deps.tasks.resize(ctx, e.containerId, execId, w, h);
}

export function execInspect(svc: ContainersServiceBase, execId: string): ExecInspect {
  const e = execOf(svc, execId);
  return {
    CanRemove: false,
    ContainerID: e.containerId,
    DetachKeys: e.detachKeys,
    ExitCode: e.exitCode,
    ID: e.id,
    OpenStderr: e.stderr,
    OpenStdin: e.stdin,
    OpenStdout: e.stdout,
    ProcessConfig: { arguments: e.cmd.slice(1), entrypoint: e.cmd[0]!, privileged: e.privileged, tty: e.tty, user: e.user },
    Running: e.running,
    Pid: e.pid,
  };
}
