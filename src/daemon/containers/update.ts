/** POST /containers/{id}/update (moby daemon/update.go, container.UpdateContainer). */
import { invalidParameter, type Ctx } from '../../lib/index.js';
import type { HostConfig } from '../../api/types/index.js';
import { isRunning } from '../../containers/index.js';
import { parsePolicy } from './restart-policy.js';
import type { ContainersServiceBase } from './service.js';

/** The resources `docker update` may change; a zero (unset) value leaves the current one. */
const UPDATABLE = [
  'BlkioWeight',
  'CpuShares',
  'CpuPeriod',
  'CpuQuota',
  'CpuRealtimePeriod',
  'CpuRealtimeRuntime',
  'CpusetCpus',
  'CpusetMems',
  'Memory',
  'MemoryReservation',
  'MemorySwap',
  'NanoCpus',
] as const;

export type UpdateConfig = Partial<Pick<HostConfig, (typeof UPDATABLE)[number] | 'PidsLimit' | 'RestartPolicy'>>;

/**
 * Changes a container's resources and restart policy: recorded, and applied to the running task
 * through runc. Throws invalidParameter with Docker's wording for invalid combinations.
 */
export async function updateContainer(svc: ContainersServiceBase, ctx: Ctx, ref: string, body: UpdateConfig): Promise<{ Warnings: string[] }> {
  const rec = svc.store.get(ref);
  const fail = (msg: string): never => {
    throw invalidParameter(`Cannot update container ${rec.ID}: ${msg}`);
  };
  const policy = body.RestartPolicy?.Name ? body.RestartPolicy : undefined;
  if (policy) {
    if (rec.HostConfig.AutoRemove && policy.Name !== 'no') fail('Restart policy cannot be updated because AutoRemove is enabled for the container');
    parsePolicy(policy, false);
  }
  if (body.NanoCpus && (body.CpuPeriod || body.CpuQuota)) fail('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  const next: HostConfig = { ...rec.HostConfig };
  for (const k of UPDATABLE) {
    const v = body[k];
    if (v !== undefined && v !== 0 && v !== '') (next as Record<string, unknown>)[k] = v;
  }
  if (body.PidsLimit !== undefined && body.PidsLimit !== null) next.PidsLimit = body.PidsLimit > 0 ? body.PidsLimit : null;
  // compat: moby's checks when only one of memory and swap changes.
  if (body.Memory && !body.MemorySwap && (next.MemorySwap ?? 0) > 0 && body.Memory > next.MemorySwap!) {
    fail('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
  }
  if (next.MemorySwap && next.MemorySwap > 0 && next.Memory && next.MemorySwap < next.Memory) {
    fail('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (policy) next.RestartPolicy = policy;
  const updated = await svc.store.update(ctx, rec.ID, (d) => {
    d.HostConfig = next;
  });
  if (policy) svc.liveOf(updated).restart.setPolicy(parsePolicy(policy, false));
  if (isRunning(updated.State)) {
    const spec = (await svc.deps.buildSpec(ctx, updated)) as { linux?: { resources?: object } };
    await svc.deps.tasks.updateResources(ctx, rec.ID, spec.linux?.resources ?? {}).catch((e: Error) => fail(e.message));
  }
  svc.emit('update', updated);
  return { Warnings: [] };
}
