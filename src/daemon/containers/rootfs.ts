/**
 * A container's filesystem as docker cp, diff, export and commit see it (moby
 * daemon/containerfs_linux.go and daemon.Mount). All access goes through a ScopedRoot, so no
 * symlink or `..` inside the container reaches a host file.
 *
 * - openContainerFs (cp): a running container's live root, /proc/<pid>/root, without the mounts
 *   Docker's view has not (proc, sysfs, devpts, mqueue, tmpfs, cgroup: they cannot be entered);
 *   its bind mounts (/etc/hosts, /etc/hostname, /etc/resolv.conf) are there, as in Docker. cp
 *   writes through the container's own overlay, so the container sees the change at once. A
 *   stopped container's rw snapshot is mounted on a temporary directory instead. The container's
 *   lock is held until release() (moby holds the container lock likewise), so a start waits.
 * - mountMerged (export, diff): the merged root filesystem read-only: the overlay again with the
 *   rw layer as its top lower layer, which is safe beside a running container.
 * - layerDirs (diff): the rw layer's directory and a read-only view of the image below it.
 *
 * Temporary mounts go under <state-dir>/.mnt/ (container IDs never start with '.').
 */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bindOntoFdArgv,
  conflict,
  errnoCode,
  lowerDirsOf,
  mkdirp,
  parseMountInfo,
  readonlyMounts,
  ScopedRoot,
  system,
  tempMount,
  unmount,
  upperDirOf,
  type Ctx,
  type MountSpec,
} from '../../lib/index.js';
import type { ContainerRecord } from '../../containers/index.js';
import type { ContainersServiceBase } from './service.js';
import { bindMountPoints } from './mount-view.js';

/** Filesystems of a running container that Docker's view of it does not include. */
const PSEUDO_FS = new Set([
  'proc', 'sysfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2', 'tmpfs', 'devtmpfs', 'securityfs', 'debugfs',
  'tracefs', 'bpf', 'fusectl', 'configfs', 'pstore', 'hugetlbfs', 'binfmt_misc', 'autofs', 'nsfs', 'efivarfs',
]);

export interface ContainerFs {
  root: ScopedRoot;
  /** Whether this is the live root of a running container. */
  live: boolean;
  release(): Promise<void>;
}

async function mountDir(svc: ContainersServiceBase): Promise<string> {
  const dir = join(svc.deps.config.stateDir, '.mnt');
  await mkdirp(dir, 0o700);
  return dir;
}

/**
 * Unmounts and removes what an earlier berthd left under <state-dir>/.mnt (it died while a cp,
 * diff, export or commit held a mount). Boot only: later mounts there are in use.
 */
export async function cleanStaleMounts(svc: ContainersServiceBase, ctx: Ctx): Promise<number> {
  const dir = join(svc.deps.config.stateDir, '.mnt');
  const infos = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8').catch(() => ''));
  // the temp directories themselves (their binds below go with them: umount -R)
  const tops = infos.map((m) => m.mountPoint).filter((p) => p.startsWith(`${dir}/`)).map((p) => join(dir, p.slice(dir.length + 1).split('/')[0]!));
  const stale = [...new Set(tops)];
  for (const p of stale) await unmount(ctx, svc.deps.exec, p).catch(() => {});
  const { readdir, rmdir } = await import('node:fs/promises');
  for (const name of await readdir(dir).catch(() => [] as string[])) await rmdir(join(dir, name)).catch(() => {});
  return stale.length;
}

/** Takes the container's lock; resolves with its release. */
function lock(svc: ContainersServiceBase, id: string): Promise<() => void> {
  return new Promise((acquired) => {
    void svc.mutex.run(id, () => new Promise<void>((release) => acquired(release)));
  });
}

/** The rw snapshot's mounts; the first one carries upperdir/lowerdir. */
async function snapshotMounts(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>): Promise<MountSpec[]> {
  const mounts = await svc.deps.images.snapshotter.mounts(ctx, rec.SnapshotKey);
  if (mounts.length === 0) throw system(`container ${rec.ID.slice(0, 12)} has no root filesystem`);
  return mounts;
}

/**
 * Opens /proc/<pid>/root and checks that it is this container's overlay (the pid may have been
 * reused by another process since the record was read): its mount must be the one mounted on
 * `/` in the process's mountinfo, an overlay whose upper directory is the container's rw layer.
 */
async function openLive(pid: number, upper: string): Promise<ScopedRoot> {
  const allowed = new Set<number>();
  const root = await ScopedRoot.open(`/proc/${pid}/root`, { allowMount: (id) => allowed.has(id) });
  try {
    const infos = parseMountInfo(await readFile(`/proc/${pid}/mountinfo`, 'utf8'));
    const top = infos.filter((m) => m.mountPoint === '/').pop();
    const topId = await root.topMountId();
    const up = top?.superOptions.split(',').find((o) => o.startsWith('upperdir='))?.slice(9);
    if (!top || top.id !== topId || top.fsType !== 'overlay' || !up || !(up === upper || upper.endsWith(`/${up}`))) {
      throw conflict('the container stopped while its filesystem was opened');
    }
    for (const m of infos) if (m.id === top.id || !PSEUDO_FS.has(m.fsType)) allowed.add(m.id);
    return root;
  } catch (e) {
    await root.close();
    throw e;
  }
}

