/**
 * Namespaces (moby WithNamespaces) and sysctls (moby withCommonOptions/WithSysctls, checked with
 * runc's rules so a bad one fails before runc is started, with runc's wording).
 */
import { invalidParameter } from '../lib/index.js';
import type { OciNamespace, OciNamespaceType } from './oci-spec.js';
import { DEFAULT_NAMESPACES } from './spec-defaults.js';

/**
 * How a container gets one namespace, from HostConfig.NetworkMode/PidMode/IpcMode/UTSMode:
 * - `private`: its own (network: bridge, user-defined networks; `path` joins a namespace the
 *   daemon made for it, e.g. /var/run/netns/<id>),
 * - `none` (network, ipc): its own, with no interfaces / no /dev/shm,
 * - `shareable` (ipc): its own, with /dev/shm bind-mounted from `shmPath` so others can join,
 * - `host`: the host's (the namespace is left out of the spec),
 * - `container` (`container:<id>`): another container's, `path` = /proc/<its pid>/ns/<type>.
 */
export interface NamespaceMode {
  mode: 'private' | 'none' | 'shareable' | 'host' | 'container';
  path?: string;
}

/** IPC adds the host directory to bind at /dev/shm (shareable, container, host: /dev/shm). */
export interface IpcMode extends NamespaceMode {
  shmPath?: string;
}

export interface NamespacesInput {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: IpcMode;
  uts?: NamespaceMode;
  /** Default `host` (Docker's default on cgroup v1); `private` adds a cgroup namespace. */
  cgroup?: 'host' | 'private';
}

const ALLOWED: Record<'network' | 'pid' | 'ipc' | 'uts', readonly NamespaceMode['mode'][]> = {
  network: ['private', 'none', 'host', 'container'],
  pid: ['private', 'host', 'container'],
  ipc: ['private', 'none', 'shareable', 'host', 'container'],
  uts: ['private', 'host'],
};

const OCI_TYPE = { network: 'network', pid: 'pid', ipc: 'ipc', uts: 'uts' } as const;

/**
 * The namespace list: Docker's defaults (mount, network, uts, pid, ipc) with each mode applied
 * in place, host ones removed, then `cgroup` when private.
 * Throws invalidParameter `invalid PID mode: x` (IPC, UTS, network alike) for a mode the kind
 * does not have, or `container` without a path.
 */
export function buildNamespaces(input: NamespacesInput): OciNamespace[] {
  const list: OciNamespace[] = DEFAULT_NAMESPACES.map((type) => ({ type }));
  const set = (type: OciNamespaceType, ns: OciNamespace | undefined) => {
    const i = list.findIndex((n) => n.type === type);
    if (ns === undefined) {
      if (i >= 0) list.splice(i, 1);
    } else if (i >= 0) list[i] = ns;
    else list.push(ns);
  };
  for (const kind of ['network', 'ipc', 'pid', 'uts'] as const) {
    const m = input[kind];
    if (!m) continue;
    const label = kind === 'network' ? 'network' : kind.toUpperCase();
    if (!ALLOWED[kind].includes(m.mode)) throw invalidParameter(`invalid ${label} mode: ${m.mode}`);
    if (m.mode === 'container' && !m.path) throw invalidParameter(`invalid ${label} mode: container without a namespace path`);
    const type = OCI_TYPE[kind];
    if (m.mode === 'host') set(type, undefined);
    else set(type, m.path ? { type, path: m.path } : { type });
  }
  if (input.cgroup === 'private') set('cgroup', { type: 'cgroup' });
  return list;
}

/** Whether Docker counts the network mode as private (NetworkMode.IsPrivate: not host, not container:). */
export function networkIsPrivate(mode: NamespaceMode | undefined): boolean {
  return !mode || (mode.mode !== 'host' && mode.mode !== 'container');
}

const IPC_SYSCTLS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax',
  'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

/**
 * runc's sysctl check (libcontainer/configs/validate): IPC sysctls need an IPC namespace, `net.*`
 * needs a network namespace other than the host's, `kernel.domainname` needs a UTS namespace,
 * anything else is refused. Keys may use `/` for `.`.
 * Throws invalidParameter with runc's texts, e.g. `sysctl "net.ipv4.ip_forward" not allowed in
 * host network namespace`, `sysctl "kernel.foo" is not in a separate kernel namespace`.
 */
export function validateSysctls(sysctls: Readonly<Record<string, string>>, namespaces: readonly OciNamespace[]): void {
  const has = (t: OciNamespaceType) => namespaces.some((n) => n.type === t);
  for (const raw of Object.keys(sysctls)) {
    const s = dotted(raw);
    const q = JSON.stringify(s);
    if (IPC_SYSCTLS.has(s) || s.startsWith('fs.mqueue.')) {
      if (has('ipc')) continue;
      throw invalidParameter(`sysctl ${q} is not allowed in the hosts ipc namespace`);
    }
    if (s.startsWith('net.')) {
      if (has('network')) continue;
      throw invalidParameter(`sysctl ${q} not allowed in host network namespace`);
    }
    if (has('uts')) {
      if (s === 'kernel.domainname') continue;
      if (s === 'kernel.hostname') {
        throw invalidParameter(`sysctl ${q} is not allowed as it conflicts with the OCI "hostname" field`);
      }
    }
    throw invalidParameter(`sysctl ${q} is not in a separate kernel namespace`);
  }
}

/** runc convertSysctlVariableToDotsSeparator: `net/ipv4/ip_forward` → `net.ipv4.ip_forward`. */
function dotted(key: string): string {
  const firstSep = key.search(/[./]/);
  if (firstSep < 0 || key[firstSep] === '.') return key;
  return key.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
}
