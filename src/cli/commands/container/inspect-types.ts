/**
 * container.InspectResponse as docker CLI 28.2.2 declares it (vendored
 * github.com/docker/docker v28.2 api/types: container/container.go, config.go, hostconfig.go,
 * network_settings.go, health.go; network/endpoint.go; mount/mount.go; storage; go-units'
 * Ulimit; blkiodev; go-connections' nat; image-spec's Descriptor), field for field and in
 * declaration order: `docker inspect -f` templates run on this struct (../../format/gotype.ts).
 * Note what is not there: Node (classic swarm, gone in 28).
 */
import { array, bool, duration, embed, f, int, map, ptr, slice, str, struct, time, type GoStruct, type GoStructType } from '../../format/gotype.js';

const field = (v: GoStruct, name: string) => String((v as unknown as Record<string, unknown>)[name]);

const strslice = slice(str);
const emptyStruct = struct('struct {}', []);
const portBinding = struct('nat.PortBinding', [f('HostIP', str, { json: 'HostIp' }), f('HostPort', str)]);
const portMap = map(slice(portBinding));
const portSet = map(emptyStruct);

const healthcheckResult = struct('container.HealthcheckResult', [f('Start', time), f('End', time), f('ExitCode', int), f('Output', str)]);
const health = struct('container.Health', [f('Status', str), f('FailingStreak', int), f('Log', slice(ptr(healthcheckResult)))]);

const state = struct('container.State', [
  f('Status', str),
  f('Running', bool),
  f('Paused', bool),
  f('Restarting', bool),
  f('OOMKilled', bool),
  f('Dead', bool),
  f('Pid', int),
  f('ExitCode', int),
  f('Error', str),
  f('StartedAt', str),
  f('FinishedAt', str),
  f('Health', ptr(health), { omitempty: true }),
]);

const weightDevice = struct('blkiodev.WeightDevice', [f('Path', str), f('Weight', int)], (v) => `${field(v, 'Path')}:${field(v, 'Weight')}`);
const throttleDevice = struct('blkiodev.ThrottleDevice', [f('Path', str), f('Rate', int)], (v) => `${field(v, 'Path')}:${field(v, 'Rate')}`);
const ulimit = struct('units.Ulimit', [f('Name', str), f('Hard', int), f('Soft', int)], (v) => `${field(v, 'Name')}=${field(v, 'Soft')}:${field(v, 'Hard')}`);
const deviceMapping = struct('container.DeviceMapping', [f('PathOnHost', str), f('PathInContainer', str), f('CgroupPermissions', str)]);
const deviceRequest = struct('container.DeviceRequest', [
  f('Driver', str),
  f('Count', int),
  f('DeviceIDs', slice(str)),
  f('Capabilities', slice(slice(str))),
  f('Options', map(str)),
]);

const resources = struct('container.Resources', [
  f('CPUShares', int, { json: 'CpuShares' }),
  f('Memory', int),
  f('NanoCPUs', int, { json: 'NanoCpus' }),
  f('CgroupParent', str),
  f('BlkioWeight', int),
  f('BlkioWeightDevice', slice(ptr(weightDevice))),
  f('BlkioDeviceReadBps', slice(ptr(throttleDevice))),
  f('BlkioDeviceWriteBps', slice(ptr(throttleDevice))),
  f('BlkioDeviceReadIOps', slice(ptr(throttleDevice))),
  f('BlkioDeviceWriteIOps', slice(ptr(throttleDevice))),
  f('CPUPeriod', int, { json: 'CpuPeriod' }),
  f('CPUQuota', int, { json: 'CpuQuota' }),
  f('CPURealtimePeriod', int, { json: 'CpuRealtimePeriod' }),
  f('CPURealtimeRuntime', int, { json: 'CpuRealtimeRuntime' }),
  f('CpusetCpus', str),
  f('CpusetMems', str),
  f('Devices', slice(deviceMapping)),
  f('DeviceCgroupRules', slice(str)),
  f('DeviceRequests', slice(deviceRequest)),
  f('KernelMemory', int, { omitempty: true }),
  f('KernelMemoryTCP', int, { omitempty: true }),
  f('MemoryReservation', int),
  f('MemorySwap', int),
  f('MemorySwappiness', ptr(int)),
  f('OomKillDisable', ptr(bool)),
  f('PidsLimit', ptr(int)),
  f('Ulimits', slice(ptr(ulimit))),
  f('CPUCount', int, { json: 'CpuCount' }),
  f('CPUPercent', int, { json: 'CpuPercent' }),
  f('IOMaximumIOps', int),
  f('IOMaximumBandwidth', int),
]);