/** The network files of the container, bound over their places in a mounted snapshot (best effort). */
async function bindNetworkFiles(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>, root: ScopedRoot): Promise<void> {
  const files: [string, string][] = [
    ['hostname', rec.HostnamePath],
    ['hosts', rec.HostsPath],
    ['resolv.conf', rec.ResolvConfPath],
  ];
  for (const [name, source] of files) {
    if (!source || !(await access(source).then(() => true, () => false))) continue;
    try {
      const etc = await root.mkdirAll('/etc', 0o755);
      try {
        const fh = await root.openFile(etc, name, constants.O_RDONLY).catch(async (e: unknown) => {
          if (errnoCode(e) !== 'ENOENT') throw e;
          return root.openFile(etc, name, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o755);
        });
        try {
          if (!(await fh.stat()).isFile()) continue;
          await svc.deps.exec.run(ctx, 'mount', bindOntoFdArgv(source, fh.fd), { timeoutMs: 10_000 });
        } finally {
          await fh.close();
        }
      } finally {
        await etc.close();
      }
    } catch (e) {
      ctx.log.debug('cp: not binding a network file', { file: name, error: e });
    }
  }
}

/** The container's filesystem for docker cp, under its lock. */
export async function openContainerFs(svc: ContainersServiceBase, ctx: Ctx, id: string): Promise<ContainerFs> {
  const unlock = await lock(svc, id);
  try {
    const rec = svc.store.get(id);
    const mounts = await snapshotMounts(svc, ctx, rec);
    if (rec.State.Running && rec.State.Pid > 0) {
      const upper = upperDirOf(mounts[0]!);
      if (upper) {
        try {
          const root = await openLive(rec.State.Pid, upper);
          return { root, live: true, release: async () => (await root.close(), unlock()) };
        } catch (e) {
          // gone meanwhile: fall back to the snapshot only if it really stopped
          if (svc.store.get(id).State.Running) throw e;
        }
      }
    }
    const tm = await tempMount(ctx, svc.deps.exec, await mountDir(svc), mounts);
    try {
      const root = await ScopedRoot.open(tm.dir);
      await bindNetworkFiles(svc, ctx, rec, root);
      const releaseVolumes = await bindMountPoints(svc, ctx, rec, root);
      return {
        root,
        live: false,
        release: async () => {
          await root.close();
          await tm.release();
          await releaseVolumes();
          unlock();
        },
      };
    } catch (e) {
      await tm.release();
      throw e;
    }
  } catch (e) {
    unlock();
    throw e;
  }
}

export interface MergedFs {
  root: ScopedRoot;
  release(): Promise<void>;
}

/** The merged root filesystem, read-only (export). */
export async function mountMerged(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>): Promise<MergedFs> {
  const mounts = readonlyMounts(await snapshotMounts(svc, ctx, rec));
  const tm = await tempMount(ctx, svc.deps.exec, await mountDir(svc), mounts);
  try {
    const root = await ScopedRoot.open(tm.dir);
    return { root, release: async () => (await root.close(), await tm.release()) };
  } catch (e) {
    await tm.release();
    throw e;
  }
}

export interface LayerDirs {
  /** The rw layer (overlay upperdir). */
  upper: ScopedRoot;
  /** The image's merged filesystem, read-only; undefined for an image without layers. */
  lower?: ScopedRoot;
  /** The container's merged filesystem, read-only. */
  merged: ScopedRoot;
  release(): Promise<void>;
}

/** The rw layer, the image below it and their merge (diff). */
export async function layerDirs(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>): Promise<LayerDirs> {
  const mounts = await snapshotMounts(svc, ctx, rec);
  const upperPath = upperDirOf(mounts[0]!);
  if (!upperPath) throw system(`container ${rec.ID.slice(0, 12)}: unsupported root filesystem mount ${mounts[0]!.type}`);
  const lowers = lowerDirsOf(mounts[0]!);
  const cleanups: (() => Promise<void>)[] = [];
  const release = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    const upper = await ScopedRoot.open(upperPath);
    cleanups.push(() => upper.close());
    let lower: ScopedRoot | undefined;
    if (lowers.length === 1) {
      lower = await ScopedRoot.open(lowers[0]!);
      cleanups.push(() => lower!.close());
    } else if (lowers.length > 1) {
      const tm = await tempMount(ctx, svc.deps.exec, await mountDir(svc), [{ type: 'overlay', source: 'overlay', options: ['ro', `lowerdir=${lowers.join(':')}`] }]);
      cleanups.push(() => tm.release());
      lower = await ScopedRoot.open(tm.dir);
      cleanups.push(() => lower!.close());
    }
    const m = await mountMerged(svc, ctx, rec);
    cleanups.push(() => m.release());
    return { upper, lower, merged: m.root, release };
  } catch (e) {
    await release();
    throw e;
  }
}
