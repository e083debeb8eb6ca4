/** GET /containers/json, GET /containers/{id}/json, top, rename, wait (moby daemon/list.go, inspect.go). */
import { conflict, directorySize, invalidParameter, notFound, upperDirOf, Filters, type Ctx } from '../../lib/index.js';
import type { ContainerJSON, ContainerSummary, ContainerWaitResponse, PortMap } from '../../api/types/index.js';
import { isRunning, stateStatus, statusString, toContainerState, type ContainerRecord } from '../../containers/index.js';
import type { ContainersServiceBase } from './service.js';
import { parseTimestamp } from '../images/list.js';
import { fullSettings } from './network.js';

export const PS_FILTERS = ['id', 'name', 'label', 'label!', 'status', 'exited', 'ancestor', 'before', 'since', 'health', 'network', 'volume', 'publish', 'expose', 'isolation', 'is-task', 'until'] as const;
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** compat: from NetworkSettings.Ports alone (moby list.go): a created or stopped container lists none. */
function ports(rec: Readonly<ContainerRecord>): ContainerSummary['Ports'] {
  const out: ContainerSummary['Ports'] = [];
  const map: PortMap = rec.NetworkSettings.Ports ?? {};
  for (const [p, bindings] of Object.entries(map)) {
    const [num, proto] = p.split('/') as [string, string];
    if (!bindings || bindings.length === 0) out.push({ PrivatePort: Number(num), Type: proto ?? 'tcp' });
    else for (const x of bindings) out.push({ IP: x.HostIp, PrivatePort: Number(num), PublicPort: Number(x.HostPort), Type: proto ?? 'tcp' });
  }
  return out;
}

function command(rec: Readonly<ContainerRecord>): string {
  return [rec.Path, ...rec.Args].join(' ');
}

export function summary(svc: ContainersServiceBase, rec: Readonly<ContainerRecord>): ContainerSummary {
  return {
    Id: rec.ID,
    Names: [rec.Name],
    Image: rec.ImageName || rec.Image,
    ImageID: rec.Image,
    Command: command(rec),
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: ports(rec),
    Labels: rec.Config.Labels ?? {},
    State: stateStatus(rec.State),
    Status: statusString(rec.State, svc.clock),
    HostConfig: { NetworkMode: rec.HostConfig.NetworkMode ?? 'default' },
    NetworkSettings: { Networks: rec.NetworkSettings.Networks ?? {} },
    Mounts: Object.values(rec.MountPoints ?? {}).map(({ ID: _i, Spec: _s, Relabel: _r, CopyData: _c, ...m }) => m),
  };
}

