/**
 * ContainerdTasks: containers and their processes on containerd (TaskRuntime).
 *
 * A container's containerd record lives from `docker create` to `docker rm`: it references the
 * container's rw snapshot (so containerd's GC keeps it) and carries the runtime spec, replaced at
 * every start. A task (the running init process) lives from start to exit. Processes' stdio goes
 * through FIFOs under `<stateDir>/<id>/` (./fifo.ts), which survive a berthd restart.
 * runc keeps its state under `runcRoot` (never the system containerd's /run/containerd/runc).
 */
import type { Readable, Writable } from 'node:stream';
import { join } from 'node:path';
import { promises as fs } from 'node:fs';
import { isNotFound, type Ctx, type Exec } from '../lib/index.js';
import {
  PROCESS_TYPE_URL,
  SPEC_TYPE_URL,
  packJson,
  packRuncOptions,
  signalNumber,
  decodeAny,
  CGROUPS_V1_METRICS_TYPE_URL,
  LINUX_RESOURCES_TYPE_URL,
  type ContainerdClient,
  type Mount,
} from '../containerd/index.js';
import { FifoPool, createFifos, fifoPaths, openReader, openWriter, removeFifos, type FifoPaths } from './fifo.js';

export const RUNTIME_NAME = 'io.containerd.runc.v2';

export interface ProcessIO {
  stdin: Writable | null;
  stdout: Readable | null;
  /** Null with a tty (the tty merges both streams into stdout). */
  stderr: Readable | null;
}

export interface TasksConfig {
  /** Where FIFOs go: <stateDir>/<container id>/. */
  stateDir: string;
  /** runc's --root for our containers. */
  runcRoot: string;
  snapshotter: string;
  /** runc binary (the shim's BinaryName option); empty = the shim's default lookup. */
  runcBinary?: string;
}

/** containerd's io.containerd.cgroups.v1.Metrics, as decoded (snake_case, numbers). */
export interface CgroupV1Metrics {
  pids: { current: number; limit: number } | null;
  cpu: { usage: { total: number; kernel: number; user: number; per_cpu: number[] } | null; throttling: { periods: number; throttled_periods: number; throttled_time: number } | null } | null;
  memory: (Record<string, number> & { usage: { limit: number; usage: number; max: number; failcnt: number } | null }) | null;
  blkio: Record<string, { op: string; device: string; major: number; minor: number; value: number }[]> | null;
}

export type TaskEvent =
  | { kind: 'exit'; containerId: string; processId: string; pid: number; exitStatus: number; exitedAt: Date }
  | { kind: 'oom'; containerId: string };

export type TaskState = 'running' | 'paused' | 'created' | 'stopped' | 'unknown';

export interface TaskStatus {
  state: TaskState;
  pid: number;
  exitStatus: number;
  exitedAt?: Date;
}

export class ContainerdTasks {
  private readonly fifos: FifoPool;

  constructor(
    private readonly cd: ContainerdClient,
    run: Exec,
    private readonly cfg: TasksConfig,
  ) {
    // Beside the containers' directories (same filesystem, for rename); ids never start with '.'.
    this.fifos = new FifoPool(run, join(cfg.stateDir, '.fifo-pool'));
  }

  private dir(id: string): string {
    return join(this.cfg.stateDir, id);
  }

  /** Creates the containerd record for a container whose rw snapshot is `snapshotKey`. Throws conflict. */
  async createContainer(ctx: Ctx, id: string, snapshotKey: string, spec: object, labels: Record<string, string> = {}): Promise<void> {
    await this.cd.containers.create(ctx, {
      id,
      labels,
      image: '',
      runtime: { name: RUNTIME_NAME, options: null },
      spec: packJson(SPEC_TYPE_URL, spec),
      snapshotter: this.cfg.snapshotter,
      snapshot_key: snapshotKey,
    });
  }

  /** IDs of the containerd container records berthd made (label berth.container). */
  async listContainers(ctx: Ctx): Promise<string[]> {
    return (await this.cd.containers.list(ctx, ['labels."berth.container"==true'])).map((c) => c.id);
  }

