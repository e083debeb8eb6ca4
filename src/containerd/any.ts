/**
 * google.protobuf.Any payloads of containerd's API.
 *
 * Type URLs, as containerd 1.6's typeurl package writes them:
 * - OCI runtime-spec types are registered under "types.containerd.io" and carry JSON bytes:
 *   `types.containerd.io/opencontainers/runtime-spec/1/Spec` (container spec),
 *   `.../1/Process` (exec spec), `.../1/LinuxResources` (task update).
 * - Protobuf messages that are not registered use their full message name as the URL:
 *   `containerd.runc.v1.Options` (runc shim options), `containerd.events.TaskExit` (events),
 *   `io.containerd.cgroups.v1.Metrics` / `io.containerd.cgroups.v2.Metrics` (task metrics).
 *   A "type.googleapis.com/" style prefix, if present, is ignored when decoding.
 */
import { invalidParameter } from '../lib/index.js';
import { definitions } from './protos.js';
import type { Any, Envelope, EventMessage, RuncOptions, TaskEvent, Timestamp } from './types.js';

export const SPEC_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';
export const PROCESS_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
export const LINUX_RESOURCES_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources';
export const RUNC_OPTIONS_TYPE_URL = 'containerd.runc.v1.Options';
export const CGROUPS_V1_METRICS_TYPE_URL = 'io.containerd.cgroups.v1.Metrics';
export const CGROUPS_V2_METRICS_TYPE_URL = 'io.containerd.cgroups.v2.Metrics';

const JSON_PREFIX = 'types.containerd.io/';

const TASK_EVENT_TYPES: ReadonlySet<string> = new Set([
  'TaskCreate',
  'TaskStart',
  'TaskDelete',
  'TaskExit',
  'TaskOOM',
  'TaskExecAdded',
  'TaskExecStarted',
  'TaskPaused',
  'TaskResumed',
]);

/** Packs a JSON-encoded value (the runtime-spec types) as an Any. */
export function packJson(typeUrl: string, value: unknown): Any {
  return { type_url: typeUrl, value: Buffer.from(JSON.stringify(value), 'utf8') };
}

/** Parses a JSON Any; throws invalidParameter when the payload is not JSON. */
export function unpackJson<T = unknown>(any: Any): T {
  try {
    return JSON.parse(any.value.toString('utf8')) as T;
  } catch (e) {
    throw invalidParameter(`payload of type ${any.type_url} is not JSON`, e);
  }
}

/** The message name a type URL designates (the part after the last '/', for protobuf types). */
export function messageName(typeUrl: string): string {
  const i = typeUrl.lastIndexOf('/');
  return i >= 0 ? typeUrl.slice(i + 1) : typeUrl;
}

/**
 * Packs a protobuf message from our subset (listed in proto/berth/codec.proto) as an Any whose
 * type URL is its full name. Throws invalidParameter for a type outside the subset.
 */
export function packProto(typeName: string, value: object): Any {
  const codec = definitions().codec(typeName);
  if (!codec) throw invalidParameter(`no protobuf codec for ${typeName}`);
  return { type_url: typeName, value: codec.encode(value) };
}

/**
 * The runc shim options (for tasks.create `options` and container runtime options). Set `root`
 * (runc's state dir) to keep runc state out of /run/containerd/runc, which a system containerd
 * shares; moby uses <exec-root>/runtime-runc.
 */
export function packRuncOptions(opts: Partial<RuncOptions>): Any {
  return packProto(RUNC_OPTIONS_TYPE_URL, opts);
}

/**
 * Decodes an Any: JSON for the types.containerd.io types, the protobuf message for types in our
 * subset (as a plain object, same conventions as ./types.ts). Undefined for unknown types.
 */
export function decodeAny(any: Any | null | undefined): unknown {
  if (!any) return undefined;
  if (any.type_url.startsWith(JSON_PREFIX)) return unpackJson(any);
  const codec = definitions().codec(messageName(any.type_url));
  return codec ? codec.decode(any.value) : undefined;
}

export function timestampToDate(ts: Timestamp | null | undefined): Date {
  if (!ts) return new Date(0);
  return new Date(ts.seconds * 1000 + Math.floor(ts.nanos / 1e6));
}

export function dateToTimestamp(d: Date): Timestamp {
  const ms = d.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1e6 };
}

/** Decodes an event envelope's payload; task events come back typed (EventMessage.payload). */
export function decodeEvent(env: Envelope): EventMessage {
  const name = env.event ? messageName(env.event.type_url) : '';
  const short = name.slice(name.lastIndexOf('.') + 1);
  const decoded = decodeAny(env.event);
  const base = { timestamp: timestampToDate(env.timestamp), namespace: env.namespace, topic: env.topic };
  if (decoded && name.startsWith('containerd.events.') && TASK_EVENT_TYPES.has(short)) {
    const payload = { type: short as TaskEvent['type'], event: decoded as TaskEvent['event'] } as TaskEvent;
    return { ...base, payload };
  }
  const event = decoded as Record<string, unknown> | undefined;
  return { ...base, payload: { type: 'other', name: short, event, any: env.event } };
}