export async function listContainers(
  svc: ContainersServiceBase,
  ctx: Ctx,
  opts: { all: boolean; limit: number; size: boolean; filters: Filters },
): Promise<ContainerSummary[]> {
  const f = opts.filters;
  f.validate(PS_FILTERS);
  for (const s of f.get('status')) if (!STATUSES.includes(s)) throw invalidParameter(`invalid filter 'status=${s}'`);
  let recs = [...svc.store.list()];
  const all = opts.all || f.has('status') || f.has('exited') || opts.limit > 0;
  if (!all) recs = recs.filter((r) => isRunning(r.State));
  const pivot = (key: string) => {
    const v = f.get(key)[0];
    if (!v) return undefined;
    const r = svc.store.find(v);
    if (!r) throw notFound(`No such container: ${v}`);
    return Date.parse(r.Created);
  };
  const before = pivot('before');
  const since = pivot('since');
  const ancestors = await Promise.all(f.get('ancestor').map((a) => svc.deps.images.resolve(ctx, a).then((i) => i.id, () => `none:${a}`)));
  const untils = f.get('until').map((u) => parseTimestamp(u));
  recs = recs.filter((r) => {
    const created = Date.parse(r.Created);
    if (before !== undefined && created >= before) return false;
    if (since !== undefined && created <= since) return false;
    if (untils.some((u) => created / 1000 >= u)) return false;
    if (!f.matchKVList('label', r.Config.Labels ?? {})) return false;
    if (f.get('label!').some((l) => Filters.fromEntries({ label: [l] }).matchKVList('label', r.Config.Labels ?? {}))) return false;
    if (f.has('id') && !f.get('id').some((i) => r.ID.startsWith(i))) return false;
    if (f.has('name') && !f.get('name').some((n) => new RegExp(n.replace(/^\//, '')).test(r.Name.slice(1)))) return false;
    if (f.has('status') && !f.get('status').includes(stateStatus(r.State))) return false;
    if (f.has('exited') && (isRunning(r.State) || !f.get('exited').includes(String(r.State.ExitCode)) || !r.HasBeenStartedBefore)) return false;
    if (ancestors.length && !ancestors.includes(r.Image)) return false;
    if (f.has('health')) {
      const h = r.State.Health?.Status ?? 'none';
      if (!f.get('health').includes(h)) return false;
    }
    if (f.has('network') && !f.get('network').some((n) => n in (r.NetworkSettings.Networks ?? {}) || n === r.HostConfig.NetworkMode)) return false;
    if (f.has('volume') && !f.get('volume').some((v) => Object.values(r.MountPoints).some((m) => m.Name === v || m.Destination === v || m.Source === v))) return false;
    return true;
  });
  if (opts.limit > 0) recs = recs.slice(0, opts.limit);
  if (!opts.size) return recs.map((r) => summary(svc, r));
  return Promise.all(recs.map(async (r) => ({ ...summary(svc, r), ...(await containerSizes(svc, ctx, r)) })));
}

/**
 * Docker's SizeRw (the bytes the container wrote: its rw layer's files) and SizeRootFs (those plus
 * the image's). Both absent unless asked for: walking a layer is not free.
 */
export async function containerSizes(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>): Promise<{ SizeRw: number; SizeRootFs: number }> {
  const mounts = await svc.deps.images.snapshotter.mounts(ctx, rec.SnapshotKey).catch(() => []);
  const upper = mounts[0] ? upperDirOf(mounts[0]) : undefined;
  const rw = upper ? await directorySize(upper) : 0;
  const image = await svc.deps.images.resolve(ctx, rec.Image).catch(() => undefined);
  return { SizeRw: rw, SizeRootFs: rw + (image?.size ?? 0) };
}

export async function inspectContainer(svc: ContainersServiceBase, ctx: Ctx, ref: string, opts: { size: boolean }): Promise<ContainerJSON> {
  const rec = svc.store.get(ref);
  const sizes = opts.size ? await containerSizes(svc, ctx, rec) : {};
  const execIds = [...svc.execs.values()].filter((e) => e.containerId === rec.ID).map((e) => e.id);
  return {
    Id: rec.ID,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: toContainerState(rec.State),
    Image: rec.Image,
    ResolvConfPath: rec.ResolvConfPath,
    HostnamePath: rec.HostnamePath,
    HostsPath: rec.HostsPath,
    LogPath: rec.LogPath,
    Name: rec.Name,
    RestartCount: rec.RestartCount,
    Driver: rec.Driver || 'overlay2',
    Platform: rec.Platform,
    MountLabel: rec.MountLabel,
    ProcessLabel: rec.ProcessLabel,
    AppArmorProfile: rec.AppArmorProfile,
    ExecIDs: execIds.length ? execIds : null,
    HostConfig: rec.HostConfig,
    GraphDriver: { Name: 'overlay2', Data: null },
    ...sizes,
    Mounts: Object.values(rec.MountPoints ?? {}).map(({ ID: _i, Spec: _s, Relabel: _r, CopyData: _c, ...m }) => m),
    Config: rec.Config,
    NetworkSettings: fullSettings(rec.NetworkSettings),
  };
}

export async function renameContainer(svc: ContainersServiceBase, ctx: Ctx, ref: string, name: string): Promise<void> {
  const { oldName, record } = await svc.store.rename(ctx, ref, name);
  svc.emit('rename', record, { oldName });
}

/** Registers a waiter; `not-running` on a stopped container resolves at once. */
export async function waitContainer(
  svc: ContainersServiceBase,
  _ctx: Ctx,
  ref: string,
  condition: 'not-running' | 'next-exit' | 'removed',
): Promise<{ done: Promise<ContainerWaitResponse> }> {
  const rec = svc.store.get(ref);
  if (condition === 'not-running' && !isRunning(rec.State)) {
    return { done: Promise.resolve({ StatusCode: rec.State.ExitCode, Error: null }) };
  }
  let resolve!: (r: ContainerWaitResponse) => void;
  const done = new Promise<ContainerWaitResponse>((r) => (resolve = r));
  svc.addWaiter(rec, { condition, resolve });
  return { done };
}

export async function topContainer(svc: ContainersServiceBase, ctx: Ctx, ref: string, psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }> {
  const rec = svc.store.get(ref);
  if (!isRunning(rec.State)) throw conflict(`Container ${rec.ID} is not running`);
  const pids = new Set(await svc.deps.tasks.pids(ctx, rec.ID));
  const args = psArgs ? psArgs.split(/\s+/) : ['-ef'];
  const { stdout } = await svc.deps.exec.run(ctx, 'ps', args, { timeoutMs: 10_000 });
  const lines = stdout.trimEnd().split('\n');
  const titles = lines[0]!.trim().split(/\s+/);
  const pidCol = titles.indexOf('PID');
  if (pidCol < 0) throw invalidParameter(`Couldn't find PID field in ps output`);
  const procs: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (!pids.has(Number(fields[pidCol]))) continue;
    procs.push([...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')]);
  }
  return { Titles: titles, Processes: procs };
}
