/**
 * The snapshots a container's rw layer sits on, made once per image and shared:
 *
 *   <image's top chain ID>                                   the image (unpacked at pull/load)
 *   berth-remap-<uid>-<gid>-<chain>    with --userns-remap:  the image's files shifted (remap.ts)
 *   berth-init-[<uid>-<gid>-]<chain>                         Docker's init layer (below)
 *   <container ID>                                           the container's rw layer
 *
 * The init layer (moby daemon/initlayer) holds what every container expects to find whatever
 * its image: /.dockerenv, /etc/mtab -> /proc/mounts, and the places the runtime mounts over
 * (/proc, /sys, /dev/pts, /dev/shm, /dev/console, /etc/hosts, /etc/hostname, /etc/resolv.conf).
 * As the parent of the rw layer it is left out of `diff` and `commit` and shows in `export`
 * and `cp`, as in Docker. Docker makes one per container; one per image does the same, and a
 * container create then costs no extra work. The image's top snapshot holds them (a GC
 * reference label), so containerd's GC takes them with the image, not with their last
 * container; whatever took them, the next create remakes them.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { isConflict, isNotFound, ScopedRoot, tempMount, errnoCode, type Ctx, type DirRef } from '../../lib/index.js';
import type { ContainerRecord } from '../../containers/index.js';
import type { Leased } from '../../images/index.js';
import type { ContainersServiceBase } from './service.js';
import { remapOf, remapContainerFiles, shiftOwnership } from './remap.js';

/** moby's initlayer.Setup table: a directory, an empty file, or a symlink to the target given. */
const INIT_PATHS: [string, 'dir' | 'file' | { link: string }][] = [
  ['/dev/pts', 'dir'],
  ['/dev/shm', 'dir'],
  ['/proc', 'dir'],
  ['/sys', 'dir'],
  ['/.dockerenv', 'file'],
  ['/etc/resolv.conf', 'file'],
  ['/etc/hosts', 'file'],
  ['/etc/hostname', 'file'],
  ['/dev/console', 'file'],
  ['/etc/mtab', { link: '/proc/mounts' }],
];

/**
 * Writes the init layer's entries into `root` (the mounted, still empty init snapshot over the
 * image), as moby does: every component of each path that is not a directory is unlinked first
 * (an image's symlinked /etc is replaced, never followed), then what is missing is made, owned
 * by `owner`.
 */
export async function setupInitLayer(root: ScopedRoot, owner: { uid: number; gid: number } = { uid: 0, gid: 0 }): Promise<void> {
  for (const [path, kind] of INIT_PATHS) {
    const names = path.split('/').filter(Boolean);
    let dir: DirRef = await root.openDirPath('/');
    try {
      for (const [i, name] of names.entries()) {
        const last = i === names.length - 1;
        const at = root.at(dir, name);
        const st = await root.lstat(dir, name).catch((e: unknown) => {
          if (errnoCode(e) === 'ENOENT') return undefined;
          throw e;
        });
        let present = !!st;
        if (st && !st.isDirectory()) {
          await fs.unlink(at);
          present = false;
        }
        if (!present) {
          if (!last || kind === 'dir') await fs.mkdir(at, 0o755);
          else if (kind === 'file') await (await fs.open(at, 'wx', 0o755)).close();
          else await fs.symlink(kind.link, at);
          await fs.lchown(at, owner.uid, owner.gid);
        }
        if (last) break;
        const next = await root.openDir(dir, name);
        await dir.close();
        dir = next;
      }
    } finally {
      await dir.close();
    }
  }
}

/**
 * Makes committed snapshot `key` on `parent` (once, under the key's lock): prepares it, lets
 * `fill` write into its mounted root, commits. Held by `leased` until the caller's own snapshot
 * references it.
 */
async function derivedSnapshot(svc: ContainersServiceBase, ctx: Ctx, leased: Leased, key: string, parent: string, fill: (dir: string) => Promise<void>): Promise<void> {
  const snapshotter = svc.deps.images.snapshotter;
  await svc.mutex.run(key, async () => {
    try {
      await snapshotter.stat(ctx, key);
      return;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const active = `${key}-prep-${randomBytes(4).toString('hex')}`;
    const mounts = await leased.snapshotter.prepare(ctx, active, parent);
    try {
      const tm = await tempMount(ctx, svc.deps.exec, svc.deps.config.tmpDir, mounts);
      try {
        await fill(tm.dir);
      } finally {
        await tm.release();
      }
      await leased.snapshotter.commit(ctx, key, active);
    } catch (e) {
      await leased.snapshotter.remove(ctx, active).catch(() => {});
      if (!isConflict(e)) throw e;
    }
  });
}

const ignoreNotFound = (e: unknown) => {
  if (!isNotFound(e)) throw e;
};

/**
 * Prepares the container's rw layer on its image's init layer (and remapped copy), making
 * those first when they are missing. An rw layer that exists already (a create completed at
 * boot) is kept.
 */
export async function prepareRwLayer(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>, imageTop: string): Promise<void> {
  const snapshotter = svc.deps.images.snapshotter;
  const remap = remapOf(svc, rec.HostConfig);
  const chain = imageTop.replace(/^sha256:/, '');
  const ids = remap ? `${remap.rootUid}-${remap.rootGid}-` : '';
  const base = remap && imageTop ? `berth-remap-${ids}${chain}` : imageTop;
  const init = `berth-init-${ids}${chain || 'scratch'}`;
  const prepare = () =>
    snapshotter.prepare(ctx, rec.SnapshotKey, init).then(
      () => {},
      (e: unknown) => {
        if (!isConflict(e)) throw e;
      },
    );
  try {
    await prepare();
  } catch (e) {
    if (!isNotFound(e)) throw e;
    const leased = await svc.deps.images.lease(ctx, 'rw-layer-parents');
    try {
      if (remap && imageTop) await derivedSnapshot(svc, ctx, leased, base, imageTop, (dir) => shiftOwnership(dir, remap));
      const owner = remap ? { uid: remap.rootUid, gid: remap.rootGid } : undefined;
      await derivedSnapshot(svc, ctx, leased, init, base, async (dir) => {
        const root = await ScopedRoot.open(dir);
        try {
          await setupInitLayer(root, owner);
        } finally {
          await root.close();
        }
      });
      // kept while the image is (its top snapshot refers to them), not only while a container
      // sits on them: the next `run` of the image finds them
      if (imageTop) {
        if (remap) await snapshotter.holdRef(ctx, imageTop, `berth-remap-${ids.slice(0, -1)}`, base).catch(ignoreNotFound);
        await snapshotter.holdRef(ctx, imageTop, `berth-init${ids ? `-${ids.slice(0, -1)}` : ''}`, init).catch(ignoreNotFound);
      }
      await prepare();
    } finally {
      await leased.release();
    }
  }
  if (remap) await remapContainerFiles(svc, ctx, rec, remap);
}
