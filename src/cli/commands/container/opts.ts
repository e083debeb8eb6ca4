/**
 * The flags `create` and `run` share, and their parsing into a create request, following
 * docker/cli's cli/command/container/opts.go (addFlags, parse, parseNetworkOpts) line by line.
 *
 * The result is the Go value model of model.ts; create-request.ts turns it into the exact JSON
 * docker sends. --network is network-opts.ts's, --device devices.ts's.
 *
 * compat: docker builds Env (after --env-file's lines) and HostConfig.Binds by walking Go
 * maps, so their order varies from run to run in docker; Berth keeps the command-line order.
 */
import { isMacAddress, kvMap, memSwapBytes, parseCpus, parseDuration, parseKvFile, parseRestartPolicy, parseUint, parseUlimit, ramInBytes, validateDNSSearch, validateEnv, validateExtraHost, validateIPAddress, type UlimitValue } from './values.js';
import { parseGpuRequest, parseThrottleBps, parseThrottleIOps, parseWeightDevice, type DeviceRequest } from './device-values.js';
import { addExposedPorts, convertToStandardNotation, parsePortSpecs, type PortBinding } from './ports.js';
import { absBindSource, parseMount, parseVolume } from './volumes.js';
import { isCdiName, parseDevice, validateDevice } from './devices.js';
import { isUserDefined, parseNetworkOpt, parseNetworkOpts } from './network-opts.js';
import { ParseError, type ConfigValue, type ContainerConfigValue, type HealthConfigValue, type HostConfigValue } from './model.js';

export { ParseError, type ContainerConfigValue } from './model.js';
export { parseNetworkOpt, type NetworkAttachment } from './network-opts.js';
export { CONTAINER_FLAGS, createOnlyFlags, PULL_ALWAYS, PULL_MISSING, PULL_NEVER } from './flags.js';

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

function fail(e: unknown): never {
  throw new ParseError(e instanceof Error ? e.message : String(e));
}

const str = (v: ContainerFlagValues, k: string) => (v[k] as string | undefined) ?? '';
const num = (v: ContainerFlagValues, k: string) => (v[k] as number | undefined) ?? 0;
const bool = (v: ContainerFlagValues, k: string) => (v[k] as boolean | undefined) ?? false;
const list = (v: ContainerFlagValues, k: string) => (v[k] as string[] | undefined) ?? [];
/** A ListOpts' slice: nil (null) when the flag was never given. */
const slice = (v: ContainerFlagValues, k: string) => (list(v, k).length ? list(v, k) : null);

const containerRef = (v: string) => v.startsWith('container:') && v.length > 'container:'.length;

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

  const endpointsConfig = parseNetworkOpts(
    { aliases: list(v, 'networkAlias'), links: list(v, 'link'), ip: str(v, 'ip'), ip6: str(v, 'ip6'), mac: str(v, 'macAddress'), linkLocalIPs: list(v, 'linkLocalIp') },
    networks,
  );
  const mainNetwork = isUserDefined(networkMode) ? networkMode : networkMode.startsWith('container:') ? 'container' : networkMode;
  const main = endpointsConfig.get(mainNetwork);
  if (main) config.MacAddress = main.MacAddress || undefined;

  return { config, hostConfig, networkingConfig: { EndpointsConfig: endpointsConfig } };
}
