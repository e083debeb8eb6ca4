/** POST /containers/create (moby daemon/create.go): merge with the image, validate, record, prepare the rw layer. */
import { join } from 'node:path';
import { invalidParameter, isConflict, withoutCancel, type Ctx } from '../../lib/index.js';
import { generateId, type ContainerRecord } from '../../containers/index.js';
import type { ContainerConfig, ContainerCreateRequest, ContainerCreateResponse, HostConfig } from '../../api/types/index.js';
import type { ImageConfig } from '../../oci/index.js';
import { chainIds } from '../../snapshots/index.js';
import { sha256 } from '../../lib/index.js';
import { parsePolicy } from './restart-policy.js';
import { adaptSharedNamespaces, validateNamespaceModes } from './namespaces.js';
import type { ContainersServiceBase } from './service.js';
import { prepareRwLayer } from './init-layer.js';
import { createSettings, hostHostname, linkTarget, modeOf, networkNameOf, normalizeLinks, validateContainerMode, validateEndpoints } from './network.js';
import { discardAnonymous, populateVolumes, registerMountPoints } from './mounts.js';

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
  const { HostConfig: hostIn, NetworkingConfig: netIn, Platform: _platform, ...configIn } = req;
  const config = mergeConfig(configIn, image.config);
  validateEnv(config.Env ?? []);
  const hc = defaultHostConfig(hostIn, svc.deps.config.logDriver, svc.deps.config.logOpts);
  parsePolicy(hc.RestartPolicy, hc.AutoRemove ?? false);
  if (hc.ShmSize! < 0) throw invalidParameter('SHM size can not be less than 0');
  validateNamespaceModes(hc);
  if (svc.deps.config.userns && hc.UsernsMode !== 'host') validateRemapped(hc);
  adaptSharedNamespaces(svc, hc);
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (argv.length === 0) throw invalidParameter('No command specified');
  config.Image = req.Image;
  const kind = config.NetworkDisabled ? 'disabled' : modeOf(svc.deps.network, hc.NetworkMode);
  const netName = kind === 'disabled' || kind === 'container' ? '' : networkNameOf(svc.deps.network, kind, hc.NetworkMode);
  validateEndpoints(kind, netIn?.EndpointsConfig ?? undefined);
  // API 1.44 asks for a MAC in the endpoint's settings; kept where 1.41 put it (they hold what runs)
  const mac = Object.values(netIn?.EndpointsConfig ?? {}).find((e) => e?.MacAddress)?.MacAddress;
  if (mac && !config.MacAddress) config.MacAddress = mac;
  if (kind === 'bridge') for (const l of hc.Links ?? []) linkTarget(svc, l);
  const mountPoints = await registerMountPoints(svc, ctx, config, hc);
  const id = generateId();
  // compat: with the host's network the container takes the host's name (moby initializeNetworking).
  if (kind === 'container') {
    validateContainerMode(config, hc);
    // compat: moby initializeNetworking: the joiner takes the other container's names
    const peer = svc.store.find(hc.NetworkMode!.slice('container:'.length));
    if (peer) {
      config.Hostname = peer.Config.Hostname;
      config.Domainname = peer.Config.Domainname;
    }
  }
  config.Hostname ||= kind === 'host' ? hostHostname() : id.slice(0, 12);
  const dir = svc.store.dir(id);
  const logType = svc.logConfig({ HostConfig: hc } as ContainerRecord).type;
  // The /etc files go with the record, which appears whole: a crash cannot leave a container
  // that cannot start for want of them.
  const etc = await svc.etcFiles(id, config, hc);
  // From here on the client going away cancels nothing: a create cut short would leave a
  // record without its containerd side (and its cleanup would be cancelled too).
  ctx = withoutCancel(ctx);
  // One write of the whole record: the name is taken (or refused) before any other work.
  const rec = await svc.store.create(ctx, {
    ID: id,
    Name: name || undefined,
    Path: argv[0]!,
    Args: argv.slice(1),
    Config: config,
    HostConfig: hc,
    Image: image.id,
    ImageName: req.Image,
    Driver: 'overlay2',
    SnapshotKey: id,
    HostnamePath: join(dir, 'hostname'),
    HostsPath: join(dir, 'hosts'),
    ResolvConfPath: join(dir, 'resolv.conf'),
    LogPath: logType === 'json-file' ? join(dir, `${id}-json.log`) : '',
    NetworkSettings: createSettings(kind, netName, hc.NetworkMode, netIn?.EndpointsConfig ?? undefined),
    MountPoints: mountPoints,
  }, etc).catch(async (e: unknown) => {
    await discardAnonymous(svc, ctx, mountPoints);
    throw e;
  });
  try {
    if (kind === 'bridge' && hc.Links?.length) {
      // compat: Docker keeps a link as /<target>:/<container>/<alias>
      const links = normalizeLinks(svc, rec.Name, hc.Links);
      await svc.store.update(ctx, rec.ID, (dd) => void (dd.HostConfig.Links = links));
    }
    await ensureRuntime(svc, ctx, rec, image.config);
    await populateVolumes(svc, ctx, rec);
    svc.liveOf(rec);
    svc.emit('create', rec);
    const warnings: string[] = [];
    if (kind === 'host' && Object.keys(hc.PortBindings ?? {}).length) warnings.push('Published ports are discarded when using host network mode');
    return { Id: rec.ID, Warnings: warnings };
  } catch (e) {
    await svc.deps.tasks.deleteContainer(ctx, rec.ID).catch(() => {});
    await svc.deps.images.snapshotter.remove(ctx, rec.ID).catch(() => {});
    await svc.store.remove(ctx, rec.ID).catch(() => {});
    await discardAnonymous(svc, ctx, rec.MountPoints);
    throw e;
  }
}

/** The image's top chain ID: the parent of a container's rw layer ('' for an image without layers). */
export function rwParent(image: ImageConfig): string {
  const chains = chainIds(image.rootfs?.diff_ids ?? [], sha256);
  return chains[chains.length - 1] ?? '';
}

/**
 * The containerd side of a container: its record (which holds the rw layer for containerd's
 * GC, so no lease is needed) and then the rw layer itself. Also used at boot to complete a
 * container whose create was cut short by a crash; what exists already is kept.
 */
export async function ensureRuntime(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>, image: ImageConfig): Promise<void> {
  await svc.deps.tasks.createContainer(ctx, rec.ID, rec.SnapshotKey, {}, { 'berth.container': 'true' }).catch((e) => {
    if (!isConflict(e)) throw e;
  });
  await prepareRwLayer(svc, ctx, rec, rwParent(image));
}

/** moby verifyPlatformContainerSettings with user namespaces on (and not opted out of). */
function validateRemapped(hc: Readonly<HostConfig>): void {
  if (hc.Privileged) throw invalidParameter('privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode');
  if (hc.NetworkMode === 'host') throw invalidParameter("cannot share the host's network namespace when user namespaces are enabled");
  if (hc.PidMode === 'host') throw invalidParameter('cannot share the host PID namespace when user namespaces are enabled');
}