const mountDriver = struct('mount.Driver', [f('Name', str, { omitempty: true }), f('Options', map(str), { omitempty: true })]);
const mount = struct('mount.Mount', [
  f('Type', str, { omitempty: true }),
  f('Source', str, { omitempty: true }),
  f('Target', str, { omitempty: true }),
  f('ReadOnly', bool, { omitempty: true }),
  f('Consistency', str, { omitempty: true }),
  f(
    'BindOptions',
    ptr(
      struct('mount.BindOptions', [
        f('Propagation', str, { omitempty: true }),
        f('NonRecursive', bool, { omitempty: true }),
        f('CreateMountpoint', bool, { omitempty: true }),
        f('ReadOnlyNonRecursive', bool, { omitempty: true }),
        f('ReadOnlyForceRecursive', bool, { omitempty: true }),
      ]),
    ),
    { omitempty: true },
  ),
  f(
    'VolumeOptions',
    ptr(
      struct('mount.VolumeOptions', [
        f('NoCopy', bool, { omitempty: true }),
        f('Labels', map(str), { omitempty: true }),
        f('Subpath', str, { omitempty: true }),
        f('DriverConfig', ptr(mountDriver), { omitempty: true }),
      ]),
    ),
    { omitempty: true },
  ),
  f('ImageOptions', ptr(struct('mount.ImageOptions', [f('Subpath', str, { omitempty: true })])), { omitempty: true }),
  f(
    'TmpfsOptions',
    ptr(
      struct('mount.TmpfsOptions', [
        f('SizeBytes', int, { omitempty: true }),
        f('Mode', int, { omitempty: true }),
        f('Options', slice(slice(str)), { omitempty: true }),
      ]),
    ),
    { omitempty: true },
  ),
  f('ClusterOptions', ptr(struct('mount.ClusterOptions', [])), { omitempty: true }),
]);

const hostConfig = struct('container.HostConfig', [
  f('Binds', slice(str)),
  f('ContainerIDFile', str),
  f('LogConfig', struct('container.LogConfig', [f('Type', str), f('Config', map(str))])),
  f('NetworkMode', str),
  f('PortBindings', portMap),
  f('RestartPolicy', struct('container.RestartPolicy', [f('Name', str), f('MaximumRetryCount', int)])),
  f('AutoRemove', bool),
  f('VolumeDriver', str),
  f('VolumesFrom', slice(str)),
  f('ConsoleSize', array(int, 2)),
  f('Annotations', map(str), { omitempty: true }),
  f('CapAdd', strslice),
  f('CapDrop', strslice),
  f('CgroupnsMode', str),
  f('DNS', slice(str), { json: 'Dns' }),
  f('DNSOptions', slice(str), { json: 'DnsOptions' }),
  f('DNSSearch', slice(str), { json: 'DnsSearch' }),
  f('ExtraHosts', slice(str)),
  f('GroupAdd', slice(str)),
  f('IpcMode', str),
  f('Cgroup', str),
  f('Links', slice(str)),
  f('OomScoreAdj', int),
  f('PidMode', str),
  f('Privileged', bool),
  f('PublishAllPorts', bool),
  f('ReadonlyRootfs', bool),
  f('SecurityOpt', slice(str)),
  f('StorageOpt', map(str), { omitempty: true }),
  f('Tmpfs', map(str), { omitempty: true }),
  f('UTSMode', str),
  f('UsernsMode', str),
  f('ShmSize', int),
  f('Sysctls', map(str), { omitempty: true }),
  f('Runtime', str, { omitempty: true }),
  f('Isolation', str),
  embed(resources),
  f('Mounts', slice(mount), { omitempty: true }),
  f('MaskedPaths', slice(str)),
  f('ReadonlyPaths', slice(str)),
  f('Init', ptr(bool), { omitempty: true }),
]);

const healthConfig = struct('v1.HealthcheckConfig', [
  f('Test', slice(str), { omitempty: true }),
  f('Interval', duration, { omitempty: true }),
  f('Timeout', duration, { omitempty: true }),
  f('StartPeriod', duration, { omitempty: true }),
  f('StartInterval', duration, { omitempty: true }),
  f('Retries', int, { omitempty: true }),
]);

const config = struct('container.Config', [
  f('Hostname', str),
  f('Domainname', str),
  f('User', str),
  f('AttachStdin', bool),
  f('AttachStdout', bool),
  f('AttachStderr', bool),
  f('ExposedPorts', portSet, { omitempty: true }),
  f('Tty', bool),
  f('OpenStdin', bool),
  f('StdinOnce', bool),
  f('Env', slice(str)),
  f('Cmd', strslice),
  f('Healthcheck', ptr(healthConfig), { omitempty: true }),
  f('ArgsEscaped', bool, { omitempty: true }),
  f('Image', str),
  f('Volumes', map(emptyStruct)),
  f('WorkingDir', str),
  f('Entrypoint', strslice),
  f('NetworkDisabled', bool, { omitempty: true }),
  f('MacAddress', str, { omitempty: true }),
  f('OnBuild', slice(str)),
  f('Labels', map(str)),
  f('StopSignal', str, { omitempty: true }),
  f('StopTimeout', ptr(int), { omitempty: true }),
  f('Shell', strslice, { omitempty: true }),
]);

