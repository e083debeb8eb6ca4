/**
 * containerd's tasks service (containerd.services.tasks.v1.Tasks): the running side of a
 * container. A task's init process has exec id ''; exec processes have their own exec ids.
 */
import { constants } from 'node:os';
import { invalidParameter, type Ctx } from '../lib/index.js';
import type { Rpc } from './rpc.js';
import type {
  Any,
  CreateTaskRequest,
  DeleteTaskResult,
  ExecProcessRequest,
  ExitStatus,
  Labels,
  Metric,
  Process,
  ProcessInfo,
} from './types.js';

const SVC = 'containerd.services.tasks.v1.Tasks';

/** A signal number, or a name such as 'SIGTERM' / 'TERM'. Throws invalidParameter if unknown. */
export function signalNumber(sig: number | string): number {
  if (typeof sig === 'number') return sig;
  const name = (sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`) as NodeJS.Signals;
  const n = constants.signals[name];
  if (n === undefined) throw invalidParameter(`invalid signal: ${sig}`);
  return n;
}

export class TasksService {
  constructor(private readonly rpc: Rpc) {}

  /**
   * Creates the task of an existing container (the shim starts and the init process is created,
   * not started). stdio paths are FIFOs (or files) the shim opens. Throws notFound for an unknown
   * container, conflict when it already has a task.
   */
  async create(ctx: Ctx, req: Partial<CreateTaskRequest> & { container_id: string }): Promise<{ pid: number }> {
    const res = await this.rpc.unary<{ container_id: string; pid: number }>(ctx, SVC, 'Create', req);
    return { pid: res.pid };
  }

  /** Starts the init process (execId '') or an exec process; returns its pid. Throws notFound. */
  async start(ctx: Ctx, containerId: string, execId = ''): Promise<number> {
    const res = await this.rpc.unary<{ pid: number }>(ctx, SVC, 'Start', { container_id: containerId, exec_id: execId });
    return res.pid;
  }

  /**
   * Deletes a stopped task (the shim goes away) and returns its exit status. Throws notFound,
   * conflict when it is still running.
   */
  async delete(ctx: Ctx, containerId: string): Promise<DeleteTaskResult> {
    return this.rpc.unary<DeleteTaskResult>(ctx, SVC, 'Delete', { container_id: containerId });
  }

  /** Deletes an exited exec process and returns its exit status. Throws notFound, conflict if running. */
  async deleteProcess(ctx: Ctx, containerId: string, execId: string): Promise<DeleteTaskResult> {
    return this.rpc.unary<DeleteTaskResult>(ctx, SVC, 'DeleteProcess', { container_id: containerId, exec_id: execId });
  }

  /** The state of the init process (execId '') or of an exec process. Throws notFound. */
  async get(ctx: Ctx, containerId: string, execId = ''): Promise<Process> {
    const res = await this.rpc.unary<{ process: Process }>(ctx, SVC, 'Get', { container_id: containerId, exec_id: execId });
    return res.process;
  }

  /** Every task of the namespace (init processes). */
  async list(ctx: Ctx, filter = ''): Promise<Process[]> {
    const res = await this.rpc.unary<{ tasks: Process[] }>(ctx, SVC, 'List', { filter });
    return res.tasks;
  }

  /**
   * Sends a signal to the init process (or `execId`); `all` signals every process of the
   * container. Throws notFound when the process is gone ("process already finished").
   */
  async kill(ctx: Ctx, containerId: string, signal: number | string, opts: { execId?: string; all?: boolean } = {}): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Kill', {
      container_id: containerId,
      exec_id: opts.execId ?? '',
      signal: signalNumber(signal),
      all: opts.all ?? false,
    });
  }

  /**
   * Adds an exec process (spec: packJson(PROCESS_TYPE_URL, process)); start it with start().
   * Throws notFound for an unknown task, conflict when the exec id is taken.
   */
  async exec(ctx: Ctx, req: Partial<ExecProcessRequest> & { container_id: string; exec_id: string; spec: Any }): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Exec', req);
  }

  /** Resizes the pty of the init process (execId '') or of an exec process. */
  async resizePty(ctx: Ctx, containerId: string, execId: string, width: number, height: number): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'ResizePty', { container_id: containerId, exec_id: execId, width, height });
  }

  /** Closes the process's stdin (EOF for the container). */
  async closeIO(ctx: Ctx, containerId: string, execId = ''): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'CloseIO', { container_id: containerId, exec_id: execId, stdin: true });
  }

  /** Freezes every process of the task. */
  async pause(ctx: Ctx, containerId: string): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Pause', { container_id: containerId });
  }

  /** Thaws a paused task. */
  async resume(ctx: Ctx, containerId: string): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Resume', { container_id: containerId });
  }

  /** The host pids of the task's processes (exec processes carry ProcessDetails in `info`). */
  async pids(ctx: Ctx, containerId: string): Promise<ProcessInfo[]> {
    const res = await this.rpc.unary<{ processes: ProcessInfo[] }>(ctx, SVC, 'ListPids', { container_id: containerId });
    return res.processes;
  }

  /**
   * Updates the task's resources (packJson(LINUX_RESOURCES_TYPE_URL, resources)) and/or
   * annotations.
   */
  async update(ctx: Ctx, containerId: string, resources: Any | null, annotations: Labels = {}): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Update', { container_id: containerId, resources, annotations });
  }

  /**
   * Resolves when the process exits, with its status. Long-running: abort ctx to stop waiting.
   * Throws notFound.
   */
  async wait(ctx: Ctx, containerId: string, execId = ''): Promise<ExitStatus> {
    return this.rpc.unary<ExitStatus>(ctx, SVC, 'Wait', { container_id: containerId, exec_id: execId });
  }

  /**
   * cgroup metrics of tasks matching the filters (e.g. `id==<container id>`); decode `data` with
   * decodeAny (io.containerd.cgroups.v1/v2 Metrics).
   */
  async metrics(ctx: Ctx, filters: string[]): Promise<Metric[]> {
    const res = await this.rpc.unary<{ metrics: Metric[] }>(ctx, SVC, 'Metrics', { filters });
    return res.metrics;
  }
}
