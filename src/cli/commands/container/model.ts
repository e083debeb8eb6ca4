/**
 * The Go value model of a create request (container.Config, HostConfig with its Resources,
 * network.EndpointSettings): objects list their fields in the Go structs' order, `undefined`
 * stands for an omitted `omitempty` field, `null` for a nil slice, map or pointer, and Go
 * maps are `Map`s (encoded with sorted keys). opts.ts builds it, create-request.ts encodes it.
 */
import type { UlimitValue } from './values.js';
import type { DeviceRequest, ThrottleDevice, WeightDevice } from './device-values.js';
import type { PortBinding } from './ports.js';
import type { MountValue } from './volumes.js';

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
