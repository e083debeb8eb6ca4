/**
 * The flags `create` and `run` share, and their parsing into a create request, following
 * docker/cli's cli/command/container/opts.go (addFlags, parse, parseNetworkOpts) line by line.
 *
 * The result is a Go value model of container.Config, HostConfig and NetworkingConfig:
 * objects list their fields in the Go structs' order, `undefined` stands for an omitted
 * `omitempty` field, `null` for a nil slice, map or pointer, and Go maps are `Map`s (encoded
 * with sorted keys). create-request.ts turns it into the exact JSON docker sends.
 *
 * compat: docker builds Env (after --env-file's lines) and HostConfig.Binds by walking Go
 * maps, so their order varies from run to run in docker; Berth keeps the command-line order.
 */
import type { FlagSpec } from '../../flags.js';
import {
  durationFlag,
  isMacAddress,
  kvMap,
  memSwapBytes,
  parseCpus,
  parseDuration,
  parseGpuRequest,
  parseKvFile,
  parseRestartPolicy,
  parseThrottleBps,
  parseThrottleIOps,
  parseUint,
  parseUlimit,
  parseWeightDevice,
  ramInBytes,
  readCsvLine,
  validateAttach,
  validateDeviceCgroupRule,
  validateDNSSearch,
  validateEnv,
  validateExtraHost,
  validateIPAddress,
  validateLabel,
  validateLink,
  validateSysctl,
  ValueError,
  type DeviceRequest,
  type ThrottleDevice,
  type UlimitValue,
  type WeightDevice,
} from './values.js';
import { addExposedPorts, convertToStandardNotation, parsePortSpecs, type PortBinding } from './ports.js';
import { absBindSource, parseMount, parseVolume, type MountValue } from './volumes.js';

const check = (fn: (v: string) => unknown) => (v: string) => {
  fn(v);
};

/** A `--network` value (opts.NetworkAttachmentOpts). */
export interface NetworkAttachment {
  target: string;
  aliases: string[];
  driverOpts: Map<string, string> | null;
  links: string[];
  ipv4Address: string;
  ipv6Address: string;
  linkLocalIPs: string[];
  macAddress: string;
  gwPriority: number;
}

/** opts.NetworkOpt.Set: a name, or the CSV form `name=x,alias=y,ip=...,driver-opt=k=v`. */
export function parseNetworkOpt(value: string): NetworkAttachment {
  const n: NetworkAttachment = { target: '', aliases: [], driverOpts: null, links: [], ipv4Address: '', ipv6Address: '', linkLocalIPs: [], macAddress: '', gwPriority: 0 };
  if (!/\w+=\w+(,\w+=\w+)*/.test(value)) {
    n.target = value;
    return n;
  }
  for (const field of readCsvLine(value)) {
    const lower = field.toLowerCase();
    const eq = lower.indexOf('=');
    const key = (eq < 0 ? lower : lower.slice(0, eq)).trim();
    const val = (eq < 0 ? '' : lower.slice(eq + 1)).trim();
    if (eq < 0 || key === '') throw new ValueError(`invalid field ${field}`);
    switch (key) {
      case 'name':
        n.target = val;
        break;
      case 'alias':
        n.aliases.push(val);
        break;
      case 'ip':
        n.ipv4Address = val;
        break;
      case 'ip6':
        n.ipv6Address = val;
        break;
      case 'mac-address':
        n.macAddress = val;
        break;
      case 'link-local-ip':
        n.linkLocalIPs.push(val);
        break;
      case 'driver-opt': {
        const e = val.indexOf('=');
        const k = (e < 0 ? val : val.slice(0, e)).trim();
        if (e < 0 || k === '') throw new ValueError('invalid key value pair format in driver options');
        (n.driverOpts ??= new Map()).set(k, val.slice(e + 1).trim());
        break;
      }
      case 'gw-priority':
        if (!/^[+-]?\d+$/.test(val)) throw new ValueError(`invalid gw-priority (${val}): invalid syntax`);
        n.gwPriority = Number(val);
        break;
      default:
        throw new ValueError('invalid field key ' + key);
    }
  }
  if (n.target.length === 0) throw new ValueError('network name/id is not specified');
  return n;
}

const HEALTH_DURATION = '(ms|s|m|h) (default 0s)';

/**
 * addFlags: the container configuration flags of create and run. The Windows-only ones are
 * hidden from help, as docker hides them in front of a Linux daemon.
 */
