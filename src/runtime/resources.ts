/**
 * cgroup resources and rlimits (moby WithResources / getMemoryResources / getCPUResources /
 * getPidsLimit / withRlimits, Docker 25 shapes: a section appears only when something is set).
 * compat: Docker 20.10 always writes `cpu.shares: 0` and `blockIO.weight: 0`, Docker 25 always an
 * empty `blockIO: {}`; runc treats all of these as "not set", as it treats their absence here.
 */
import { invalidParameter } from '../lib/index.js';
import type { SpecHost } from './host.js';
import type { OciBlockIo, OciCpu, OciMemory, OciResources, OciRlimit, OciThrottleDevice, OciWeightDevice } from './oci-spec.js';

/** HostConfig.Resources, the fields a Linux spec uses (Docker's names in camelCase). */
export interface ResourcesInput {
  /** Bytes; 0 = unlimited. */
  memory?: number;
  memoryReservation?: number;
  /** Memory + swap in bytes; -1 = unlimited swap, 0 = unset. */
  memorySwap?: number;
  /** 0–100; negative = unset. */
  memorySwappiness?: number;
  kernelMemory?: number;
  kernelMemoryTCP?: number;
  /** Written whenever defined (the docker CLI always sends false). */
  oomKillDisable?: boolean;
  cpuShares?: number;
  /** CPU quota in units of 1e-9 CPUs (`--cpus 1.5` = 1500000000): period 100000, quota 150000. */
  nanoCpus?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuRealtimePeriod?: number;
  cpuRealtimeRuntime?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** > 0 limits; 0 or negative means unlimited (Docker's create turns those into nil). */
  pidsLimit?: number;
  /** 10–1000; 0 = unset. */
  blkioWeight?: number;
  blkioWeightDevice?: { path: string; weight: number }[];
  blkioDeviceReadBps?: { path: string; rate: number }[];
  blkioDeviceWriteBps?: { path: string; rate: number }[];
  blkioDeviceReadIOps?: { path: string; rate: number }[];
  blkioDeviceWriteIOps?: { path: string; rate: number }[];
}

/** HostConfig.Ulimits[] (`--ulimit nofile=1024:2048`). */
export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

/** The rlimit names Docker's go-units knows (`RLIMIT_<NAME>`). */
export const ULIMIT_NAMES: readonly string[] = [
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss',
  'rtprio', 'rttime', 'sigpending', 'stack',
];

/**
 * process.rlimits in the order given. Throws invalidParameter `invalid ulimit type: x` or
 * `ulimit soft limit must be less than or equal to hard limit: 2 > 1` (go-units' texts).
 */
export function buildRlimits(ulimits: readonly Ulimit[]): OciRlimit[] {
  return ulimits.map((u) => {
    if (!ULIMIT_NAMES.includes(u.name)) throw invalidParameter(`invalid ulimit type: ${u.name}`);
    if (u.soft > u.hard) {
      throw invalidParameter(`ulimit soft limit must be less than or equal to hard limit: ${u.soft} > ${u.hard}`);
    }
    return { type: `RLIMIT_${u.name.toUpperCase()}`, hard: u.hard, soft: u.soft };
  });
}

function memoryResources(r: ResourcesInput): OciMemory | undefined {
  const m: OciMemory = {};
  if (r.memory && r.memory > 0) m.limit = r.memory;
  if (r.memoryReservation && r.memoryReservation > 0) m.reservation = r.memoryReservation;
  if (r.memorySwap && r.memorySwap > 0) m.swap = r.memorySwap;
  if (r.kernelMemory) m.kernel = r.kernelMemory;
  if (r.kernelMemoryTCP) m.kernelTCP = r.kernelMemoryTCP;
  if (r.memorySwappiness !== undefined && r.memorySwappiness >= 0) m.swappiness = r.memorySwappiness;
  if (r.oomKillDisable !== undefined) m.disableOOMKiller = r.oomKillDisable;
  return Object.keys(m).length > 0 ? m : undefined;
}

function cpuResources(r: ResourcesInput): OciCpu | undefined {
  if (r.cpuShares !== undefined && r.cpuShares < 0) throw invalidParameter('shares: invalid argument');
  const c: OciCpu = {};
  if (r.cpuShares && r.cpuShares > 0) c.shares = r.cpuShares;
  if (r.nanoCpus && r.nanoCpus > 0) {
    const period = 100_000;
    c.quota = Number((BigInt(Math.trunc(r.nanoCpus)) * BigInt(period)) / 1_000_000_000n);
    c.period = period;
  }
  if (r.cpuQuota) c.quota = r.cpuQuota;
  if (r.cpuPeriod) c.period = r.cpuPeriod;
  if (r.cpuRealtimeRuntime) c.realtimeRuntime = r.cpuRealtimeRuntime;
  if (r.cpuRealtimePeriod) c.realtimePeriod = r.cpuRealtimePeriod;
  if (r.cpusetCpus) c.cpus = r.cpusetCpus;
  if (r.cpusetMems) c.mems = r.cpusetMems;
  if (Object.keys(c).length === 0) return undefined;
  // specs-go field order: shares, quota, period, realtimeRuntime, realtimePeriod, cpus, mems.
  const ordered: OciCpu = {};
  for (const k of ['shares', 'quota', 'period', 'realtimeRuntime', 'realtimePeriod', 'cpus', 'mems'] as const) {
    if (c[k] !== undefined) (ordered as Record<string, unknown>)[k] = c[k];
  }
  return ordered;
}

/** Major/minor of a block device path, following symlinks (unix.Stat). */
function statDevice(host: SpecHost, path: string): { major: number; minor: number } {
  let st;
  try {
    st = host.lstat(host.realpath(path));
  } catch {
    st = undefined;
  }
  if (!st) throw invalidParameter(`stat ${path}: no such file or directory`);
  return { major: st.major, minor: st.minor };
}

function blockIo(r: ResourcesInput, host: SpecHost): OciBlockIo | undefined {
  const b: OciBlockIo = {};
  if (r.blkioWeight) b.weight = r.blkioWeight;
  const weight: OciWeightDevice[] = (r.blkioWeightDevice ?? []).map((d) => ({ ...statDevice(host, d.path), weight: d.weight }));
  if (weight.length > 0) b.weightDevice = weight;
  const throttle = (list: { path: string; rate: number }[] | undefined): OciThrottleDevice[] | undefined => {
    const out = (list ?? []).map((d) => ({ ...statDevice(host, d.path), rate: d.rate }));
    return out.length > 0 ? out : undefined;
  };
  const rb = throttle(r.blkioDeviceReadBps);
  const wb = throttle(r.blkioDeviceWriteBps);
  const ri = throttle(r.blkioDeviceReadIOps);
  const wi = throttle(r.blkioDeviceWriteIOps);
  if (rb) b.throttleReadBpsDevice = rb;
  if (wb) b.throttleWriteBpsDevice = wb;
  if (ri) b.throttleReadIOPSDevice = ri;
  if (wi) b.throttleWriteIOPSDevice = wi;
  return Object.keys(b).length > 0 ? b : undefined;
}

/**
 * linux.resources without devices (those come from buildDevices and go first).
 * Throws invalidParameter for negative CPU shares or a missing blkio device.
 */
export function buildResources(r: ResourcesInput, host: SpecHost): Omit<OciResources, 'devices'> {
  const out: Omit<OciResources, 'devices'> = {};
  const memory = memoryResources(r);
  const cpu = cpuResources(r);
  if (memory) out.memory = memory;
  if (cpu) out.cpu = cpu;
  if (r.pidsLimit !== undefined && r.pidsLimit > 0) out.pids = { limit: r.pidsLimit };
  const bio = blockIo(r, host);
  if (bio) out.blockIO = bio;
  return out;
}
