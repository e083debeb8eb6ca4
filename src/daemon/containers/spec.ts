/**
 * From a container record to its OCI runtime spec (runtime/generateSpec) and to an exec's
 * Process. Resolving the user needs the container's /etc/passwd and /etc/group (numeric users
 * excepted): read through a read-only mount of the rw snapshot, once per image while the
 * container has not changed its /etc.
 */
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidParameter, lowerDirsOf, readonlyMounts, ScopedRoot, tempMount, upperDirOf, type Ctx, type Exec } from '../../lib/index.js';
import type { HostConfig } from '../../api/types/index.js';
import type { Mount, Snapshotter } from '../../snapshots/index.js';
import {
  generateSpec,
  parseSecurityOpt,
  resolveUser,
  type MountInput,
  type NamespaceMode,
  type ResolvedUser,
  type SpecInput,
} from '../../runtime/index.js';
import type { ContainerRecord } from '../../containers/index.js';
import type { ExecRecord } from './service.js';
import { sharedNamespaceModes, type JoinedNamespaces } from './namespaces.js';
import type { Remap } from '../userns.js';

export interface SpecDeps {
  snapshotter: Snapshotter;
  exec: Exec;
  initPath: string;
  cgroupParent: string;
  tmpDir: string;
  /** `--userns-remap` (containers with `--userns=host` opt out). */
  userns?: Remap;
  /** `--seccomp-profile`: the profile of containers that name none (JSON, `builtin`, `unconfined`). */
  seccompProfile?: string;
}

type EtcFiles = { passwd?: string; group?: string };

/**
 * /etc/passwd and /etc/group as an image ships them, by the overlay's lowerdir list (committed
 * snapshots never change, so neither do these): most containers start without a mount.
 */
const imageEtc = new Map<string, Promise<EtcFiles>>();
const IMAGE_ETC_MAX = 128;

/**
 * Reads /etc/passwd and /etc/group of a container through a temporary read-only mount. The
 * mount is read-only overlay without the rw layer's upper and work directories (the rw layer is
 * its top lower layer): mounting those a second time beside a running container resets its work
 * directory and breaks every copy-up in it. The files are read inside the mount's scope, so a
 * symlink in the container never leads to a host file.
 */
async function mountAndRead(ctx: Ctx, deps: SpecDeps, mounts: Mount[]): Promise<EtcFiles> {
  const tm = await tempMount(ctx, deps.exec, deps.tmpDir, readonlyMounts(mounts));
  try {
    const root = await ScopedRoot.open(tm.dir);
    try {
      const [passwd, group] = await Promise.all([root.readFile('/etc/passwd'), root.readFile('/etc/group')]);
      return { passwd: passwd?.toString('utf8'), group: group?.toString('utf8') };
    } finally {
      await root.close();
    }
  } finally {
    await tm.release();
  }
}

/**
 * The container's /etc/passwd and /etc/group. While its rw layer has no /etc of its own the
 * files are the image's, read once per image; otherwise the snapshot is mounted to read them.
 */
async function etcFiles(ctx: Ctx, deps: SpecDeps, snapshotKey: string): Promise<EtcFiles> {
  const mounts = await deps.snapshotter.mounts(ctx, snapshotKey);
  const m = mounts[0];
  const upper = m?.type === 'overlay' ? upperDirOf(m) : undefined;
  const lower = m ? lowerDirsOf(m).join(':') : '';
  if (mounts.length !== 1 || !upper || !lower) return mountAndRead(ctx, deps, mounts);
  if (await lstat(join(upper, 'etc')).then(() => true, () => false)) return mountAndRead(ctx, deps, mounts);
  let p = imageEtc.get(lower);
  if (!p) {
    p = mountAndRead(ctx, deps, mounts);
    imageEtc.set(lower, p);
    p.catch(() => imageEtc.delete(lower));
    if (imageEtc.size > IMAGE_ETC_MAX) imageEtc.delete(imageEtc.keys().next().value!);
  }
  return p;
}

/** Docker's user resolution; mounts the rootfs only when names must be looked up. */
export async function userOf(ctx: Ctx, deps: SpecDeps, rec: Readonly<ContainerRecord>, spec: string, groupAdd: string[]): Promise<ResolvedUser> {
  const numeric = /^\d*(:\d*)?$/.test(spec) && groupAdd.every((g) => /^\d+$/.test(g));
  if (numeric && spec !== '') {
    const [u, g] = spec.split(':');
    return resolveUser(`${u}:${g || (u ? '0' : '0')}`, undefined, undefined, groupAdd);
  }
  const { passwd, group } = await etcFiles(ctx, deps, rec.SnapshotKey);
  return resolveUser(spec, passwd, group, groupAdd);
}

function nsMode(v: string | undefined, fallback: NamespaceMode['mode'] = 'private'): NamespaceMode {
  if (!v || v === 'default' || v === 'bridge' || v === 'private' || v === '') return { mode: fallback };
  if (v === 'host') return { mode: 'host' };
  if (v === 'none') return { mode: 'none' };
  if (v === 'shareable') return { mode: 'shareable' };
  // a user-defined network (its sandbox path comes as netnsPath), or container:<x> (joined.netPath)
  return { mode: fallback };
}

/**
 * `joined`: the namespaces of other containers this one shares (--pid/--ipc container:<id>);
 * `netnsPath`: the sandbox namespace (bridge networks) the container joins instead of a new one;
 * `joined.netPath`: another container's (--network container:<id>).
 */
