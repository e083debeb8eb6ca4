/**
 * GET /containers/{id}/export: docker export (moby daemon/export.go): the container's merged
 * root filesystem as a tar, read through a read-only mount of it (names relative, no entry
 * for the root itself, as archive.Tar writes them). Bind mounts and volumes are not in it.
 */
import { conflict, packTree, type Ctx } from '../../lib/index.js';
import type { ContainersServiceBase } from './service.js';
import { mountMerged } from './rootfs.js';
import { remapOf } from './remap.js';
import { toContainerIds } from '../userns.js';

export async function exportContainer(svc: ContainersServiceBase, ctx: Ctx, ref: string): Promise<AsyncIterable<Buffer>> {
  const rec = svc.store.get(ref);
  if (rec.State.Dead) throw conflict(`You cannot export container ${rec.ID} which is Dead`);
  if (rec.State.RemovalInProgress) throw conflict(`You cannot export container ${rec.ID} which is being removed`);
  const fs = await mountMerged(svc, ctx, rec);
  const remap = remapOf(svc, rec.HostConfig);
  const { stream, done } = packTree(fs.root, fs.root.top, null, { start: null, prefix: null }, {
    ids: remap && toContainerIds(remap),
    signal: ctx.signal,
    onError: (p, err) => ctx.log.debug('export: skipping an entry', { path: p, error: err }),
  });
  void done.finally(() => fs.release()).catch(() => {});
  svc.emit('export', rec);
  return stream as AsyncIterable<Buffer>;
}