export const CONTAINER_FLAGS = [
  // General purpose
  { name: 'attach', short: 'a', kind: 'list', usage: 'Attach to STDIN, STDOUT or STDERR', validate: check(validateAttach) },
  { name: 'device-cgroup-rule', kind: 'list', usage: 'Add a rule to the cgroup allowed devices list', validate: check(validateDeviceCgroupRule) },
  { name: 'device', kind: 'list', usage: 'Add a host device to the container' },
  { name: 'gpus', kind: 'list', typeName: 'gpu-request', usage: "GPU devices to add to the container ('all' to pass all GPUs)", validate: check(parseGpuRequest) },
  { name: 'env', short: 'e', kind: 'list', usage: 'Set environment variables', validate: check((v) => validateEnv(v)) },
  { name: 'env-file', kind: 'list', usage: 'Read in a file of environment variables' },
  { name: 'entrypoint', kind: 'string', usage: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'group-add', kind: 'list', usage: 'Add additional groups to join' },
  { name: 'hostname', short: 'h', kind: 'string', usage: 'Container host name' },
  { name: 'domainname', kind: 'string', usage: 'Container NIS domain name' },
  { name: 'interactive', short: 'i', kind: 'bool', usage: 'Keep STDIN open even if not attached' },
  { name: 'label', short: 'l', kind: 'list', usage: 'Set meta data on a container', validate: check(validateLabel) },
  { name: 'label-file', kind: 'list', usage: 'Read in a line delimited file of labels' },
  { name: 'read-only', kind: 'bool', usage: "Mount the container's root filesystem as read only" },
  { name: 'restart', kind: 'string', default: 'no', usage: 'Restart policy to apply when a container exits' },
  { name: 'stop-signal', kind: 'string', usage: 'Signal to stop the container' },
  { name: 'stop-timeout', kind: 'int', usage: 'Timeout (in seconds) to stop a container' },
  { name: 'sysctl', kind: 'list', typeName: 'map', defaultText: 'map[]', usage: 'Sysctl options', validate: check(validateSysctl) },
  { name: 'tty', short: 't', kind: 'bool', usage: 'Allocate a pseudo-TTY' },
  { name: 'ulimit', kind: 'list', typeName: 'ulimit', defaultText: '[]', usage: 'Ulimit options', validate: check(parseUlimit) },
  { name: 'user', short: 'u', kind: 'string', usage: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'workdir', short: 'w', kind: 'string', usage: 'Working directory inside the container' },
  { name: 'rm', kind: 'bool', usage: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  // Security
  { name: 'cap-add', kind: 'list', usage: 'Add Linux capabilities' },
  { name: 'cap-drop', kind: 'list', usage: 'Drop Linux capabilities' },
  { name: 'privileged', kind: 'bool', usage: 'Give extended privileges to this container' },
  { name: 'security-opt', kind: 'list', usage: 'Security Options' },
  { name: 'userns', kind: 'string', usage: 'User namespace to use' },
  {
    name: 'cgroupns',
    kind: 'string',
    usage: `Cgroup namespace to use (host|private)
'host':    Run the container in the Docker host's cgroup namespace
'private': Run the container in its own private cgroup namespace
'':        Use the cgroup namespace as configured by the
           default-cgroupns-mode option on the daemon (default)`,
  },
  // Network and port publishing
  { name: 'add-host', kind: 'list', usage: 'Add a custom host-to-IP mapping (host:ip)', validate: check(validateExtraHost) },
  { name: 'dns', kind: 'list', usage: 'Set custom DNS servers', validate: check(validateIPAddress) },
  { name: 'dns-opt', kind: 'list', usage: 'Set DNS options', hidden: true, target: 'dns-option' },
  { name: 'dns-option', kind: 'list', usage: 'Set DNS options' },
  { name: 'dns-search', kind: 'list', usage: 'Set custom DNS search domains', validate: check(validateDNSSearch) },
  { name: 'expose', kind: 'list', usage: 'Expose a port or a range of ports' },
  { name: 'ip', kind: 'string', usage: 'IPv4 address (e.g., 172.30.100.104)' },
  { name: 'ip6', kind: 'string', usage: 'IPv6 address (e.g., 2001:db8::33)' },
  { name: 'link', kind: 'list', usage: 'Add link to another container', validate: check(validateLink) },
  { name: 'link-local-ip', kind: 'list', usage: 'Container IPv4/IPv6 link-local addresses' },
  { name: 'mac-address', kind: 'string', usage: 'Container MAC address (e.g., 92:d0:c6:0a:29:33)' },
  { name: 'publish', short: 'p', kind: 'list', usage: "Publish a container's port(s) to the host" },
  { name: 'publish-all', short: 'P', kind: 'bool', usage: 'Publish all exposed ports to random ports' },
  { name: 'net', kind: 'list', typeName: 'network', usage: 'Connect a container to a network', hidden: true, target: 'network', validate: check(parseNetworkOpt) },
  { name: 'network', kind: 'list', typeName: 'network', usage: 'Connect a container to a network', validate: check(parseNetworkOpt) },
  { name: 'net-alias', kind: 'list', usage: 'Add network-scoped alias for the container', hidden: true, target: 'network-alias' },
  { name: 'network-alias', kind: 'list', usage: 'Add network-scoped alias for the container' },
  // Logging and storage
  { name: 'log-driver', kind: 'string', usage: 'Logging driver for the container' },
  { name: 'volume-driver', kind: 'string', usage: 'Optional volume driver for the container' },
  { name: 'log-opt', kind: 'list', usage: 'Log driver options' },
  { name: 'storage-opt', kind: 'list', usage: 'Storage driver options for the container' },
  { name: 'tmpfs', kind: 'list', usage: 'Mount a tmpfs directory' },
  { name: 'volumes-from', kind: 'list', usage: 'Mount volumes from the specified container(s)' },
  { name: 'volume', short: 'v', kind: 'list', usage: 'Bind mount a volume' },
  { name: 'mount', kind: 'list', typeName: 'mount', usage: 'Attach a filesystem mount to the container', validate: check((v) => parseMount(v)) },
  // Health-checking
  { name: 'health-cmd', kind: 'string', usage: 'Command to run to check health' },
  { name: 'health-interval', kind: 'string', typeName: 'duration', usage: `Time between running the check ${HEALTH_DURATION}`, validate: durationFlag },
  { name: 'health-retries', kind: 'int', usage: 'Consecutive failures needed to report unhealthy' },
  { name: 'health-timeout', kind: 'string', typeName: 'duration', usage: `Maximum time to allow one check to run ${HEALTH_DURATION}`, validate: durationFlag },
  {
    name: 'health-start-period',
    kind: 'string',
    typeName: 'duration',
    usage: `Start period for the container to initialize before starting health-retries countdown ${HEALTH_DURATION}`,
    validate: durationFlag,
  },
  {
    name: 'health-start-interval',
    kind: 'string',
    typeName: 'duration',
    usage: `Time between running the check during the start period ${HEALTH_DURATION}`,
    validate: durationFlag,
  },
  { name: 'no-healthcheck', kind: 'bool', usage: 'Disable any container-specified HEALTHCHECK' },
  // Resource management
  {
    name: 'blkio-weight',
    kind: 'string',
    typeName: 'uint16',
    usage: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)',
    validate: check((v) => parseUint(v, 16)),
  },
  { name: 'blkio-weight-device', kind: 'list', defaultText: '[]', usage: 'Block IO weight (relative device weight)', validate: check(parseWeightDevice) },
  { name: 'cidfile', kind: 'string', usage: 'Write the container ID to the file' },
  { name: 'cpuset-cpus', kind: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
  { name: 'cpuset-mems', kind: 'string', usage: 'MEMs in which to allow execution (0-3, 0,1)' },
  { name: 'cpu-count', hidden: true, kind: 'int', usage: 'CPU count (Windows only)' },
  { name: 'cpu-percent', hidden: true, kind: 'int', usage: 'CPU percent (Windows only)' },
  { name: 'cpu-period', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { name: 'cpu-quota', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { name: 'cpu-rt-period', kind: 'int', usage: 'Limit CPU real-time period in microseconds' },
  { name: 'cpu-rt-runtime', kind: 'int', usage: 'Limit CPU real-time runtime in microseconds' },
  { name: 'cpu-shares', short: 'c', kind: 'int', usage: 'CPU shares (relative weight)' },
  { name: 'cpus', kind: 'string', typeName: 'decimal', usage: 'Number of CPUs', validate: check(parseCpus) },
  { name: 'device-read-bps', kind: 'list', defaultText: '[]', usage: 'Limit read rate (bytes per second) from a device', validate: check(parseThrottleBps) },
  { name: 'device-read-iops', kind: 'list', defaultText: '[]', usage: 'Limit read rate (IO per second) from a device', validate: check(parseThrottleIOps) },
  { name: 'device-write-bps', kind: 'list', defaultText: '[]', usage: 'Limit write rate (bytes per second) to a device', validate: check(parseThrottleBps) },
  { name: 'device-write-iops', kind: 'list', defaultText: '[]', usage: 'Limit write rate (IO per second) to a device', validate: check(parseThrottleIOps) },
  { name: 'io-maxbandwidth', hidden: true, kind: 'string', typeName: 'bytes', usage: 'Maximum IO bandwidth limit for the system drive (Windows only)', validate: check(ramInBytes) },
  { name: 'io-maxiops', hidden: true, kind: 'string', typeName: 'uint', usage: 'Maximum IOps limit for the system drive (Windows only)', validate: check((v) => parseUint(v, 64)) },
  { name: 'kernel-memory', kind: 'string', typeName: 'bytes', usage: 'Kernel memory limit', validate: check(ramInBytes) },
  { name: 'memory', short: 'm', kind: 'string', typeName: 'bytes', usage: 'Memory limit', validate: check(ramInBytes) },
  { name: 'memory-reservation', kind: 'string', typeName: 'bytes', usage: 'Memory soft limit', validate: check(ramInBytes) },
  { name: 'memory-swap', kind: 'string', typeName: 'bytes', usage: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", validate: check(memSwapBytes) },
  { name: 'memory-swappiness', kind: 'int', default: -1, usage: 'Tune container memory swappiness (0 to 100)' },
  { name: 'oom-kill-disable', kind: 'bool', usage: 'Disable OOM Killer' },
  { name: 'oom-score-adj', kind: 'int', usage: "Tune host's OOM preferences (-1000 to 1000)" },
  { name: 'pids-limit', kind: 'int', usage: 'Tune container pids limit (set -1 for unlimited)' },
  // Low-level execution
  { name: 'cgroup-parent', kind: 'string', usage: 'Optional parent cgroup for the container' },
  { name: 'ipc', kind: 'string', usage: 'IPC mode to use' },
  { name: 'isolation', kind: 'string', usage: 'Container isolation technology' },
  { name: 'pid', kind: 'string', usage: 'PID namespace to use' },
  { name: 'shm-size', kind: 'string', typeName: 'bytes', usage: 'Size of /dev/shm', validate: check(ramInBytes) },
  { name: 'uts', kind: 'string', usage: 'UTS namespace to use' },
  { name: 'runtime', kind: 'string', usage: 'Runtime to use for this container' },
  { name: 'init', kind: 'bool', usage: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'annotation', kind: 'list', typeName: 'map', defaultText: 'map[]', usage: 'Add an annotation to the container (passed through to the OCI runtime)' },
] as const satisfies readonly FlagSpec[];

/** The pull policies of create/run's --pull. */
export const PULL_ALWAYS = 'always';
export const PULL_MISSING = 'missing';
export const PULL_NEVER = 'never';

/** The flags create and run add before addFlags' (create's --pull help has docker's "|" typo). */
export function createOnlyFlags(cmd: 'create' | 'run', env: Record<string, string | undefined> = process.env) {
  const pullHelp =
    cmd === 'run'
      ? `Pull image before running ("${PULL_ALWAYS}", "${PULL_MISSING}", "${PULL_NEVER}")`
      : `Pull image before creating ("${PULL_ALWAYS}", "|${PULL_MISSING}", "${PULL_NEVER}")`;
  return [
    { name: 'name', kind: 'string', usage: 'Assign a name to the container' },
    { name: 'pull', kind: 'string', default: PULL_MISSING, usage: pullHelp },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress the pull output' },
    { name: 'use-api-socket', kind: 'bool', usage: 'Bind mount Docker API socket and required auth' },
    { name: 'help', kind: 'bool', usage: 'Print usage' },
    { name: 'platform', kind: 'string', default: env['DOCKER_DEFAULT_PLATFORM'] ?? '', usage: 'Set platform if server is multi-platform capable' },
    { name: 'disable-content-trust', kind: 'bool', default: true, usage: 'Skip image verification' },
  ] as const satisfies readonly FlagSpec[];
}

/** The options `parse` reads: addFlags' values by camelCase name. */
export type ContainerFlagValues = Record<string, unknown>;

/** What parse needs besides the flag values. */
export interface ParseContext {
  /** Flags given on the command line (kebab names). */
  changed: ReadonlySet<string>;
  /** The image and the command after it. */
  image: string;
  args: readonly string[];
  /** The OS of the daemon (the ping's OSType). */
  serverOS: string;
  /** Environment lookup for `-e NAME` and env-file lines without a value. */
  lookupEnv: (key: string) => string | undefined;
  /** Proxy variables from the CLI config for the daemon in use (HTTP_PROXY, ...). */
  proxies?: Record<string, string>;
}

/** One endpoint of NetworkingConfig.EndpointsConfig (network.EndpointSettings). */
export interface EndpointSettingsValue {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Map<string, string> | null;
  GwPriority: number;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

export interface HealthConfigValue {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** container.Config, field order as in Go. */
export interface ConfigValue {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Map<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Healthcheck?: HealthConfigValue;
  ArgsEscaped?: boolean;
  Image: string;
  Volumes: Map<string, object>;
  WorkingDir: string;
  Entrypoint: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild: string[] | null;
  Labels: Map<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[];
}

/** container.HostConfig with its embedded Resources, field order as in Go. */
export interface HostConfigValue {
  Binds: string[] | null;
  ContainerIDFile: string;
  LogConfig: { Type: string; Config: Map<string, string> };
  NetworkMode: string;
  PortBindings: Map<string, PortBinding[]>;
  RestartPolicy: { Name: string; MaximumRetryCount: number };
  AutoRemove: boolean;
  VolumeDriver: string;
  VolumesFrom: string[] | null;
  ConsoleSize: [number, number];
  Annotations?: Map<string, string>;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  CgroupnsMode: string;
  Dns: string[];
  DnsOptions: string[];
  DnsSearch: string[];
  ExtraHosts: string[] | null;
  GroupAdd: string[] | null;
  IpcMode: string;
  Cgroup: string;
  Links: string[] | null;
  OomScoreAdj: number;
  PidMode: string;
  Privileged: boolean;
  PublishAllPorts: boolean;
  ReadonlyRootfs: boolean;
  SecurityOpt: string[] | null;
  StorageOpt?: Map<string, string>;
  Tmpfs?: Map<string, string>;
  UTSMode: string;
  UsernsMode: string;
  ShmSize: number;
  Sysctls?: Map<string, string>;
  Runtime?: string;
  Isolation: string;
  CpuShares: number;
  Memory: number;
  NanoCpus: number;
  CgroupParent: string;
  BlkioWeight: number;
  BlkioWeightDevice: WeightDevice[];
  BlkioDeviceReadBps: ThrottleDevice[];
  BlkioDeviceWriteBps: ThrottleDevice[];
  BlkioDeviceReadIOps: ThrottleDevice[];
  BlkioDeviceWriteIOps: ThrottleDevice[];
  CpuPeriod: number;
  CpuQuota: number;
  CpuRealtimePeriod: number;
  CpuRealtimeRuntime: number;
  CpusetCpus: string;
  CpusetMems: string;
  Devices: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
  DeviceCgroupRules: string[] | null;
  DeviceRequests: DeviceRequest[] | null;
  KernelMemory?: number;
  KernelMemoryTCP?: number;
  MemoryReservation: number;
  MemorySwap: number;
  MemorySwappiness: number;
  OomKillDisable: boolean;
  PidsLimit: number;
  Ulimits: UlimitValue[];
  CpuCount: number;
  CpuPercent: number;
  IOMaximumIOps: number;
  IOMaximumBandwidth: number;
  Mounts?: MountValue[];
  MaskedPaths: string[] | null;
  ReadonlyPaths: string[] | null;
  Init?: boolean;
}

export interface ContainerConfigValue {
  config: ConfigValue;
  hostConfig: HostConfigValue;
  networkingConfig: { EndpointsConfig: Map<string, EndpointSettingsValue> };
}

/** An error of parse, reported by run/create as "berth: <message>" with exit 125. */
export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

function fail(e: unknown): never {
  throw new ParseError(e instanceof Error ? e.message : String(e));
}

const str = (v: ContainerFlagValues, k: string) => (v[k] as string | undefined) ?? '';
const num = (v: ContainerFlagValues, k: string) => (v[k] as number | undefined) ?? 0;
const bool = (v: ContainerFlagValues, k: string) => (v[k] as boolean | undefined) ?? false;
const list = (v: ContainerFlagValues, k: string) => (v[k] as string[] | undefined) ?? [];
/** A ListOpts' slice: nil (null) when the flag was never given. */
const slice = (v: ContainerFlagValues, k: string) => (list(v, k).length ? list(v, k) : null);

const isUserDefined = (n: string) => n !== 'default' && n !== 'bridge' && n !== 'host' && n !== 'none' && !(n.startsWith('container:'));
const containerRef = (v: string) => v.startsWith('container:') && v.length > 'container:'.length;

function validDeviceMode(mode: string): boolean {
  if (mode === '') return false;
  const legal: Record<string, boolean> = { r: true, w: true, m: true };
  for (const c of mode) {
    if (!legal[c]) return false;
    legal[c] = false;
  }
  return true;
}

/** path.Clean for the container side of a device. */
function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const s = (rooted ? '/' : '') + out.join('/');
  return s === '' ? (rooted ? '/' : '.') : s;
}

/** validateLinuxPath for --device: `host[:container][:mode]`. */
function validateDevice(val: string, serverOS: string): string {
  if (serverOS === 'windows') return val;
  if (serverOS !== 'linux') throw new ParseError(`unknown server OS: ${serverOS}`);
  if (val.split(':').length - 1 > 2) throw new ParseError(`bad format for path: ${val}`);
  const split = val.split(':');
  if (split[0] === '') throw new ParseError(`bad format for path: ${val}`);
  let containerPath: string;
  switch (split.length) {
    case 1:
      containerPath = split[0]!;
      val = cleanPath(containerPath);
      break;
    case 2:
      if (validDeviceMode(split[1]!)) {
        containerPath = split[0]!;
        val = `${cleanPath(containerPath)}:${split[1]}`;
      } else {
        containerPath = split[1]!;
        val = `${split[0]}:${cleanPath(containerPath)}`;
      }
      break;
    default:
      containerPath = split[1]!;
      if (!validDeviceMode(split[2]!)) throw new ParseError(`bad mode specified: ${split[2]}`);
      val = `${split[0]}:${containerPath}:${split[2]}`;
  }
  if (!containerPath.startsWith('/')) throw new ParseError(`${containerPath} is not an absolute path`);
  return val;
}

/** parseLinuxDevice. */
function parseDevice(device: string, serverOS: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  if (serverOS === 'windows') return { PathOnHost: device, PathInContainer: '', CgroupPermissions: '' };
  const arr = device.split(':');
  let src = '';
  let dst = '';
  let permissions = 'rwm';
  if (arr.length > 3) throw new ParseError(`invalid device specification: ${device}`);
  if (arr.length === 3) permissions = arr[2]!;
  if (arr.length >= 2) {
    if (validDeviceMode(arr[1]!)) permissions = arr[1]!;
    else dst = arr[1]!;
  }
  src = arr[0]!;
  return { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: permissions };
}

/** cdi.IsQualifiedName: `vendor.com/class=name`. */
function isCdiName(device: string): boolean {
  if (device === '' || device[0] === '/') return false;
  const eq = device.indexOf('=');
  if (eq <= 0 || eq === device.length - 1) return false;
  const qualifier = device.slice(0, eq);
  const name = device.slice(eq + 1);
  const slash = qualifier.indexOf('/');
  if (slash <= 0) return false;
  const vendor = qualifier.slice(0, slash);
  const cls = qualifier.slice(slash + 1);
  const okVendorOrClass = (s: string) => /^[A-Za-z][A-Za-z0-9_.-]*$/.test(s) && /[A-Za-z0-9]$/.test(s);
  const okName = /^[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$/.test(name);
  return okVendorOrClass(vendor) && okVendorOrClass(cls.replace(/\./g, '_')) && okName;
}

/** parseSecurityOpts: a seccomp profile file is inlined (compacted JSON). */
function parseSecurityOpts(securityOpts: string[] | null, readProfile: (path: string) => string): string[] | null {
  if (!securityOpts) return null;
  return securityOpts.map((opt) => {
    let sep = opt.indexOf('=');
    let k = sep < 0 ? opt : opt.slice(0, sep);
    if (sep < 0 && k !== 'no-new-privileges') {
      sep = opt.indexOf(':');
      k = sep < 0 ? opt : opt.slice(0, sep);
    }
    const v = sep < 0 ? '' : opt.slice(sep + 1);
    if ((sep < 0 || v === '') && k !== 'no-new-privileges') throw new ParseError(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    if (k === 'seccomp' && v !== 'builtin' && v !== 'unconfined') {
      let text: string;
      try {
        text = readProfile(v);
      } catch (e) {
        throw new ParseError(`opening seccomp profile (${v}) failed: ${(e as Error).message}`);
      }
      let compact: string;
      try {
        compact = JSON.stringify(JSON.parse(text));
      } catch (e) {
        throw new ParseError(`compacting json for seccomp profile (${v}) failed: ${(e as Error).message}`);
      }
      return `seccomp=${compact}`;
    }
    return opt;
  });
}

/** The proxy variables docker adds to Env (configfile.ParseProxyConfig), unless given with -e. */
function withProxyEnv(env: string[], proxies: Record<string, string> | undefined): string[] {
  if (!proxies) return env;
  const given = new Set(env.map((e) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e)));
  const out = [...env];
  const permitted: [string, string][] = [
    ['HTTP_PROXY', proxies['httpProxy'] ?? ''],
    ['HTTPS_PROXY', proxies['httpsProxy'] ?? ''],
    ['NO_PROXY', proxies['noProxy'] ?? ''],
    ['FTP_PROXY', proxies['ftpProxy'] ?? ''],
    ['ALL_PROXY', proxies['allProxy'] ?? ''],
  ];
  for (const [k, v] of permitted) {
    if (v === '') continue;
    for (const key of [k, k.toLowerCase()]) {
      if (!given.has(key)) {
        out.push(`${key}=${v}`);
        given.add(key);
      }
    }
  }
  return out;
}

/** ListOpts' `-e` values after the map docker makes of them: one per name, the last value wins. */
function dedupEnv(env: string[]): string[] {
  const byKey = new Map<string, string>();
  for (const e of env) byKey.set(e.includes('=') ? e.slice(0, e.indexOf('=')) : e, e);
  return [...byKey.values()];
}

function emptyEndpoint(): EndpointSettingsValue {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}

function isEmptyEndpoint(ep: EndpointSettingsValue): boolean {
  return (
    ep.IPAMConfig === null &&
    (ep.Links === null || ep.Links.length === 0) &&
    ep.Aliases === null &&
    ep.MacAddress === '' &&
    ep.DriverOpts === null &&
    ep.GwPriority === 0
  );
}

/** applyContainerOptions: --network-alias, --link, --ip, --ip6, --mac-address, --link-local-ip on the first network. */
function applyContainerOptions(n: NetworkAttachment, v: ContainerFlagValues): void {
  const aliases = list(v, 'networkAlias');
  const links = list(v, 'link');
  const ip = str(v, 'ip');
  const ip6 = str(v, 'ip6');
  const mac = str(v, 'macAddress');
  const lls = list(v, 'linkLocalIp');
  if (n.aliases.length > 0 && aliases.length > 0) throw new ParseError('conflicting options: cannot specify both --network-alias and per-network alias');
  if (n.links.length > 0 && links.length > 0) throw new ParseError('conflicting options: cannot specify both --link and per-network links');
  if (n.ipv4Address !== '' && ip !== '') throw new ParseError('conflicting options: cannot specify both --ip and per-network IPv4 address');
  if (n.ipv6Address !== '' && ip6 !== '') throw new ParseError('conflicting options: cannot specify both --ip6 and per-network IPv6 address');
  if (n.macAddress !== '' && mac !== '') throw new ParseError('conflicting options: cannot specify both --mac-address and per-network MAC address');
  if (n.linkLocalIPs.length > 0 && lls.length > 0) {
    throw new ParseError('conflicting options: cannot specify both --link-local-ip and per-network link-local IP addresses');
  }
  if (aliases.length > 0) n.aliases = [...aliases];
  if (isUserDefined(n.target) && links.length > 0) n.links = [...links];
  if (ip !== '') n.ipv4Address = ip;
  if (ip6 !== '') n.ipv6Address = ip6;
  if (mac !== '') n.macAddress = mac;
  if (lls.length > 0) n.linkLocalIPs = [...lls];
}

/** parseNetworkAttachmentOpt. */
function endpointOf(n: NetworkAttachment): EndpointSettingsValue {
  if (n.target.trim() === '') throw new ParseError('no name set for network');
  if (!isUserDefined(n.target)) {
    if (n.aliases.length > 0) throw new ParseError('network-scoped aliases are only supported for user-defined networks');
    if (n.links.length > 0) throw new ParseError('links are only supported for user-defined networks');
  }
  const ep = emptyEndpoint();
  ep.GwPriority = n.gwPriority;
  if (n.aliases.length > 0) ep.Aliases = [...n.aliases];
  if (n.driverOpts && n.driverOpts.size > 0) ep.DriverOpts = n.driverOpts;
  if (n.links.length > 0) ep.Links = n.links;
  if (n.ipv4Address !== '' || n.ipv6Address !== '' || n.linkLocalIPs.length > 0) {
    ep.IPAMConfig = {
      IPv4Address: n.ipv4Address || undefined,
      IPv6Address: n.ipv6Address || undefined,
      LinkLocalIPs: n.linkLocalIPs.length ? n.linkLocalIPs : undefined,
    };
  }
  if (n.macAddress !== '') {
    if (!isMacAddress(n.macAddress)) throw new ParseError(`${n.macAddress} is not a valid mac address`);
    ep.MacAddress = n.macAddress;
  }
  return ep;
}

/** parseNetworkOpts: EndpointsConfig from --network and the legacy per-container flags. */
function parseNetworkOpts(v: ContainerFlagValues, networks: NetworkAttachment[]): Map<string, EndpointSettingsValue> {
  const endpoints = new Map<string, EndpointSettingsValue>();
  let hasUserDefined = false;
  let hasNonUserDefined = false;
  if (networks.length === 0) {
    const n = parseNetworkOpt('default');
    applyContainerOptions(n, v);
    endpoints.set('default', endpointOf(n));
  }
  networks.forEach((n, i) => {
    if (isUserDefined(n.target)) hasUserDefined = true;
    else hasNonUserDefined = true;
    if (i === 0) applyContainerOptions(n, v);
    const ep = endpointOf(n);
    if (endpoints.has(n.target)) throw new ParseError(`network ${JSON.stringify(n.target)} is specified multiple times`);
    if (i === 0 && networks.length === 1 && isEmptyEndpoint(ep)) return;
    endpoints.set(n.target, ep);
  });
  if (hasUserDefined && hasNonUserDefined) {
    throw new ParseError('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  }
  return endpoints;
}

/**
 * docker's parse(): the flag values of create/run into Config, HostConfig and
 * NetworkingConfig. Throws ParseError with docker's texts.
 */
export function parseContainerOptions(v: ContainerFlagValues, ctx: ParseContext, readFile: (path: string) => string): ContainerConfigValue {
  const attach = list(v, 'attach').map((a) => a.toLowerCase());
  let attachStdin = attach.includes('stdin');
  let attachStdout = attach.includes('stdout');
  let attachStderr = attach.includes('stderr');
  const macAddress = str(v, 'macAddress');
  if (macAddress !== '' && !isMacAddress(macAddress)) throw new ParseError(`${macAddress} is not a valid mac address`);
  if (bool(v, 'interactive')) attachStdin = true;
  if (attach.length === 0) {
    attachStdout = true;
    attachStderr = true;
  }
  const swappiness = (v['memorySwappiness'] as number | undefined) ?? -1;
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw new ParseError(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);
  }

  // -v: binds (host paths and named volumes) and anonymous volumes
  const volumeSpecs = [...new Set(list(v, 'volume'))];
  const volumes = new Map<string, object>();
  const binds: string[] = [];
  for (const bind of volumeSpecs) {
    let parsed;
    try {
      parsed = parseVolume(bind);
    } catch (e) {
      fail(e);
    }
    if (parsed.source !== '') binds.push(parsed.type === 'bind' ? absBindSource(bind) : bind);
    else volumes.set(bind, {});
  }

  const tmpfs = new Map<string, string>();
  for (const t of list(v, 'tmpfs')) {
    const i = t.indexOf(':');
    tmpfs.set(i < 0 ? t : t.slice(0, i), i < 0 ? '' : t.slice(i + 1));
  }

  const runCmd = ctx.args.length > 0 ? [...ctx.args] : null;
  let entrypoint: string[] | null = null;
  if (str(v, 'entrypoint') !== '') entrypoint = [str(v, 'entrypoint')];
  else if (ctx.changed.has('entrypoint')) entrypoint = [''];

  let exposed: Set<string>;
  let bindings: Map<string, PortBinding[]>;
  try {
    ({ exposed, bindings } = parsePortSpecs(convertToStandardNotation(list(v, 'publish'))));
    addExposedPorts(exposed, list(v, 'expose'));
  } catch (e) {
    fail(e);
  }

  const devices: HostConfigValue['Devices'] = [];
  const cdiDevices: string[] = [];
  for (const device of list(v, 'device')) {
    if (isCdiName(device)) {
      cdiDevices.push(device);
      continue;
    }
    devices.push(parseDevice(validateDevice(device, ctx.serverOS), ctx.serverOS));
  }

  // -e values (after docker's proxy-config round trip), then env files' lines before them
  let env: string[];
  let labels: string[];
  try {
    const flagEnv = dedupEnv(withProxyEnv(list(v, 'env').map((e) => validateEnv(e, ctx.lookupEnv)), ctx.proxies));
    env = [...list(v, 'envFile').flatMap((f) => parseKvFile(f, ctx.lookupEnv)), ...flagEnv];
    labels = [...list(v, 'labelFile').flatMap((f) => parseKvFile(f, undefined)), ...list(v, 'label')];
  } catch (e) {
    fail(e);
  }

  const pidMode = str(v, 'pid');
  if (!(pidMode === '' || pidMode === 'host' || containerRef(pidMode))) throw new ParseError('--pid: invalid PID mode');
  const utsMode = str(v, 'uts');
  if (!(utsMode === '' || utsMode === 'host')) throw new ParseError('--uts: invalid UTS mode');
  const usernsMode = str(v, 'userns');
  if (!(usernsMode === '' || usernsMode === 'host')) throw new ParseError('--userns: invalid USER mode');
  const cgroupnsMode = str(v, 'cgroupns');
  if (!['', 'private', 'host'].includes(cgroupnsMode)) throw new ParseError('--cgroupns: invalid CGROUP mode');

  let restartPolicy;
  try {
    restartPolicy = parseRestartPolicy(str(v, 'restart'));
  } catch (e) {
    fail(e);
  }

  const logDriver = str(v, 'logDriver');
  const logOpts = list(v, 'logOpt');
  if (logDriver === 'none' && logOpts.length > 0) throw new ParseError(`invalid logging opts for driver ${logDriver}`);

  let securityOpts = parseSecurityOpts(slice(v, 'securityOpt'), readFile);
  let maskedPaths: string[] | null = null;
  let readonlyPaths: string[] | null = null;
  if (securityOpts) {
    const filtered: string[] = [];
    for (const opt of securityOpts) {
      if (opt === 'systempaths=unconfined') {
        maskedPaths = [];
        readonlyPaths = [];
      } else filtered.push(opt);
    }
    securityOpts = filtered;
  }

  const storageOpt = new Map<string, string>();
  for (const option of list(v, 'storageOpt')) {
    const i = option.indexOf('=');
    if (i < 0) throw new ParseError('invalid storage option');
    storageOpt.set(option.slice(0, i), option.slice(i + 1));
  }

  // Healthcheck
  const healthCmd = str(v, 'healthCmd');
  const hInterval = v['healthInterval'] ? parseDuration(str(v, 'healthInterval')) : 0;
  const hTimeout = v['healthTimeout'] ? parseDuration(str(v, 'healthTimeout')) : 0;
  const hStartPeriod = v['healthStartPeriod'] ? parseDuration(str(v, 'healthStartPeriod')) : 0;
  const hStartInterval = v['healthStartInterval'] ? parseDuration(str(v, 'healthStartInterval')) : 0;
  const hRetries = num(v, 'healthRetries');
  const haveHealth = healthCmd !== '' || hInterval !== 0 || hTimeout !== 0 || hStartPeriod !== 0 || hRetries !== 0 || hStartInterval !== 0;
  let healthcheck: HealthConfigValue | undefined;
  if (bool(v, 'noHealthcheck')) {
    if (haveHealth) throw new ParseError('--no-healthcheck conflicts with --health-* options');
    healthcheck = { Test: ['NONE'] };
  } else if (haveHealth) {
    if (hInterval < 0) throw new ParseError('--health-interval cannot be negative');
    if (hTimeout < 0) throw new ParseError('--health-timeout cannot be negative');
    if (hRetries < 0) throw new ParseError('--health-retries cannot be negative');
    if (hStartPeriod < 0) throw new ParseError('--health-start-period cannot be negative');
    if (hStartInterval < 0) throw new ParseError('--health-start-interval cannot be negative');
    healthcheck = {
      Test: healthCmd !== '' ? ['CMD-SHELL', healthCmd] : undefined,
      Interval: hInterval || undefined,
      Timeout: hTimeout || undefined,
      StartPeriod: hStartPeriod || undefined,
      StartInterval: hStartInterval || undefined,
      Retries: hRetries || undefined,
    };
  }

  let deviceRequests: DeviceRequest[] | null = list(v, 'gpus').length ? list(v, 'gpus').map(parseGpuRequest) : null;
  if (cdiDevices.length > 0) {
    deviceRequests = [...(deviceRequests ?? []), { Driver: 'cdi', Count: 0, DeviceIDs: cdiDevices, Capabilities: null, Options: null }];
  }

  const ulimits = new Map<string, UlimitValue>();
  for (const u of list(v, 'ulimit')) {
    const l = parseUlimit(u);
    ulimits.set(l.Name, l);
  }

  const networks = list(v, 'network').map(parseNetworkOpt);
  const networkMode = networks.length > 0 ? networks[0]!.target : 'default';

  const config: ConfigValue = {
    Hostname: str(v, 'hostname'),
    Domainname: str(v, 'domainname'),
    User: str(v, 'user'),
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ExposedPorts: exposed.size ? new Map([...exposed].map((p) => [p, {}])) : undefined,
    Tty: bool(v, 'tty'),
    OpenStdin: bool(v, 'interactive'),
    StdinOnce: false,
    Env: env.length ? env : null,
    Cmd: runCmd,
    Healthcheck: healthcheck,
    ArgsEscaped: undefined,
    Image: ctx.image,
    Volumes: volumes,
    WorkingDir: str(v, 'workdir'),
    Entrypoint: entrypoint,
    NetworkDisabled: undefined,
    MacAddress: macAddress || undefined,
    OnBuild: null,
    Labels: kvMap(labels),
    StopSignal: str(v, 'stopSignal') || undefined,
    StopTimeout: ctx.changed.has('stop-timeout') ? num(v, 'stopTimeout') : undefined,
    Shell: undefined,
  };

  const hostConfig: HostConfigValue = {
    Binds: binds.length ? binds : null,
    ContainerIDFile: str(v, 'cidfile'),
    LogConfig: { Type: logDriver, Config: kvMap(logOpts) },
    NetworkMode: networkMode,
    PortBindings: bindings,
    RestartPolicy: restartPolicy,
    AutoRemove: bool(v, 'rm'),
    VolumeDriver: str(v, 'volumeDriver'),
    VolumesFrom: slice(v, 'volumesFrom'),
    ConsoleSize: [0, 0],
    Annotations: list(v, 'annotation').length ? kvMap(list(v, 'annotation')) : undefined,
    CapAdd: slice(v, 'capAdd'),
    CapDrop: slice(v, 'capDrop'),
    CgroupnsMode: cgroupnsMode,
    Dns: list(v, 'dns').map(validateIPAddress),
    DnsOptions: [...list(v, 'dnsOption')],
    DnsSearch: list(v, 'dnsSearch').map(validateDNSSearch),
    ExtraHosts: slice(v, 'addHost')?.map(validateExtraHost) ?? null,
    GroupAdd: slice(v, 'groupAdd'),
    IpcMode: str(v, 'ipc'),
    Cgroup: '',
    Links: slice(v, 'link'),
    OomScoreAdj: num(v, 'oomScoreAdj'),
    PidMode: pidMode,
    Privileged: bool(v, 'privileged'),
    PublishAllPorts: bool(v, 'publishAll'),
    ReadonlyRootfs: bool(v, 'readOnly'),
    SecurityOpt: securityOpts,
    StorageOpt: storageOpt.size ? storageOpt : undefined,
    Tmpfs: tmpfs.size ? tmpfs : undefined,
    UTSMode: utsMode,
    UsernsMode: usernsMode,
    ShmSize: v['shmSize'] ? ramInBytes(str(v, 'shmSize')) : 0,
    Sysctls: list(v, 'sysctl').length ? kvMap(list(v, 'sysctl')) : undefined,
    Runtime: str(v, 'runtime') || undefined,
    Isolation: str(v, 'isolation'),
    CpuShares: num(v, 'cpuShares'),
    Memory: v['memory'] ? ramInBytes(str(v, 'memory')) : 0,
    NanoCpus: v['cpus'] ? parseCpus(str(v, 'cpus')) : 0,
    CgroupParent: str(v, 'cgroupParent'),
    BlkioWeight: v['blkioWeight'] ? parseUint(str(v, 'blkioWeight'), 16) : 0,
    BlkioWeightDevice: list(v, 'blkioWeightDevice').map(parseWeightDevice),
    BlkioDeviceReadBps: list(v, 'deviceReadBps').map(parseThrottleBps),
    BlkioDeviceWriteBps: list(v, 'deviceWriteBps').map(parseThrottleBps),
    BlkioDeviceReadIOps: list(v, 'deviceReadIops').map(parseThrottleIOps),
    BlkioDeviceWriteIOps: list(v, 'deviceWriteIops').map(parseThrottleIOps),
    CpuPeriod: num(v, 'cpuPeriod'),
    CpuQuota: num(v, 'cpuQuota'),
    CpuRealtimePeriod: num(v, 'cpuRtPeriod'),
    CpuRealtimeRuntime: num(v, 'cpuRtRuntime'),
    CpusetCpus: str(v, 'cpusetCpus'),
    CpusetMems: str(v, 'cpusetMems'),
    Devices: devices,
    DeviceCgroupRules: slice(v, 'deviceCgroupRule'),
    DeviceRequests: deviceRequests,
    KernelMemory: v['kernelMemory'] ? ramInBytes(str(v, 'kernelMemory')) || undefined : undefined,
    KernelMemoryTCP: undefined,
    MemoryReservation: v['memoryReservation'] ? ramInBytes(str(v, 'memoryReservation')) : 0,
    MemorySwap: v['memorySwap'] ? memSwapBytes(str(v, 'memorySwap')) : 0,
    MemorySwappiness: swappiness,
    OomKillDisable: bool(v, 'oomKillDisable'),
    PidsLimit: num(v, 'pidsLimit'),
    Ulimits: [...ulimits.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)),
    CpuCount: num(v, 'cpuCount'),
    CpuPercent: num(v, 'cpuPercent'),
    IOMaximumIOps: v['ioMaxiops'] ? parseUint(str(v, 'ioMaxiops'), 64) : 0,
    IOMaximumBandwidth: v['ioMaxbandwidth'] ? ramInBytes(str(v, 'ioMaxbandwidth')) : 0,
    Mounts: list(v, 'mount').length ? list(v, 'mount').map((m) => parseMount(m)) : undefined,
    MaskedPaths: maskedPaths,
    ReadonlyPaths: readonlyPaths,
    Init: ctx.changed.has('init') ? bool(v, 'init') : undefined,
  };

  if (hostConfig.AutoRemove && !(restartPolicy.Name === 'no' || restartPolicy.Name === '')) {
    throw new ParseError('conflicting options: cannot specify both --restart and --rm');
  }
  if (config.OpenStdin && config.AttachStdin) config.StdinOnce = true;

  const endpointsConfig = parseNetworkOpts(v, networks);
  const mainNetwork = isUserDefined(networkMode) ? networkMode : networkMode.startsWith('container:') ? 'container' : networkMode;
  const main = endpointsConfig.get(mainNetwork);
  if (main) config.MacAddress = main.MacAddress || undefined;

  return { config, hostConfig, networkingConfig: { EndpointsConfig: endpointsConfig } };
}
