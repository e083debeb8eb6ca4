/**
 * GET /containers/{id}/stats (moby daemon/stats.go, stats_unix.go): one sample a second from
 * containerd's cgroup metrics, /proc/stat and the container's /proc/<pid>/net/dev, in Docker's
 * StatsJSON shape (cgroup v1 field names; v2 mapped onto them as moby does).
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import type { Ctx } from '../../lib/index.js';
import type { StatsJSON, CpuStats, NetworkStats } from '../../api/types/index.js';
import { isRunning, type ContainerRecord } from '../../containers/index.js';
import type { CgroupV1Metrics } from '../../runtime/index.js';
import type { ContainersServiceBase } from './service.js';

const CLK_TCK = 100;
const NS = 1e9;

/** Host CPU time in ns: the sum of /proc/stat's first line, as moby's getSystemCPUUsage. */
async function systemCpuUsage(): Promise<number> {
  const text = await readFile('/proc/stat', 'utf8');
  const f = text.slice(0, text.indexOf('\n')).trim().split(/\s+/).slice(1, 8).map(Number);
  return (f.reduce((a, b) => a + b, 0) * NS) / CLK_TCK;
}

/** Interfaces of the container's network namespace, loopback excluded (moby reads them the same way). */
async function networks(pid: number): Promise<Record<string, NetworkStats> | undefined> {
  const text = await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => '');
  const out: Record<string, NetworkStats> = {};
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const v = m[2]!.trim().split(/\s+/).map(Number);
    out[m[1]!] = { rx_bytes: v[0]!, rx_packets: v[1]!, rx_errors: v[2]!, rx_dropped: v[3]!, tx_bytes: v[8]!, tx_packets: v[9]!, tx_errors: v[10]!, tx_dropped: v[11]! };
  }
  return Object.keys(out).length ? out : undefined;
}

const V1_MEMORY_KEYS: [string, string][] = [
  ['active_anon', 'active_anon'], ['active_file', 'active_file'], ['cache', 'cache'], ['dirty', 'dirty'],
  ['hierarchical_memory_limit', 'hierarchical_memory_limit'], ['hierarchical_memsw_limit', 'hierarchical_swap_limit'],
  ['inactive_anon', 'inactive_anon'], ['inactive_file', 'inactive_file'], ['mapped_file', 'mapped_file'],
  ['pgfault', 'pg_fault'], ['pgmajfault', 'pg_maj_fault'], ['pgpgin', 'pg_pg_in'], ['pgpgout', 'pg_pg_out'],
  ['rss', 'rss'], ['rss_huge', 'rss_huge'], ['total_active_anon', 'total_active_anon'], ['total_active_file', 'total_active_file'],
  ['total_cache', 'total_cache'], ['total_dirty', 'total_dirty'], ['total_inactive_anon', 'total_inactive_anon'],
  ['total_inactive_file', 'total_inactive_file'], ['total_mapped_file', 'total_mapped_file'], ['total_pgfault', 'total_pg_fault'],
  ['total_pgmajfault', 'total_pg_maj_fault'], ['total_pgpgin', 'total_pg_pg_in'], ['total_pgpgout', 'total_pg_pg_out'],
  ['total_rss', 'total_rss'], ['total_rss_huge', 'total_rss_huge'], ['total_unevictable', 'total_unevictable'],
  ['total_writeback', 'total_writeback'], ['unevictable', 'unevictable'], ['writeback', 'writeback'],
];

const emptyCpu = (): CpuStats => ({ cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } });

function empty(rec: Readonly<ContainerRecord>): StatsJSON {
  const zero = '0001-01-01T00:00:00Z';
  return {
    name: rec.Name,
    id: rec.ID,
    read: zero,
    preread: zero,
    pids_stats: {},
    blkio_stats: { io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: emptyCpu(),
    precpu_stats: emptyCpu(),
    memory_stats: {},
  };
}

function blkio(entries: CgroupV1Metrics['blkio'], key: string) {
  const list = entries?.[key];
  if (!list?.length) return null;
  return list.map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value }));
}

