/**
 * Root filesystems under `--userns-remap` (moby's remapped graph root, done with snapshots):
 * container root is a host user without rights on files owned by host root, so each image's
 * files are shifted once into the remapped ids in a committed snapshot of their own,
 * `berth-remap-<root uid>-<root gid>-<image chain ID>`, which the containers' layers then sit
 * on (init-layer.ts makes it). The rw layer's root directory and the container's /etc files
 * are given to the remapped root as well.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { upperDirOf, type Ctx, type IdMap } from '../../lib/index.js';
import type { ContainerRecord } from '../../containers/index.js';
import { hostId, toContainerIds, type Remap } from '../userns.js';
import type { ContainersServiceBase } from './service.js';

/** Whether a container runs with the daemon's remapping (`--userns=host` opts out). */
export function remapOf(svc: ContainersServiceBase, hc: Readonly<ContainerRecord['HostConfig']>): Remap | undefined {
  return hc.UsernsMode === 'host' ? undefined : svc.deps.config.userns;
}

/** How a container's files are owned in the tars made of them (commit): with container ids. */
export function layerIds(svc: ContainersServiceBase, hc: Readonly<ContainerRecord['HostConfig']>): IdMap | undefined {
  const remap = remapOf(svc, hc);
  return remap && toContainerIds(remap);
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

/** The rw layer's root directory and the /etc files belong to the remapped root. */
export async function remapContainerFiles(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>, remap: Remap): Promise<void> {
  const mounts = await svc.deps.images.snapshotter.mounts(ctx, rec.SnapshotKey);
  const upper = mounts[0] ? upperDirOf(mounts[0]) : undefined;
  if (upper) await fs.chown(upper, remap.rootUid, remap.rootGid);
  for (const p of [rec.HostnamePath, rec.HostsPath, rec.ResolvConfPath]) await fs.chown(p, remap.rootUid, remap.rootGid).catch(() => {});
}
