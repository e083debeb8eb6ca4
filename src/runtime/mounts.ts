/**
 * The `mounts` of a container spec, built as moby's withMounts does (daemon/oci_linux.go,
 * container.NetworkMounts/IpcMounts/TmpfsMounts, volume/mounts): Docker's default mounts first
 * (minus those a container mount replaces), then the container's own mounts sorted by depth.
 */
import { posix } from 'node:path';
import { invalidParameter } from '../lib/index.js';
import type { OciMount } from './oci-spec.js';
import { DEFAULT_MOUNTS, INIT_PATH_IN_CONTAINER } from './spec-defaults.js';

export type Propagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';

/**
 * One container mount as the daemon resolved it (Docker's MountPoint): `-v`, `--mount` and
 * named volumes. HostConfig.Tmpfs entries come separately (SpecInput.tmpfs).
 */
export interface MountInput {
  /** `bind` (a host path), `volume` (a volume's host directory) or `tmpfs`. */
  type: 'bind' | 'volume' | 'tmpfs';
  /** Host path for bind and volume; ignored for tmpfs. */
  source?: string;
  destination: string;
  readOnly?: boolean;
  /**
   * Bind propagation. Default for `bind` is rprivate and for `volume` none at all, which is what
   * Docker's MountPoint.Propagation holds for `-v /a:/b`, `--mount type=bind` and `-v name:/b`.
   */
  propagation?: Propagation;
  /** `--mount type=bind,bind-nonrecursive`: `bind` instead of `rbind`. */
  nonRecursive?: boolean;
  /** `--mount type=tmpfs,tmpfs-size=…,tmpfs-mode=…` (Docker's TmpfsOptions). */
  tmpfsOptions?: { sizeBytes?: number; mode?: number };
}

/** The network files Docker bind-mounts from the container's directory, by their host paths. */
export interface NetworkFiles {
  resolvConf?: string;
  hostname?: string;
  hosts?: string;
}

export interface MountsInput {
  mounts: readonly MountInput[];
  tmpfs: Readonly<Record<string, string>>;
  networkFiles: NetworkFiles;
  readonlyRootfs: boolean;
  privileged: boolean;
  shmSize: number;
  /** IpcMode none drops /dev/shm; the others with `shmPath` bind it from the host. */
  ipcNone: boolean;
  shmPath?: string;
  /** Host path of the init binary, when --init applies. */
  initPath?: string;
}

export interface MountsResult {
  mounts: OciMount[];
  rootfsPropagation?: string;
}

/** A container mount before it becomes an OCI mount (moby container.Mount). */
interface ContainerMount {
  destination: string;
  source: string;
  writable: boolean;
  propagation: string;
  nonRecursive: boolean;
  /** Set for tmpfs mounts: their comma-separated data (size=…,mode=…). */
  tmpfsData?: string;
}

const NETWORK_FILES: readonly [keyof NetworkFiles, string][] = [
  ['resolvConf', '/etc/resolv.conf'],
  ['hostname', '/etc/hostname'],
  ['hosts', '/etc/hosts'],
];

