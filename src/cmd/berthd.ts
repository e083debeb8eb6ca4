/**
 * berthd: the composition root of the daemon. Parses flags and daemon.json, takes the pid file
 * and the data-root lock, brings up containerd (its own child, or the one at --containerd),
 * builds the services and serves the Engine API on every -H.
 *
 * Disk layout it owns (everything else is a service's own):
 *   <data-root>/berthd.lock            pid of the daemon using this data-root
 *   <data-root>/engine-id.json         the engine ID /info reports
 *   <data-root>/containerd/daemon/     containerd's root (managed mode)
 *   <exec-root>/berthd.pid             default --pidfile
 *   <exec-root>/containerd/            containerd's state, socket, pidfile, config, log
 *   <data-root>/volumes/               the volumes (volumes/local.ts, volumes/store.ts)
 *   <exec-root>/plugins/<name>.sock    volume plugins' sockets (volumes/plugin.ts)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chmod } from 'node:fs/promises';
import {
  background,
  createLogger,
  Filters,
  gitCommit,
  messageOf,
  mkdirp,
  Spawner,
  PidFile,
  which,
  BERTH_VERSION,
  type Ctx,
  type Logger,
} from '../lib/index.js';
import {
  applyReload,
  engineId,
  loadConfig,
  parseFlags,
  probeHost,
  SystemService,
  ImagesService,
  ContainerdImageRecords,
  ContainersService,
  NetworksService,
  setupRemap,
  daemonSeccompProfile,
  VolumesService,
  BuildService,
  DaemonBuildBackend,
  buildSpec,
  buildExecSpec,
  USAGE,
  type DaemonConfig,
  type ParsedFlags,
} from '../daemon/index.js';
import { EventBus } from '../events/index.js';
import { ContainerdClient, ContainerdSupervisor } from '../containerd/index.js';
import { ContainerdContentStore, ContainerdLeases } from '../content/index.js';
import { ContainerdSnapshotter } from '../snapshots/index.js';
import { ImageStore } from '../images/index.js';
import { RegistryClient, insecureMatcher } from '../registry/client/index.js';
import { ContainerStore } from '../containers/index.js';
import { ContainerdTasks } from '../runtime/index.js';
import { EmbeddedDns, NetworkController, sandboxDnsSetup, sandboxDnsShell } from '../network/index.js';
import { LocalDriver, VolumePluginRegistry, VolumeStore } from '../volumes/index.js';
import { createApiServer } from '../api/server/index.js';

interface Running {
  shutdown(reason: string): Promise<void>;
  /** SIGHUP: re-read daemon.json, apply what can change live, emit `daemon reload`. */
  reload(next: DaemonConfig): void;
}

