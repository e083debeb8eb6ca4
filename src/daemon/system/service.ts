/**
 * The system service: /version, /info and /events. It composes host facts gathered at startup
 * with live figures from the stores (counts) and from containerd.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { DiskUsage, EventMessage, Info, VersionResponse } from '../../api/types/index.js';
import { API_VERSION_MAX, API_VERSION_MIN_REPORTED } from '../../api/types/index.js';
import type { Ctx, Filters } from '../../lib/index.js';
import { BERTH_VERSION, readJson, writeJsonAtomic, invalidParameter } from '../../lib/index.js';
import { EVENT_FILTER_KEYS, type EventBus } from '../../events/index.js';
import { INDEX_SERVER } from '../../oci/index.js';
import type { DaemonConfig } from '../config.js';
import { goArch, openFds, sysctlOn, type HostFacts } from './host.js';

/** What the system service needs from containerd. */
export interface ContainerdInfo {
  version(ctx: Ctx): Promise<{ version: string; revision: string }>;
}

/** Object counts for /info; later issues register their stores here. */
export interface Counts {
  containers: number;
  running: number;
  paused: number;
  stopped: number;
  images: number;
}

export interface SystemServiceDeps {
  config: DaemonConfig;
  host: HostFacts;
  containerd: ContainerdInfo;
  /** containerd's address as shown in /info. */
  containerdAddress: string;
  events: EventBus;
  gitCommit: string;
  counts?: (ctx: Ctx) => Promise<Counts>;
  swarm?: () => Info['Swarm'];
  /** The image rows of /system/df. */
  imagesDiskUsage?: (ctx: Ctx, apiVersion: string) => Promise<{ layersSize: number; images: DiskUsage['Images'] }>;
  /** The container rows of /system/df (ps -a with sizes). */
  containersDiskUsage?: (ctx: Ctx) => Promise<NonNullable<DiskUsage['Containers']>>;
  /** The local volumes with their sizes and reference counts. */
  volumesDiskUsage?: (ctx: Ctx) => Promise<NonNullable<DiskUsage['Volumes']>>;
}

const DF_TYPES = ['image', 'container', 'volume', 'build-cache'];

const LOG_DRIVERS = ['json-file', 'local', 'none'];
const NETWORK_DRIVERS = ['bridge', 'host', 'null', 'overlay'];

/** Reads or creates the engine ID kept in the data-root (dockerd's engine-id file). */
export async function engineId(dataRoot: string): Promise<string> {
  const p = join(dataRoot, 'engine-id.json');
  const existing = await readJson<{ id: string }>(p);
  if (existing?.id) return existing.id;
  const id = randomUUID();
  await writeJsonAtomic(p, { id });
  return id;
}

export class SystemService {
  private readonly startedAt = new Date();

  constructor(
    private readonly deps: SystemServiceDeps,
    private readonly id: string,
  ) {}

  private cdVersion: { version: string; revision: string } | undefined;

  /** containerd's version, asked once and then remembered (/version must answer at once). */
  private async containerdVersion(ctx: Ctx): Promise<{ version: string; revision: string } | undefined> {
    if (this.cdVersion) return this.cdVersion;
    try {
      return (this.cdVersion = await this.deps.containerd.version(ctx));
    } catch (e) {
      ctx.log.warn('containerd version unavailable', { error: e });
      return undefined;
    }
  }

  /** Forgets the remembered containerd version (after containerd restarts, possibly upgraded). */
  containerdRestarted(): void {
    this.cdVersion = undefined;
  }

