/**
 * Every child process berthd spawns goes through here (STYLE D7): argv arrays only, a timeout on
 * each call, cancellation through ctx.signal. The `Exec` value is injected so that wrappers can be
 * unit-tested by asserting the argv they build.
 */
import type { StdioOptions } from 'node:child_process';
import { nodeChildProcess } from './builtins.js';
import type { Readable, Writable } from 'node:stream';
import type { Ctx } from './context.js';

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Where the child's stdout/stderr go: 'ignore', 'inherit' or an fd. Default 'ignore'.
   * 'pipe': stdin, stdout and stderr become streams of the returned Started (a long-lived
   * helper spoken to over its stdio).
   */
  stdio?: 'ignore' | 'inherit' | 'pipe' | number;
  /** Start the child in its own process group so it outlives its parent (daemons). */
  detached?: boolean;
  /** The child (and its pipes) do not keep the parent's event loop alive (helpers). */
  unref?: boolean;
}

export interface Started {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(sig?: NodeJS.Signals): void;
  /** With stdio 'pipe' only. */
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
}

export class ExecError extends Error {
  constructor(
    readonly argv: string[],
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    const tail = stderr.trim().split('\n').slice(-3).join('\n');
    super(
      `${argv.join(' ')}: ${code !== null ? `exit status ${code}` : `signal ${signal}`}${tail ? `: ${tail}` : ''}`,
      options,
    );
    this.name = 'ExecError';
  }
}

export interface Exec {
  run(ctx: Ctx, bin: string, argv: string[], opts?: RunOptions): Promise<RunResult>;
  start(ctx: Ctx, bin: string, argv: string[], opts?: StartOptions): Started;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** How a finished `run` child ends: its output, or the ExecError for its argv. */
export interface RunOutcome {
  bin: string;
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The child process's 'error' (a failed spawn such as ENOENT, or the abort). */
  spawnError?: Error;
}

export function settle(o: RunOutcome, resolve: (r: RunResult) => void, reject: (e: Error) => void): void {
  const { bin, argv, code, signal, stdout, stderr, spawnError } = o;
  if (spawnError && (spawnError as NodeJS.ErrnoException).code !== undefined && code === null && !signal) {
    reject(new ExecError([bin, ...argv], null, null, spawnError.message, { cause: spawnError }));
  } else if (code === 0) {
    resolve({ stdout, stderr });
  } else {
    reject(new ExecError([bin, ...argv], code, signal, stderr || spawnError?.message || '', { cause: spawnError }));
  }
}

export const nodeExec: Exec = {
  run(ctx, bin, argv, opts = {}) {
    return new Promise<RunResult>((resolve, reject) => {
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)]);
      const child = nodeChildProcess().spawn(bin, argv, {
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        signal,
        killSignal: 'SIGKILL',
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      let spawnError: Error | undefined;
      child.on('error', (e) => (spawnError = e));
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input ?? '');
      child.on('close', (code, sig) => {
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        settle({ bin, argv, code, signal: sig, stdout, stderr, spawnError }, resolve, reject);
      });
    });
  },
  start(_ctx, bin, argv, opts = {}) {
    const piped = opts.stdio === 'pipe';
    const stdio: StdioOptions = piped ? ['pipe', 'pipe', 'pipe'] : ['ignore', opts.stdio ?? 'ignore', opts.stdio ?? 'ignore'];
    const child = nodeChildProcess().spawn(bin, argv, { env: opts.env ?? process.env, cwd: opts.cwd, stdio, detached: opts.detached });
    if (opts.detached) child.unref();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('error', () => resolve({ code: null, signal: null }));
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    if (piped) child.stdin?.on('error', () => {});
    if (opts.unref) {
      child.unref();
      for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
    }
    return {
      pid: child.pid ?? -1,
      exited,
      ...(piped ? { stdin: child.stdin!, stdout: child.stdout!, stderr: child.stderr! } : {}),
      kill: (sig: NodeJS.Signals = 'SIGTERM') => {
        try {
          child.kill(sig);
        } catch {
          /* already gone */
        }
      },
    };
  },
};
