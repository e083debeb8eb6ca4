/**
 * containerd: the gRPC client of containerd 1.6 (our own .proto subset under ./proto) and the
 * supervisor that runs containerd as berthd's child.
 */
export { ContainerdClient, type ContainerdClientOptions } from './client.js';
export {
  ContainerdSupervisor,
  type SupervisorConfig,
  type SupervisorDeps,
  containerdArgv,
  containerdConfigToml,
  containerdEnv,
  ttrpcAddress,
  validateSupervisorConfig,
} from './supervisor.js';
export { NamespacesService } from './namespaces.js';
export { IntrospectionService } from './introspection.js';
export { LeasesService, LEASE_EXPIRE_LABEL, type CreateLeaseOptions } from './leases.js';
export { ContentService, ContentWriter, type WriteBlobOptions, type WriterOptions } from './content.js';
export { ImagesService, type ImageInput } from './images.js';
export { SnapshotsService } from './snapshots.js';
export { DiffService, type DiffOptions } from './diff.js';
export { ContainersService, type ContainerInput } from './containers.js';
export { TasksService, signalNumber } from './tasks.js';
export { EventsService } from './events.js';
export { fromGrpcError, kindOfGrpcCode, grpcCodeOf, hasGrpcCode, GrpcCode } from './errors.js';
export {
  SPEC_TYPE_URL,
  PROCESS_TYPE_URL,
  LINUX_RESOURCES_TYPE_URL,
  RUNC_OPTIONS_TYPE_URL,
  CGROUPS_V1_METRICS_TYPE_URL,
  CGROUPS_V2_METRICS_TYPE_URL,
  packJson,
  unpackJson,
  packProto,
  packRuncOptions,
  decodeAny,
  decodeEvent,
  messageName,
  timestampToDate,
  dateToTimestamp,
} from './any.js';
export { protoDir } from './protos.js';
export type * from './types.js';
export { startTestContainerd, type TestContainerd } from './testkit.js';
