/**
 * TypeScript shapes of the containerd 1.6 messages we use, exactly as @grpc/proto-loader decodes
 * them with our options (./protos.ts): containerd's snake_case field names, int64 as number, enums
 * as their names, bytes as Buffer, every scalar/repeated/map field present (defaults filled in),
 * absent sub-messages as null. Requests accept partial objects: omitted fields are defaults.
 */

/** google.protobuf.Timestamp. Convert with timestampToDate / dateToTimestamp. */
export interface Timestamp {
  seconds: number;
  nanos: number;
}

/** google.protobuf.Any: `type_url` names the payload type, `value` holds its encoding. */
export interface Any {
  type_url: string;
  value: Buffer;
}

export type Labels = Record<string, string>;

/** containerd.types.Descriptor (an OCI descriptor). */
export interface Descriptor {
  media_type: string;
  digest: string;
  size: number;
  annotations: Labels;
}

/** containerd.types.Mount */
export interface Mount {
  type: string;
  source: string;
  target: string;
  options: string[];
}

/** containerd.types.Platform */
export interface Platform {
  os: string;
  architecture: string;
  variant: string;
}

export interface VersionInfo {
  version: string;
  revision: string;
}

export interface Namespace {
  name: string;
  labels: Labels;
}

/** google.rpc.Status */
export interface RpcStatus {
  code: number;
  message: string;
  details: Any[];
}

export interface Plugin {
  type: string;
  id: string;
  requires: string[];
  platforms: Platform[];
  exports: Labels;
  capabilities: string[];
  /** Set when the plugin failed to initialise (skipped or errored). */
  init_err: RpcStatus | null;
}

export interface Lease {
  id: string;
  created_at: Timestamp | null;
  labels: Labels;
}

export interface LeaseResource {
  id: string;
  /** "content", "snapshots/<snapshotter>", "ingests" */
  type: string;
}

/** containerd.services.content.v1.Info */
export interface ContentInfo {
  digest: string;
  size: number;
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
  labels: Labels;
}

/** containerd.services.content.v1.Status: an in-progress ingest. */
export interface ContentStatus {
  started_at: Timestamp | null;
  updated_at: Timestamp | null;
  ref: string;
  offset: number;
  total: number;
  expected: string;
}

export type WriteAction = 'STAT' | 'WRITE' | 'COMMIT';

export interface WriteContentRequest {
  action: WriteAction;
  ref: string;
  total: number;
  expected: string;
  offset: number;
  data: Buffer;
  labels: Labels;
}

export interface WriteContentResponse {
  action: WriteAction;
  started_at: Timestamp | null;
  updated_at: Timestamp | null;
  offset: number;
  total: number;
  digest: string;
}

/** containerd.services.images.v1.Image */
export interface Image {
  name: string;
  labels: Labels;
  target: Descriptor | null;
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
}

export type SnapshotKind = 'UNKNOWN' | 'VIEW' | 'ACTIVE' | 'COMMITTED';

/** containerd.services.snapshots.v1.Info */
export interface SnapshotInfo {
  name: string;
  parent: string;
  kind: SnapshotKind;
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
  labels: Labels;
}

export interface SnapshotUsage {
  size: number;
  inodes: number;
}

export interface ContainerRuntime {
  /** e.g. "io.containerd.runc.v2" */
  name: string;
  options: Any | null;
}

/** containerd.services.containers.v1.Container */
export interface Container {
  id: string;
  labels: Labels;
  image: string;
  runtime: ContainerRuntime | null;
  /** SPEC_TYPE_URL with the runtime-spec JSON; see packJson / unpackJson. */
  spec: Any | null;
  snapshotter: string;
  snapshot_key: string;
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
  extensions: Record<string, Any>;
}

export type TaskStatus = 'UNKNOWN' | 'CREATED' | 'RUNNING' | 'STOPPED' | 'PAUSED' | 'PAUSING';

/** containerd.v1.types.Process: a task (init process, `id` = container id) or an exec process. */
export interface Process {
  container_id: string;
  id: string;
  pid: number;
  status: TaskStatus;
  stdin: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
  exit_status: number;
  exited_at: Timestamp | null;
}

