/**
 * start, stop, kill, restart, pause, unpause, and what happens when a container's process exits
 * (moby daemon/start.go, stop.go, kill.go, monitor.go).
 */
import { randomBytes } from 'node:crypto';
import { conflict, invalidParameter, messageOf, system, withoutCancel, type Ctx } from '../../lib/index.js';
import { isRunning, setPaused, setRestarting, setRunning, setStopped, setUnpaused } from '../../containers/index.js';
import { signalNumber } from '../../containerd/index.js';
import type { ContainersServiceBase, Live } from './service.js';
import { removeContainer } from './remove.js';
import { remapOf } from './remap.js';
import { prepareNamespaces, releaseNamespaces } from './namespaces.js';
import type { Attachment } from '../../network/index.js';
import type { LogDriver } from '../../containers/index.js';
import type { Mount } from '../../snapshots/index.js';
import { healthcheckOf } from './health.js';
import { attachRequest, copyNetworkFiles, isPredefined, linkHosts, runningSettings, stoppedSettings, writeHosts } from './network.js';
import { rebuildResolvConf } from './resolv-conf.js';
import { setupMounts, unmountVolumes } from './mounts.js';

const notRunning = (ref: string, id: string, verb: string) =>
  conflict(`Cannot ${verb} container: ${ref}: Container ${id} is not running`);

/** Normalises a signal name or number (`KILL`, `SIGKILL`, `9`) as Docker accepts them. */
export function parseSignal(s: string): string {
  const raw = s.trim().toUpperCase();
  if (/^\d+$/.test(raw)) {
    if (Number(raw) <= 0 || Number(raw) > 64) throw invalidParameter(`Invalid signal: ${s}`);
    return raw;
  }
  const name = raw.startsWith('SIG') ? raw : `SIG${raw}`;
  try {
    signalNumber(name);
  } catch {
    throw invalidParameter(`Invalid signal: ${s}`);
  }
  return name;
}

