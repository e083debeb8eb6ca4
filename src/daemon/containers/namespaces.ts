/**
 * PID and IPC namespaces shared between containers and with the host (moby
 * daemon/container_operations_unix.go setupIPCDirs, getIPCContainer, getPIDContainer; the
 * UTS and the PID/IPC mode checks of daemon_unix.go verifyPlatformContainerSettings).
 *
 * `--ipc shareable`: /dev/shm of the container is a tmpfs the daemon mounts on the host and binds
 * in, so that containers started with `--ipc container:<it>` can bind the same one:
 *
 *   <data-root>/containers/<id>/mounts/shm    tmpfs (mode=1777,size=ShmSize), while it runs
 *
 * `--pid container:<x>`, `--ipc container:<x>`: the spec joins /proc/<x's pid>/ns/{pid,ipc}; x
 * must be running (and, for IPC, have a /dev/shm others can use: shareable, host, or joined
 * itself). The network namespace (`--network container:<x>`) belongs to the networking code.
 */
import { lstat, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { conflict, invalidParameter, kindOf, notFound, type Ctx } from '../../lib/index.js';
import type { HostConfig } from '../../api/types/index.js';
import type { ContainerRecord } from '../../containers/index.js';
import type { IpcMode, NamespaceMode, NamespacesInput } from '../../runtime/index.js';
import type { ContainersServiceBase } from './service.js';

/** What starting a container learnt about the namespaces it joins or shares. */
export interface JoinedNamespaces {
  /** `--pid container:<x>`: /proc/<pid>/ns/pid of x. */
  pidPath?: string;
  /** `--ipc container:<x>`: /proc/<pid>/ns/ipc of x. */
  ipcPath?: string;
  /** The host directory bound at /dev/shm (shareable: its own tmpfs; container: the donor's; host: /dev/shm). */
  shmPath?: string;
  /** `--network container:<x>`: /proc/<pid>/ns/net of x. */
  netPath?: string;
  /** `--network container:<x>`: x (its /etc files are the joiner's too). */
  netPeer?: Readonly<ContainerRecord>;
}

const CONTAINER_PREFIX = 'container:';

/**
 * The runtime's view of the PID, IPC and UTS modes of a container (the network's is the
 * networking code's), with the paths prepareNamespaces found. A `container:` mode without its
 * path (an exec's Process, which does not depend on namespaces) counts as private.
 */
export function sharedNamespaceModes(hc: Readonly<HostConfig>, joined: JoinedNamespaces = {}): Pick<NamespacesInput, 'pid' | 'ipc' | 'uts'> {
  const ipcMode = hc.IpcMode ?? '';
  let ipc: IpcMode;
  if (containerOf(ipcMode) !== undefined) {
    ipc = joined.ipcPath ? { mode: 'container', path: joined.ipcPath } : { mode: 'private' };
  } else if (ipcMode === 'host' || ipcMode === 'none' || ipcMode === 'shareable') {
    ipc = { mode: ipcMode };
  } else {
    ipc = { mode: ipcMode === '' ? 'shareable' : 'private' };
  }
  if (joined.shmPath !== undefined && ipc.mode !== 'private' && ipc.mode !== 'none') ipc.shmPath = joined.shmPath;
  const pidMode = hc.PidMode ?? '';
  const pid: NamespaceMode = pidMode === 'host'
    ? { mode: 'host' }
    : containerOf(pidMode) !== undefined && joined.pidPath
      ? { mode: 'container', path: joined.pidPath }
      : { mode: 'private' };
  const uts: NamespaceMode = { mode: hc.UTSMode === 'host' ? 'host' : 'private' };
  return { pid, ipc, uts };
}

/** The `<x>` of a `container:<x>` mode, or undefined for other modes. */
export function containerOf(mode: string | undefined): string | undefined {
  return mode?.startsWith(CONTAINER_PREFIX) ? mode.slice(CONTAINER_PREFIX.length) : undefined;
}

const IPC_MODES = new Set(['', 'none', 'private', 'host', 'shareable']);

/**
 * The create-time checks of the namespace modes and the OOM score (moby
 * verifyPlatformContainerSettings). Throws invalidParameter `invalid IPC mode: x`, `invalid PID
 * mode: x`, `invalid UTS mode: x`, `Invalid value 1001, range for oom score adj is [-1000, 1000]`.
 */
export function validateNamespaceModes(hc: Readonly<HostConfig>): void {
  const ipc = hc.IpcMode ?? '';
  if (!IPC_MODES.has(ipc) && containerOf(ipc) === undefined) throw invalidParameter(`invalid IPC mode: ${ipc}`);
  const pid = hc.PidMode ?? '';
  if (!(pid === '' || pid === 'host' || (containerOf(pid) ?? '') !== '')) throw invalidParameter(`invalid PID mode: ${pid}`);
  const uts = hc.UTSMode ?? '';
  if (!(uts === '' || uts === 'host')) throw invalidParameter(`invalid UTS mode: ${uts}`);
  const oom = hc.OomScoreAdj ?? 0;
  if (oom < -1000 || oom > 1000) throw invalidParameter(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
}

/**
 * moby adaptSharedNamespaceContainer: `container:<name>` becomes `container:<full ID>` for PID
 * and IPC, so that renaming the other container does not break the link. A reference that names
 * no container is left as is (starting will report it).
 */
export function adaptSharedNamespaces(svc: ContainersServiceBase, hc: HostConfig): void {
  for (const key of ['PidMode', 'IpcMode', 'NetworkMode'] as const) {
    const ref = containerOf(hc[key]);
    if (!ref) continue;
    const other = svc.store.find(ref);
    if (other) hc[key] = `${CONTAINER_PREFIX}${other.ID}`;
  }
}

/** Where a shareable container's /dev/shm tmpfs is mounted on the host. */
export function shmPathOf(svc: ContainersServiceBase, id: string): string {
  return join(svc.store.dir(id), 'mounts', 'shm');
}

/** Whether `path` is a mount point (its device differs from its parent's). */
async function isMountPoint(path: string): Promise<boolean> {
  try {
    const [a, b] = await Promise.all([stat(path), stat(dirname(path))]);
    return a.dev !== b.dev;
  } catch {
    return false;
  }
}

/** The other container of a `container:<ref>` mode, running and not restarting. */
function runningPeer(svc: ContainersServiceBase, ref: string, what: string): Readonly<ContainerRecord> {
  const wrap = (e: unknown) => {
    const msg = `failed to join ${what} namespace: ${(e as Error).message}`;
    return kindOf(e) === 'notFound' ? invalidParameter(msg, e) : conflict(msg, e);
  };
  let peer: Readonly<ContainerRecord>;
  try {
    peer = svc.store.get(ref);
  } catch (e) {
    throw wrap(e);
  }
  if (!peer.State.Running || peer.State.Pid <= 0) throw wrap(new Error(`container ${ref} is not running`));
  if (peer.State.Restarting) throw wrap(new Error(`Container ${ref} is restarting, wait until the container is running`));
  return peer;
}

/**
 * The /dev/shm a container offers to others (moby's Container.ShmPath): its own tmpfs when
 * shareable and mounted, its donor's when it joined one, the host's with IPC host.
 */
async function offeredShm(svc: ContainersServiceBase, rec: Readonly<ContainerRecord>, depth = 0): Promise<string | undefined> {
  const mode = rec.HostConfig.IpcMode ?? '';
  if (mode === 'host') return '/dev/shm';
  if (mode === 'shareable' || mode === '') {
    const p = shmPathOf(svc, rec.ID);
    return (await isMountPoint(p)) ? p : undefined;
  }
  const donor = containerOf(mode);
  if (donor === undefined || depth > 8) return undefined;
  const d = svc.store.find(donor);
  return d ? offeredShm(svc, d, depth + 1) : undefined;
}

/**
 * Before a start: mount the shm of a shareable container, and find the namespaces of the
 * containers it joins (moby setupIPCDirs, WithNamespaces).
 * Throws invalidParameter `failed to join IPC namespace: No such container: x`, or
 * `…: container x: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`;
 * conflict `failed to join PID namespace: container x is not running` (IPC alike), or
 * `…: Container x is restarting, wait until the container is running`; system when the
 * tmpfs cannot be mounted.
 */
export async function prepareNamespaces(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>): Promise<JoinedNamespaces> {
  const hc = rec.HostConfig;
  const out: JoinedNamespaces = {};
  const ipc = hc.IpcMode ?? '';
  const ipcPeer = containerOf(ipc);
  if (ipcPeer !== undefined) {
    const peer = runningPeer(svc, ipcPeer, 'IPC');
    const shm = await offeredShm(svc, peer);
    if (shm === undefined) {
      throw invalidParameter(
        `failed to join IPC namespace: container ${ipcPeer}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`,
      );
    }
    out.ipcPath = `/proc/${peer.State.Pid}/ns/ipc`;
    out.shmPath = shm;
  } else if (ipc === 'host') {
    if (!(await lstat('/dev/shm').then(() => true, () => false))) {
      throw invalidParameter('/dev/shm is not mounted, but must be for --ipc=host');
    }
    out.shmPath = '/dev/shm';
  } else if (ipc === 'shareable' || ipc === '') {
    // compat: an empty IpcMode (a container of an older daemon) meant shareable.
    const hasShmMount = Object.keys(hc.Tmpfs ?? {}).includes('/dev/shm') ||
      (hc.Mounts ?? []).some((m) => m.Target === '/dev/shm') ||
      (hc.Binds ?? []).some((b) => b.split(':')[1] === '/dev/shm');
    if (!hasShmMount) {
      const p = shmPathOf(svc, rec.ID);
      if (!(await isMountPoint(p))) {
        await mkdir(p, { recursive: true, mode: 0o700 });
        const size = hc.ShmSize || 64 * 1024 * 1024;
        await svc.deps.exec.run(ctx, 'mount', ['-t', 'tmpfs', '-o', `nosuid,nodev,noexec,mode=1777,size=${size}`, 'shm', p], { timeoutMs: 10_000 });
      }
      out.shmPath = p;
    }
  }
  const pidPeer = containerOf(hc.PidMode);
  if (pidPeer !== undefined) out.pidPath = `/proc/${runningPeer(svc, pidPeer, 'PID').State.Pid}/ns/pid`;
  const netPeer = containerOf(hc.NetworkMode);
  if (netPeer !== undefined) {
    const peer = svc.store.find(netPeer);
    if (!peer) throw notFound(`No such container: ${netPeer}`);
    // compat: moby getNetworkedContainer's wording
    if (!peer.State.Running || peer.State.Pid <= 0 || peer.State.Restarting) throw conflict(`cannot join network of a non running container: ${netPeer}`);
    if (peer.ID === rec.ID) throw invalidParameter('cannot join own network');
    out.netPath = `/proc/${peer.State.Pid}/ns/net`;
    out.netPeer = peer;
  }
  return out;
}

/**
 * After a container's process is gone (exit, failed start, removal): unmount its shareable
 * /dev/shm (moby UnmountIpcMount). Containers that joined it keep their own mount of it.
 * Never throws; a failure is logged.
 */
export async function releaseNamespaces(svc: ContainersServiceBase, ctx: Ctx, id: string): Promise<void> {
  const ipc = svc.store.find(id)?.HostConfig.IpcMode;
  if (ipc !== undefined && ipc !== '' && ipc !== 'shareable') return;
  const p = shmPathOf(svc, id);
  if (!(await isMountPoint(p))) return;
  await svc.deps.exec.run(ctx, 'umount', [p], { timeoutMs: 10_000 }).catch(() =>
    svc.deps.exec.run(ctx, 'umount', ['-l', p], { timeoutMs: 10_000 }).catch((e: unknown) =>
      svc.deps.log.warn('cannot unmount the shm of a container', { container: id.slice(0, 12), error: e }),
    ),
  );
}
