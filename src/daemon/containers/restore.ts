/**
 * Boot (moby daemon/daemon.go restore, live restore): load the records, re-adopt the tasks that
 * kept running while berthd was away (re-open their FIFOs, keep logging), record the exits that
 * happened meanwhile with their real codes, and start the containers whose restart policy says so.
 * The exit stream is subscribed first, so no exit falls between the two.
 */
import { isRunning, setRunning, setStopped } from '../../containers/index.js';
import type { Ctx } from '../../lib/index.js';
import type { ContainersServiceBase } from './service.js';
import { handleExit, startContainer } from './lifecycle.js';
import { handleExecExit } from './io.js';
import { removeContainer, removeRuntime } from './remove.js';
import { ensureRuntime } from './create.js';
import { cleanStaleMounts } from './rootfs.js';

/** Consumes containerd's exit events for the daemon's lifetime. */
export function watchExits(svc: ContainersServiceBase, ctx: Ctx): Promise<void> {
  return (async () => {
    for await (const ex of svc.deps.tasks.exits(ctx)) {
      const run = ex.processId === ex.containerId
        ? handleExit(svc, ctx, ex.containerId, ex.exitStatus, ex.exitedAt)
        : handleExecExit(svc, ctx, ex.processId, ex.exitStatus);
      run.catch((e) => svc.deps.log.warn('handling a task exit failed', { container: ex.containerId.slice(0, 12), error: e }));
    }
  })();
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
  await Promise.all(
    svc.store.list().map(async (rec) => {
      const live = svc.liveOf(rec);
      const t = tasks.get(rec.ID);
      if (isRunning(rec.State) && t && (t.state === 'running' || t.state === 'paused')) {
        const io = svc.deps.tasks.reopen(rec.ID, 'init', { tty: !!rec.Config.Tty, stdin: !!rec.Config.OpenStdin });
        const log = await svc.openLog(rec).catch(() => undefined);
        live.armExit();
        svc.wire(rec, io, log);
        live.startedAtMs = Date.parse(rec.State.StartedAt) || Date.now();
        await svc.store.update(ctx, rec.ID, (d) => {
          setRunning(d.State, { pid: t.pid });
          d.State.Paused = t.state === 'paused';
        });
        adopted++;
        return;
      }
      if (isRunning(rec.State) || t) {
        // It exited while berthd was away (or containerd lost it: 255, as moby records).
        const code = t ? t.exitStatus : 255;
        if (t) await svc.deps.tasks.deleteTask(ctx, rec.ID).catch(() => {});
        if (isRunning(rec.State)) {
          const u = await svc.store.update(ctx, rec.ID, (d) => setStopped(d.State, { exitCode: code }, svc.clock));
          svc.emit('die', u, { exitCode: String(code) });
          exited++;
        }
      }
      if (rec.HostConfig.AutoRemove || rec.State.RemovalInProgress) {
        toRemove.push(rec.ID);
        return;
      }
      const p = rec.HostConfig.RestartPolicy?.Name;
      if (p === 'always' || (p === 'unless-stopped' && !rec.HasBeenManuallyStopped)) toStart.push(rec.ID);
    }),
  );
  // compat: moby removes --rm containers that are not running, and finishes interrupted removals.
  for (const id of toRemove) {
    await removeContainer(svc, ctx, id, { force: true, volumes: false }, { resume: true }).catch((e) =>
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

/**
 * Makes containerd agree with the records after a crash: containerd containers (and their rw
 * layers) without a record go (a create or remove was cut short); records without their
 * containerd side get it (a create was cut short before it was made).
 */
async function reconcileRuntime(svc: ContainersServiceBase, ctx: Ctx): Promise<void> {
  const known = new Set(svc.store.list().map((r) => r.ID));
  const inContainerd = await svc.deps.tasks.listContainers(ctx);
  for (const id of inContainerd) {
    if (known.has(id)) continue;
    svc.deps.log.info('removing a containerd container without a record', { container: id.slice(0, 12) });
    await svc.deps.tasks.kill(ctx, id, 'KILL', { all: true }).catch(() => {});
    for (let i = 0; i < 50; i++) {
      const st = await svc.deps.tasks.status(ctx, id).catch(() => undefined);
      if (!st || st.state === 'stopped') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await removeRuntime(svc, ctx, id, id).catch((e) => svc.deps.log.warn('cannot remove it', { container: id.slice(0, 12), error: e }));
  }
  const present = new Set(inContainerd);
  for (const rec of svc.store.list()) {
    if (present.has(rec.ID) || rec.State.RemovalInProgress) continue;
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
  for (const live of svc.live.values()) {
    if (live.restartTimer) clearTimeout(live.restartTimer);
    live.hub.process?.detach();
    await live.hub.log?.close().catch(() => {});
  }
}

export { handleExit };
