/** POST /containers/create (moby daemon/create.go): merge with the image, validate, record, prepare the rw layer. */
import { invalidParameter, type Ctx } from '../../lib/index.js';
import type { ContainerConfig, ContainerCreateRequest, ContainerCreateResponse, HostConfig } from '../../api/types/index.js';
import type { ImageConfig } from '../../oci/index.js';
import { chainIds } from '../../snapshots/index.js';
import { sha256 } from '../../lib/index.js';
import { parsePolicy } from './restart-policy.js';
import type { ContainersServiceBase } from './service.js';

const DEFAULT_SHM = 64 * 1024 * 1024;

/** Image defaults under the container's settings (moby daemon/commit.go merge). */
export function mergeConfig(req: ContainerConfig, image: ImageConfig): ContainerConfig {
  const ic = image.config ?? {};
  const c: ContainerConfig = { ...req };
  const env = [...(ic.Env ?? [])];
  for (const e of req.Env ?? []) {
    const k = e.split('=', 1)[0]!;
    const i = env.findIndex((x) => x.split('=', 1)[0] === k);
    if (i >= 0) env[i] = e;
    else env.push(e);
  }
  c.Env = env;
  if (!req.Entrypoint || req.Entrypoint.length === 0) {
    // compat: an explicit empty entrypoint ([""] from --entrypoint "") clears the image's.
    c.Entrypoint = req.Entrypoint && req.Entrypoint.length === 0 ? null : (req.Entrypoint ?? ic.Entrypoint ?? null);
    if (!req.Cmd || req.Cmd.length === 0) c.Cmd = ic.Cmd ?? null;
  }
  if (req.Entrypoint && req.Entrypoint.length === 1 && req.Entrypoint[0] === '') c.Entrypoint = null;
  if (!c.WorkingDir) c.WorkingDir = ic.WorkingDir ?? '';
  if (!c.User) c.User = ic.User ?? '';
  c.ExposedPorts = { ...(ic.ExposedPorts ?? {}), ...(req.ExposedPorts ?? {}) };
  if (Object.keys(c.ExposedPorts).length === 0) delete c.ExposedPorts;
  c.Volumes = { ...(ic.Volumes ?? {}), ...(req.Volumes ?? {}) };
  if (Object.keys(c.Volumes).length === 0) c.Volumes = null;
  c.Labels = { ...(ic.Labels ?? {}), ...(req.Labels ?? {}) };
  if (!c.StopSignal && ic.StopSignal) c.StopSignal = ic.StopSignal;
  if (!c.Healthcheck && ic.Healthcheck) c.Healthcheck = ic.Healthcheck as ContainerConfig['Healthcheck'];
  if (!c.Shell && ic.Shell) c.Shell = ic.Shell;
  if (!c.OnBuild) c.OnBuild = null;
  return c;
}

function validateEnv(env: string[]): void {
  for (const e of env) {
    if (e === '' || e.startsWith('=')) throw invalidParameter(`invalid environment variable: ${e}`);
  }
}