export async function buildSpec(
  ctx: Ctx,
  deps: SpecDeps,
  rec: Readonly<ContainerRecord>,
  opts: { joined?: JoinedNamespaces; netnsPath?: string; mounts?: MountInput[] } = {},
): Promise<object> {
  const hc: HostConfig = rec.HostConfig;
  const sec = parseSecurityOpt(hc.SecurityOpt ?? []);
  const user = await userOf(ctx, deps, rec, rec.Config.User ?? '', hc.GroupAdd ?? []);
  const input: SpecInput = {
    id: rec.ID,
    args: [rec.Path, ...rec.Args],
    env: rec.Config.Env ?? [],
    workingDir: rec.Config.WorkingDir || '/',
    tty: !!rec.Config.Tty,
    consoleSize: hc.ConsoleSize,
    hostname: rec.Config.Hostname,
    domainname: rec.Config.Domainname,
    user,
    readonlyRootfs: !!hc.ReadonlyRootfs,
    privileged: !!hc.Privileged,
    capAdd: hc.CapAdd ?? [],
    capDrop: hc.CapDrop ?? [],
    noNewPrivileges: sec.noNewPrivileges,
    seccompProfile: sec.seccompProfile ?? deps.seccompProfile,
    oomScoreAdj: hc.OomScoreAdj ?? 0,
    ulimits: (hc.Ulimits ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
    initPath: hc.Init ? deps.initPath : undefined,
    mounts: opts.mounts ?? [],
    tmpfs: hc.Tmpfs ?? {},
    shmSize: hc.ShmSize,
    networkFiles: { resolvConf: rec.ResolvConfPath, hostname: rec.HostnamePath, hosts: rec.HostsPath },
    namespaces: {
      network: opts.netnsPath ? { mode: 'private', path: opts.netnsPath } : opts.joined?.netPath ? { mode: 'container', path: opts.joined.netPath } : nsMode(hc.NetworkMode),
      ...sharedNamespaceModes(hc, opts.joined ?? {}),
      cgroup: hc.CgroupnsMode === 'private' ? 'private' : 'host',
    },
    ...(deps.userns && hc.UsernsMode !== 'host' ? { userns: { uidMappings: deps.userns.uidMappings, gidMappings: deps.userns.gidMappings } } : {}),
    cgroupParent: hc.CgroupParent || undefined,
    defaultCgroupParent: deps.cgroupParent,
    resources: {
      memory: hc.Memory,
      memoryReservation: hc.MemoryReservation,
      memorySwap: hc.MemorySwap,
      memorySwappiness: hc.MemorySwappiness ?? undefined,
      oomKillDisable: hc.OomKillDisable ?? undefined,
      cpuShares: hc.CpuShares,
      nanoCpus: hc.NanoCpus,
      cpuPeriod: hc.CpuPeriod,
      cpuQuota: hc.CpuQuota,
      cpusetCpus: hc.CpusetCpus,
      cpusetMems: hc.CpusetMems,
      pidsLimit: hc.PidsLimit ?? undefined,
      blkioWeight: hc.BlkioWeight,
    },
    devices: (hc.Devices ?? []).map((d) => ({ pathOnHost: d.PathOnHost, pathInContainer: d.PathInContainer, cgroupPermissions: d.CgroupPermissions })) as SpecInput['devices'],
    deviceCgroupRules: hc.DeviceCgroupRules ?? [],
    maskedPaths: hc.MaskedPaths,
    readonlyPaths: hc.ReadonlyPaths,
    sysctls: hc.Sysctls ?? {},
    annotations: hc.Annotations ?? undefined,
  };
  return generateSpec(input);
}

/** The runtime-spec Process of an exec: the container's env and user, the exec's overrides. */
export async function buildExecSpec(ctx: Ctx, deps: SpecDeps, rec: Readonly<ContainerRecord>, e: ExecRecord, base?: object): Promise<object> {
  const spec = ((base as { process?: unknown } | undefined)?.process ? base : await buildSpec(ctx, deps, rec)) as {
    process: Record<string, unknown> & { env: string[]; capabilities?: unknown };
  };
  const p = { ...spec.process };
  p['args'] = e.cmd;
  p['terminal'] = e.tty;
  if (e.workingDir) p['cwd'] = e.workingDir;
  if (e.user) p['user'] = await userOf(ctx, deps, rec, e.user, rec.HostConfig.GroupAdd ?? []);
  const env = [...p.env];
  for (const kv of e.env) {
    const k = kv.split('=', 1)[0]!;
    const i = env.findIndex((x) => x.split('=', 1)[0] === k);
    if (i >= 0) env[i] = kv;
    else env.push(kv);
  }
  p['env'] = env;
  if (e.privileged) {
    const priv = (await buildSpec(ctx, deps, { ...rec, HostConfig: { ...rec.HostConfig, Privileged: true } } as ContainerRecord)) as { process: { capabilities?: unknown } };
    p['capabilities'] = priv.process.capabilities;
  }
  delete p['consoleSize'];
  return p;
}

/**
 * The daemon's `--seccomp-profile` as containers take it: undefined for the built-in profile,
 * `unconfined`, or the JSON of a profile file. Throws invalidParameter with moby's wording when
 * the file cannot be read or is not JSON.
 */
export async function daemonSeccompProfile(value: string): Promise<string | undefined> {
  if (value === '' || value === 'builtin' || value === 'default') return undefined;
  if (value === 'unconfined') return value;
  try {
    const text = await readFile(value, 'utf8');
    JSON.parse(text);
    return text;
  } catch (e) {
    throw invalidParameter(`opening seccomp profile (${value}) failed: ${(e as Error).message}`, e);
  }
}