  async version(ctx: Ctx): Promise<VersionResponse> {
    const { host, gitCommit } = this.deps;
    const cd = await this.containerdVersion(ctx);
    const arch = goArch(host.architecture);
    const buildTime = this.startedAt.toISOString();
    const components: VersionResponse['Components'] = [
      {
        Name: 'Engine',
        Version: BERTH_VERSION,
        Details: {
          ApiVersion: API_VERSION_MAX,
          Arch: arch,
          BuildTime: buildTime,
          Experimental: String(this.deps.config.experimental),
          GitCommit: gitCommit,
          GoVersion: `node${process.versions.node}`,
          KernelVersion: host.kernelVersion,
          MinAPIVersion: API_VERSION_MIN_REPORTED,
          Os: 'linux',
        },
      },
    ];
    if (cd) components.push({ Name: 'containerd', Version: cd.version, Details: { GitCommit: cd.revision } });
    if (host.runc) components.push({ Name: 'runc', Version: host.runc.version, Details: { GitCommit: host.runc.commit } });
    if (host.init) components.push({ Name: 'docker-init', Version: host.init.version, Details: { GitCommit: host.init.commit } });
    return {
      Platform: { Name: 'Berth Engine' },
      Components: components,
      Version: BERTH_VERSION,
      ApiVersion: API_VERSION_MAX,
      MinAPIVersion: API_VERSION_MIN_REPORTED,
      GitCommit: gitCommit,
      GoVersion: `node${process.versions.node}`,
      Os: 'linux',
      Arch: arch,
      KernelVersion: host.kernelVersion,
      Experimental: this.deps.config.experimental,
      BuildTime: buildTime,
    };
  }

  async info(ctx: Ctx): Promise<Info> {
    const { config, host, events } = this.deps;
    const [cd, counts, ipv4Fwd, nfIpt, nfIp6t] = await Promise.all([
      this.containerdVersion(ctx),
      this.deps.counts?.(ctx) ?? Promise.resolve({ containers: 0, running: 0, paused: 0, stopped: 0, images: 0 }),
      sysctlOn('/proc/sys/net/ipv4/ip_forward'),
      sysctlOn('/proc/sys/net/bridge/bridge-nf-call-iptables'),
      sysctlOn('/proc/sys/net/bridge/bridge-nf-call-ip6tables'),
    ]);
    const runtimes: Info['Runtimes'] = {
      'io.containerd.runc.v2': { path: 'runc' },
      runc: { path: 'runc' },
    };
    for (const [name, r] of Object.entries(config.runtimes)) {
      runtimes[name] = { path: r.path, ...(r.runtimeArgs ? { runtimeArgs: r.runtimeArgs } : {}) };
    }
    const warnings: string[] = [];
    if (!ipv4Fwd) warnings.push('WARNING: IPv4 forwarding is disabled');
    if (config.hosts.some((h) => h.startsWith('tcp://')) && !config.tlsVerify) {
      warnings.push('WARNING: API is accessible on http://0.0.0.0:2375 without encryption.');
    }
    return {
      ID: this.id,
      Containers: counts.containers,
      ContainersRunning: counts.running,
      ContainersPaused: counts.paused,
      ContainersStopped: counts.stopped,
      Images: counts.images,
      Driver: 'overlay2',
      DriverStatus: [
        ['Backing Filesystem', host.backingFilesystem],
        ['Supports d_type', 'true'],
        ['Using metacopy', 'false'],
        ['Native Overlay Diff', 'true'],
        ['userxattr', 'false'],
      ],
      Plugins: { Volume: ['local'], Network: NETWORK_DRIVERS, Authorization: null, Log: LOG_DRIVERS },
      MemoryLimit: true,
      SwapLimit: host.cgroupVersion === '1',
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: ipv4Fwd,
      BridgeNfIptables: nfIpt,
      BridgeNfIp6tables: nfIp6t,
      Debug: config.debug,
      NFd: openFds(),
      OomKillDisable: host.cgroupVersion === '1',
      NGoroutines: process.getActiveResourcesInfo().length,
      SystemTime: new Date().toISOString(),
      LoggingDriver: config.logDriver,
      CgroupDriver: 'cgroupfs',
      CgroupVersion: host.cgroupVersion,
      NEventsListener: events.listeners,
      KernelVersion: host.kernelVersion,
      OperatingSystem: host.operatingSystem,
      OSVersion: host.osVersion,
      OSType: 'linux',
      Architecture: host.architecture,
      IndexServerAddress: INDEX_SERVER,
      RegistryConfig: {
        AllowNondistributableArtifactsCIDRs: [],
        AllowNondistributableArtifactsHostnames: [],
        InsecureRegistryCIDRs: ['127.0.0.0/8', ...config.insecureRegistries.filter((r) => /\/\d+$/.test(r))],
        IndexConfigs: {
          'docker.io': { Name: 'docker.io', Mirrors: config.registryMirrors, Secure: true, Official: true },
          ...Object.fromEntries(
            config.insecureRegistries
              .filter((r) => !/\/\d+$/.test(r))
              .map((r) => [r, { Name: r, Mirrors: [], Secure: false, Official: false }]),
          ),
        },
        Mirrors: config.registryMirrors,
      },
      NCPU: host.ncpu,
      MemTotal: host.memTotal,
      GenericResources: null,
      DockerRootDir: config.dataRoot,
      HttpProxy: process.env['HTTP_PROXY'] ?? process.env['http_proxy'] ?? '',
      HttpsProxy: process.env['HTTPS_PROXY'] ?? process.env['https_proxy'] ?? '',
      NoProxy: process.env['NO_PROXY'] ?? process.env['no_proxy'] ?? '',
      Name: host.hostname,
      Labels: config.labels,
      ExperimentalBuild: config.experimental,
      ServerVersion: BERTH_VERSION,
      Runtimes: runtimes,
      DefaultRuntime: config.defaultRuntime,
      Swarm: this.deps.swarm?.() ?? {
        NodeID: '',
        NodeAddr: '',
        LocalNodeState: 'inactive',
        ControlAvailable: false,
        Error: '',
        RemoteManagers: null,
      },
      LiveRestoreEnabled: config.liveRestore,
      Isolation: '',
      InitBinary: 'docker-init',
      ContainerdCommit: { ID: cd?.revision ?? '', Expected: cd?.revision ?? '' },
      RuncCommit: { ID: host.runc?.commit ?? '', Expected: host.runc?.commit ?? '' },
      InitCommit: { ID: host.init?.commit ?? '', Expected: host.init?.commit ?? '' },
      // compat: what dockerd lists on this host (no AppArmor, no SELinux, cgroup v1: no cgroupns).
      SecurityOptions: [`name=seccomp,profile=${this.deps.config.seccompProfile || 'builtin'}`, ...(this.deps.config.usernsRemap ? ['name=userns'] : [])],
      Warnings: warnings.length ? warnings : null,
      DefaultAddressPools: config.defaultAddressPools.map((p) => ({ Base: p.base, Size: p.size })),
      CDISpecDirs: [],
      Containerd: {
        Address: this.deps.containerdAddress,
        Namespaces: { Containers: config.containerdNamespace, Plugins: `${config.containerdNamespace}-plugins` },
      },
    };
  }

