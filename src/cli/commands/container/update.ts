/**
 * `berth container update` / `berth update [OPTIONS] CONTAINER...`: POST /containers/{name}/update
 * (docker/cli cli/command/container/update.go): the changed resource flags and --restart, the
 * same request for each container; names printed as they succeed, errors joined at the end.
 */
import { CliError, defineCommand, StatusError } from '../../command.js';
import { containerPath } from './create.js';
import { checkName } from './session.js';
import { check } from './flags.js';
import { memSwapBytes, parseCpus, parseRestartPolicy, parseUint, ramInBytes } from './values.js';

export default defineCommand({
  name: 'update',
  usage: 'update [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Update configuration of one or more containers',
  flags: [
    { name: 'blkio-weight', kind: 'string', typeName: 'uint16', usage: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', validate: check((v) => parseUint(v, 16)) },
    { name: 'cpu-period', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) period' },
    { name: 'cpu-quota', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
    { name: 'cpu-rt-period', kind: 'int', usage: 'Limit the CPU real-time period in microseconds' },
    { name: 'cpu-rt-runtime', kind: 'int', usage: 'Limit the CPU real-time runtime in microseconds' },
    { name: 'cpu-shares', short: 'c', kind: 'int', usage: 'CPU shares (relative weight)' },
    { name: 'cpus', kind: 'string', typeName: 'decimal', usage: 'Number of CPUs', validate: check(parseCpus) },
    { name: 'cpuset-cpus', kind: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
    { name: 'cpuset-mems', kind: 'string', usage: 'MEMs in which to allow execution (0-3, 0,1)' },
    { name: 'memory', short: 'm', kind: 'string', typeName: 'bytes', usage: 'Memory limit', validate: check(ramInBytes) },
    { name: 'memory-reservation', kind: 'string', typeName: 'bytes', usage: 'Memory soft limit', validate: check(ramInBytes) },
    { name: 'memory-swap', kind: 'string', typeName: 'bytes', usage: "Swap limit equal to memory plus swap: -1 to enable unlimited swap", validate: check(memSwapBytes) },
    { name: 'pids-limit', kind: 'int', usage: 'Tune container pids limit (set -1 for unlimited)' },
    { name: 'restart', kind: 'string', usage: 'Restart policy to apply when a container exits' },
  ] as const,
  args: { min: 1 },
  async run(cli, opts, args, { changed }) {
    if (changed.size === 0) throw new CliError('you must provide one or more flags when using this command');
    const body: Record<string, unknown> = {
      BlkioWeight: opts.blkioWeight ? parseUint(opts.blkioWeight, 16) : 0,
      CpuPeriod: opts.cpuPeriod,
      CpuQuota: opts.cpuQuota,
      CpuRealtimePeriod: opts.cpuRtPeriod,
      CpuRealtimeRuntime: opts.cpuRtRuntime,
      CpuShares: opts.cpuShares,
      NanoCpus: opts.cpus ? parseCpus(opts.cpus) : 0,
      CpusetCpus: opts.cpusetCpus,
      CpusetMems: opts.cpusetMems,
      Memory: opts.memory ? ramInBytes(opts.memory) : 0,
      MemoryReservation: opts.memoryReservation ? ramInBytes(opts.memoryReservation) : 0,
      MemorySwap: opts.memorySwap ? memSwapBytes(opts.memorySwap) : 0,
    };
    if (changed.has('pids-limit')) body['PidsLimit'] = opts.pidsLimit;
    if (changed.has('restart')) body['RestartPolicy'] = parseRestartPolicy(opts.restart);
    const errs: string[] = [];
    for (const name of args) {
      try {
        const r = await cli.client.post<{ Warnings: string[] | null }>(`${containerPath(checkName(name))}/update`, { body });
        for (const w of r?.Warnings ?? []) cli.err.write(w + '\n');
        cli.out.write(name + '\n');
      } catch (e) {
        errs.push(cli.errorText(e));
      }
    }
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
});
