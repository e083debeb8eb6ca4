/**
 * runtime: OCI runtime spec generation with Docker's defaults (capabilities, mounts, masked paths,
 * cgroups, devices, namespaces, users), and tasks through containerd with their stdio FIFOs.
 */
export { generateSpec, cgroupsPath, containerEnv } from './spec.js';
export type { SpecInput, GenerateOptions } from './spec.js';
export { resolveUser, additionalGroups } from './user.js';
export type { ResolvedUser } from './user.js';
export {
  KNOWN_CAPABILITIES,
  capabilitiesFromMask,
  normalizeCapabilities,
  tweakCapabilities,
  validateCapabilities,
} from './caps.js';
export type { CapabilityOptions } from './caps.js';
export { nodeSpecHost, capabilitiesFromStatus, splitDev } from './host.js';
export type { SpecHost, HostFileInfo } from './host.js';
export { mergeTmpfsOptions, tmpfsData } from './mounts.js';
export type { MountInput, NetworkFiles, Propagation } from './mounts.js';
export { devicesFromPath, hostDevices, deviceCgroupRules } from './devices.js';
export type { DeviceMapping } from './devices.js';
export { buildRlimits, ULIMIT_NAMES } from './resources.js';
export type { ResourcesInput, Ulimit } from './resources.js';
export { validateSysctls } from './namespaces.js';
export type { NamespaceMode, IpcMode, NamespacesInput } from './namespaces.js';
export { parseSecurityOpt } from './security-opt.js';
export {
  DEFAULT_SECCOMP_PROFILE,
  SECCOMP_BUILTIN,
  SECCOMP_UNCONFINED,
  containerSeccomp,
  loadSeccompProfile,
  nativeArch,
  resolveSeccompProfile,
} from './seccomp.js';
export type { DockerSeccompProfile, DockerSyscallRule, SeccompFilter, SeccompTarget } from './seccomp.js';
export type { SecurityOptions } from './security-opt.js';
export {
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  DEFAULT_MOUNTS,
  DEFAULT_NAMESPACES,
  DEFAULT_DEVICE_CGROUP,
  DEFAULT_NETWORK_SYSCTLS,
  DEFAULT_PATH_ENV,
  DEFAULT_SHM_SIZE,
  DEFAULT_CGROUP_PARENT,
  INIT_PATH_IN_CONTAINER,
} from './spec-defaults.js';
export { OCI_VERSION } from './oci-spec.js';
export type * from './oci-spec.js';
export { ContainerdTasks, RUNTIME_NAME } from './tasks.js';
export type { CgroupV1Metrics, ProcessIO, TaskEvent, TasksConfig, TaskState, TaskStatus } from './tasks.js';