const address = struct('network.Address', [f('Addr', str), f('PrefixLen', int)]);
const endpointSettings = struct('network.EndpointSettings', [
  f(
    'IPAMConfig',
    ptr(
      struct('network.EndpointIPAMConfig', [
        f('IPv4Address', str, { omitempty: true }),
        f('IPv6Address', str, { omitempty: true }),
        f('LinkLocalIPs', slice(str), { omitempty: true }),
      ]),
    ),
  ),
  f('Links', slice(str)),
  f('Aliases', slice(str)),
  f('MacAddress', str),
  f('DriverOpts', map(str)),
  f('GwPriority', int),
  f('NetworkID', str),
  f('EndpointID', str),
  f('Gateway', str),
  f('IPAddress', str),
  f('IPPrefixLen', int),
  f('IPv6Gateway', str),
  f('GlobalIPv6Address', str),
  f('GlobalIPv6PrefixLen', int),
  f('DNSNames', slice(str)),
]);

const networkSettings = struct('container.NetworkSettings', [
  embed(
    struct('container.NetworkSettingsBase', [
      f('Bridge', str),
      f('SandboxID', str),
      f('SandboxKey', str),
      f('Ports', portMap),
      f('HairpinMode', bool),
      f('LinkLocalIPv6Address', str),
      f('LinkLocalIPv6PrefixLen', int),
      f('SecondaryIPAddresses', slice(address)),
      f('SecondaryIPv6Addresses', slice(address)),
    ]),
  ),
  embed(
    struct('container.DefaultNetworkSettings', [
      f('EndpointID', str),
      f('Gateway', str),
      f('GlobalIPv6Address', str),
      f('GlobalIPv6PrefixLen', int),
      f('IPAddress', str),
      f('IPPrefixLen', int),
      f('IPv6Gateway', str),
      f('MacAddress', str),
    ]),
  ),
  f('Networks', map(ptr(endpointSettings))),
]);

const mountPoint = struct('container.MountPoint', [
  f('Type', str, { omitempty: true }),
  f('Name', str, { omitempty: true }),
  f('Source', str),
  f('Destination', str),
  f('Driver', str, { omitempty: true }),
  f('Mode', str),
  f('RW', bool),
  f('Propagation', str),
]);

const platform = struct('v1.Platform', [
  f('Architecture', str, { json: 'architecture' }),
  f('OS', str, { json: 'os' }),
  f('OSVersion', str, { json: 'os.version', omitempty: true }),
  f('OSFeatures', slice(str), { json: 'os.features', omitempty: true }),
  f('Variant', str, { json: 'variant', omitempty: true }),
]);
const descriptor = struct('v1.Descriptor', [
  f('MediaType', str, { json: 'mediaType' }),
  f('Digest', str, { json: 'digest' }),
  f('Size', int, { json: 'size' }),
  f('URLs', slice(str), { json: 'urls', omitempty: true }),
  f('Annotations', map(str), { json: 'annotations', omitempty: true }),
  f('Data', str, { json: 'data', omitempty: true }),
  f('Platform', ptr(platform), { json: 'platform', omitempty: true }),
  f('ArtifactType', str, { json: 'artifactType', omitempty: true }),
]);

const containerJSONBase = struct('container.ContainerJSONBase', [
  f('ID', str, { json: 'Id' }),
  f('Created', str),
  f('Path', str),
  f('Args', slice(str)),
  f('State', ptr(state)),
  f('Image', str),
  f('ResolvConfPath', str),
  f('HostnamePath', str),
  f('HostsPath', str),
  f('LogPath', str),
  f('Name', str),
  f('RestartCount', int),
  f('Driver', str),
  f('Platform', str),
  f('MountLabel', str),
  f('ProcessLabel', str),
  f('AppArmorProfile', str),
  f('ExecIDs', slice(str)),
  f('HostConfig', ptr(hostConfig)),
  f('GraphDriver', struct('storage.DriverData', [f('Data', map(str)), f('Name', str)])),
  f('SizeRw', ptr(int), { omitempty: true }),
  f('SizeRootFs', ptr(int), { omitempty: true }),
]);

/** container.InspectResponse (GET /containers/{id}/json as docker's client decodes it). */
export const INSPECT_RESPONSE: GoStructType = struct('container.InspectResponse', [
  embed(ptr(containerJSONBase)),
  f('Mounts', slice(mountPoint)),
  f('Config', ptr(config)),
  f('NetworkSettings', ptr(networkSettings)),
  f('ImageManifestDescriptor', ptr(descriptor), { json: 'ImageManifestDescriptor', omitempty: true }),
]);
