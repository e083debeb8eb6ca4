/**
 * An Exec whose `run` spawns through a small helper process instead of berthd itself.
 *
 * Why: Node spawns with fork+exec, and fork copies the parent's page tables while the event loop
 * waits for the child to exec. For berthd (100+ MiB resident) that blocks the loop 5-10 ms per
 * spawn, more when the CPUs are busy with container starts, and every container start and
 * removal spawns (the sandbox's `unshare … ip -batch`, its `umount`). The helper is a bare Node
 * process (~40 MiB) that takes requests over its IPC channel, so berthd's loop only sends a
 * message. It is forked on first use and again if it ever dies; `start` (long-lived children
 * such as containerd) stays a direct spawn.
 */
import type { ChildProcess } from 'node:child_process';
import { nodeChildProcess } from './builtins.js';
import { DEFAULT_TIMEOUT_MS, nodeExec, settle, type Exec, type RunOptions, type RunResult } from './exec.js';
import type { Ctx } from './context.js';

export interface SpawnRequest {
  id: number;
  bin: string;
  argv: string[];
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs: number;
}
export interface SpawnCancel {
  id: number;
  cancel: true;
}
export interface SpawnReply {
  id: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: { message: string; code?: string };
}

interface Pending {
  req: SpawnRequest;
  /** The helper it was sent to. */
  child: ChildProcess;
  resolve: (r: RunResult) => void;
  reject: (e: Error) => void;
}

export class Spawner implements Exec {
  private child: ChildProcess | undefined;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  run(ctx: Ctx, bin: string, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    if (ctx.signal.aborted) return nodeExec.run(ctx, bin, argv, opts);
    const child = this.ensure();
    if (!child) return nodeExec.run(ctx, bin, argv, opts);
    const req: SpawnRequest = { id: ++this.seq, bin, argv, input: opts.input, env: opts.env, cwd: opts.cwd, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS };
    return new Promise<RunResult>((resolve, reject) => {
      const onAbort = () => this.child?.send({ id: req.id, cancel: true } satisfies SpawnCancel, () => {});
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const done = <T>(f: (v: T) => void) => (v: T) => {
        ctx.signal.removeEventListener('abort', onAbort);
        f(v);
      };
      this.pending.set(req.id, { req, child, resolve: done(resolve), reject: done(reject) });
      this.refIfBusy();
      child.send(req, (e) => {
        if (!e) return;
        // the channel closed under us: run it here instead
        if (this.pending.delete(req.id)) nodeExec.run(ctx, bin, argv, opts).then(resolve, reject);
      });
    });
  }

  start = nodeExec.start;

  /** Ends the helper (tests; berthd's own exit closes the channel anyway). */
  close(): void {
    this.child?.disconnect();
    this.child = undefined;
  }

  private ensure(): ChildProcess | undefined {
    if (this.child?.connected) return this.child;
    let child: ChildProcess;
    try {
      child = nodeChildProcess().fork(new URL('./spawner-child.js', import.meta.url), [], {
        execArgv: [],
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
    } catch {
      return undefined;
    }
    this.child = child;
    child.on('message', (m: SpawnReply) => this.answer(m));
    child.on('error', () => {});
    // The channel closing is the helper's end (its 'exit' may come later, or never reach a loop
    // that has nothing else to wait for, the child being unref'd).
    const gone = () => {
      if (this.child === child) this.child = undefined;
      // requests the helper took with it: their programs' fate is unknown, so they fail
      for (const [id, p] of this.pending) {
        if (p.child !== child) continue;
        this.pending.delete(id);
        p.reject(new Error(`${[p.req.bin, ...p.req.argv].join(' ')}: the spawner process exited`));
      }
    };
    child.on('disconnect', gone);
    child.on('exit', gone);
    child.unref();
    this.refIfBusy();
    return child;
  }

  private answer(m: SpawnReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.refIfBusy();
    const spawnError = m.error ? Object.assign(new Error(m.error.message), { code: m.error.code }) : undefined;
    settle({ bin: p.req.bin, argv: p.req.argv, code: m.code, signal: m.signal, stdout: m.stdout, stderr: m.stderr, spawnError }, p.resolve, p.reject);
  }

  /** The helper's channel keeps the event loop alive only while answers are awaited. */
  private refIfBusy(): void {
    const ch = (this.child as unknown as { channel?: { ref(): void; unref(): void } } | undefined)?.channel;
    if (this.pending.size > 0) ch?.ref();
    else ch?.unref();
  }
}
