/**
 * Docker's defaults for a Linux container spec (moby `oci/defaults.go`, `oci/caps/defaults.go`,
 * `daemon/config`). Everything here is a constant; `generateSpec` copies before it changes any.
 */
import type { OciDeviceCgroup, OciMount, OciNamespaceType } from './oci-spec.js';

/** The capabilities a container gets without --cap-add/--cap-drop/--privileged, in Docker's order. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/**
 * Paths masked (bind-mounted over with /dev/null or an empty tmpfs) in a non-privileged container.
 * compat: /sys/devices/virtual/powercap is Docker 23+ (moby 83cac3c3e3); 20.10 lacks it.
 */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Paths remounted read-only in a non-privileged container. */
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/** PATH when neither the image nor the container sets one (moby `oci.DefaultPathEnv`). */
export const DEFAULT_PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Size of /dev/shm when HostConfig.ShmSize is 0 (moby `config.DefaultShmSize`, 64 MiB). */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** Where `--init` puts the init binary inside the container (moby `inContainerInitPath`). */
export const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';

/** The cgroup parent when neither the container nor the daemon names one (Docker's is /docker). */
export const DEFAULT_CGROUP_PARENT = '/berth';

/** The mounts every container starts with, in Docker's order; /dev/shm gets `size=` later. */
export const DEFAULT_MOUNTS: readonly Readonly<OciMount>[] = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  {
    destination: '/dev/pts',
    type: 'devpts',
    source: 'devpts',
    options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
  },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777'] },
];

/** The namespaces a container gets before its modes are applied, in Docker's order. */
export const DEFAULT_NAMESPACES: readonly OciNamespaceType[] = ['mount', 'network', 'uts', 'pid', 'ipc'];

/**
 * The devices cgroup of a non-privileged container: deny all, then allow zero, null, urandom,
 * random, tty, console, and deny fuse (10:229). runc 1.1 appends its own allow list after these
 * (mknod of any c/b, /dev/pts 136:*, ptmx 5:2, tun 10:200, …; libcontainer/specconv
 * AllowedDevices), as it does for Docker, so they are not repeated in the spec.
 */
export const DEFAULT_DEVICE_CGROUP: readonly Readonly<OciDeviceCgroup>[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
];

/**
 * Sysctls Docker sets when the container gets its own network namespace (moby
 * withCommonOptions), each only when the host kernel has it.
 */
export const DEFAULT_NETWORK_SYSCTLS: readonly (readonly [string, string])[] = [
  ['net.ipv4.ping_group_range', '0 2147483647'],
  ['net.ipv4.ip_unprivileged_port_start', '0'],
];
