/**
 * The daemon's container service: Docker's container verbs over the record store
 * (containers/), the image store, containerd tasks (runtime/) and the event bus.
 *
 * In memory per container: an I/O hub (attach before start, logs), the restart manager, and the
 * waiters of POST /wait. Everything else is in the record store and in containerd, so a new
 * berthd rebuilds this state at boot (restore.ts).
 */
import { promises as fs } from 'node:fs';
import type { EventBus } from '../../events/index.js';
import { invalidParameter, KeyedMutex, withoutCancel, type Ctx, type Exec, type Logger } from '../../lib/index.js';
import type { ImageStore } from '../../images/index.js';
import type { ContainerdTasks, ProcessIO } from '../../runtime/index.js';
import {
  createLogDriver,
  logPathFor,
  openLogReader,
  systemClock,
  type Clock,
  type ContainerRecord,
  type ContainerStore,
  type LogDriver,
  type LogReader,
} from '../../containers/index.js';
import type { ContainerConfig, ContainerWaitResponse, HostConfig } from '../../api/types/index.js';
import { ContainerHub } from './hub.js';
import { healthcheckOf, monitorHealth } from './health.js';
import { RestartManager, parsePolicy } from './restart-policy.js';
import type { ProcessStreams } from './streams.js';
import type { JoinedNamespaces } from './namespaces.js';
import { driverOfName, modeOf, type ContainerNetwork } from './network.js';
import { embeddedView } from './resolv-conf.js';
import type { Remap } from '../userns.js';
import type { ContainerVolumes } from './mounts.js';
import type { MountInput } from '../../runtime/index.js';

export interface ContainersConfig {
  /** Daemon default log driver and options (daemon.json log-driver/log-opts). */
  logDriver: string;
  logOpts: Record<string, string>;
  /** The init binary for --init (tini). */
  initPath: string;
  /** cgroup parent for containers (cgroupfs), e.g. "berth". */
  cgroupParent: string;
  /** Where per-container state (FIFOs) goes: <exec-root>/containers. */
  stateDir: string;
  /** Where temporary mounts go: <exec-root>/tmp. */
  tmpDir: string;
  /** `--userns-remap`: container root is this unprivileged host user. */
  userns?: Remap;
}

/**
 * Builds the OCI runtime spec of a container for its next start: `joined` is what
 * prepareNamespaces found about the namespaces it shares, `netnsPath` the sandbox it joins.
 */
export type SpecBuilder = (ctx: Ctx, rec: Readonly<ContainerRecord>, opts?: { joined?: JoinedNamespaces; netnsPath?: string; mounts?: MountInput[] }) => Promise<object>;
/** Builds the runtime-spec Process of an exec. */
/** `base`: the spec the container runs with (its process is the exec's starting point). */
export type ExecSpecBuilder = (ctx: Ctx, rec: Readonly<ContainerRecord>, exec: ExecRecord, base?: object) => Promise<object>;

export interface ContainersDeps {
  store: ContainerStore;
  images: ImageStore;
  tasks: ContainerdTasks;
  events: EventBus;
  exec: Exec;
  log: Logger;
  config: ContainersConfig;
  buildSpec: SpecBuilder;
  buildExecSpec: ExecSpecBuilder;
  /** Sandboxes and endpoints (network/): joined before a start, left after an exit. */
  network: ContainerNetwork;
  /** Volumes (issue 7): created for mounts, mounted around each run. */
  volumes?: ContainerVolumes;
  clock?: Clock;
}

export interface ExecRecord {
  id: string;
  containerId: string;
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  user: string;
  privileged: boolean;
  env: string[];
  workingDir: string;
  detachKeys: string;
  running: boolean;
  exitCode: number | null;
  pid: number;
  streams?: ProcessStreams;
  exited?: Promise<void>;
  markExited?: () => void;
}

type Waiter = { condition: 'not-running' | 'next-exit' | 'removed'; resolve: (r: ContainerWaitResponse) => void };

/** In-memory state of one container. */
export class Live {
  readonly hub = new ContainerHub();
  restart: RestartManager;
  startedAtMs = 0;
  /** Set while stop/kill by the user is in progress (the exit is not a failure to restart). */
  stopping = false;
  /** A pending policy restart (cancelled by stop/rm). */
  restartTimer: NodeJS.Timeout | undefined;
  waiters = new Set<Waiter>();
  /** Resolves at the next exit of the running process. */
  exited: Promise<void> = Promise.resolve();
  markExited: () => void = () => {};
  /** Stops the health monitor of the current process. */
  health: AbortController | undefined;
  /** The kernel's OOM killer hit the container since its start (containerd's /tasks/oom). */
  oomKilled = false;
  /** The start in progress: its process may exit before it has recorded the start. */
  starting: Promise<unknown> = Promise.resolve();
  /**
   * The reaping (task delete) of the last exit, when it runs in the background: a start or a
   * removal waits for it. A task delete still in flight at containerd while the next task is
   * created tears down the new task's shim and bundle along with the old.
   */
  reaping: Promise<unknown> = Promise.resolve();
  /** The runtime spec of the current process (execs start from it; after a restart containerd has it). */
  spec: object | undefined;

