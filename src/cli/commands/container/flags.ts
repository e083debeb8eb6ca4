/**
 * The flags `create` and `run` share (docker/cli's cli/command/container/opts.go addFlags) and
 * the ones each adds of its own; opts.ts parses their values.
 */
import type { FlagSpec } from '../../flags.js';
import { durationFlag, memSwapBytes, parseCpus, parseUint, parseUlimit, ramInBytes, validateAttach, validateDeviceCgroupRule, validateDNSSearch, validateEnv, validateExtraHost, validateIPAddress, validateLabel, validateLink, validateSysctl } from './values.js';
import { parseGpuRequest, parseThrottleBps, parseThrottleIOps, parseWeightDevice } from './device-values.js';
import { parseMount } from './volumes.js';
import { parseNetworkOpt } from './network-opts.js';


/** A flag validator from a parser: the parser's error is the flag's. */
export const check = (fn: (v: string) => unknown) => (v: string) => {
  fn(v);
};

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

