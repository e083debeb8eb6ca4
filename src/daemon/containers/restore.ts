/**
 * Boot (moby daemon/daemon.go restore, live restore): load the records, re-adopt the tasks that
 * kept running while berthd was away (re-open their FIFOs, keep logging), record the exits that
 * happened meanwhile with their real codes, and start the containers whose restart policy says so.
 * The exit stream is subscribed first, so no exit falls between the two.
 */
import { isFullId, isRunning, setRunning, setStopped, type StateRecord } from '../../containers/index.js';
import type { Ctx } from '../../lib/index.js';
import type { TaskStatus } from '../../runtime/index.js';
import type { ContainersServiceBase } from './service.js';
import { handleExit, startContainer } from './lifecycle.js';
import { handleExecExit } from './io.js';
import { removeContainer, removeRuntime } from './remove.js';
import { ensureRuntime } from './create.js';
import { cleanStaleMounts } from './rootfs.js';
import { stoppedSettings } from './network.js';
import { liveRestoreVolumes } from './mounts.js';

/** Consumes containerd's exit events for the daemon's lifetime. */
export function watchExits(svc: ContainersServiceBase, ctx: Ctx): Promise<void> {
  return (async () => {
    for await (const ex of svc.deps.tasks.events(ctx)) {
      if (ex.kind === 'oom') {
        const rec = svc.store.find(ex.containerId);
        if (rec) {
          const live = svc.liveOf(rec);
          live.oomKilled = true;
          void live.starting.then(() => svc.emit('oom', rec));
        }
        continue;
      }
      const run = ex.processId === ex.containerId
        ? handleExit(svc, ctx, ex.containerId, ex.exitStatus, ex.exitedAt, ex.pid)
        : handleExecExit(svc, ctx, ex.processId, ex.exitStatus);
      run.catch((e) => svc.deps.log.warn('handling a task exit failed', { container: ex.containerId.slice(0, 12), error: e }));
    }
  })();
}

/**
 * What boot does with a container, from its record's state and its containerd task:
 * - adopt: it runs as recorded (live restore);
 * - exited: the record says running, but the process exited while berthd was away (the task's
 *   status), or containerd lost it (255, as moby records); reap the task, record the exit;
 * - kill: the record does not say running, yet a task is there and not stopped: a start the
 *   crash cut short (never acknowledged). The record is what clients were told: kill and reap;
 * - reap: a stopped task of a container not running (an exit whose reaping was cut short);
 * - none: nothing to do.
 */
export type BootAction = { kind: 'adopt' } | { kind: 'exited'; exitCode: number } | { kind: 'kill' } | { kind: 'reap' } | { kind: 'none' };

export function bootAction(state: Readonly<StateRecord>, task: Readonly<TaskStatus> | undefined): BootAction {
  if (isRunning(state)) {
    if (task && (task.state === 'running' || task.state === 'paused')) return { kind: 'adopt' };
    return { kind: 'exited', exitCode: task ? task.exitStatus : 255 };
  }
  if (!task) return { kind: 'none' };
  return task.state === 'stopped' ? { kind: 'reap' } : { kind: 'kill' };
}

export async function restoreContainers(svc: ContainersServiceBase, ctx: Ctx): Promise<{ adopted: number; exited: number; restarted: number }> {
  const report = await svc.store.load(ctx);
  const staleMounts = await cleanStaleMounts(svc, ctx);
  if (staleMounts > 0) svc.deps.log.info('unmounted container filesystems left by an earlier berthd', { count: staleMounts });
  for (const s of report.skipped) svc.deps.log.warn('container record skipped', s);
  await reconcileRuntime(svc, ctx);
  const tasks = await svc.deps.tasks.list(ctx);
  let adopted = 0;
  let exited = 0;
  const toStart: string[] = [];
  const toRemove: string[] = [];
  const running = new Set<string>();
  await Promise.all(
    svc.store.list().map(async (rec) => {
      const live = svc.liveOf(rec);
      const t = tasks.get(rec.ID);
      const action = bootAction(rec.State, t);
      if (action.kind === 'adopt') {
        const io = svc.deps.tasks.reopen(rec.ID, 'init', { tty: !!rec.Config.Tty, stdin: !!rec.Config.OpenStdin });
        const log = await svc.openLog(rec).catch(() => undefined);
        live.armExit();
        svc.wire(rec, io, log);
        live.startedAtMs = Date.parse(rec.State.StartedAt) || Date.now();
        await svc.store.update(ctx, rec.ID, (d) => {
          setRunning(d.State, { pid: t!.pid });
          d.State.Paused = t!.state === 'paused';
        });
        svc.watchHealth(ctx, svc.store.get(rec.ID), false);
        await liveRestoreVolumes(svc, ctx, rec);
        running.add(rec.ID);
        adopted++;
        return;
      }
      if (action.kind === 'kill') {
        svc.deps.log.info('killing the task of a start cut short', { container: rec.ID.slice(0, 12), state: t!.state });
        await stopTask(svc, ctx, rec.ID);
      }
      if (t) await svc.deps.tasks.deleteTask(ctx, rec.ID).catch(() => {});
      if (action.kind === 'exited') {
        const u = await svc.store.update(ctx, rec.ID, (d) => {
          setStopped(d.State, { exitCode: action.exitCode }, svc.clock);
          d.NetworkSettings = stoppedSettings(d.NetworkSettings);
        });
        svc.emit('die', u, { exitCode: String(action.exitCode) });
        exited++;
      }
      if (rec.HostConfig.AutoRemove || rec.State.RemovalInProgress) {
        toRemove.push(rec.ID);
        return;
      }
      const p = rec.HostConfig.RestartPolicy?.Name;
      if (p === 'always' || (p === 'unless-stopped' && !rec.HasBeenManuallyStopped)) toStart.push(rec.ID);
    }),
  );
  // Sandboxes of the containers still running are kept (ports listening again, rules checked);
  // the rest, and whatever a crash left unrecorded, goes before any container starts again.
  await svc.deps.network.restore(ctx, running);
  // compat: moby removes --rm containers that are not running, and finishes interrupted removals.
  for (const id of toRemove) {
    await removeContainer(svc, ctx, id, { force: true, volumes: true }, { resume: true }).catch((e) =>
      svc.deps.log.warn('removing a container at boot failed', { container: id.slice(0, 12), error: e }),
    );
  }
  let restarted = 0;
  for (const id of toStart) {
    await startContainer(svc, ctx, id, { policy: true }).then(
      () => restarted++,
      (e) => svc.deps.log.warn('restarting a container at boot failed', { container: id.slice(0, 12), error: e }),
    );
  }
  return { adopted, exited, restarted };
}