  constructor(rec: Readonly<ContainerRecord>) {
    this.restart = new RestartManager(parsePolicy(rec.HostConfig.RestartPolicy, false));
  }

  armExit(): void {
    this.exited = new Promise((r) => (this.markExited = r));
  }
}

export class ContainersServiceBase {
  readonly clock: Clock;
  readonly mutex = new KeyedMutex();
  readonly live = new Map<string, Live>();
  readonly execs = new Map<string, ExecRecord>();
  shuttingDown = false;
  /** Work that outlives the request that started it (reaping, runtime cleanup after rm). */
  private readonly pending = new Set<Promise<unknown>>();

  /** Runs `p` in the background: failures are logged, shutdown waits for it (settled()). */
  background(p: Promise<unknown>): void {
    const tracked = p.catch((e) => this.deps.log.warn('background container work failed', { error: e })).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Starts the health monitor of a container's process (no-op without a healthcheck). */
  watchHealth(ctx: Ctx, rec: Readonly<ContainerRecord>, fresh: boolean): void {
    const live = this.liveOf(rec);
    live.health?.abort();
    if (!healthcheckOf(rec)) return;
    const ac = new AbortController();
    live.health = ac;
    monitorHealth(this, withoutCancel(ctx), rec.ID, ac.signal, fresh).catch((e) => this.deps.log.warn('health monitor failed', { container: rec.ID.slice(0, 12), error: e }));
  }

  /** Resolves once the background work started so far is done. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  constructor(readonly deps: ContainersDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  get store(): ContainerStore {
    return this.deps.store;
  }

  liveOf(rec: Readonly<ContainerRecord>): Live {
    let l = this.live.get(rec.ID);
    if (!l) this.live.set(rec.ID, (l = new Live(rec)));
    return l;
  }

  /** Docker's container event, with the image's labels and the container's own attributes. */
  emit(action: string, rec: Readonly<ContainerRecord>, extra: Record<string, string> = {}): void {
    const attributes: Record<string, string> = { ...(rec.Config.Labels ?? {}), image: rec.Config.Image ?? rec.ImageName, name: rec.Name.replace(/^\//, ''), ...extra };
    this.deps.events.publish({ type: 'container', action, actorId: rec.ID, attributes });
  }

  /** A network event of a container joining its network (Docker: before its `start`). */
  emitNetwork(action: 'connect' | 'disconnect', ep: { networkName: string; networkId: string }, containerId: string): void {
    let type = driverOfName(ep.networkName);
    try {
      type = this.deps.network.find(ep.networkId).driver;
    } catch {
      /* the network is gone: the name says enough */
    }
    this.deps.events.publish({ type: 'network', action, actorId: ep.networkId, attributes: { container: containerId, name: ep.networkName, type } });
  }

  /** `network disconnect` for each network a container was on (Docker: after its `die`). */
  emitNetworkLeave(rec: Readonly<ContainerRecord>): void {
    for (const [name, ep] of Object.entries(rec.NetworkSettings.Networks ?? {})) {
      if (ep.NetworkID) this.emitNetwork('disconnect', { networkName: name, networkId: ep.NetworkID }, rec.ID);
    }
  }

  /** The log driver options of a container (its LogConfig, or the daemon's defaults). */
  logConfig(rec: Readonly<ContainerRecord>): { type: string; config: Record<string, string> } {
    const lc = rec.HostConfig.LogConfig;
    return lc?.Type ? { type: lc.Type, config: lc.Config ?? {} } : { type: this.deps.config.logDriver, config: this.deps.config.logOpts };
  }

  async openLog(rec: Readonly<ContainerRecord>): Promise<LogDriver> {
    const { type, config } = this.logConfig(rec);
    return createLogDriver(type, {
      path: logPathFor(this.store.dir(rec.ID), rec.ID, type),
      config,
      info: { containerId: rec.ID, containerName: rec.Name, containerImageId: rec.Image, containerImageName: rec.ImageName, containerLabels: rec.Config.Labels ?? {}, containerEnv: rec.Config.Env ?? [] },
      log: this.deps.log,
    });
  }

  /** Whether the container has a live process wired into its hub (false once its output closed). */
  hasProcess(id: string): boolean {
    return Boolean(this.live.get(id)?.hub.process);
  }

  logReader(rec: Readonly<ContainerRecord>): LogReader {
    const live = this.live.get(rec.ID);
    const d = live?.hub.log as (LogDriver & Partial<LogReader>) | undefined;
    if (d && typeof d.read === 'function' && live?.hub.process) return d as LogReader;
    const { type, config } = this.logConfig(rec);
    return openLogReader(type, { path: logPathFor(this.store.dir(rec.ID), rec.ID, type), config });
  }

  /** Wires a process's stdio into the container's hub and log. */
  wire(rec: Readonly<ContainerRecord>, io: ProcessIO, log: LogDriver | undefined): ProcessStreams {
    return this.liveOf(rec).hub.attachProcess(io.stdout, io.stderr, io.stdin, log);
  }

  /** Resolves the waiters whose condition an exit (or removal) meets. */
  wake(id: string, event: 'exit' | 'removed', exitCode: number): void {
    const l = this.live.get(id);
    if (!l) return;
    for (const w of l.waiters) {
      if (event === 'removed' ? w.condition === 'removed' : w.condition !== 'removed') {
        w.resolve({ StatusCode: exitCode, Error: null });
        l.waiters.delete(w);
      }
    }
  }

  addWaiter(rec: Readonly<ContainerRecord>, w: Waiter): void {
    this.liveOf(rec).waiters.add(w);
  }

  /**
   * /etc/hosts of a container without its own address line (libnetwork etchosts: the defaults,
   * then --add-host entries; the address is added when it joins a network). With the host's
   * network the host's file is the base.
   */
  async hostsBase(rec: Pick<ContainerRecord, 'Config' | 'HostConfig'>): Promise<string> {
    const extra = (rec.HostConfig.ExtraHosts ?? []).map((h) => {
      const i = h.lastIndexOf(':');
      let ip = h.slice(i + 1);
      if (ip === 'host-gateway') {
        // compat: moby's HostGatewayIP, the default bridge's gateway
        const gw = this.deps.network.hostGatewayIp();
        if (!gw) throw invalidParameter('unable to derive the IP value for host-gateway');
        ip = gw;
      }
      return `${ip}\t${h.slice(0, i)}\n`;
    });
    if (this.networkKind(rec) === 'host') {
      const own = await fs.readFile('/etc/hosts', 'utf8').catch(() => '');
      return (own && !own.endsWith('\n') ? own + '\n' : own) + extra.join('');
    }
    return [
      '127.0.0.1\tlocalhost\n',
      '::1\tlocalhost ip6-localhost ip6-loopback\n',
      'fe00::0\tip6-localnet\n',
      'ff00::0\tip6-mcastprefix\n',
      'ff02::1\tip6-allnodes\n',
      'ff02::2\tip6-allrouters\n',
      ...extra,
    ].join('');
  }

  /** The network a container's mode names (throws notFound for an unknown one). */
  networkKind(rec: Pick<ContainerRecord, 'Config' | 'HostConfig'>) {
    return rec.Config.NetworkDisabled ? 'disabled' : modeOf(this.deps.network, rec.HostConfig.NetworkMode);
  }

  /**
   * The contents of a container's /etc/hostname, /etc/hosts and /etc/resolv.conf, keyed by their
   * file names in its directory (HostnamePath, HostsPath, ResolvConfPath).
   */
  async etcFiles(id: string, config: Readonly<ContainerConfig>, hc: Readonly<HostConfig>): Promise<Record<'hostname' | 'hosts' | 'resolv.conf', string>> {
    const rec = { Config: config, HostConfig: hc } as Pick<ContainerRecord, 'Config' | 'HostConfig'>;
    const hostname = config.Hostname || id.slice(0, 12);
    const hosts = await this.hostsBase(rec);
    let resolv = await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    // compat: Docker drops loopback nameservers the container cannot reach, falling back to
    // Google's; with the host's network it keeps them.
    const hostNet = this.networkKind(rec) === 'host';
    const keep = resolv.split('\n').filter((l) => hostNet || !/^\s*nameserver\s+(127\.|::1)/.test(l));
    const dns = hc.Dns ?? [];
    const search = hc.DnsSearch ?? [];
    const opts = hc.DnsOptions ?? [];
    let lines = keep.filter((l) => !(dns.length && /^\s*nameserver/.test(l)) && !(search.length && /^\s*search/.test(l)) && !(opts.length && /^\s*options/.test(l)));
    lines = [...lines, ...dns.map((d) => `nameserver ${d}`), ...(search.length ? [`search ${search.join(' ')}`] : []), ...(opts.length ? [`options ${opts.join(' ')}`] : [])];
    if (!lines.some((l) => /^\s*nameserver/.test(l))) lines.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
    if (this.networkKind(rec) === 'user') lines = embeddedView(lines);
    resolv = lines.filter((l, i, a) => !(l === '' && i === a.length - 1)).join('\n') + '\n';
    return { hostname: hostname + '\n', hosts, 'resolv.conf': resolv };
  }
}
