/**
 * Seccomp, part one: Docker's profile format and Docker's default profile, written here as data
 * (seccomp.ts resolves a profile for one container).
 *
 * Docker's format (moby/profiles `seccomp.Seccomp`) is the OCI one plus two things: `archMap`
 * (the native architecture and the sub-architectures its processes may also use) and conditional
 * rules (`includes`/`excludes`: by the container's capabilities, the host's architecture and its
 * kernel version). Resolving a profile for a container keeps the rules whose conditions hold and
 * drops the conditions (moby `setupSeccomp`).
 *
 * The default profile is an allow-list: any syscall not listed fails with EPERM. Which syscalls it
 * allows is the reference behaviour of moby's profiles/seccomp/default.json (moby/profiles
 * v0.2.3); `seccomp.test.ts` checks ours against that file resolved the same way.
 */
import type { OciSeccompArg } from './oci-spec.js';

/** A condition of a rule in Docker's profile format (moby/profiles `seccomp.Filter`). */
export interface SeccompFilter {
  /** Capabilities the container must all hold (includes) / any of which removes the rule (excludes). */
  caps?: string[];
  /** libseccomp's native architecture names: `amd64`, `x32`, `x86`, `arm64`, `s390x`, … */
  arches?: string[];
  /** `<kernel>.<major>`, e.g. `4.8`: the host kernel is at least this. */
  minKernel?: string;
}

/** A rule in Docker's profile format (moby/profiles `seccomp.Syscall`). */
export interface DockerSyscallRule {
  names?: string[];
  /** Deprecated single-name form. */
  name?: string;
  action: string;
  errnoRet?: number;
  args?: OciSeccompArg[];
  comment?: string;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
}

/** A profile in Docker's format (moby/profiles `seccomp.Seccomp`). */
export interface DockerSeccompProfile {
  defaultAction?: string;
  defaultErrnoRet?: number;
  /** The OCI list as is; a profile has either this or `archMap`. */
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] | null }[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: DockerSyscallRule[] | null;
}

/** What resolving a profile depends on. */
export interface SeccompTarget {
  /** The container's bounding capabilities (`CAP_…`). */
  capabilities: readonly string[];
  /** libseccomp's name of the host architecture (`amd64`, `arm64`, …; see nativeArch). */
  arch: string;
  /** The host kernel release (`uname -r`), e.g. `6.1.0-18-amd64`. */
  kernelRelease: string;
}

const ALLOW = 'SCMP_ACT_ALLOW';
const ERRNO = 'SCMP_ACT_ERRNO';
const EPERM = 1;
const ENOSYS = 38;

/**
 * libseccomp's architecture names by Node's `process.arch` (moby goToNative, from Go's GOARCH;
 * Node has no separate big-endian ppc64 or the mips64 variants on Linux).
 */
const NATIVE_BY_NODE_ARCH: Readonly<Record<string, string>> = {
  ia32: 'x86',
  x64: 'amd64',
  arm: 'arm',
  arm64: 'arm64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
  ppc: 'ppc',
  ppc64: 'ppc64le',
  riscv64: 'riscv64',
  s390: 's390',
  s390x: 's390x',
};

/** libseccomp's native name for a Node `process.arch` value; the value itself when unknown. */
export function nativeArch(nodeArch: string): string {
  return NATIVE_BY_NODE_ARCH[nodeArch] ?? nodeArch;
}

/** The OCI architecture of a native name (moby nativeToSeccomp). */
export const SCMP_ARCH: Readonly<Record<string, string>> = {
  x86: 'SCMP_ARCH_X86',
  amd64: 'SCMP_ARCH_X86_64',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  loong64: 'SCMP_ARCH_LOONGARCH64',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64n32: 'SCMP_ARCH_MIPS64N32',
  mipsel64: 'SCMP_ARCH_MIPSEL64',
  mips3l64n32: 'SCMP_ARCH_MIPSEL64N32',
  mipsle: 'SCMP_ARCH_MIPSEL',
  ppc: 'SCMP_ARCH_PPC',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  riscv64: 'SCMP_ARCH_RISCV64',
  s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
};

