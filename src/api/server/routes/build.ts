/**
 * POST /build (moby api/server/router/build): the classic builder's API (`version=1`). The body
 * is the context tar; the answer a JSON-message stream (`\r\n` after each message, as dockerd
 * writes it) that carries the build's failures too, with status 200.
 */
import type { Readable } from 'node:stream';
import { invalidParameter, notImplemented, type Ctx } from '../../../lib/index.js';
import type { ApiRequest } from '../request.js';
import type { ApiResponse } from '../response.js';
import type { Route } from '../router.js';
import type { AuthConfig, HostConfig } from '../../types/index.js';

export interface ImageBuildOptions {
  context: Readable;
  /** POST /build?remote=: a Git or http(s) URL the daemon fetches the context from. */
  remote?: string;
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target: string;
  noCache: boolean;
  rm: boolean;
  forceRm: boolean;
  quiet: boolean;
  /** networkmode, extrahosts, shmsize and the resource limits, for RUN containers. */
  hostConfig: HostConfig;
  /** pull=1: always try to pull a newer version of each FROM image. */
  pull: boolean;
  /** cachefrom: images whose history counts as cache even though they were not built here. */
  cacheFrom: string[];
  /** X-Registry-Config: credentials by registry key (`host[:port]`, Docker Hub's `https://index.docker.io/v1/`). */
  authConfigs: Record<string, AuthConfig>;
}

export interface ImageBuildBackend {
  /**
   * Receives the context and starts the build. Throws invalidParameter for a hostile or broken
   * context; failures of the build itself come as messages with `errorDetail`.
   */
  build(ctx: Ctx, opts: ImageBuildOptions): Promise<AsyncIterable<unknown>>;
}

function jsonMap<T>(raw: string | undefined, name: string): Record<string, T> {
  if (!raw) return {};
  try {
    const v: unknown = JSON.parse(raw);
    if (v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, T>;
  } catch (e) {
    throw invalidParameter(`invalid ${name}: ${(e as Error).message}`, e);
  }
}

/**
 * X-Registry-Config (moby getAuthConfigs): base64url (standard base64 accepted too) JSON of a
 * map registry key -> AuthConfig, as docker build sends its stored credentials. A missing or
 * undecodable header means none (compat: moby ignores decode errors, as a pull does).
 */
export function decodeRegistryConfig(header: string | undefined): Record<string, AuthConfig> {
  if (!header) return {};
  try {
    const v: unknown = JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    const out: Record<string, AuthConfig> = {};
    for (const [k, a] of Object.entries(v as Record<string, unknown>)) if (a && typeof a === 'object' && !Array.isArray(a)) out[k] = a as AuthConfig;
    return out;
  } catch {
    return {};
  }
}

/** cachefrom: a JSON array of image references (moby's build route); empty when absent. */
function cacheFromOf(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    if (v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error('not an array of strings');
    return v as string[];
  } catch (e) {
    throw invalidParameter(`invalid cachefrom: ${(e as Error).message}`, e);
  }
}

export function buildRoutes(backend: ImageBuildBackend): Route[] {
  const handler = async (req: ApiRequest, res: ApiResponse) => {
    const q = req.query;
    const version = q.string('version', '1');
    // compat: BuildKit sessions (version=2) need /session and gRPC; only the classic builder here
    if (version === '2') throw notImplemented('BuildKit is not supported by this daemon: use the classic builder (DOCKER_BUILDKIT=0)');
    if (version !== '1') throw invalidParameter(`invalid version ${JSON.stringify(version)}`);
    // compat: squash needs an experimental daemon in Docker; this one has none
    if (q.bool('squash')) throw invalidParameter('squash is only supported with experimental mode');
    const platform = q.string('platform');
    if (platform && !/^linux(\/(amd64|x86_64))?$/.test(platform.toLowerCase()) && platform.toLowerCase() !== `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`) {
      throw invalidParameter(`"${platform}": unsupported platform: only the host's (linux/${process.arch === 'x64' ? 'amd64' : process.arch}) is built here`);
    }
    const hostConfig: HostConfig = {};
    const networkmode = q.string('networkmode');
    if (networkmode && networkmode !== 'default') hostConfig.NetworkMode = networkmode;
    const extrahosts = q.getAll('extrahosts').filter((h) => h !== '');
    if (extrahosts.length) hostConfig.ExtraHosts = extrahosts;
    const num = (name: string) => {
      const v = q.get(name);
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n)) throw invalidParameter(`invalid ${name}: ${v}`);
      return n;
    };
    const limits: [keyof HostConfig, string][] = [
      ['ShmSize', 'shmsize'],
      ['Memory', 'memory'],
      ['MemorySwap', 'memswap'],
      ['CpuShares', 'cpushares'],
      ['CpuPeriod', 'cpuperiod'],
      ['CpuQuota', 'cpuquota'],
    ];
    for (const [field, name] of limits) {
      const n = num(name);
      if (n !== undefined && n !== 0) (hostConfig as Record<string, unknown>)[field] = n;
    }
    const cpuset = q.string('cpusetcpus');
    if (cpuset) hostConfig.CpusetCpus = cpuset;
    const mems = q.string('cpusetmems');
    if (mems) hostConfig.CpusetMems = mems;
    const cgroupParent = q.string('cgroupparent');
    if (cgroupParent) hostConfig.CgroupParent = cgroupParent;
    const stream = await backend.build(req.ctx, {
      context: req.stream(),
      remote: q.get('remote') || undefined,
      dockerfile: q.string('dockerfile', 'Dockerfile') || 'Dockerfile',
      tags: q.getAll('t').filter((t) => t !== ''),
      buildArgs: jsonMap<string | null>(q.get('buildargs'), 'buildargs'),
      labels: jsonMap<string>(q.get('labels'), 'labels'),
      target: q.string('target'),
      noCache: q.bool('nocache'),
      rm: q.bool('rm', true),
      forceRm: q.bool('forcerm'),
      quiet: q.bool('q'),
      hostConfig,
      pull: q.bool('pull'),
      cacheFrom: cacheFromOf(q.get('cachefrom')),
      authConfigs: decodeRegistryConfig(req.header('x-registry-config')),
    });
    await res.jsonStream(stream, { terminator: '\r\n' });
  };
  return [{ method: 'POST', path: '/build', handler }];
}