async function boot(config: DaemonConfig, log: Logger): Promise<Running> {
  const ctx: Ctx = background(log);
  // a bad --seccomp-profile stops the daemon before anything starts
  const seccompProfile = await daemonSeccompProfile(config.seccompProfile);
  await mkdirp(config.dataRoot, 0o711);
  await mkdirp(config.execRoot, 0o700);
  // compat: with --userns-remap the remapped root must traverse to the bundles' rootfs (moby
  // makes its roots 0711 then); nothing is listable
  if (config.usernsRemap) await chmod(config.execRoot, 0o711);
  const pidfile = await PidFile.acquire(config.pidfile);
  let rootLock: PidFile | undefined;
  try {
    rootLock = await PidFile.acquire(join(config.dataRoot, 'berthd.lock'));
  } catch (e) {
    await pidfile.release();
    throw e;
  }
  const releaseLocks = async () => {
    await rootLock?.release();
    await pidfile.release();
  };

  // every run() of the daemon (unshare, umount, iptables, ip …) spawns from the small helper (lib/spawner.ts)
  const exec = new Spawner();
  let supervisor: ContainerdSupervisor | undefined;
  let client: ContainerdClient | undefined;
  const containerdRoot = join(config.dataRoot, 'containerd', 'daemon');
  try {
    let address = config.containerd;
    if (!address) {
      const binary = which('containerd');
      if (!binary) throw new Error('containerd not found in PATH: install the Debian package "containerd"');
      const cdRun = join(config.execRoot, 'containerd');
      supervisor = new ContainerdSupervisor(
        { exec, log: log.with({ module: 'containerd' }) },
        {
          binary,
          root: containerdRoot,
          state: join(cdRun, 'daemon'),
          address: join(cdRun, 'containerd.sock'),
          pidfile: join(cdRun, 'containerd.pid'),
          configPath: join(cdRun, 'containerd.toml'),
          logPath: join(cdRun, 'containerd.log'),
          debug: config.debug,
        },
      );
      await supervisor.start(ctx);
      await supervisor.recoverInterruptedTasks(ctx).catch((e) => log.warn('cannot check containerd for task creates cut short', { error: e }));
      address = supervisor.address;
    }
    address = address.replace(/^unix:\/\//, '');
    client = new ContainerdClient({ address: `unix://${address}`, namespace: config.containerdNamespace });
    await client.ready(ctx, 20_000);

    const events = new EventBus({ log: log.with({ module: 'events' }) });
    const imageStore = new ImageStore({
      records: new ContainerdImageRecords(client),
      content: new ContainerdContentStore(client, { localRoot: supervisor && join(containerdRoot, 'io.containerd.content.v1.content') }),
      snapshotter: new ContainerdSnapshotter(client),
      leases: new ContainerdLeases(client),
    });
    const stale = await imageStore.releaseStaleLeases(ctx);
    if (stale > 0) log.info('released leases of interrupted operations', { count: stale });
    // Containers (issue 4): records, containerd tasks, runtime specs; images ask them who uses an image.
    const stateDir = join(config.execRoot, 'containers');
    const tmpDir = join(config.execRoot, 'tmp');
    await mkdirp(tmpDir, 0o700);
    // The init must run in any image, so a static build: Docker's docker-init, else Debian's tini-static.
    const initPath = (config.initPath ? which(config.initPath) : (which('docker-init') ?? which('tini-static') ?? which('tini'))) ?? '';
    // Networking (issue 6): the predefined networks, the default bridge, sandboxes, iptables.
    const bin = (name: string) => {
      const p = which(name);
      if (!p) throw new Error(`${name} not found in PATH: install the Debian packages "iproute2", "iptables" and "util-linux"`);
      return p;
    };
    const network = new NetworkController(
      {
        exec,
        log: log.with({ module: 'network' }),
        bins: {
          ip: bin('ip'),
          unshare: bin('unshare'),
          umount: bin('umount'),
          nsenter: bin('nsenter'),
          mount: bin('mount'),
          sh: bin('sh'),
          ...(config.iptables ? { iptables: bin('iptables'), iptablesSave: bin('iptables-save'), iptablesRestore: bin('iptables-restore') } : {}),
        },
        // The embedded DNS of user-defined networks: a server on each gateway, 127.0.0.11 redirected to it.
        ...(config.iptables
          ? {
              dns: {
                server: (b) => new EmbeddedDns({ log: log.with({ module: 'dns' }), resolve: (c, n) => b.resolve(c, n), reverse: (c, ip) => b.reverse(c, ip), upstreams: (c) => b.upstreams(c) }),
                script: (r) =>
                  sandboxDnsShell(sandboxDnsSetup({ gateway: r.gateway, port: r.port, containerIp: r.containerIp, ifname: r.ifName, onlyDns: r.onlyDns }), {
                    replace: r.replace,
                    bins: { iptables: bin('iptables'), iptablesRestore: bin('iptables-restore') },
                  }),
              },
            }
          : {}),
      },
      {
        dataDir: join(config.dataRoot, 'network'),
        execRoot: config.execRoot,
        chainPrefix: config.iptablesChainPrefix,
        bridge: {
          name: config.bridge,
          bip: config.bip,
          fixedCidr: config.fixedCidr,
          mtu: config.mtu,
          icc: config.icc,
          ipMasq: config.ipMasq,
          ipForward: config.ipForward,
          iptables: config.iptables,
          userlandProxy: config.userlandProxy,
          defaultBindIp: config.defaultBindIp,
          pools: config.defaultAddressPools,
        },
      },
    );
    await network.init(ctx);
    // Volumes (issue 7): the local driver and the store; who uses a volume is in the containers' records.
    const volumesRoot = join(config.dataRoot, 'volumes');
    const localVolumes = new LocalDriver({ exec }, { root: volumesRoot });
    await localVolumes.load(ctx);
    // Volume plugins (Docker's protocol): <exec-root>/plugins/<name>.sock, then /run/docker/plugins.
    const volumePlugins = new VolumePluginRegistry({ dirs: [join(config.execRoot, 'plugins'), '/run/docker/plugins'] });
    const volumeStore = new VolumeStore({ root: volumesRoot }, (c, name) => volumePlugins.lookup(c, name));
    volumeStore.register(localVolumes);
    await volumeStore.load(ctx);
    let volumeUsers: (name: string) => string[] = () => [];
    const volumes = new VolumesService({ store: volumeStore, events, usersOf: (n) => volumeUsers(n), log: log.with({ module: 'volumes' }) });
    // --userns-remap: container root is an unprivileged host user (the default one made when needed)
    const userns = await setupRemap(ctx, exec, config.usernsRemap);
    if (userns) log.info('user namespaces on', { user: userns.user, uid: userns.rootUid, gid: userns.rootGid });
    const specDeps = { snapshotter: imageStore.snapshotter, exec, initPath, cgroupParent: `/${config.iptablesChainPrefix.toLowerCase()}`, tmpDir, userns, seccompProfile };
    const containers = new ContainersService({
      store: new ContainerStore({ root: join(config.dataRoot, 'containers') }),
      images: imageStore,
      tasks: new ContainerdTasks(client, exec, {
        stateDir,
        runcRoot: join(config.execRoot, 'runtime-runc'),
        snapshotter: 'overlayfs',
        runcBinary: which('runc'),
      }),
      events,
      exec,
      log: log.with({ module: 'containers' }),
      config: { logDriver: config.logDriver, logOpts: config.logOpts, initPath, cgroupParent: specDeps.cgroupParent, stateDir, tmpDir, userns },
      buildSpec: (c, r, o) => buildSpec(c, specDeps, r, o),
      network,
      volumes,
      buildExecSpec: (c, r, e, b) => buildExecSpec(c, specDeps, r, e, b),
    });
    const exitWatch = new AbortController();
    void containers.watchExits({ ...ctx, signal: exitWatch.signal });
    volumeUsers = containers.volumeUsers;
    const restored = await containers.restore(ctx);
    log.info('containers restored', restored);
    const staleVolumeMounts = await localVolumes.unmountUnused(ctx);
    if (staleVolumeMounts > 0) log.info('unmounted volumes no container uses', { count: staleVolumeMounts });
    const registry = new RegistryClient({
      insecure: insecureMatcher(config.insecureRegistries),
      mirrors: config.registryMirrors,
      userAgent: `berth/${BERTH_VERSION} (linux)`,
    });
    const images = new ImagesService({ store: imageStore, events, usersOf: containers.usersOf, registry });
    const builds = new BuildService({
      backend: new DaemonBuildBackend({ store: imageStore, containers, images }),
      root: join(config.dataRoot, 'builder'),
      exec,
    });
    await builds.cleanup();
    const host = await probeHost(ctx, exec, { runc: which('runc'), init: initPath || undefined }, config.dataRoot);
    const id = await engineId(config.dataRoot);
    const system = new SystemService(
      {
        config,
        host,
        containerd: client,
        containerdAddress: address,
        events,
        gitCommit: gitCommit(),
        imagesDiskUsage: (c, v) => images.diskUsage(c, v),
        volumesDiskUsage: (c) => volumes.diskUsage(c),
        containersDiskUsage: (c) => containers.list(c, { all: true, limit: -1, size: true, filters: new Filters() }),
        counts: async (c) => ({ ...containers.counts(), images: (await imageStore.list(c)).length }),
      },
      id,
    );
    supervisor?.onRestart(() => system.containerdRestarted());

    const tls = config.tls
      ? {
          cert: readFileSync(config.tlsCert),
          key: readFileSync(config.tlsKey),
          ca: config.tlsCaCert ? readFileSync(config.tlsCaCert) : undefined,
          verify: config.tlsVerify,
        }
      : undefined;
    const server = createApiServer({
      backends: {
        system: {
          version: (c) => system.version(c),
          info: (c) => system.info(c),
          df: (c, o) => system.df(c, o),
          events: (c, o) =>
            system.events(c, {
              since: o.since !== undefined ? BigInt(o.since) : undefined,
              until: o.until !== undefined ? BigInt(o.until) : undefined,
              filters: o.filters,
            }),
        },
        images,
        registry: images,
        containers,
        containerFs: containers,
        build: { build: (c, o) => builds.build(c, o) },
        networks: new NetworksService({
          controller: network,
          containers: () => containers.store.list(),
          connect: containers.connectNetwork,
          disconnect: containers.disconnectNetwork,
          events,
        }),
        volumes,
      },
      log: log.with({ module: 'api' }),
      serverHeader: `Berth/${BERTH_VERSION} (linux)`,
      experimental: config.experimental,
      swarmStatus: () => 'inactive',
    });
    await server.listen(config.hosts, tls);
    log.info('API listen on ' + config.hosts.join(', '));
    log.info('Daemon has completed initialization', { version: BERTH_VERSION, containerd: address });

    let stopping: Promise<void> | undefined;
    return {
      reload: (next) => {
        const attributes = applyReload(config, next, host.hostname);
        events.publish({ type: 'daemon', action: 'reload', actorId: id, attributes });
        log.info('Reloaded configuration', attributes);
      },
      shutdown: (reason) =>
        (stopping ??= (async () => {
          log.info('Processing signal', { signal: reason });
          await server.close().catch((e) => log.warn('closing API server', { error: e }));
          exitWatch.abort();
          await containers.shutdown();
          client?.close();
          if (supervisor) await supervisor.stop(ctx).catch((e) => log.warn('stopping containerd', { error: e }));
          await releaseLocks();
          log.info('Daemon shutdown complete');
        })()),
    };
  } catch (e) {
    client?.close();
    if (supervisor) await supervisor.stop(ctx).catch(() => {});
    await releaseLocks();
    throw e;
  }
}

export async function main(argv: string[]): Promise<number> {
  let config: DaemonConfig;
  let flags: ParsedFlags;
  try {
    flags = parseFlags(argv);
    if (flags.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (flags.version) {
      process.stdout.write(`Berth version ${BERTH_VERSION}, build ${gitCommit()}\n`);
      return 0;
    }
    config = loadConfig(flags);
    if (flags.validate) {
      process.stdout.write('configuration OK\n');
      return 0;
    }
  } catch (e) {
    process.stderr.write(`${messageOf(e)}\n`);
    return 125;
  }
  const log = createLogger({ level: config.logLevel });
  if (process.getuid?.() !== 0) {
    log.error('berthd needs to be started with root privileges');
    return 1;
  }
  // A daemon serves many clients: one broken stream must not take it down (log it loudly instead).
  process.on('uncaughtException', (e) => log.error('uncaught exception', { error: e, stack: (e as Error).stack }));
  process.on('unhandledRejection', (e) => log.error('unhandled rejection', { error: e }));
  let running: Running;
  try {
    running = await boot(config, log);
  } catch (e) {
    log.error(`failed to start daemon: ${messageOf(e)}`, { error: e });
    return 1;
  }
  return new Promise<number>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      void running.shutdown(sig).then(() => resolve(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    process.on('SIGHUP', () => {
      try {
        running.reload(loadConfig(flags));
      } catch (e) {
        log.error(`Error reloading configuration: ${messageOf(e)}`);
      }
    });
  });
}

// Exit explicitly: after shutdown, lingering sockets or timers must not keep the daemon alive.
process.exit(await main(process.argv.slice(2)));
