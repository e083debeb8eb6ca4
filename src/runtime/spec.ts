/**
 * OCI runtime spec generation with Docker's defaults: `generateSpec(input)` returns the
 * config.json moby's createSpec (daemon/oci_linux.go, Docker 20.10–25) writes for the same
 * container, for runc 1.1 through containerd 1.6. Pure apart from what `SpecHost` reads (host
 * capabilities, sysctl presence, device nodes), which tests replace.
 *
 * The input is our own camelCase shape, not the Engine API's: the daemon maps Config/HostConfig
 * (already merged with the image at create) and the paths it prepared (network files, netns,
 * shm, init binary) into it. Seccomp: Docker's default profile unless the container asks for
 * another or none (seccomp.ts).
 */
import { posix } from 'node:path';
import type { Logger } from '../lib/index.js';
import { tweakCapabilities } from './caps.js';
import { buildDevices, type DeviceMapping } from './devices.js';
import { nodeSpecHost, type SpecHost } from './host.js';
import { buildMounts, type MountInput, type NetworkFiles } from './mounts.js';
import { buildNamespaces, networkIsPrivate, validateSysctls, type NamespacesInput } from './namespaces.js';
import type { OciHooks, OciIdMapping, OciLinux, OciProcess, OciSpec } from './oci-spec.js';
import { OCI_VERSION } from './oci-spec.js';
import { buildResources, buildRlimits, type ResourcesInput, type Ulimit } from './resources.js';
import { containerSeccomp } from './seccomp.js';
import {
  DEFAULT_CGROUP_PARENT,
  DEFAULT_MASKED_PATHS,
  DEFAULT_NETWORK_SYSCTLS,
  DEFAULT_PATH_ENV,
  DEFAULT_READONLY_PATHS,
  DEFAULT_SHM_SIZE,
  INIT_PATH_IN_CONTAINER,
} from './spec-defaults.js';
import type { ResolvedUser } from './user.js';

/** Everything `generateSpec` needs about one container. Only `id` and `args` are required. */
export interface SpecInput {
  /** The full container ID: default hostname (its first 12 characters) and cgroups path. */
  id: string;
  /** process.args: Config.Entrypoint + Config.Cmd as create stored them (Docker's Path + Args). */
  args: string[];
  /**
   * Config.Env as create stored it (the container's variables, then the image's it does not
   * override). Applied over PATH (default), HOSTNAME and, with a tty, TERM=xterm: a later
   * `KEY=v` replaces in place, a bare `KEY` removes.
   */
  env?: string[];
  /** Config.WorkingDir; default `/`. */
  workingDir?: string;
  /** Config.Tty. */
  tty?: boolean;
  /** HostConfig.ConsoleSize [height, width] (API 1.42+); written only with a tty. */
  consoleSize?: [number, number];
  /** Config.Hostname; default the first 12 characters of `id`. Left out of the spec with UTS host. */
  hostname?: string;
  /** Config.Domainname; set as the `kernel.domainname` sysctl, as Docker does. */
  domainname?: string;
  /**
   * The process user, from `resolveUser(Config.User, <rootfs>/etc/passwd, <rootfs>/etc/group,
   * HostConfig.GroupAdd)`. Default uid 0, gid 0, additionalGids [0] (what resolveUser gives for
   * "" without a passwd file); Docker always resolves, so the daemon should too.
   */
  user?: ResolvedUser;
  /** HostConfig.ReadonlyRootfs. */
  readonlyRootfs?: boolean;
  /** HostConfig.Privileged. */
  privileged?: boolean;
  /** HostConfig.CapAdd / CapDrop: with or without `CAP_`, any case, or `ALL`. */
  capAdd?: string[];
  capDrop?: string[];
  /** From parseSecurityOpt(HostConfig.SecurityOpt).noNewPrivileges. */
  noNewPrivileges?: boolean;
  /** HostConfig.OomScoreAdj; always written (0 by default), as Docker does. */
  oomScoreAdj?: number;
  /** HostConfig.Ulimits, merged by the daemon with its default-ulimits. */
  ulimits?: Ulimit[];
  /**
   * Host path of the init binary (e.g. /usr/bin/docker-init or tini) when HostConfig.Init (or the
   * daemon's `init` default) asks for one. Used only with a private PID namespace.
   */
  initPath?: string;
  /** The container's mount points (binds, volumes, --mount tmpfs). */
  mounts?: MountInput[];
  /** HostConfig.Tmpfs: destination → options (`size=64m,mode=1777`). */
  tmpfs?: Record<string, string>;
  /** HostConfig.ShmSize in bytes; 0 or absent = 64 MiB. */
  shmSize?: number;
  /** Host paths of the container's resolv.conf, hostname and hosts files, when it has them. */
  networkFiles?: NetworkFiles;
  /** Network, PID, IPC, UTS and cgroup namespace modes; all private (cgroup: host) by default. */
  namespaces?: NamespacesInput;
  /**
   * `--userns-remap`: a user namespace with these mappings (container root is an unprivileged
   * host user). Its network namespace must be one runc makes (owned by the user namespace):
   * the daemon wires a sandbox into it after the task is created (tasks.start's beforeStart).
   */
  userns?: { uidMappings: OciIdMapping[]; gidMappings: OciIdMapping[] };
  /** HostConfig.CgroupParent. */
  cgroupParent?: string;
  /** The daemon's cgroup-parent; default `/berth`. */
  defaultCgroupParent?: string;
  /** HostConfig.Resources (memory, CPU, pids, blkio). */
  resources?: ResourcesInput;
  /** HostConfig.Devices. */
  devices?: DeviceMapping[];
  /** HostConfig.DeviceCgroupRules. */
  deviceCgroupRules?: string[];
  /**
   * HostConfig.MaskedPaths / ReadonlyPaths. Absent (or null): Docker's defaults, none when
   * privileged. An empty list (the CLI's `--security-opt systempaths=unconfined`): none.
   */
  maskedPaths?: string[] | null;
  readonlyPaths?: string[] | null;
  /** HostConfig.Sysctls; checked as runc does. */
  sysctls?: Record<string, string>;
  /**
   * From parseSecurityOpt(HostConfig.SecurityOpt).seccompProfile: absent or `builtin` for Docker's
   * default profile (none when privileged), `unconfined` for none, or a profile's JSON text in
   * Docker's format, resolved for the container's capabilities and the host's arch and kernel.
   */
  seccompProfile?: string;
  /** HostConfig.Annotations (API 1.43+). */
  annotations?: Record<string, string>;
  /** OCI hooks, as is. */
  hooks?: OciHooks;
}

