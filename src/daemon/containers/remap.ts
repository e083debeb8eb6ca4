/**
 * Root filesystems under `--userns-remap` (moby's remapped graph root, done with snapshots):
 * container root is a host user without rights on files owned by host root, so each image's
 * files are shifted once into the remapped ids in a committed snapshot of their own,
 *
 *   berth-remap-<root uid>-<root gid>-<image chain ID>     parent: the image's top snapshot
 *
 * which the containers' rw layers then sit on (containerd's GC takes it when no container
 * uses it any more). The rw layer's root directory and the container's /etc files are given to
 * the remapped root as well.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isConflict, isNotFound, tempMount, upperDirOf, type Ctx } from '../../lib/index.js';
import type { ContainerRecord } from '../../containers/index.js';
import { hostId, type Remap } from '../userns.js';
import type { ContainersServiceBase } from './service.js';

/** Whether a container runs with the daemon's remapping (`--userns=host` opts out). */
export function remapOf(svc: ContainersServiceBase, hc: Readonly<ContainerRecord['HostConfig']>): Remap | undefined {
  return hc.UsernsMode === 'host' ? undefined : svc.deps.config.userns;
}

/** Gives every entry under `dir` to the remapped ids (setuid/setgid bits, which chown clears, kept). */
export async function shiftOwnership(dir: string, remap: Remap): Promise<void> {
  const walk = async (p: string): Promise<void> => {
    const st = await fs.lstat(p);
    await fs.lchown(p, hostId(remap.uidMappings, st.uid), hostId(remap.gidMappings, st.gid));
    if (!st.isSymbolicLink() && st.mode & 0o6000) await fs.chmod(p, st.mode & 0o7777);
    if (st.isDirectory()) {
      const names = await fs.readdir(p);
      for (let i = 0; i < names.length; i += 32) await Promise.all(names.slice(i, i + 32).map((n) => walk(join(p, n))));
    }
  };
  await walk(dir);
}

/**
 * The snapshot a remapped container's rw layer goes on: the image's files shifted into the
 * remapped ids, made once per image and mapping. `release` ends the lease that holds it until
 * the container's own snapshot does.
 */
export async function remappedParent(svc: ContainersServiceBase, ctx: Ctx, parent: string, remap: Remap): Promise<{ key: string; release: () => Promise<void> }> {
  const images = svc.deps.images;
  if (!parent) return { key: '', release: async () => {} };
  const key = `berth-remap-${remap.rootUid}-${remap.rootGid}-${parent.replace(/^sha256:/, '')}`;
  const leased = await images.lease(ctx, 'userns-remap');
  try {
    await svc.mutex.run(key, async () => {
      try {
        await images.snapshotter.stat(ctx, key);
        return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      const active = `${key}-prep-${randomBytes(4).toString('hex')}`;
      const mounts = await leased.snapshotter.prepare(ctx, active, parent);
      try {
        const tm = await tempMount(ctx, svc.deps.exec, svc.deps.config.tmpDir, mounts);
        try {
          await shiftOwnership(tm.dir, remap);
        } finally {
          await tm.release();
        }
        await leased.snapshotter.commit(ctx, key, active);
      } catch (e) {
        await leased.snapshotter.remove(ctx, active).catch(() => {});
        if (!isConflict(e)) throw e;
      }
    });
  } catch (e) {
    await leased.release();
    throw e;
  }
  return { key, release: () => leased.release() };
}

/** The rw layer's root directory and the /etc files belong to the remapped root. */
export async function remapContainerFiles(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>, remap: Remap): Promise<void> {
  const mounts = await svc.deps.images.snapshotter.mounts(ctx, rec.SnapshotKey);
  const upper = mounts[0] ? upperDirOf(mounts[0]) : undefined;
  if (upper) await fs.chown(upper, remap.rootUid, remap.rootGid);
  for (const p of [rec.HostnamePath, rec.HostsPath, rec.ResolvConfPath]) await fs.chown(p, remap.rootUid, remap.rootGid).catch(() => {});
}
