/** DELETE /containers/{id} and POST /containers/prune (moby daemon/delete.go, prune.go). */
import { conflict, Filters, withoutCancel, type Ctx } from '../../lib/index.js';
import { isRunning, setRemovalInProgress } from '../../containers/index.js';
import type { ContainersPruneReport } from '../../api/types/index.js';
import type { ContainersServiceBase } from './service.js';
import { killContainer } from './lifecycle.js';
import { releaseNamespaces } from './namespaces.js';
import { removeMountPoints } from './mounts.js';
import { parseTimestamp } from '../images/list.js';

/** `resume`: finish a removal a crash interrupted (at boot, RemovalInProgress already set). */
export async function removeContainer(
  svc: ContainersServiceBase,
  ctx: Ctx,
  ref: string,
  opts: { force: boolean; volumes: boolean },
  { resume = false } = {},
): Promise<void> {
  const rec = svc.store.get(ref);
  const live = svc.liveOf(rec);
  if (live.restartTimer) {
    clearTimeout(live.restartTimer);
    live.restartTimer = undefined;
  }
  if (isRunning(rec.State) && !rec.State.Restarting) {
    if (!opts.force) {
      throw conflict(
        rec.State.Paused
          ? `You cannot remove a paused container ${rec.ID}. Unpause and then stop the container before attempting removal or force remove`
          : `You cannot remove a running container ${rec.ID}. Stop the container before attempting removal or force remove`,
      );
    }
    await killContainer(svc, ctx, rec.ID, 'KILL').catch(() => {});
    await Promise.race([live.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }
  let already = false;
  // Marked in memory only: a crash before the record is gone leaves a stopped container.
  await svc.store.update(ctx, rec.ID, (d) => {
    already = setRemovalInProgress(d.State);
  }, { volatile: true });
  if (already && !resume) throw conflict(`removal of container ${rec.ID} is already in progress`);
  await live.hub.log?.close().catch(() => {});
  await releaseNamespaces(svc, ctx, rec.ID);
  await svc.store.remove(ctx, rec.ID);
  for (const [id, e] of svc.execs) if (e.containerId === rec.ID) svc.execs.delete(id);
  live.hub.close();
  svc.emit('destroy', rec);
  svc.wake(rec.ID, 'removed', rec.State.ExitCode);
  svc.live.delete(rec.ID);
  await removeMountPoints(svc, ctx, rec, opts.volumes);
  // The container is gone for clients; its containerd side follows (boot's reconciliation
  // removes what a crash leaves of it). Not under the request's signal: that aborts as soon as
  // the response is sent, which would cut this short and leave the containerd side behind.
  // After the reaping of the last exit: two task deletes at once can leave the shim running.
  svc.background(live.reaping.then(() => removeRuntime(svc, withoutCancel(ctx), rec.ID, rec.SnapshotKey)));
}

/** Deletes a container's task, containerd record and rw layer. */
export async function removeRuntime(svc: ContainersServiceBase, ctx: Ctx, id: string, snapshotKey: string): Promise<void> {
  // A task containerd refuses to delete (its process not reaped yet) must not outlive its
  // container: deleting the container anyway would orphan the task's shim. Kill and retry.
  for (let i = 0; ; i++) {
    try {
      await svc.deps.tasks.deleteTask(ctx, id);
      break;
    } catch (e) {
      if (i >= 20) {
        ctx.log.warn('cannot delete the task of a removed container', { container: id.slice(0, 12), error: e });
        break;
      }
      await svc.deps.tasks.kill(ctx, id, 'SIGKILL', { all: true }).catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await svc.deps.tasks.deleteContainer(ctx, id);
  if (snapshotKey) await svc.deps.images.snapshotter.remove(ctx, snapshotKey).catch(() => {});
}

export const CONTAINER_PRUNE_FILTERS = ['until', 'label', 'label!'] as const;

export async function pruneContainers(svc: ContainersServiceBase, ctx: Ctx, filters: Filters): Promise<ContainersPruneReport> {
  filters.validate(CONTAINER_PRUNE_FILTERS);
  const until = filters.get('until').map((u) => parseTimestamp(u));
  const deleted: string[] = [];
  for (const rec of svc.store.list()) {
    if (isRunning(rec.State)) continue;
    if (!filters.matchKVList('label', rec.Config.Labels ?? {})) continue;
    if (filters.get('label!').some((l) => Filters.fromEntries({ label: [l] }).matchKVList('label', rec.Config.Labels ?? {}))) continue;
    const created = Math.floor(Date.parse(rec.Created) / 1000);
    if (until.some((u) => created >= u)) continue;
    await removeContainer(svc, ctx, rec.ID, { force: false, volumes: false });
    deleted.push(rec.ID);
  }
  svc.deps.events.publish({ type: 'container', action: 'prune', actorId: '', attributes: { reclaimed: '0' } });
  return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: 0 };
}
