/**
 * Loading of our containerd .proto subset (./proto, see its README.md).
 *
 * tsc does not copy .proto files, so the compiled module finds them by mapping its own location
 * back to the source tree:
 *
 *   <repo>/dist/src/containerd/protos.js  ->  <repo>/src/containerd/proto
 *   <repo>/src/containerd/protos.ts       ->  <repo>/src/containerd/proto   (run from source)
 *
 * Conversion options (the shape every message has in TypeScript, see ./types.ts):
 * keepCase (fields keep containerd's snake_case names), longs as Number (int64 sizes and offsets
 * stay below 2^53; uint64 cgroup counters near 2^64 lose precision), enums as their String names,
 * defaults filled in (scalars '' / 0 / false, repeated [], maps {}, absent messages null), bytes as
 * Buffer, oneofs reported.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import protoLoader from '@grpc/proto-loader';

/** The .proto files we load, relative to protoDir(). */
export const PROTO_FILES: readonly string[] = [
  'services/version.proto',
  'services/namespaces.proto',
  'services/introspection.proto',
  'services/leases.proto',
  'services/content.proto',
  'services/images.proto',
  'services/snapshots.proto',
  'services/diff.proto',
  'services/containers.proto',
  'services/tasks.proto',
  'services/events.proto',
  'berth/codec.proto',
];

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/**
 * The directory holding our .proto files, resolved from a module URL (default: this module's).
 * `<x>/dist/src/containerd/...` maps to `<x>/src/containerd/proto`; anything else to `./proto`
 * beside the module.
 */
export function protoDir(moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const marker = `${sep}dist${sep}src${sep}containerd`;
  const i = here.lastIndexOf(marker);
  if (i >= 0) {
    const repo = here.slice(0, i);
    return join(repo, 'src', 'containerd', 'proto');
  }
  return resolve(here, 'proto');
}

/** One RPC of the package definition, with its (de)serializers. */
export interface MethodDef {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (value: unknown) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

export interface Definitions {
  /** `method('containerd.services.tasks.v1.Tasks', 'Create')`; throws on an unknown name. */
  method(service: string, name: string): MethodDef;
  /** Encoder/decoder of a message listed in berth/codec.proto, by full name; undefined if absent. */
  codec(typeName: string):
    | { encode: (value: unknown) => Buffer; decode: (bytes: Buffer) => Record<string, unknown> }
    | undefined;
}

// The one piece of module state: a memo of immutable parsed definitions (parsing takes ~60 ms).
let cached: Definitions | undefined;

/** The parsed definitions (loaded on first use, then shared: they are immutable). */
export function definitions(): Definitions {
  if (!cached) cached = load(protoDir());
  return cached;
}

/** Loads the definitions from `dir` (tests use it directly). */
export function load(dir: string): Definitions {
  if (!existsSync(join(dir, PROTO_FILES[0]!))) {
    throw new Error(`containerd proto files not found under ${dir}`);
  }
  const pkg = protoLoader.loadSync(PROTO_FILES as string[], { ...LOADER_OPTIONS, includeDirs: [dir] });
  const codecService = pkg['berth.codec.v1.Codec'] as protoLoader.ServiceDefinition;
  return {
    method(service, name) {
      const svc = pkg[service] as protoLoader.ServiceDefinition | undefined;
      const m = svc?.[name];
      if (!m) throw new Error(`unknown containerd method ${service}/${name}`);
      return {
        path: m.path,
        requestStream: m.requestStream,
        responseStream: m.responseStream,
        requestSerialize: m.requestSerialize as (value: unknown) => Buffer,
        responseDeserialize: m.responseDeserialize as (bytes: Buffer) => unknown,
      };
    },
    codec(typeName) {
      const m = codecService[typeName.replaceAll('.', '_')];
      if (!m) return undefined;
      return {
        encode: m.requestSerialize as (value: unknown) => Buffer,
        decode: m.requestDeserialize as (bytes: Buffer) => Record<string, unknown>,
      };
    },
  };
}