export interface GenerateOptions {
  /** Host facts; default the real host (nodeSpecHost()). */
  host?: SpecHost;
  /** For Docker's warnings (ignored device permissions in privileged mode). */
  log?: Logger;
}

/** The cgroups path of a container with the cgroupfs driver: `<parent>/<id>` (moby withCgroups). */
export function cgroupsPath(id: string, parent: string = DEFAULT_CGROUP_PARENT): string {
  return posix.join(parent, id);
}

/**
 * The process environment (moby CreateDaemonEnvironment + ReplaceOrAppendEnvValues): PATH,
 * HOSTNAME, TERM=xterm with a tty, then `env` replacing by key, appending, or (bare `KEY`)
 * removing.
 */
export function containerEnv(env: readonly string[], hostname: string, tty: boolean): string[] {
  const out: (string | undefined)[] = [`PATH=${DEFAULT_PATH_ENV}`, `HOSTNAME=${hostname}`];
  if (tty) out.push('TERM=xterm');
  const index = new Map<string, number>();
  out.forEach((e, i) => index.set(e!.slice(0, e!.indexOf('=')), i));
  for (const value of env) {
    const eq = value.indexOf('=');
    if (eq < 0) {
      const i = index.get(value);
      if (i !== undefined) out[i] = undefined;
      continue;
    }
    const i = index.get(value.slice(0, eq));
    if (i !== undefined) out[i] = value;
    else out.push(value);
  }
  return out.filter((e): e is string => e !== undefined && e !== '');
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

/**
 * Build the OCI spec of a container. Throws invalidParameter for input Docker or runc would
 * refuse (capabilities, tmpfs options, devices, cgroup rules, ulimits, sysctls, namespace modes,
 * seccomp profiles),
 * with their wording. Docker reports most of these from `start` as a 500; the daemon may wrap.
 */
export function generateSpec(input: SpecInput, opts: GenerateOptions = {}): OciSpec {
  const host = opts.host ?? nodeSpecHost();
  const ns = input.namespaces ?? {};
  const utsHost = ns.uts?.mode === 'host';
  const pidPrivate = !ns.pid || ns.pid.mode === 'private';
  const hostname = input.hostname || input.id.slice(0, 12);
  const privileged = input.privileged ?? false;

  let args = [...input.args];
  const initPath = pidPrivate ? input.initPath : undefined;
  if (initPath !== undefined) args = [INIT_PATH_IN_CONTAINER, '--', ...args];

  const caps = tweakCapabilities({ capAdd: input.capAdd, capDrop: input.capDrop, privileged }, host.capabilities());
  const user = input.user ?? { uid: 0, gid: 0, additionalGids: [0] };

  const rlimits = buildRlimits(input.ulimits ?? []);
  const [height, width] = input.consoleSize ?? [0, 0];
  const proc: OciProcess = {
    ...(input.tty ? { terminal: true } : {}),
    ...(input.tty && (height > 0 || width > 0) ? { consoleSize: { height, width } } : {}),
    user: {
      uid: user.uid,
      gid: user.gid,
      ...(user.additionalGids.length > 0 ? { additionalGids: [...user.additionalGids] } : {}),
    },
    args,
    env: containerEnv(input.env ?? [], hostname, input.tty ?? false),
    cwd: input.workingDir || '/',
    // compat: Docker 25 sets effective and permitted for every user; 20.10 left them out for
    // non-root users. Same result after execve for a non-root process without file capabilities.
    ...(caps.length > 0 ? { capabilities: { bounding: caps, effective: caps, permitted: caps } } : {}),
    ...(rlimits.length > 0 ? { rlimits } : {}),
    ...(input.noNewPrivileges ? { noNewPrivileges: true } : {}),
    oomScoreAdj: input.oomScoreAdj ?? 0,
  };

  const spec: OciSpec = { ociVersion: OCI_VERSION, process: proc };
  spec.root = input.readonlyRootfs ? { path: 'rootfs', readonly: true } : { path: 'rootfs' };
  if (!utsHost) spec.hostname = hostname;

  const ipc = ns.ipc;
  const shmPath = ipc && (ipc.mode === 'shareable' || ipc.mode === 'container' || ipc.mode === 'host')
    ? ipc.shmPath ?? (ipc.mode === 'host' ? '/dev/shm' : undefined)
    : undefined;
  const { mounts, rootfsPropagation } = buildMounts({
    mounts: input.mounts ?? [],
    tmpfs: input.tmpfs ?? {},
    networkFiles: input.networkFiles ?? {},
    readonlyRootfs: input.readonlyRootfs ?? false,
    privileged,
    shmSize: input.shmSize || DEFAULT_SHM_SIZE,
    ipcNone: ipc?.mode === 'none',
    ...(shmPath !== undefined ? { shmPath } : {}),
    ...(initPath !== undefined ? { initPath } : {}),
  });
  spec.mounts = mounts;
  if (input.hooks) spec.hooks = input.hooks;
  if (input.annotations && Object.keys(input.annotations).length > 0) spec.annotations = sortedRecord(input.annotations);

  const namespaces = buildNamespaces(ns);
  const sysctl: Record<string, string> = {};
  if (input.domainname) sysctl['kernel.domainname'] = input.domainname;
  if (networkIsPrivate(ns.network)) {
    // compat: moby leaves ping_group_range out in a user namespace (its gids are not mapped there)
    for (const [k, v] of DEFAULT_NETWORK_SYSCTLS) if (host.sysctlExists(k) && !(input.userns && k === 'net.ipv4.ping_group_range')) sysctl[k] = v;
  }
  const userSysctls = input.sysctls ?? {};
  validateSysctls(userSysctls, namespaces);
  Object.assign(sysctl, userSysctls);
  if (input.domainname) validateSysctls({ 'kernel.domainname': input.domainname }, namespaces);

  const devs = buildDevices(
    { privileged, devices: input.devices ?? [], deviceCgroupRules: input.deviceCgroupRules ?? [] },
    host,
    opts.log,
  );

  const linux: OciLinux = {};
  if (Object.keys(sysctl).length > 0) linux.sysctl = sortedRecord(sysctl);
  linux.resources = { devices: devs.cgroup, ...buildResources(input.resources ?? {}, host) };
  linux.cgroupsPath = cgroupsPath(input.id, input.cgroupParent || input.defaultCgroupParent || DEFAULT_CGROUP_PARENT);
  linux.namespaces = namespaces;
  if (input.userns) {
    namespaces.push({ type: 'user' });
    linux.uidMappings = input.userns.uidMappings.map((m) => ({ ...m }));
    linux.gidMappings = input.userns.gidMappings.map((m) => ({ ...m }));
  }
  if (devs.devices.length > 0) linux.devices = devs.devices;
  const seccomp = containerSeccomp(input.seccompProfile, privileged, {
    capabilities: caps,
    arch: host.arch(),
    kernelRelease: host.kernelRelease(),
  });
  if (seccomp) linux.seccomp = seccomp;
  if (rootfsPropagation) linux.rootfsPropagation = rootfsPropagation;
  const masked = input.maskedPaths ?? (privileged ? [] : DEFAULT_MASKED_PATHS);
  const readonly = input.readonlyPaths ?? (privileged ? [] : DEFAULT_READONLY_PATHS);
  if (masked.length > 0) linux.maskedPaths = [...masked];
  if (readonly.length > 0) linux.readonlyPaths = [...readonly];
  spec.linux = linux;
  return spec;
}