  /** Names of the per-container state directories (FIFOs) under stateDir: container IDs. */
  async stateIds(): Promise<string[]> {
    const entries = await fs.readdir(this.cfg.stateDir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  }

  /** The runtime spec the container was last started with (what updateSpec stored). */
  async getSpec(ctx: Ctx, id: string): Promise<object | undefined> {
    const c = await this.cd.containers.get(ctx, id);
    return decodeAny(c.spec) as object | undefined;
  }

  /** Replaces the runtime spec (before each start). */
  async updateSpec(ctx: Ctx, id: string, spec: object): Promise<void> {
    await this.cd.containers.update(ctx, { id, spec: packJson(SPEC_TYPE_URL, spec) } as never, ['spec']);
  }

  /**
   * Deletes the containerd record (the snapshot is then the caller's to remove) and the
   * container's state directory. Ignores notFound.
   */
  async deleteContainer(ctx: Ctx, id: string): Promise<void> {
    await this.cd.containers.delete(ctx, id).catch((e) => {
      if (!isNotFound(e)) throw e;
    });
    await fs.rm(this.dir(id), { recursive: true, force: true });
  }

  /**
   * Creates and starts the init task on `rootfs`; returns its pid and stdio. The stdio is wired
   * before the process starts, so nothing it writes is lost.
   */
  async start(
    ctx: Ctx,
    id: string,
    rootfs: { type: string; source: string; target?: string; options: string[] }[],
    opts: { tty: boolean; stdin: boolean; beforeStart?: (pid: number) => Promise<void> },
  ): Promise<{ pid: number; io: ProcessIO }> {
    const paths = fifoPaths(this.dir(id), 'init', opts);
    const keep = await createFifos(ctx, this.fifos, this.dir(id), paths);
    try {
      const created = await this.cd.tasks.create(ctx, {
        container_id: id,
        rootfs: rootfs.map((m): Mount => ({ type: m.type, source: m.source, target: m.target ?? '', options: m.options })),
        stdin: paths.stdin,
        stdout: paths.stdout,
        stderr: paths.stderr,
        terminal: opts.tty,
        options: packRuncOptions({ root: this.cfg.runcRoot, ...(this.cfg.runcBinary ? { binary_name: this.cfg.runcBinary } : {}) }),
        runtime_path: '',
      });
      const io = this.open(paths);
      keep.release();
      const pid = await (opts.beforeStart ? opts.beforeStart(created.pid) : Promise.resolve())
        .then(() => this.cd.tasks.start(ctx, id))
        .catch(async (e) => {
        io.stdout?.destroy();
        io.stderr?.destroy();
        io.stdin?.destroy();
        await this.cd.tasks.delete(ctx, id).catch(() => {});
        throw e;
      });
      return { pid, io };
    } finally {
      keep.release();
    }
  }

  private open(paths: FifoPaths): ProcessIO {
    return { stdin: openWriter(paths.stdin), stdout: openReader(paths.stdout), stderr: openReader(paths.stderr) };
  }

  /** Re-opens the stdio of a process that survived a berthd restart. */
  reopen(id: string, processId: string, opts: { tty: boolean; stdin: boolean }): ProcessIO {
    return this.open(fifoPaths(this.dir(id), processId, opts));
  }

  /** Starts an exec process in the running task; returns its pid and stdio. */
  async startExec(
    ctx: Ctx,
    id: string,
    execId: string,
    process: object,
    opts: { tty: boolean; stdin: boolean },
  ): Promise<{ pid: number; io: ProcessIO }> {
    const paths = fifoPaths(this.dir(id), `exec-${execId}`, opts);
    const keep = await createFifos(ctx, this.fifos, this.dir(id), paths);
    try {
      await this.cd.tasks.exec(ctx, {
        container_id: id,
        exec_id: execId,
        stdin: paths.stdin,
        stdout: paths.stdout,
        stderr: paths.stderr,
        terminal: opts.tty,
        spec: packJson(PROCESS_TYPE_URL, process),
      });
      // The shim opens an exec's FIFOs at start: the keepers stand in as readers until then, and
      // what the process writes meanwhile waits in the FIFO for our reader.
      let pid: number;
      try {
        pid = await this.cd.tasks.start(ctx, id, execId);
      } catch (e) {
        await this.cd.tasks.deleteProcess(ctx, id, execId).catch(() => {});
        throw e;
      }
      const io = this.open(paths);
      return { pid, io };
    } finally {
      keep.release();
    }
  }

  /** Reaps an exited exec process and removes its FIFOs. */
  async deleteExec(ctx: Ctx, id: string, execId: string): Promise<void> {
    await this.cd.tasks.deleteProcess(ctx, id, execId).catch(() => {});
    await removeFifos(fifoPaths(this.dir(id), `exec-${execId}`, { tty: false, stdin: true }));
  }

  /** The task's state; `stopped` with the exit status when it has exited, notFound when there is none. */
  async status(ctx: Ctx, id: string): Promise<TaskStatus> {
    const p = await this.cd.tasks.get(ctx, id);
    const state = (p.status ?? 'UNKNOWN').toLowerCase() as TaskState;
    return { state: ['running', 'paused', 'created', 'stopped'].includes(state) ? state : 'unknown', pid: p.pid, exitStatus: p.exit_status };
  }

  /** Deletes an exited task (reaps it); returns its exit status. Ignores a missing task. */
  async deleteTask(ctx: Ctx, id: string): Promise<{ exitStatus: number; exitedAt?: Date } | undefined> {
    try {
      const r = await this.cd.tasks.delete(ctx, id);
      return { exitStatus: r.exit_status };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async kill(ctx: Ctx, id: string, signal: string | number, opts: { execId?: string; all?: boolean } = {}): Promise<void> {
    await this.cd.tasks.kill(ctx, id, typeof signal === 'number' ? signal : signalNumber(signal), opts);
  }

  async pause(ctx: Ctx, id: string): Promise<void> {
    await this.cd.tasks.pause(ctx, id);
  }

  async resume(ctx: Ctx, id: string): Promise<void> {
    await this.cd.tasks.resume(ctx, id);
  }

  async resize(ctx: Ctx, id: string, execId: string, width: number, height: number): Promise<void> {
    await this.cd.tasks.resizePty(ctx, id, execId, width, height);
  }

  async closeStdin(ctx: Ctx, id: string, execId = ''): Promise<void> {
    await this.cd.tasks.closeIO(ctx, id, execId);
  }

  /** Applies new linux.resources to the running task (runc update). */
  async updateResources(ctx: Ctx, id: string, resources: object): Promise<void> {
    await this.cd.tasks.update(ctx, id, packJson(LINUX_RESOURCES_TYPE_URL, resources));
  }

  /** The task's cgroup metrics, decoded (cgroup v1 or v2 Metrics); undefined without a task. */
  async metrics(ctx: Ctx, id: string): Promise<{ v1?: CgroupV1Metrics; v2?: Record<string, unknown> } | undefined> {
    const [m] = await this.cd.tasks.metrics(ctx, [`id==${id}`]);
    if (!m?.data) return undefined;
    const data = decodeAny(m.data) as Record<string, unknown>;
    return m.data.type_url.endsWith(CGROUPS_V1_METRICS_TYPE_URL) ? { v1: data as unknown as CgroupV1Metrics } : { v2: data };
  }

  async pids(ctx: Ctx, id: string): Promise<number[]> {
    return (await this.cd.tasks.pids(ctx, id)).map((p) => p.pid);
  }

  /** Every task of our namespace: id -> status (used at boot for live restore). */
  async list(ctx: Ctx): Promise<Map<string, TaskStatus>> {
    const out = new Map<string, TaskStatus>();
    for (const p of await this.cd.tasks.list(ctx)) {
      const state = (p.status ?? 'UNKNOWN').toLowerCase() as TaskState;
      out.set(p.id, { state, pid: p.pid, exitStatus: p.exit_status });
    }
    return out;
  }

  /**
   * Task exits (init and exec processes) and OOM kills, re-subscribing when containerd restarts.
   * An OOM event comes before the exit of the process the kernel killed.
   */
  async *events(ctx: Ctx): AsyncGenerator<TaskEvent> {
    while (!ctx.signal.aborted) {
      try {
        for await (const ev of this.cd.events.subscribe(ctx, ['topic=="/tasks/exit"', 'topic=="/tasks/oom"'])) {
          if (ev.payload.type === 'TaskOOM') {
            yield { kind: 'oom', containerId: ev.payload.event.container_id };
            continue;
          }
          if (ev.payload.type !== 'TaskExit') continue;
          const e = ev.payload.event;
          yield {
            kind: 'exit',
            containerId: e.container_id,
            processId: e.id,
            pid: e.pid,
            exitStatus: e.exit_status,
            exitedAt: ev.timestamp,
          };
        }
      } catch (e) {
        if (ctx.signal.aborted) return;
        ctx.log.warn('containerd event stream ended; re-subscribing', { error: e });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
