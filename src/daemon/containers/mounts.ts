/**
 * A container's mount points (moby daemon/volumes.go registerMountPoints, create_unix.go
 * createContainerVolumesOS and populateVolumes, volumes_unix.go setupMounts, UnmountVolumes):
 *
 * - create: HostConfig.VolumesFrom, Binds and Mounts, then Config.Volumes (the image's VOLUME and
 *   `-v /path`) as anonymous volumes, become the record's MountPoints (keyed by destination);
 *   volumes are created as needed; then copy-up fills each new empty volume from the image.
 * - start: bind sources of `-v` are created when missing, volumes are mounted (counted by the
 *   driver) with a `mount` event each; the result is the spec's mounts.
 * - exit (and a failed start): volumes are unmounted, an `unmount` event each.
 * - remove -v: the container's anonymous volumes go when nothing else uses them.
 */
import { existsSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { posix } from 'node:path';
import { invalidParameter, isNotFound, type Ctx } from '../../lib/index.js';
import type { ContainerConfig, HostConfig, MountPointSpec } from '../../api/types/index.js';
import type { ContainerRecord, MountPointRecord } from '../../containers/index.js';
import type { MountInput, Propagation } from '../../runtime/index.js';
import {
  DEFAULT_DRIVER,
  duplicateMountPoint,
  parseBind,
  parseMountSpec,
  parseVolumesFrom,
  validateTmpfsDestination,
  volumesFromRW,
  type MountConfig,
  type ParsedMount,
} from '../../volumes/index.js';
import type { VolumesService } from '../volumes/index.js';
import { remapOf, shiftOwnership } from './remap.js';
import type { ContainersServiceBase } from './service.js';
import { mountMerged } from './rootfs.js';

/** What containers need of the volume service. */
export type ContainerVolumes = Pick<VolumesService, 'createVolume' | 'get' | 'mount' | 'unmount' | 'liveRestore' | 'removeIfUnused' | 'withMounted' | 'acquire'>;

/** A mount point in the record's (and inspect's) field order. */
function record(p: {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  Spec?: MountPointSpec;
  CopyData?: boolean;
}): MountPointRecord {
  const r: MountPointRecord = { Type: p.Type } as MountPointRecord;
  if (p.Name) r.Name = p.Name;
  r.Source = p.Source;
  r.Destination = p.Destination;
  if (p.Driver) r.Driver = p.Driver;
  r.Mode = p.Mode;
  r.RW = p.RW;
  r.Propagation = p.Propagation;
  if (p.Spec) r.Spec = p.Spec;
  if (p.CopyData) r.CopyData = true;
  return r;
}

/** The mount.Mount a parsed mount came from, as the record keeps it. */
function specOf(m: MountConfig): MountPointSpec {
  return JSON.parse(JSON.stringify(m)) as MountPointSpec;
}

/**
 * The MountPoints of a new container (moby registerMountPoints + the anonymous volumes of
 * Config.Volumes). Creates the volumes it names. Throws invalidParameter with Docker's wording
 * for bad specs and duplicate destinations.
 */
export async function registerMountPoints(
  svc: ContainersServiceBase,
  ctx: Ctx,
  config: Readonly<ContainerConfig>,
  hc: Readonly<HostConfig>,
): Promise<Record<string, MountPointRecord>> {
  const points = new Map<string, MountPointRecord>();
  try {
    return await resolveMountPoints(svc, ctx, config, hc, points);
  } catch (e) {
    await discardAnonymous(svc, ctx, Object.fromEntries(points));
    throw e;
  }
}

/**
 * Removes the anonymous volumes of a create that failed (moby cleanupContainer with
 * RemoveVolume): nothing refers to them yet.
 */
export async function discardAnonymous(svc: ContainersServiceBase, ctx: Ctx, points: Readonly<Record<string, MountPointRecord>>): Promise<void> {
  for (const m of Object.values(points)) {
    if (isAnonymous(m)) await svc.deps.volumes?.removeIfUnused(ctx, m.Name!).catch(() => {});
  }
}

async function resolveMountPoints(
  svc: ContainersServiceBase,
  ctx: Ctx,
  config: Readonly<ContainerConfig>,
  hc: Readonly<HostConfig>,
  points: Map<string, MountPointRecord>,
): Promise<Record<string, MountPointRecord>> {
  const volumes = svc.deps.volumes;
  const binds = new Set<string>();
  const tmpfs = hc.Tmpfs ?? {};
  for (const dest of Object.keys(tmpfs)) validateTmpfsDestination(dest);
  const needVolumes = () => {
    if (!volumes) throw invalidParameter('volumes are not available');
    return volumes;
  };

  for (const spec of hc.VolumesFrom ?? []) {
    const { id, mode } = parseVolumesFrom(spec);
    let from: Readonly<ContainerRecord>;
    try {
      from = svc.store.get(id);
    } catch (e) {
      throw invalidParameter((e as Error).message, e);
    }
    for (const m of Object.values(from.MountPoints ?? {})) {
      if (m.Type === 'volume' && m.Name) await needVolumes().get(ctx, m.Name);
      points.set(
        m.Destination,
        record({ Type: m.Type, Name: m.Name, Source: m.Source, Destination: m.Destination, Driver: m.Driver, Mode: m.Mode, RW: m.RW && volumesFromRW(mode), Propagation: m.Propagation, Spec: m.Spec }),
      );
    }
  }

  const volumeRecord = async (mp: ParsedMount, opts: { options?: Record<string, string> | null; labels?: Record<string, string> | null }) => {
    const v = await needVolumes().createVolume(ctx, mp.name, mp.driver, opts);
    return record({
      Type: 'volume',
      Name: v.name,
      Source: v.mountpoint,
      Destination: mp.destination,
      Driver: v.driver,
      Mode: mp.mode || (v.driver === DEFAULT_DRIVER ? 'z' : ''),
      RW: mp.rw,
      Propagation: mp.propagation,
      Spec: specOf(mp.spec),
      CopyData: mp.copyData,
    });
  };

  for (const b of hc.Binds ?? []) {
    const mp = parseBind(b, hc.VolumeDriver ?? '');
    if (binds.has(mp.destination) || mp.destination in tmpfs) throw duplicateMountPoint(mp.destination);
    let r: MountPointRecord;
    if (mp.type === 'volume') {
      r = await volumeRecord(mp, {});
    } else {
      // `-v` binds keep no spec: their missing sources are created at start
      r = record({ Type: mp.type, Source: mp.source, Destination: mp.destination, Mode: mp.mode, RW: mp.rw, Propagation: mp.propagation });
    }
    binds.add(mp.destination);
    points.set(mp.destination, r);
  }

  for (const cfg of (hc.Mounts ?? []) as MountConfig[]) {
    const mp = parseMountSpec(cfg, (p) => existsSync(p));
    if (binds.has(mp.destination)) throw duplicateMountPoint(cfg.Target);
    let r: MountPointRecord;
    if (mp.type === 'volume') {
      r = await volumeRecord(mp, cfg.VolumeOptions ? { options: cfg.VolumeOptions.DriverConfig?.Options ?? null, labels: cfg.VolumeOptions.Labels ?? null } : {});
    } else {
      r = record({ Type: mp.type, Source: mp.source, Destination: mp.destination, Mode: '', RW: mp.rw, Propagation: mp.propagation, Spec: specOf(mp.spec) });
    }
    binds.add(mp.destination);
    points.set(mp.destination, r);
  }

  for (const spec of Object.keys(config.Volumes ?? {})) {
    const dest = posix.normalize(spec).replace(/(.)\/$/, '$1');
    if (points.has(dest) || dest in tmpfs) continue;
    const v = await needVolumes().createVolume(ctx, '', hc.VolumeDriver ?? '');
    points.set(dest, record({ Type: 'volume', Name: v.name, Source: v.mountpoint, Destination: dest, Driver: v.driver, Mode: '', RW: true, Propagation: '', CopyData: true }));
  }
  return Object.fromEntries(points);
}

/** Whether a mount point is an anonymous volume (moby: a volume whose spec names no source). */
export function isAnonymous(m: Readonly<MountPointRecord>): boolean {
  return m.Type === 'volume' && !!m.Name && !m.Spec?.Source;
}

/**
 * Copy-up (moby populateVolumes): each volume mount point that copies data gets the image's
 * content at its destination when the volume is empty, ownership, modes and times kept. The
 * container's root is read through a read-only mount and a scoped resolution, so no symlink in
 * the image leads to a host path.
 */
export async function populateVolumes(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>): Promise<void> {
  const volumes = svc.deps.volumes;
  const todo = Object.values(rec.MountPoints ?? {}).filter((m) => m.Type === 'volume' && m.CopyData && m.Name);
  if (!volumes || todo.length === 0) return;
  const merged = await mountMerged(svc, ctx, rec);
  try {
    for (const m of todo) {
      const r = await merged.root.resolve(m.Destination, { followFinal: true }).catch(() => undefined);
      if (!r || (r.name !== null && !r.stat)) {
        await r?.dir.close();
        continue;
      }
      let dir = r.dir;
      try {
        if (r.name !== null) {
          if (!r.stat!.isDirectory()) {
            // compat: moby refuses an anonymous volume over a file of the image
            if (isAnonymous(m) && !m.Spec) throw invalidParameter(`cannot mount volume over existing file, file exists ${m.Destination}`);
            continue;
          }
          dir = await merged.root.openDir(r.dir, r.name);
        }
        const src = `/proc/${process.pid}/fd/${dir.fd}`;
        await volumes.withMounted(ctx, m.Name!, async (volPath) => {
          if ((await fs.readdir(volPath)).length > 0) return;
          const entries = await fs.readdir(src);
          if (entries.length > 0) await svc.deps.exec.run(ctx, 'cp', ['-a', '--', `${src}/.`, `${volPath}/`], { timeoutMs: 10 * 60_000 });
          // moby copyOwnership: the volume's top takes the image directory's owner and mode
          const st = await fs.stat(src);
          await fs.chown(volPath, st.uid, st.gid);
          await fs.chmod(volPath, st.mode & 0o7777);
        });
      } finally {
        if (dir !== r.dir) await dir.close();
        await r.dir.close();
      }
    }
  } finally {
    await merged.release();
  }
}

/**
 * Before a start (moby setupMounts): creates missing `-v` bind sources (0755), mounts the volumes
 * (a `mount` event each) and returns the mounts for the spec. Mounts already made are undone
 * when one fails.
 */
export async function setupMounts(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>): Promise<MountInput[]> {
  const out: MountInput[] = [];
  const mounted: string[] = [];
  try {
    for (const m of Object.values(rec.MountPoints ?? {})) {
      const propagation = (m.Propagation || undefined) as Propagation | undefined;
      if (m.Type === 'bind') {
        const bindOpts = m.Spec?.BindOptions;
        // `--mount type=bind` (a spec) refuses a missing source unless create-mountpoint
        const skip = !!m.Spec && !bindOpts?.CreateMountpoint;
        if (!skip) {
          await fs.mkdir(m.Source, { recursive: true, mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
            if (e.code !== 'EEXIST' && e.code !== 'ENOTDIR') throw invalidParameter(`error while creating mount source path '${m.Source}': ${e.message}`, e);
          });
        } else if (!existsSync(m.Source)) {
          throw invalidParameter(`invalid mount config for type "bind": bind source path does not exist: ${m.Source}`);
        }
        out.push({ type: 'bind', source: m.Source, destination: m.Destination, readOnly: !m.RW, propagation, nonRecursive: bindOpts?.NonRecursive });
      } else if (m.Type === 'volume' && m.Name) {
        const volumes = svc.deps.volumes;
        if (!volumes) throw invalidParameter('volumes are not available');
        const path = await volumes.mount(ctx, m.Name, rec.ID, { destination: m.Destination, rw: m.RW, propagation: m.Propagation });
        mounted.push(m.Name);
        // compat: under --userns-remap a volume belongs to the remapped root (moby creates
        // volumes with the remapped ids); one still owned by host root is shifted once
        const remap = remapOf(svc, rec.HostConfig);
        if (remap && (await fs.stat(path)).uid === 0) await shiftOwnership(path, remap);
        out.push({ type: 'volume', source: path, destination: m.Destination, readOnly: !m.RW, propagation });
      } else if (m.Type === 'tmpfs') {
        const t = m.Spec?.TmpfsOptions;
        out.push({ type: 'tmpfs', destination: m.Destination, readOnly: !m.RW, tmpfsOptions: t ? { sizeBytes: t.SizeBytes, mode: t.Mode } : undefined });
      }
    }
  } catch (e) {
    for (const name of mounted) await svc.deps.volumes?.unmount(ctx, name, rec.ID).catch(() => {});
    throw e;
  }
  return out;
}

/** After the container's process is gone (moby UnmountVolumes): an `unmount` event per volume. */
export async function unmountVolumes(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>): Promise<void> {
  for (const m of Object.values(rec.MountPoints ?? {})) {
    if (m.Type !== 'volume' || !m.Name) continue;
    await svc.deps.volumes?.unmount(ctx, m.Name, rec.ID).catch((e) => svc.deps.log.warn('unmounting a volume failed', { container: rec.ID.slice(0, 12), volume: m.Name, error: e }));
  }
}

/** At boot, for a container that kept running: its volumes stay mounted for it. */
export async function liveRestoreVolumes(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>): Promise<void> {
  for (const m of Object.values(rec.MountPoints ?? {})) {
    if (m.Type === 'volume' && m.Name) await svc.deps.volumes?.liveRestore(ctx, m.Name, rec.ID).catch(() => {});
  }
}

/** After a removal: `rm -v` removes the anonymous volumes nothing else uses (moby removeMountPoints). */
export async function removeMountPoints(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>, removeVolumes: boolean): Promise<void> {
  if (!removeVolumes) return;
  for (const m of Object.values(rec.MountPoints ?? {})) {
    if (!isAnonymous(m)) continue;
    await svc.deps.volumes?.removeIfUnused(ctx, m.Name!).catch((e) => {
      if (!isNotFound(e)) svc.deps.log.warn('removing an anonymous volume failed', { container: rec.ID.slice(0, 12), volume: m.Name, error: e });
    });
  }
}

/** The containers (IDs) whose records mount volume `name`. */
export function volumeUsers(svc: ContainersServiceBase, name: string): string[] {
  return svc.store.list().filter((r) => Object.values(r.MountPoints ?? {}).some((m) => m.Type === 'volume' && m.Name === name)).map((r) => r.ID);
}

/**
 * moby checkIfPathIsInAVolume: whether `absPath` of the container lies in one of its mount
 * points. Throws invalidParameter `mounted volume is marked read-only` for a read-only one.
 */
export function pathInMountPoint(rec: Readonly<ContainerRecord>, absPath: string): boolean {
  for (const m of Object.values(rec.MountPoints ?? {})) {
    const rel = posix.relative(m.Destination, absPath);
    if (rel === '..' || rel.startsWith('../')) continue;
    if (!m.RW) throw invalidParameter('mounted volume is marked read-only');
    return true;
  }
  return false;
}