  /** GET /system/df: images and containers; volumes and build cache join with their issues. */
  async df(ctx: Ctx, opts: { types: string[]; apiVersion: string }): Promise<DiskUsage> {
    for (const t of opts.types) if (!DF_TYPES.includes(t)) throw invalidParameter(`unknown object type: ${t}`);
    const want = (t: string) => opts.types.length === 0 || opts.types.includes(t);
    const images = want('image') && this.deps.imagesDiskUsage ? await this.deps.imagesDiskUsage(ctx, opts.apiVersion) : undefined;
    return {
      LayersSize: images?.layersSize ?? 0,
      Images: want('image') ? (images?.images ?? []) : null,
      Containers: want('container') ? ((await this.deps.containersDiskUsage?.(ctx)) ?? []) : null,
      Volumes: want('volume') ? ((await this.deps.volumesDiskUsage?.(ctx)) ?? []) : null,
      BuildCache: want('build-cache') ? [] : null,
    };
  }

  /** Docker's event stream: validated filters, replay from `since`, live until `until`. */
  events(ctx: Ctx, opts: { since?: bigint; until?: bigint; filters: Filters }): AsyncIterable<EventMessage> {
    opts.filters.validate(EVENT_FILTER_KEYS);
    if (opts.since !== undefined && opts.until !== undefined && opts.until < opts.since) {
      throw invalidParameter('`since` time must be before `until`');
    }
    return this.deps.events.subscribe(ctx, opts);
  }
}