/** SIGKILLs every process of a container's task and waits (up to 5 s) until it has stopped. */
async function stopTask(svc: ContainersServiceBase, ctx: Ctx, id: string): Promise<void> {
  await svc.deps.tasks.kill(ctx, id, 'KILL', { all: true }).catch(() => {});
  for (let i = 0; i < 50; i++) {
    const st = await svc.deps.tasks.status(ctx, id).catch(() => undefined);
    if (!st || st.state === 'stopped') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What boot finds: the records, and what containerd and the state directory hold. */
export interface RuntimeInventory {
  records: readonly { ID: string; SnapshotKey: string }[];
  /** containerd containers labelled berth.container. */
  containers: readonly string[];
  /** Keys of the active snapshots (containers' rw layers, layer extractions). */
  activeSnapshots: readonly string[];
  /** Per-container state (FIFO) directories. */
  stateDirs: readonly string[];
}

export interface ReconcilePlan {
  /** containerd containers without a record (a create or remove cut short): kill, delete, drop their rw layer. */
  orphanContainers: string[];
  /** Containers' rw layers (keys that are container IDs) of no record and no containerd container. */
  orphanSnapshots: string[];
  /** State directories of no record and no containerd container. */
  orphanStateDirs: string[];
  /** Records missing their containerd container or their rw layer (a create cut short). */
  incomplete: string[];
}

/**
 * Makes containerd agree with the records: what a crash can leave between the steps of create
 * (record, containerd container, rw layer) and of remove (record, task, containerd container and
 * state directory, rw layer). Only names that are container IDs are ever touched.
 */
export function planReconcile(inv: RuntimeInventory): ReconcilePlan {
  const ids = new Set(inv.records.map((r) => r.ID));
  const keys = new Set(inv.records.map((r) => r.SnapshotKey));
  const containers = new Set(inv.containers);
  const active = new Set(inv.activeSnapshots);
  const orphanContainers = inv.containers.filter((id) => !ids.has(id));
  return {
    orphanContainers,
    // removeRuntime drops an orphan container's rw layer (key = its ID) with it
    orphanSnapshots: inv.activeSnapshots.filter((k) => isFullId(k) && !keys.has(k) && !containers.has(k)),
    orphanStateDirs: inv.stateDirs.filter((id) => isFullId(id) && !ids.has(id) && !containers.has(id)),
    incomplete: inv.records.filter((r) => !containers.has(r.ID) || !active.has(r.SnapshotKey)).map((r) => r.ID),
  };
}

async function reconcileRuntime(svc: ContainersServiceBase, ctx: Ctx): Promise<void> {
  const [containers, snapshots, stateDirs] = await Promise.all([
    svc.deps.tasks.listContainers(ctx),
    svc.deps.images.snapshotter.list(ctx),
    svc.deps.tasks.stateIds(),
  ]);
  const plan = planReconcile({
    records: svc.store.list(),
    containers,
    activeSnapshots: snapshots.filter((s) => s.kind === 'active').map((s) => s.name),
    stateDirs,
  });
  for (const id of plan.orphanContainers) {
    svc.deps.log.info('removing a containerd container without a record', { container: id.slice(0, 12) });
    await stopTask(svc, ctx, id);
    await removeRuntime(svc, ctx, id, id).catch((e) => svc.deps.log.warn('cannot remove it', { container: id.slice(0, 12), error: e }));
  }
  for (const key of plan.orphanSnapshots) {
    svc.deps.log.info('removing the rw layer of a removed container', { snapshot: key.slice(0, 12) });
    await svc.deps.images.snapshotter.remove(ctx, key).catch((e) => svc.deps.log.warn('cannot remove it', { snapshot: key.slice(0, 12), error: e }));
  }
  for (const id of plan.orphanStateDirs) {
    await svc.deps.tasks.deleteContainer(ctx, id).catch((e) => svc.deps.log.warn('cannot remove a state directory', { container: id.slice(0, 12), error: e }));
  }
  for (const id of plan.incomplete) {
    const rec = svc.store.get(id);
    try {
      const image = await svc.deps.images.resolve(ctx, rec.Image);
      await ensureRuntime(svc, ctx, rec, image.config);
    } catch (e) {
      svc.deps.log.warn('cannot complete a container whose create was interrupted', { container: rec.ID.slice(0, 12), error: e });
    }
  }
}

/** berthd is stopping: containers keep running (live restore); stop reading their output. */
export async function detachAll(svc: ContainersServiceBase): Promise<void> {
  svc.shuttingDown = true;
  await svc.settled();
  await svc.deps.network.shutdown();
  for (const live of svc.live.values()) {
    if (live.restartTimer) clearTimeout(live.restartTimer);
    live.hub.process?.detach();
    await live.hub.log?.close().catch(() => {});
  }
}

export { handleExit };