export interface ProcessInfo {
  pid: number;
  /** containerd.runc.v1.ProcessDetails (exec_id) for exec processes of the runc shim. */
  info: Any | null;
}

export interface CreateTaskRequest {
  container_id: string;
  rootfs: Mount[];
  stdin: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
  checkpoint: Descriptor | null;
  /** RUNC_OPTIONS_TYPE_URL, see packRuncOptions. */
  options: Any | null;
  runtime_path: string;
}

export interface ExecProcessRequest {
  container_id: string;
  exec_id: string;
  stdin: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
  /** PROCESS_TYPE_URL with the runtime-spec Process JSON. */
  spec: Any | null;
}

/** Result of tasks.delete / tasks.deleteProcess. */
export interface DeleteTaskResult {
  id: string;
  pid: number;
  exit_status: number;
  exited_at: Timestamp | null;
}

export interface ExitStatus {
  exit_status: number;
  exited_at: Timestamp | null;
}

/** containerd.types.Metric; `data` decodes with decodeAny to cgroup v1/v2 Metrics. */
export interface Metric {
  timestamp: Timestamp | null;
  id: string;
  data: Any | null;
}

/** containerd.services.events.v1.Envelope */
export interface Envelope {
  timestamp: Timestamp | null;
  namespace: string;
  topic: string;
  event: Any | null;
}

/** containerd.runc.v1.Options: the options of the io.containerd.runc.v2 runtime. */
export interface RuncOptions {
  no_pivot_root: boolean;
  no_new_keyring: boolean;
  shim_cgroup: string;
  io_uid: number;
  io_gid: number;
  binary_name: string;
  root: string;
  criu_path: string;
  systemd_cgroup: boolean;
  criu_image_path: string;
  criu_work_path: string;
}

// ---- task event payloads (containerd api/events/task.proto) ----

export interface TaskIO {
  stdin: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
}

export interface TaskCreate {
  container_id: string;
  bundle: string;
  rootfs: Mount[];
  io: TaskIO | null;
  checkpoint: string;
  pid: number;
}
export interface TaskStart {
  container_id: string;
  pid: number;
}
export interface TaskDelete {
  container_id: string;
  pid: number;
  exit_status: number;
  exited_at: Timestamp | null;
  /** The exec id; '' for the init process. */
  id: string;
}
export interface TaskExit {
  container_id: string;
  /** The exec id, or the container id for the init process. */
  id: string;
  pid: number;
  exit_status: number;
  exited_at: Timestamp | null;
}
export interface TaskOOM {
  container_id: string;
}
export interface TaskExecAdded {
  container_id: string;
  exec_id: string;
}
export interface TaskExecStarted {
  container_id: string;
  exec_id: string;
  pid: number;
}
export interface TaskPaused {
  container_id: string;
}
export interface TaskResumed {
  container_id: string;
}

/** The task events, tagged by their type name (what decodeEvent returns for /tasks/* topics). */
export type TaskEvent =
  | { type: 'TaskCreate'; event: TaskCreate }
  | { type: 'TaskStart'; event: TaskStart }
  | { type: 'TaskDelete'; event: TaskDelete }
  | { type: 'TaskExit'; event: TaskExit }
  | { type: 'TaskOOM'; event: TaskOOM }
  | { type: 'TaskExecAdded'; event: TaskExecAdded }
  | { type: 'TaskExecStarted'; event: TaskExecStarted }
  | { type: 'TaskPaused'; event: TaskPaused }
  | { type: 'TaskResumed'; event: TaskResumed };

/**
 * Any other event (containers, images, content, namespaces, snapshots, checkpoints): `name` is the
 * payload's short type name ('ContainerCreate', 'ImageUpdate', …), `event` its decoded fields, or
 * undefined when the type is not in our proto subset (`any` keeps the raw payload).
 */
export interface OtherEvent {
  type: 'other';
  name: string;
  event: Record<string, unknown> | undefined;
  any: Any | null;
}

/** An envelope with its payload decoded. */
export interface EventMessage {
  timestamp: Date;
  namespace: string;
  /** e.g. "/tasks/exit", "/containers/create", "/images/update" */
  topic: string;
  payload: TaskEvent | OtherEvent;
}