// ---------------------------------------------------------------------------------------------
// The default profile. Unconditionally allowed: what ordinary programs need and the kernel
// checks itself (ownership, permissions, capabilities). Grouped by what they are for; the
// profile lists them sorted.
// ---------------------------------------------------------------------------------------------

const ALWAYS_ALLOWED: Readonly<Record<string, string>> = {
  // Paths and file descriptors: open, read, write, metadata, links, directories.
  files: `access chdir chmod chown chown32 close close_range copy_file_range creat dup dup2 dup3
    faccessat faccessat2 fadvise64 fadvise64_64 fallocate fchdir fchmod fchmodat fchmodat2 fchown
    fchown32 fchownat fcntl fcntl64 fdatasync flock fstat fstat64 fstatat64 fstatfs fstatfs64 fsync
    ftruncate ftruncate64 futimesat getcwd getdents getdents64 ioctl lchown lchown32 link linkat
    _llseek lseek lstat lstat64 mkdir mkdirat mknod mknodat name_to_handle_at newfstatat open openat
    openat2 pipe pipe2 pread64 preadv preadv2 pwrite64 pwritev pwritev2 read readahead readlink
    readlinkat readv rename renameat renameat2 rmdir sendfile sendfile64 splice stat stat64 statfs
    statfs64 statx symlink symlinkat sync sync_file_range syncfs tee truncate truncate64 umask unlink
    unlinkat utime utimensat utimensat_time64 utimes vmsplice write writev cachestat`,
  // Listing mounts (read-only; mounting itself needs CAP_SYS_ADMIN, below).
  mountInfo: 'listmount statmount',
  // Extended attributes (the kernel checks trusted./security. namespaces itself).
  xattrs: `fgetxattr flistxattr fremovexattr fsetxattr getxattr getxattrat lgetxattr listxattr
    listxattrat llistxattr lremovexattr lsetxattr removexattr removexattrat setxattr setxattrat`,
  // Waiting on many descriptors, event and timer descriptors, file change notification.
  polling: `epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
    epoll_wait_old eventfd eventfd2 fanotify_mark inotify_add_watch inotify_init inotify_init1
    inotify_rm_watch _newselect poll ppoll ppoll_time64 pselect6 pselect6_time64 select signalfd
    signalfd4 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64`,
  // Linux AIO and I/O priorities (io_uring is left out: a large attack surface).
  asyncIo: `io_cancel io_destroy io_getevents io_pgetevents io_pgetevents_time64 io_setup io_submit
    ioprio_get ioprio_set`,
  // Memory: mappings, locking within RLIMIT_MEMLOCK, protection keys, sealing.
  memory: `brk madvise map_shadow_stack membarrier memfd_create memfd_secret mincore mlock mlock2
    mlockall mmap mmap2 mprotect mremap mseal msync munlock munlockall munmap pkey_alloc pkey_free
    pkey_mprotect process_mrelease remap_file_pages`,
  // Processes and threads: create (fork; clone is filtered below), exec, exit, wait, ids.
  processes: `execve execveat exit exit_group fork vfork wait4 waitid waitpid getpid getppid gettid
    getpgid getpgrp getsid setpgid setsid set_tid_address get_robust_list set_robust_list
    get_thread_area set_thread_area rseq restart_syscall prctl getcpu pidfd_open pidfd_send_signal
    uretprobe riscv_hwprobe`,
  // Futexes.
  futexes: 'futex futex_requeue futex_time64 futex_wait futex_waitv futex_wake',
  // Scheduling and resource limits (raising beyond the hard limit still needs CAP_SYS_RESOURCE).
  scheduling: `getpriority setpriority sched_getaffinity sched_getattr sched_getparam
    sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval
    sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam sched_setscheduler
    sched_yield getrlimit setrlimit prlimit64 ugetrlimit getrusage times`,
  // Credentials: reading them, and changing them within what the kernel's checks allow.
  credentials: `capget capset getuid getuid32 geteuid geteuid32 getgid getgid32 getegid getegid32
    getgroups getgroups32 getresuid getresuid32 getresgid getresgid32 setuid setuid32 setgid
    setgid32 setreuid setreuid32 setregid setregid32 setresuid setresuid32 setresgid setresgid32
    setfsuid setfsuid32 setfsgid setfsgid32 setgroups setgroups32`,
  // Signals and interval timers.
  signals: `kill tkill tgkill alarm pause rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo
    rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sigaltstack
    sigprocmask sigreturn getitimer setitimer timer_create timer_delete timer_getoverrun
    timer_gettime timer_gettime64 timer_settime timer_settime64`,
  // Clocks: reading and sleeping (adjtimex/clock_adjtime only read without CAP_SYS_TIME).
  time: `adjtimex clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime
    clock_gettime64 clock_nanosleep clock_nanosleep_time64 gettimeofday nanosleep time`,
  // Sockets (socket itself is filtered by address family below).
  sockets: `accept accept4 bind connect getpeername getsockname getsockopt listen recv recvfrom
    recvmmsg recvmmsg_time64 recvmsg send sendmmsg sendmsg sendto setsockopt shutdown socketcall
    socketpair`,
  // System V IPC and POSIX message queues (namespaced by the IPC namespace).
  ipc: `ipc msgctl msgget msgrcv msgsnd semctl semget semop semtimedop semtimedop_time64 shmat shmctl
    shmdt shmget mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend
    mq_timedsend_time64 mq_unlink`,
  // Confining itself further: seccomp filters and Landlock rulesets.
  selfConfinement: 'seccomp landlock_add_rule landlock_create_ruleset landlock_restrict_self',
  // System information and randomness.
  info: 'getrandom sysinfo uname',
};