/** Starts the container's process. Resolves false when it was already running. */
export async function startContainer(svc: ContainersServiceBase, reqCtx: Ctx, ref: string, opts: { policy?: boolean } = {}): Promise<boolean> {
  // Once begun, a start runs to its end even if the client goes away: containerd 1.6 leaves a
  // task create cancelled half-way behind (its shim and bundle), and every later start of the
  // container then fails with "mkdir <bundle>: file exists".
  const ctx = withoutCancel(reqCtx);
  const rec0 = svc.store.get(ref);
  const id = rec0.ID;
  const started = svc.mutex.run(id, async () => {
    const rec = svc.store.get(id);
    if (rec.State.Paused) throw conflict('cannot start a paused container, try unpause instead');
    if (isRunning(rec.State) && !rec.State.Restarting) return false;
    if (rec.State.RemovalInProgress || rec.State.Dead) throw conflict(`container is marked for removal and cannot be started`);
    const live = svc.liveOf(rec);
    if (live.restartTimer && !opts.policy) {
      clearTimeout(live.restartTimer);
      live.restartTimer = undefined;
    }
    if (!opts.policy) live.restart.reset();
    await live.reaping;
    await svc.deps.tasks.deleteTask(ctx, id).catch(() => {});
    let log: LogDriver | undefined;
    let attachment: Attachment | undefined;
    try {
      // The network, the runtime spec, the rootfs mounts and the log are independent: prepared
      // at once. The spec names the sandbox's namespace before it exists.
      const kind = svc.networkKind(rec);
      const sandboxId = randomBytes(32).toString('hex');
      const attachable = kind === 'bridge' || kind === 'user' || kind === 'host' || kind === 'none';
      // In a user namespace, runc makes the network namespace (owned by it, so that exec can
      // join it); the sandbox is wired into it once the task exists, before it starts.
      const adopt = attachable && !!remapOf(svc, rec.HostConfig) && (kind === 'bridge' || kind === 'user');
      const netnsPath = (kind === 'bridge' || kind === 'user') && !adopt ? svc.deps.network.netnsPath(sandboxId) : undefined;
      const joined = await prepareNamespaces(svc, ctx, rec);
      const volumeMounts = await setupMounts(svc, ctx, rec);
      // compat: a container on another's network sees that one's /etc/hosts and resolv.conf
      if (joined.netPeer) await copyNetworkFiles(joined.netPeer, rec);
      const attach = (adoptPid?: number) =>
        svc.deps.network.attach(ctx, attachRequest(rec, sandboxId, adoptPid)).then(async (a) => {
          attachment = a;
          const ips = a.endpoints.flatMap((e) => [e.ip, e.ip6].filter((x): x is string => !!x));
          if (ips.length) await writeHosts(rec.HostsPath, (await svc.hostsBase(rec)) + linkHosts(svc, rec), ips, rec.Config.Hostname ?? '', rec.Config.Domainname ?? '');
          // compat: a user-defined network among them (one connected while the container was stopped) starts the resolver
          if (a.endpoints.some((e) => !isPredefined(e.networkName))) await rebuildResolvConf(rec.ResolvConfPath);
          return a;
        });
      const [net, spec, mounts, lg] = await Promise.allSettled([
        attachable && !adopt ? attach() : Promise.resolve(undefined),
        svc.deps.buildSpec(ctx, rec, { joined, netnsPath, mounts: volumeMounts }).then((sp) => {
          live.spec = sp;
          return svc.deps.tasks.updateSpec(ctx, id, sp);
        }),
        svc.deps.images.snapshotter.mounts(ctx, rec.SnapshotKey),
        svc.openLog(rec),
      ]);
      if (lg.status === 'fulfilled') log = lg.value;
      for (const r of [net, spec, mounts, lg]) if (r.status === 'rejected') throw r.reason;
      live.armExit();
      live.stopping = false;
      live.oomKilled = false;
      const { pid, io } = await svc.deps.tasks.start(ctx, id, (mounts as PromiseFulfilledResult<Mount[]>).value, {
        tty: !!rec.Config.Tty,
        stdin: !!rec.Config.OpenStdin,
        ...(adopt ? { beforeStart: (p: number) => attach(p).then(() => {}) } : {}),
      });
      svc.wire(rec, io, log);
      live.startedAtMs = Date.now();
      const updated = await svc.store.update(ctx, id, (d) => {
        setRunning(d.State, { pid, startedAt: svc.clock.now() });
        d.HasBeenStartedBefore = true;
        d.HasBeenManuallyStopped = false;
        d.RestartCount = opts.policy ? live.restart.restarts : 0;
        if (attachment) d.NetworkSettings = runningSettings(d.NetworkSettings, id, attachment);
        // compat: Docker's start sets Health to "starting" before it returns (initHealthMonitor),
        // so a client inspecting right after start sees it (compose's depends_on: service_healthy)
        if (healthcheckOf(d)) d.State.Health = { Status: 'starting', FailingStreak: 0, Log: [] };
      });
      for (const ep of attachment?.endpoints ?? []) svc.emitNetwork('connect', ep, id);
      svc.emit('start', updated);
      svc.watchHealth(ctx, updated, true);
      return true;
    } catch (e) {
      await log?.close().catch(() => {});
      await releaseNamespaces(svc, ctx, id);
      await unmountVolumes(svc, ctx, rec);
      if (attachment) await svc.deps.network.detach(ctx, id).catch(() => {});
      live.markExited();
      const msg = messageOf(e);
      // compat: Docker records 127 for a missing executable, 126 for one it cannot run.
      const code = /executable file not found|no such file or directory/.test(msg) ? 127 : /permission denied/.test(msg) ? 126 : 128;
      await svc.store.update(ctx, id, (d) => {
        d.State.Error = msg;
        d.State.ExitCode = code;
      });
      // compat: moby removes an --rm container whose start failed (daemon/start.go).
      if (rec.HostConfig.AutoRemove) {
        setImmediate(() =>
          void removeContainer(svc, ctx, id, { force: true, volumes: true }).catch((err: unknown) =>
            svc.deps.log.warn('removing a container whose start failed', { container: id.slice(0, 12), error: err }),
          ),
        );
      }
      throw /OCI runtime|runc|exec:/.test(msg) ? invalidParameter(msg, e) : e;
    }
  });
  svc.liveOf(rec0).starting = started.catch(() => {});
  return started;
}

/**
 * The process of container `id` exited (containerd TaskExit, with its `pid`): read the rest of
 * its output, reap it, record the exit, wake waiters, then restart or auto-remove. Ignored when
 * the record does not say that process runs.
 */
