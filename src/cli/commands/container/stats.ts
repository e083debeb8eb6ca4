/**
 * `berth container stats` / `berth stats [OPTIONS] [CONTAINER...]`: GET /containers/{id}/stats,
 * computed and printed as docker 28 does (cli/command/container/stats.go, stats_helpers.go,
 * formatter/stats.go):
 *
 *   CONTAINER ID   NAME   CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   PIDS
 *   f3cf571a2be9   busy   50.62%    496KiB / 64MiB      0.76%     0B / 0B   0B / 0B     1
 *
 * CPU % = container CPU delta / host CPU delta × online CPUs; memory without the inactive file
 * cache. Without names: the running containers (-a: all). --no-stream prints once; otherwise the
 * table is redrawn every second (clear screen first) until interrupted.
 */
import type { ContainerSummary, StatsJSON } from '../../../api/types/index.js';
import { defineCommand, StatusError } from '../../command.js';
import { FORMAT_HELP } from '../../common-flags.js';
import { renderList, rowContext, TABLE_FORMAT_KEY, type Formatter } from '../../format/formatter.js';
import { GO_TYPE } from '../../format/template.js';
import { bytesSize, humanSizeWithPrecision } from '../../format/units.js';
import { truncateId } from '../image/list.js';
import { containerPath } from './create.js';

const DEFAULT_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

/** One row: docker's StatsEntry. */
export interface StatsEntry {
  container: string;
  name: string;
  id: string;
  cpuPercentage: number;
  memory: number;
  memoryLimit: number;
  memoryPercentage: number;
  networkRx: number;
  networkTx: number;
  blockRead: number;
  blockWrite: number;
  pidsCurrent: number;
  isInvalid: boolean;
}

/** stats_helpers.go: a StatsJSON sample to an entry. */
export function statsEntry(container: string, v: StatsJSON): StatsEntry {
  const cpuDelta = v.cpu_stats.cpu_usage.total_usage - v.precpu_stats.cpu_usage.total_usage;
  const systemDelta = (v.cpu_stats.system_cpu_usage ?? 0) - (v.precpu_stats.system_cpu_usage ?? 0);
  const online = v.cpu_stats.online_cpus || v.cpu_stats.cpu_usage.percpu_usage?.length || 0;
  const cpu = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
  const m = v.memory_stats;
  const usage = m.usage ?? 0;
  const inactive = m.stats?.['total_inactive_file'] ?? m.stats?.['inactive_file'];
  const mem = inactive !== undefined && inactive < usage ? usage - inactive : usage;
  const limit = m.limit ?? 0;
  let blockRead = 0;
  let blockWrite = 0;
  for (const e of v.blkio_stats.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') blockRead += e.value;
    else if (op === 'write') blockWrite += e.value;
  }
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(v.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  return {
    container,
    name: v.name,
    id: v.id,
    cpuPercentage: cpu,
    memory: mem,
    memoryLimit: limit,
    memoryPercentage: limit !== 0 ? (mem / limit) * 100 : 0,
    networkRx: rx,
    networkTx: tx,
    blockRead,
    blockWrite,
    pidsCurrent: v.pids_stats.current ?? 0,
    isInvalid: false,
  };
}

function statsFormatter(): Formatter<StatsEntry> {
  return {
    headers: {
      Container: 'CONTAINER',
      ID: 'CONTAINER ID',
      Name: 'NAME',
      CPUPerc: 'CPU %',
      MemUsage: 'MEM USAGE / LIMIT',
      MemPerc: 'MEM %',
      NetIO: 'NET I/O',
      BlockIO: 'BLOCK I/O',
      PIDs: 'PIDS',
    },
    defaultTable: DEFAULT_TABLE,
    row: (s, { trunc }) => {
      const pct = (n: number) => (s.isInvalid ? '--' : `${n.toFixed(2)}%`);
      const io = (a: number, b: number) => (s.isInvalid ? '--' : `${humanSizeWithPrecision(a, 3)} / ${humanSizeWithPrecision(b, 3)}`);
      const row = rowContext({
        Container: () => s.container,
        ID: () => (trunc ? truncateId(s.id) : s.id),
        Name: () => (s.name.length > 1 ? s.name.slice(1) : '--'),
        CPUPerc: () => pct(s.cpuPercentage),
        MemUsage: () => (s.isInvalid ? '-- / --' : `${bytesSize(s.memory)} / ${bytesSize(s.memoryLimit)}`),
        MemPerc: () => pct(s.memoryPercentage),
        NetIO: () => io(s.networkRx, s.networkTx),
        BlockIO: () => io(s.blockRead, s.blockWrite),
        PIDs: () => (s.isInvalid ? '--' : String(s.pidsCurrent)),
      });
      Object.defineProperty(row, GO_TYPE, { value: 'formatter.statsContext' });
      return row;
    },
  };
}

export default defineCommand({
  name: 'stats',
  usage: 'stats [OPTIONS] [CONTAINER...]',
  description: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Show all containers (default shows just running)' },
    { name: 'format', kind: 'string', usage: FORMAT_HELP },
    { name: 'no-stream', kind: 'bool', usage: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
  ] as const,
  args: {},
  async run(cli, opts, args) {
    let names = args;
    if (names.length === 0) {
      const list = (await cli.client.get<ContainerSummary[] | null>('/containers/json', { query: { all: opts.all } })) ?? [];
      names = list.map((c) => c.Id);
    }
    const format = opts.format || cli.config().statsFormat || TABLE_FORMAT_KEY;
    const render = (entries: StatsEntry[]) => renderList(format, entries, statsFormatter(), { trunc: !opts.noTrunc });
    if (opts.noStream) {
      const errs: string[] = [];
      const entries = await Promise.all(
        names.map(async (name) => {
          try {
            for await (const v of cli.client.jsonStream<StatsJSON>('GET', `${containerPath(name)}/stats`, { query: { stream: '0' } })) return statsEntry(name, v);
          } catch (e) {
            errs.push(cli.errorText(e));
          }
          return undefined;
        }),
      );
      if (errs.length) throw new StatusError(errs.join('\n'), 1);
      cli.out.write(render(entries.filter((e): e is StatsEntry => !!e)));
      return;
    }
    const latest = new Map<string, StatsEntry>(names.map((n) => [n, { container: n, name: '', id: n, cpuPercentage: 0, memory: 0, memoryLimit: 0, memoryPercentage: 0, networkRx: 0, networkTx: 0, blockRead: 0, blockWrite: 0, pidsCurrent: 0, isInvalid: true }]));
    const readers = names.map(async (name) => {
      try {
        for await (const v of cli.client.jsonStream<StatsJSON>('GET', `${containerPath(name)}/stats`, { query: { stream: '1' } })) latest.set(name, statsEntry(name, v));
      } catch {
        latest.set(name, { ...latest.get(name)!, isInvalid: true });
      }
    });
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      cli.out.write('\x1b[2J\x1b[H' + render([...latest.values()]));
      if (names.length === 0) break;
    }
    await Promise.race(readers);
  },
});