/** The flags of clone(2) that create namespaces (CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET). */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;

/** Address families socket(2) may not use without more: AF_ALG (38, kernel crypto), AF_VSOCK (40). */
const AF_ALG = 38;
const AF_VSOCK = 40;

/**
 * personality(2) values allowed: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the
 * 0xffffffff query. Others (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, …) weaken the process.
 */
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/** Allowed only when the container holds the capability that makes them meaningful. */
const BY_CAPABILITY: readonly [string, string][] = [
  ['CAP_DAC_READ_SEARCH', 'open_by_handle_at'],
  [
    'CAP_SYS_ADMIN',
    `bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie lsm_get_self_attr
    lsm_list_modules lsm_set_self_attr mount mount_setattr move_mount open_tree perf_event_open quotactl
    quotactl_fd setdomainname sethostname setns syslog umount umount2 unshare`,
  ],
];

/** Capability-gated rules that come after the clone filters, in the reference profile's order. */
const BY_CAPABILITY_LATE: readonly [string, string][] = [
  ['CAP_SYS_BOOT', 'reboot'],
  ['CAP_SYS_CHROOT', 'chroot'],
  ['CAP_SYS_MODULE', 'delete_module init_module finit_module'],
  ['CAP_SYS_PACCT', 'acct'],
  ['CAP_SYS_PTRACE', 'kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace'],
  ['CAP_SYS_RAWIO', 'iopl ioperm'],
  ['CAP_SYS_TIME', 'settimeofday stime clock_settime clock_settime64'],
  ['CAP_SYS_TTY_CONFIG', 'vhangup'],
  ['CAP_SYS_NICE', 'get_mempolicy mbind set_mempolicy set_mempolicy_home_node'],
  ['CAP_SYSLOG', 'syslog'],
  ['CAP_BPF', 'bpf'],
  ['CAP_PERFMON', 'perf_event_open'],
];