export async function handleExit(svc: ContainersServiceBase, ctx: Ctx, id: string, exitCode: number, exitedAt?: Date, pid?: number): Promise<void> {
  const rec0 = svc.store.find(id);
  if (!rec0) return;
  const live = svc.liveOf(rec0);
  await live.starting;
  live.health?.abort();
  const cur = svc.store.find(id);
  if (!cur) return;
  // (A pid of 0 means containerd could not tell which process it was: trust the event then.)
  if (!isRunning(cur.State) || (pid && pid !== cur.State.Pid)) {
    // Not the exit of the process the record knows of, and so not the container's: containerd
    // reporting the process of a task create cut short by a crash as it cleans up after its
    // shim (possibly after the container was started again), a start cut short and killed at
    // boot, or an exit boot already recorded. The record stays as it is.
    svc.deps.log.debug('ignoring the exit of a process the record does not know', { container: id.slice(0, 12), pid });
    return;
  }
  // compat: the network is released before the exit is reported (moby Cleanup → releaseNetwork):
  // published ports are closed once stop or wait returns.
  const hadNetwork = !!cur.NetworkSettings.SandboxID;
  await svc.deps.network.detach(ctx, id).catch((e) => svc.deps.log.warn('leaving the network failed', { container: id.slice(0, 12), error: e }));
  const ps = live.hub.process;
  const drained = ps ? await Promise.race([ps.closed.then(() => true), sleep(2000).then(() => false)]) : true;
  const reap = (async () => {
    await svc.deps.tasks.deleteTask(withoutCancel(ctx), id).catch(() => {});
    if (ps && !drained) {
      // Deleting the task makes the shim let go of the FIFOs; whatever else still holds them open
      // (a process outside the container's pid namespace) must not keep attached clients waiting.
      await Promise.race([ps.closed, sleep(200)]);
      ps.detach();
    }
  })();
  // With all output read, reaping (runc delete, some 20 ms) need not hold up the waiters: a
  // start or rm that comes first deletes the task itself.
  live.reaping = reap.catch(() => {});
  if (drained) svc.background(reap);
  else await reap;
  await live.hub.log?.close().catch(() => {});
  await releaseNamespaces(svc, ctx, id);
  await unmountVolumes(svc, ctx, cur);
  const ranMs = live.startedAtMs ? Date.now() - live.startedAtMs : 0;
  const rec = svc.store.get(id);
  const manual = live.stopping || rec.HasBeenManuallyStopped;
  const decision = rec.HostConfig.AutoRemove
    ? { restart: false, delayMs: 0 }
    : live.restart.next(exitCode, ranMs, manual, svc.shuttingDown);
  const autoRemove = !!rec.HostConfig.AutoRemove && !svc.shuttingDown;
  // An --rm container's exit need not reach the disk: it is removed next, and boot removes it
  // if a crash comes first.
  const updated = await svc.store.update(
    ctx,
    id,
    (d) => {
      const exit = { exitCode, exitedAt, oomKilled: live.oomKilled };
      if (decision.restart) setRestarting(d.State, exit, svc.clock);
      else setStopped(d.State, exit, svc.clock);
      d.NetworkSettings = stoppedSettings(d.NetworkSettings);
    },
    { volatile: autoRemove },
  );
  svc.emit('die', updated, { exitCode: String(exitCode) });
  if (hadNetwork) svc.emitNetworkLeave(updated);
  live.markExited();
  svc.wake(id, 'exit', exitCode);
  if (decision.restart) {
    live.restartTimer = setTimeout(() => {
      live.restartTimer = undefined;
      startContainer(svc, ctx, id, { policy: true }).catch(async (e) => {
        svc.deps.log.warn('restart failed', { container: id.slice(0, 12), error: e });
        await svc.store.update(ctx, id, (d) => setStopped(d.State, { exitCode }, svc.clock)).catch(() => {});
      });
    }, decision.delayMs);
    live.restartTimer.unref();
    return;
  }
  if (autoRemove) {
    await removeContainer(svc, ctx, id, { force: true, volumes: true }).catch((e: unknown) =>
      svc.deps.log.warn('auto-remove failed', { container: id.slice(0, 12), error: e }),
    );
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitExit(live: Live, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    live.exited.then(() => true),
    new Promise<boolean>((res) => (timer = setTimeout(() => res(false), ms))),
  ]);
  clearTimeout(timer);
  return r;
}