/** Depth of a destination: the number of separators in the cleaned path (moby mounts.parts). */
function depth(destination: string): number {
  return (posix.normalize(destination).match(/\//g) ?? []).length;
}

/** Build the spec's mounts. Throws invalidParameter for bad tmpfs options. */
export function buildMounts(input: MountsInput): MountsResult {
  const defaults: OciMount[] = DEFAULT_MOUNTS.map((m) => ({ ...m, options: [...(m.options ?? [])] }));
  if (input.initPath !== undefined) {
    defaults.push({ destination: INIT_PATH_IN_CONTAINER, type: 'bind', source: input.initPath, options: ['bind', 'ro'] });
  }

  // compat: Docker gathers mount points from a Go map, so mounts at the same depth come in random
  // order there; here they keep the order the daemon gives.
  const binds: ContainerMount[] = [];
  const netOverride = new Map<string, MountInput>();
  const tmpfsDests = new Set(Object.keys(input.tmpfs));
  for (const m of input.mounts) {
    if (m.type === 'tmpfs' || tmpfsDests.has(m.destination)) continue;
    if (NETWORK_FILES.some(([, dest]) => dest === m.destination)) {
      netOverride.set(m.destination, m);
      continue;
    }
    binds.push({
      destination: m.destination,
      source: m.source ?? '',
      writable: !m.readOnly,
      propagation: m.propagation ?? (m.type === 'bind' ? 'rprivate' : ''),
      nonRecursive: m.nonRecursive ?? false,
    });
  }
  const ms: ContainerMount[] = stableSortByDepth(binds);

  for (const [key, dest] of NETWORK_FILES) {
    const over = netOverride.get(dest);
    const source = over?.source ?? input.networkFiles[key];
    if (source === undefined) continue;
    ms.push({
      destination: dest,
      source,
      writable: over ? !over.readOnly : !input.readonlyRootfs,
      propagation: 'rprivate',
      nonRecursive: false,
    });
  }

  const hasShmMount = input.mounts.some((m) => m.destination === '/dev/shm') || tmpfsDests.has('/dev/shm');
  if (!input.ipcNone && input.shmPath !== undefined && !hasShmMount) {
    ms.push({ destination: '/dev/shm', source: input.shmPath, writable: true, propagation: 'rprivate', nonRecursive: false });
  }

  for (const [dest, data] of Object.entries(input.tmpfs)) {
    ms.push({ destination: dest, source: 'tmpfs', writable: true, propagation: '', nonRecursive: false, tmpfsData: data });
  }
  for (const m of input.mounts) {
    if (m.type !== 'tmpfs') continue;
    const data = tmpfsData(m.tmpfsOptions, m.readOnly ?? false);
    ms.push({ destination: m.destination, source: 'tmpfs', writable: true, propagation: '', nonRecursive: false, tmpfsData: data });
  }

  const sorted = stableSortByDepth(ms);
  const userDests = new Set(sorted.map((m) => m.destination));
  const mountDev = userDests.has('/dev');

  const out: OciMount[] = [];
  for (const m of defaults) {
    if (userDests.has(m.destination)) continue;
    if (mountDev && m.destination.startsWith('/dev/')) continue;
    if (m.destination === '/dev/shm') {
      if (input.ipcNone) continue;
      m.options = [...(m.options ?? []), `size=${input.shmSize}`];
    }
    out.push(m);
  }

  let rootfsPropagation: string | undefined;
  for (const m of sorted) {
    if (m.tmpfsData !== undefined) {
      const opts = ['noexec', 'nosuid', 'nodev', 'rprivate'];
      if (m.tmpfsData !== '') opts.push(...m.tmpfsData.split(','));
      out.push({ destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: mergeTmpfsOptions(opts) });
      continue;
    }
    // Shared and slave binds need a matching root propagation (moby withMounts).
    // compat: Docker also checks that the source's mount is itself shared (or slave) and fails
    // otherwise; we leave that to the kernel and runc.
    if (m.propagation === 'shared' || m.propagation === 'rshared') {
      if (rootfsPropagation !== 'shared' && rootfsPropagation !== 'rshared') rootfsPropagation = 'shared';
    } else if (m.propagation === 'slave' || m.propagation === 'rslave') {
      if (rootfsPropagation === undefined || rootfsPropagation === 'private' || rootfsPropagation === 'rprivate') {
        rootfsPropagation = 'rslave';
      }
    }
    const opts = [m.nonRecursive ? 'bind' : 'rbind'];
    // compat: Docker 25 writes `rro` (recursively read-only) on kernels >= 5.12; 20.10 and we write `ro`.
    if (!m.writable) opts.push('ro');
    if (m.propagation !== '') opts.push(m.propagation);
    out.push({ destination: m.destination, type: 'bind', source: m.source, options: opts });
  }

  if (input.readonlyRootfs) {
    const exempt = new Set(['/proc', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev']);
    for (const m of out) {
      if (exempt.has(m.destination) || userDests.has(m.destination)) continue;
      if (!m.options?.includes('ro')) m.options = [...(m.options ?? []), 'ro'];
    }
  }

  if (input.privileged) {
    for (const m of out) {
      if (m.destination === '/sys' || m.type === 'cgroup') clearReadOnly(m);
    }
  }

  return rootfsPropagation === undefined ? { mounts: out } : { mounts: out, rootfsPropagation };
}

function clearReadOnly(m: OciMount): void {
  const opts = (m.options ?? []).filter((o) => o !== 'ro');
  if (opts.length > 0) m.options = opts;
  else delete m.options;
}

function stableSortByDepth<T extends { destination: string }>(list: readonly T[]): T[] {
  return list
    .map((m, i) => ({ m, i, d: depth(m.destination) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.m);
}

/**
 * Docker's tmpfs data for `--mount type=tmpfs` (volume/mounts ConvertTmpfsOptions): `ro`, the
 * mode in octal, the size with the largest of g/m/k that divides it.
 */
export function tmpfsData(opts: { sizeBytes?: number; mode?: number } | undefined, readOnly: boolean): string {
  const raw: string[] = [];
  if (readOnly) raw.push('ro');
  if (opts?.mode) raw.push(`mode=${opts.mode.toString(8)}`);
  if (opts?.sizeBytes) {
    let size = opts.sizeBytes;
    let suffix = '';
    for (const [s, div] of [['g', 2 ** 30], ['m', 2 ** 20], ['k', 2 ** 10]] as const) {
      if (size % div === 0) {
        size /= div;
        suffix = s;
        break;
      }
    }
    raw.push(`size=${size}${suffix}`);
  }
  return raw.join(',');
}

/** Mount flags by the collision group they belong to (moby/sys/mount flags, propagation as one). */
const FLAG_GROUP: Record<string, string> = {
  ro: 'rdonly', rw: 'rdonly',
  suid: 'nosuid', nosuid: 'nosuid',
  dev: 'nodev', nodev: 'nodev',
  exec: 'noexec', noexec: 'noexec',
  sync: 'sync', async: 'sync',
  dirsync: 'dirsync',
  remount: 'remount',
  mand: 'mand', nomand: 'mand',
  atime: 'noatime', noatime: 'noatime',
  diratime: 'nodiratime', nodiratime: 'nodiratime',
  relatime: 'relatime', norelatime: 'relatime',
  strictatime: 'strictatime', nostrictatime: 'strictatime',
  bind: 'propagation', rbind: 'propagation', unbindable: 'propagation', runbindable: 'propagation',
  private: 'propagation', rprivate: 'propagation', shared: 'propagation', rshared: 'propagation',
  slave: 'propagation', rslave: 'propagation',
};

const TMPFS_DATA_KEYS = new Set(['', 'size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/**
 * moby/sys/mount MergeTmpfsOptions: later options win over earlier ones of the same flag group
 * (ro/rw, exec/noexec, one propagation) or data key; `defaults` is dropped.
 * Throws invalidParameter `invalid tmpfs option ["foo" "1"]` for an unknown data key.
 */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const seenFlags = new Set<string>();
  const seenData = new Set<string>();
  const out: string[] = [];
  for (let i = options.length - 1; i >= 0; i--) {
    const option = options[i]!;
    if (option === 'defaults') continue;
    const group = FLAG_GROUP[option];
    if (group !== undefined) {
      if (!seenFlags.has(group)) {
        out.unshift(option);
        seenFlags.add(group);
      }
      continue;
    }
    const eq = option.indexOf('=');
    const parts = eq < 0 ? [option] : [option.slice(0, eq), option.slice(eq + 1)];
    if (parts.length !== 2 || !TMPFS_DATA_KEYS.has(parts[0]!)) {
      throw invalidParameter(`invalid tmpfs option [${parts.map((p) => JSON.stringify(p)).join(' ')}]`);
    }
    if (!seenData.has(parts[0]!)) {
      out.unshift(option);
      seenData.add(parts[0]!);
    }
  }
  return out;
}