/** One sample of a running container, or undefined when its task is gone. */
async function sample(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>): Promise<StatsJSON | undefined> {
  const m = await svc.deps.tasks.metrics(ctx, rec.ID).catch(() => undefined);
  if (!m) return undefined;
  const [system, nets] = await Promise.all([systemCpuUsage(), networks(rec.State.Pid)]);
  const s = empty(rec);
  s.read = new Date().toISOString().replace(/Z$/, '000000Z');
  const v1 = m.v1;
  if (v1) {
    const u = v1.cpu?.usage;
    const t = v1.cpu?.throttling;
    s.cpu_stats = {
      cpu_usage: { total_usage: u?.total ?? 0, percpu_usage: u?.per_cpu?.length ? u.per_cpu : undefined, usage_in_kernelmode: u?.kernel ?? 0, usage_in_usermode: u?.user ?? 0 },
      system_cpu_usage: system,
      online_cpus: availableParallelism(),
      throttling_data: { periods: t?.periods ?? 0, throttled_periods: t?.throttled_periods ?? 0, throttled_time: t?.throttled_time ?? 0 },
    };
    const mem = v1.memory;
    if (mem?.usage) {
      const stats: Record<string, number> = {};
      for (const [docker, cd] of V1_MEMORY_KEYS) stats[docker] = Number(mem[cd] ?? 0);
      // compat: without a limit, cgroup v1 reports a huge number; Docker shows the machine's memory.
      s.memory_stats = { usage: mem.usage.usage, max_usage: mem.usage.max, stats, failcnt: mem.usage.failcnt, limit: Math.min(mem.usage.limit, totalmem()) };
    }
    if (v1.pids) s.pids_stats = { current: v1.pids.current, ...(v1.pids.limit ? { limit: v1.pids.limit } : {}) };
    s.blkio_stats = {
      io_service_bytes_recursive: blkio(v1.blkio, 'io_service_bytes_recursive'),
      io_serviced_recursive: blkio(v1.blkio, 'io_serviced_recursive'),
      io_queue_recursive: blkio(v1.blkio, 'io_queued_recursive'),
      io_service_time_recursive: blkio(v1.blkio, 'io_service_time_recursive'),
      io_wait_time_recursive: blkio(v1.blkio, 'io_wait_time_recursive'),
      io_merged_recursive: blkio(v1.blkio, 'io_merged_recursive'),
      io_time_recursive: blkio(v1.blkio, 'io_time_recursive'),
      sectors_recursive: blkio(v1.blkio, 'sectors_recursive'),
    };
  } else if (m.v2) {
    const v2 = m.v2 as {
      cpu?: { usage_usec: number; user_usec: number; system_usec: number; nr_periods: number; nr_throttled: number; throttled_usec: number } | null;
      memory?: (Record<string, number> & { usage: number; usage_limit: number; max_usage?: number }) | null;
      pids?: { current: number; limit: number } | null;
    };
    const c = v2.cpu;
    s.cpu_stats = {
      cpu_usage: { total_usage: (c?.usage_usec ?? 0) * 1000, usage_in_kernelmode: (c?.system_usec ?? 0) * 1000, usage_in_usermode: (c?.user_usec ?? 0) * 1000 },
      system_cpu_usage: system,
      online_cpus: availableParallelism(),
      throttling_data: { periods: c?.nr_periods ?? 0, throttled_periods: c?.nr_throttled ?? 0, throttled_time: (c?.throttled_usec ?? 0) * 1000 },
    };
    if (v2.memory) {
      const { usage, usage_limit, ...rest } = v2.memory;
      s.memory_stats = { usage, stats: Object.fromEntries(Object.entries(rest).filter(([, v]) => typeof v === 'number')) as Record<string, number>, limit: Math.min(usage_limit, totalmem()) };
    }
    if (v2.pids) s.pids_stats = { current: v2.pids.current, ...(v2.pids.limit ? { limit: v2.pids.limit } : {}) };
  }
  if (nets) s.networks = nets;
  return s;
}

/**
 * The stats stream: with `stream`, a sample a second until the container stops or ctx aborts;
 * without, one sample after a second (so precpu_stats is filled), or at once with `oneShot`.
 * A container that is not running gives one zero-valued sample.
 */
export async function containerStats(
  svc: ContainersServiceBase,
  ctx: Ctx,
  ref: string,
  opts: { stream: boolean; oneShot: boolean },
): Promise<AsyncIterable<StatsJSON>> {
  const rec0 = svc.store.get(ref);
  return (async function* () {
    let prev: StatsJSON | undefined;
    const skipFirst = !opts.stream && !opts.oneShot;
    while (!ctx.signal.aborted) {
      const rec = svc.store.find(rec0.ID);
      if (!rec) return;
      const s = isRunning(rec.State) ? await sample(svc, ctx, rec) : undefined;
      if (s) {
        if (prev) {
          s.preread = prev.read;
          s.precpu_stats = prev.cpu_stats;
        }
        if (!(skipFirst && !prev)) {
          yield s;
          if (!opts.stream) return;
        }
        prev = s;
      } else {
        // compat: moby's collector publishes name and ID only for a container that is not running.
        prev = undefined;
        yield empty(rec);
        if (!opts.stream) return;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1000);
        ctx.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
    }
  })();
}