export async function killContainer(svc: ContainersServiceBase, ctx: Ctx, ref: string, signal: string, manual = true): Promise<void> {
  const rec = svc.store.get(ref);
  const sig = parseSignal(signal || 'KILL');
  if (!isRunning(rec.State) || rec.State.Restarting) throw notRunning(ref, rec.ID, 'kill');
  const live = svc.liveOf(rec);
  const num = /^\d+$/.test(sig) ? Number(sig) : signalNumber(sig);
  if (manual && (num === 9 || num === 15 || num === 2)) {
    live.stopping = true;
    await svc.store.update(ctx, rec.ID, (d) => {
      d.HasBeenManuallyStopped = true;
    });
  }
  if (rec.State.Paused && num === 9) await svc.deps.tasks.resume(ctx, rec.ID).catch(() => {});
  await svc.deps.tasks.kill(ctx, rec.ID, num, { all: num === 9 });
  svc.emit('kill', rec, { signal: String(num) });
  // compat: moby's Kill (SIGKILL) returns once the container is no longer running.
  if (num === 9 && manual) await waitExit(live, 10_000);
}

/** Stops with the stop signal, then SIGKILL after the timeout. Resolves false when not running. */
export async function stopContainer(svc: ContainersServiceBase, ctx: Ctx, ref: string, opts: { timeout?: number; signal?: string }): Promise<boolean> {
  const rec = svc.store.get(ref);
  const live = svc.liveOf(rec);
  if (live.restartTimer) {
    clearTimeout(live.restartTimer);
    live.restartTimer = undefined;
    await svc.store.update(ctx, rec.ID, (d) => {
      setStopped(d.State, { exitCode: d.State.ExitCode }, svc.clock);
      d.HasBeenManuallyStopped = true;
    });
    svc.emit('stop', rec);
    return true;
  }
  if (!isRunning(rec.State)) return false;
  const timeout = opts.timeout ?? rec.Config.StopTimeout ?? 10;
  const signal = opts.signal || rec.Config.StopSignal || 'SIGTERM';
  live.stopping = true;
  await svc.store.update(ctx, rec.ID, (d) => {
      d.HasBeenManuallyStopped = true;
    });
  try {
    await killContainer(svc, ctx, rec.ID, signal);
  } catch (e) {
    if (!isRunning(svc.store.get(rec.ID).State)) return true;
    throw e;
  }
  if (timeout < 0 ? !(await waitExit(live, 2 ** 31 - 1)) : !(await waitExit(live, timeout * 1000))) {
    await killContainer(svc, ctx, rec.ID, 'KILL').catch(() => {});
    if (!(await waitExit(live, 30_000))) throw system(`container ${rec.ID.slice(0, 12)} did not exit after SIGKILL`);
  }
  svc.emit('stop', svc.store.get(rec.ID));
  return true;
}

export async function restartContainer(svc: ContainersServiceBase, ctx: Ctx, ref: string, opts: { timeout?: number; signal?: string }): Promise<void> {
  const rec = svc.store.get(ref);
  await stopContainer(svc, ctx, rec.ID, opts);
  await startContainer(svc, ctx, rec.ID);
  svc.emit('restart', svc.store.get(rec.ID));
}

export async function pauseContainer(svc: ContainersServiceBase, ctx: Ctx, ref: string): Promise<void> {
  const rec = svc.store.get(ref);
  if (!isRunning(rec.State)) throw conflict(`Container ${rec.ID} is not running`);
  if (rec.State.Paused) throw conflict(`Container ${rec.ID} is already paused`);
  if (rec.State.Restarting) throw conflict(`Container ${rec.ID} is restarting, wait until the container is running`);
  await svc.deps.tasks.pause(ctx, rec.ID);
  const u = await svc.store.update(ctx, rec.ID, (d) => setPaused(d.State));
  svc.emit('pause', u);
}

export async function unpauseContainer(svc: ContainersServiceBase, ctx: Ctx, ref: string): Promise<void> {
  const rec = svc.store.get(ref);
  if (!rec.State.Paused) throw conflict(`Container ${rec.ID} is not paused`);
  await svc.deps.tasks.resume(ctx, rec.ID);
  const u = await svc.store.update(ctx, rec.ID, (d) => setUnpaused(d.State));
  svc.emit('unpause', u);
}

