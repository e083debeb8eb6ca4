/**
 * Devices of a container (moby WithDevices, oci/devices_linux.go, runc libcontainer/devices):
 * `--device` mappings read from the host, `--device-cgroup-rule`, and for a privileged container
 * every device node under the host's /dev with an allow-all devices cgroup.
 */
import { invalidParameter, type Logger } from '../lib/index.js';
import type { SpecHost, HostFileInfo } from './host.js';
import type { OciDevice, OciDeviceCgroup } from './oci-spec.js';
import { DEFAULT_DEVICE_CGROUP } from './spec-defaults.js';

/** HostConfig.Devices[] (`--device /dev/x[:/dev/y[:rwm]]`, parsed by the client). */
export interface DeviceMapping {
  pathOnHost: string;
  /** Default: pathOnHost. */
  pathInContainer?: string;
  /** Default: `rwm`. */
  cgroupPermissions?: string;
}

export interface DevicesResult {
  devices: OciDevice[];
  cgroup: OciDeviceCgroup[];
}

const TYPE_LETTER: Partial<Record<HostFileInfo['kind'], string>> = { char: 'c', block: 'b', fifo: 'p' };

/** A device node as libcontainer's DeviceFromPath sees it, or the reason it is not one. */
function deviceFromPath(
  host: SpecHost,
  path: string,
  permissions: string,
): { dev: OciDevice; rule: OciDeviceCgroup } | { error: string } {
  const st = host.lstat(path);
  if (!st) return { error: 'no such file or directory' };
  const type = TYPE_LETTER[st.kind];
  if (!type) return { error: 'not a device node' };
  return {
    dev: { path, type, major: st.major, minor: st.minor, fileMode: st.mode, uid: st.uid, gid: st.gid },
    rule: { allow: true, type, major: st.major, minor: st.minor, access: permissions },
  };
}

/**
 * moby oci.DevicesFromPath: one device node, or every node under a directory (paths rewritten
 * from the host prefix to the container's). A symlink on the host is followed.
 * Throws invalidParameter `error gathering device information while adding custom device
 * "/dev/x": no such file or directory` (or `not a device node`).
 */
export function devicesFromPath(
  host: SpecHost,
  pathOnHost: string,
  pathInContainer: string,
  permissions: string,
): DevicesResult {
  let resolved = pathOnHost;
  if (host.lstat(pathOnHost)?.kind === 'symlink') {
    try {
      resolved = host.realpath(pathOnHost);
    } catch {
      // keep the link itself, as Docker does when EvalSymlinks fails
    }
  }
  const one = deviceFromPath(host, resolved, permissions);
  if ('dev' in one) {
    return { devices: [{ ...one.dev, path: pathInContainer }], cgroup: [one.rule] };
  }
  const out: DevicesResult = { devices: [], cgroup: [] };
  if (one.error === 'not a device node' && isDir(host, resolved)) {
    walk(host, resolved, (p) => {
      const d = deviceFromPath(host, p, permissions);
      if (!('dev' in d)) return;
      out.devices.push({ ...d.dev, path: p.replace(resolved, pathInContainer) });
      out.cgroup.push(d.rule);
    });
  }
  if (out.devices.length > 0) return out;
  throw invalidParameter(
    `error gathering device information while adding custom device ${JSON.stringify(pathOnHost)}: ${one.error}`,
  );
}

function isDir(host: SpecHost, path: string): boolean {
  try {
    return host.lstat(host.realpath(path))?.kind === 'dir';
  } catch {
    return false;
  }
}

/** Go's filepath.Walk: the root, then each entry in name order, not following symlinks. */
function walk(host: SpecHost, path: string, visit: (p: string) => void): void {
  visit(path);
  if (host.lstat(path)?.kind !== 'dir') return;
  let names: string[];
  try {
    names = host.readdir(path);
  } catch {
    return;
  }
  for (const n of names) walk(host, `${path}/${n}`, visit);
}

/** The skipped directories of libcontainer's GetDevices. */
const SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** Every char and block device under `dir` (libcontainer HostDevices on /dev), paths unchanged. */
export function hostDevices(host: SpecHost, dir = '/dev'): OciDevice[] {
  const out: OciDevice[] = [];
  for (const name of host.readdir(dir)) {
    const p = `${dir}/${name}`;
    const st = host.lstat(p);
    if (!st) continue;
    if (st.kind === 'dir') {
      if (!SKIP_DIRS.has(name)) out.push(...hostDevices(host, p));
      continue;
    }
    if (name === 'console') continue;
    const d = deviceFromPath(host, p, 'rwm');
    if ('dev' in d && d.dev.type !== 'p') out.push(d.dev);
  }
  return out;
}

const CGROUP_RULE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/**
 * `--device-cgroup-rule 'c 42:* rmw'` → devices cgroup entries (moby
 * AppendDevicePermissionsFromCgroupRules; `*` is -1).
 * Throws invalidParameter `invalid device cgroup rule format: 'x'`.
 */
export function deviceCgroupRules(rules: readonly string[]): OciDeviceCgroup[] {
  return rules.map((rule) => {
    const m = CGROUP_RULE.exec(rule);
    if (!m) throw invalidParameter(`invalid device cgroup rule format: '${rule}'`);
    const num = (s: string) => (s === '*' ? -1 : Number(s));
    return { allow: true, type: m[1]!, major: num(m[2]!), minor: num(m[3]!), access: m[4]! };
  });
}

export interface DevicesInput {
  privileged: boolean;
  devices: readonly DeviceMapping[];
  deviceCgroupRules: readonly string[];
}

/**
 * The spec's linux.devices and linux.resources.devices (moby WithDevices). Privileged: all host
 * devices, plus mappings to other paths, and an allow-all cgroup (cgroup permissions and rules
 * are ignored, with a warning as Docker logs). Otherwise Docker's default cgroup list, then each
 * mapping's rules, then the cgroup rules.
 */
export function buildDevices(input: DevicesInput, host: SpecHost, log?: Logger): DevicesResult {
  if (input.privileged) {
    const devices = hostDevices(host);
    for (const d of input.devices) {
      const inContainer = d.pathInContainer || d.pathOnHost;
      const perms = d.cgroupPermissions || 'rwm';
      if (perms !== 'rwm') {
        log?.warn(`custom ${perms} permissions for device ${d.pathOnHost} are ignored in privileged mode`);
      }
      if (d.pathOnHost === inContainer) {
        log?.warn(`path in container ${inContainer} already exists in privileged mode`);
        continue;
      }
      devices.push(...devicesFromPath(host, d.pathOnHost, inContainer, 'rwm').devices);
    }
    return { devices, cgroup: [{ allow: true, access: 'rwm' }] };
  }
  const out: DevicesResult = { devices: [], cgroup: DEFAULT_DEVICE_CGROUP.map((r) => ({ ...r })) };
  for (const d of input.devices) {
    const r = devicesFromPath(host, d.pathOnHost, d.pathInContainer || d.pathOnHost, d.cgroupPermissions || 'rwm');
    out.devices.push(...r.devices);
    out.cgroup.push(...r.cgroup);
  }
  out.cgroup.push(...deviceCgroupRules(input.deviceCgroupRules));
  return out;
}