/** HostConfig with Docker's defaults filled in (what inspect shows). */
export function defaultHostConfig(h: HostConfig | undefined, logDriver: string, logOpts: Record<string, string>): HostConfig {
  const hc: HostConfig = { ...(h ?? {}) };
  hc.Binds ??= null;
  hc.ContainerIDFile ??= '';
  if (!hc.LogConfig?.Type) hc.LogConfig = { Type: logDriver, Config: hc.LogConfig?.Config ?? logOpts };
  hc.LogConfig.Config ??= {};
  hc.NetworkMode ||= 'default';
  hc.PortBindings ??= {};
  hc.RestartPolicy = { Name: hc.RestartPolicy?.Name || 'no', MaximumRetryCount: hc.RestartPolicy?.MaximumRetryCount ?? 0 };
  hc.AutoRemove ??= false;
  hc.VolumeDriver ??= '';
  hc.VolumesFrom ??= null;
  hc.ConsoleSize ??= [0, 0];
  hc.CapAdd ??= null;
  hc.CapDrop ??= null;
  hc.CgroupnsMode ||= 'host';
  hc.Dns ??= [];
  hc.DnsOptions ??= [];
  hc.DnsSearch ??= [];
  hc.ExtraHosts ??= null;
  hc.GroupAdd ??= null;
  hc.IpcMode ||= 'private';
  hc.Cgroup ??= '';
  hc.Links ??= null;
  hc.OomScoreAdj ??= 0;
  hc.PidMode ??= '';
  hc.Privileged ??= false;
  hc.PublishAllPorts ??= false;
  hc.ReadonlyRootfs ??= false;
  hc.SecurityOpt ??= null;
  hc.UTSMode ??= '';
  hc.UsernsMode ??= '';
  hc.ShmSize ||= DEFAULT_SHM;
  hc.Runtime ||= 'runc';
  hc.Isolation ??= '';
  hc.CpuShares ??= 0;
  hc.Memory ??= 0;
  hc.NanoCpus ??= 0;
  hc.CgroupParent ??= '';
  hc.BlkioWeight ??= 0;
  hc.CpuPeriod ??= 0;
  hc.CpuQuota ??= 0;
  hc.CpusetCpus ??= '';
  hc.CpusetMems ??= '';
  hc.Devices ??= [];
  hc.MemoryReservation ??= 0;
  hc.MemorySwap ??= 0;
  hc.MemorySwappiness ??= null;
  hc.OomKillDisable ??= false;
  hc.PidsLimit ??= null;
  hc.Ulimits ??= [];
  return hc;
}

export async function createContainer(
  svc: ContainersServiceBase,
  ctx: Ctx,
  name: string,
  req: ContainerCreateRequest,
): Promise<ContainerCreateResponse> {
  if (!req.Image) throw invalidParameter('No image was specified');
  const image = await svc.deps.images.resolve(ctx, req.Image);
  const { HostConfig: hostIn, NetworkingConfig: _net, Platform: _platform, ...configIn } = req;
  const config = mergeConfig(configIn, image.config);
  validateEnv(config.Env ?? []);
  const hc = defaultHostConfig(hostIn, svc.deps.config.logDriver, svc.deps.config.logOpts);
  parsePolicy(hc.RestartPolicy, hc.AutoRemove ?? false);
  if (hc.ShmSize! < 0) throw invalidParameter('SHM size can not be less than 0');
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (argv.length === 0) throw invalidParameter('No command specified');
  config.Image = req.Image;
  const rec = await svc.store.create(ctx, {
    Name: name || undefined,
    Path: argv[0]!,
    Args: argv.slice(1),
    Config: config,
    HostConfig: hc,
    Image: image.id,
    ImageName: req.Image,
    Driver: 'overlay2',
    SnapshotKey: '',
  });
  try {
    if (!config.Hostname) {
      await svc.store.update(ctx, rec.ID, (d) => {
        d.Config.Hostname = rec.ID.slice(0, 12);
      });
    }
    // The rw layer, held by the containerd container record from now until rm.
    const leased = await svc.deps.images.lease(ctx, 'create');
    try {
      const chains = chainIds(image.config.rootfs?.diff_ids ?? [], sha256);
      await leased.snapshotter.prepare(ctx, rec.ID, chains[chains.length - 1] ?? '');
      await svc.deps.tasks.createContainer(ctx, rec.ID, rec.ID, {}, { 'berth.container': 'true' });
    } finally {
      await leased.release();
    }
    const paths = await svc.writeEtcFiles(svc.store.get(rec.ID));
    const { type } = svc.logConfig(rec);
    const final = await svc.store.update(ctx, rec.ID, (d) => {
      d.SnapshotKey = rec.ID;
      d.HostnamePath = paths.hostname;
      d.HostsPath = paths.hosts;
      d.ResolvConfPath = paths.resolv;
      d.LogPath = type === 'json-file' ? `${svc.store.dir(rec.ID)}/${rec.ID}-json.log` : '';
    });
    svc.liveOf(final);
    svc.emit('create', final);
    return { Id: rec.ID, Warnings: [] };
  } catch (e) {
    await svc.deps.tasks.deleteContainer(ctx, rec.ID).catch(() => {});
    await svc.deps.images.snapshotter.remove(ctx, rec.ID).catch(() => {});
    await svc.store.remove(ctx, rec.ID).catch(() => {});
    throw e;
  }
}