/** Architecture-specific syscalls, allowed on those architectures only. */
const BY_ARCH: readonly [string[], string][] = [
  [['ppc64le'], 'sync_file_range2 swapcontext'],
  [['arm', 'arm64'], 'arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls'],
  [['amd64', 'x32'], 'arch_prctl'],
  [['amd64', 'x32', 'x86'], 'modify_ldt'],
  [['s390', 's390x'], 's390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr'],
  [['riscv64'], 'riscv_flush_icache'],
];

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/** Sort key of the allow-list: by name, underscores ignored (`_llseek` next to `lseek`). */
const nameKey = (s: string): string => s.replaceAll('_', '');

function defaultProfile(): DockerSeccompProfile {
  const always = Object.values(ALWAYS_ALLOWED).flatMap(words);
  always.sort((a, b) => (nameKey(a) < nameKey(b) ? -1 : nameKey(a) > nameKey(b) ? 1 : a < b ? -1 : 1));
  const rule = (names: string, extra: Omit<DockerSyscallRule, 'names' | 'action'> = {}): DockerSyscallRule => ({
    names: words(names),
    action: ALLOW,
    ...extra,
  });
  const eq = (index: number, value: number, op = 'SCMP_CMP_EQ'): OciSeccompArg => ({ index, value, op });
  return {
    defaultAction: ERRNO,
    defaultErrnoRet: EPERM,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
      { architecture: 'SCMP_ARCH_MIPS64', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64N32'] },
      { architecture: 'SCMP_ARCH_MIPS64N32', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64'] },
      { architecture: 'SCMP_ARCH_MIPSEL64', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64N32'] },
      { architecture: 'SCMP_ARCH_MIPSEL64N32', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64'] },
      { architecture: 'SCMP_ARCH_S390X', subArchitectures: ['SCMP_ARCH_S390'] },
      { architecture: 'SCMP_ARCH_RISCV64', subArchitectures: null },
      { architecture: 'SCMP_ARCH_LOONGARCH64', subArchitectures: null },
    ],
    syscalls: [
      { names: always, action: ALLOW },
      // Before 4.8, ptrace could be used to bypass seccomp; from 4.8 on it cannot.
      rule('process_vm_readv process_vm_writev ptrace', { includes: { minKernel: '4.8' } }),
      // socket(2): every address family but AF_ALG and AF_VSOCK.
      rule('socket', { args: [eq(0, AF_ALG, 'SCMP_CMP_LT')] }),
      rule('socket', { args: [eq(0, AF_ALG + 1)] }),
      rule('socket', { args: [eq(0, AF_VSOCK, 'SCMP_CMP_GT')] }),
      ...PERSONALITIES.map((p) => rule('personality', { args: [eq(0, p)] })),
      ...BY_ARCH.map(([arches, names]) => rule(names, { includes: { arches: [...arches] } })),
      ...BY_CAPABILITY.map(([cap, names]) => rule(names, { includes: { caps: [cap] } })),
      // Without CAP_SYS_ADMIN: clone, but not with namespace flags (flags are the first argument,
      // the second on s390), and clone3 fails with ENOSYS so that libcs fall back to clone, whose
      // flags can be checked (clone3 passes them in memory, out of seccomp's sight).
      rule('clone', {
        args: [eq(0, CLONE_NAMESPACE_FLAGS, 'SCMP_CMP_MASKED_EQ')],
        excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] },
      }),
      rule('clone', {
        args: [eq(1, CLONE_NAMESPACE_FLAGS, 'SCMP_CMP_MASKED_EQ')],
        comment: 's390 parameter ordering for clone is different',
        includes: { arches: ['s390', 's390x'] },
        excludes: { caps: ['CAP_SYS_ADMIN'] },
      }),
      { names: ['clone3'], action: ERRNO, errnoRet: ENOSYS, excludes: { caps: ['CAP_SYS_ADMIN'] } },
      ...BY_CAPABILITY_LATE.map(([cap, names]) => rule(names, { includes: { caps: [cap] } })),
    ],
  };
}

/** Docker's default seccomp profile, in Docker's profile format. */
export const DEFAULT_SECCOMP_PROFILE: Readonly<DockerSeccompProfile> = defaultProfile();
