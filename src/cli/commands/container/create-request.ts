/**
 * The body of POST /containers/create exactly as docker's Go client writes it
 * (json.NewEncoder(...).Encode(container.CreateRequest{...})): the embedded Config's fields,
 * then HostConfig and NetworkingConfig, each in Go struct order, maps with sorted keys,
 * `<`, `>` and `&` escaped as \u003c, \u003e, \u0026, and a final newline.
 *
 * Before encoding, the client adapts the request to the negotiated API version
 * (client.ContainerCreate): capabilities are normalized ("net_admin" -> "CAP_NET_ADMIN",
 * sorted, deduplicated), KernelMemory is dropped from API 1.42 on, the container-wide
 * MacAddress from 1.44 on, AutoRemove below 1.25, and a few options fail with
 * `"<feature>" requires API version <v>, but the Docker daemon API version is <v>`.
 */
import { compareApiVersions } from '../../../api/types/index.js';
import type { ContainerConfigValue } from './opts.js';

/** encoding/json Marshal (HTML-escaping) of the Go value model: Map keys sorted, undefined omitted. */
export function goMarshal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goQuote(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (Array.isArray(v)) return '[' + v.map(goMarshal).join(',') + ']';
  if (v instanceof Map) {
    const keys = [...v.keys()].map(String).sort((a, b) => (Buffer.from(a).compare(Buffer.from(b))));
    return '{' + keys.map((k) => goQuote(k) + ':' + goMarshal(v.get(k))).join(',') + '}';
  }
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    parts.push(goQuote(k) + ':' + goMarshal(x));
  }
  return '{' + parts.join(',') + '}';
}

/** Go's JSON string encoding: HTML characters and U+2028/2029 escaped. */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** client.normalizeCapabilities. */
export function normalizeCapabilities(caps: readonly string[] | null): string[] | null {
  if (!caps) return null;
  const out = new Set<string>();
  for (let c of caps) {
    c = c.toUpperCase();
    if (c !== 'ALL' && !c.startsWith('CAP_')) c = 'CAP_' + c;
    out.add(c);
  }
  const sorted = [...out].sort();
  return sorted.length ? sorted : null;
}

export class VersionError extends Error {
  constructor(feature: string, required: string, actual: string) {
    super(`${JSON.stringify(feature)} requires API version ${required}, but the Docker daemon API version is ${actual}`);
    this.name = 'VersionError';
  }
}

const lt = (a: string, b: string) => compareApiVersions(a, b) < 0;

/**
 * client.ContainerCreate's version handling, then the encoded body. `platform` is the
 * parsed --platform (its OS matters for ConsoleSize below API 1.42).
 */
export function encodeCreateRequest(c: ContainerConfigValue, apiVersion: string, platform?: { os: string }): string {
  const { config, hostConfig, networkingConfig } = c;
  if (config.StopTimeout !== undefined && lt(apiVersion, '1.25')) throw new VersionError('stop timeout', '1.25', apiVersion);
  if (platform && lt(apiVersion, '1.41')) throw new VersionError('specify container image platform', '1.41', apiVersion);
  if (config.Healthcheck?.StartInterval && lt(apiVersion, '1.44')) throw new VersionError('specify health-check start interval', '1.44', apiVersion);
  if ([...networkingConfig.EndpointsConfig.values()].some((ep) => ep.MacAddress !== '') && lt(apiVersion, '1.44')) {
    throw new VersionError('specify mac-address per network', '1.44', apiVersion);
  }
  const host = { ...hostConfig };
  if (lt(apiVersion, '1.25')) host.AutoRemove = false;
  if (!lt(apiVersion, '1.42') || lt(apiVersion, '1.40')) host.KernelMemory = undefined;
  if (platform?.os === 'linux' && lt(apiVersion, '1.42')) host.ConsoleSize = [0, 0];
  if (lt(apiVersion, '1.44')) {
    for (const m of host.Mounts ?? []) {
      if (m.BindOptions?.ReadOnlyForceRecursive) throw new Error('bind-recursive=readonly requires API v1.44 or later');
      if (m.BindOptions?.NonRecursive && lt(apiVersion, '1.40')) throw new Error('bind-recursive=disabled requires API v1.40 or later');
    }
  }
  host.CapAdd = normalizeCapabilities(host.CapAdd);
  host.CapDrop = normalizeCapabilities(host.CapDrop);
  const cfg = { ...config };
  if (!lt(apiVersion, '1.44')) cfg.MacAddress = undefined;
  const mounts = host.Mounts?.map((m) => ({
    Type: m.Type || undefined,
    Source: m.Source || undefined,
    Target: m.Target || undefined,
    ReadOnly: m.ReadOnly || undefined,
    Consistency: m.Consistency || undefined,
    BindOptions: m.BindOptions
      ? {
          Propagation: m.BindOptions.Propagation || undefined,
          NonRecursive: m.BindOptions.NonRecursive || undefined,
          CreateMountpoint: m.BindOptions.CreateMountpoint || undefined,
          ReadOnlyNonRecursive: m.BindOptions.ReadOnlyNonRecursive || undefined,
          ReadOnlyForceRecursive: m.BindOptions.ReadOnlyForceRecursive || undefined,
        }
      : undefined,
    VolumeOptions: m.VolumeOptions
      ? {
          NoCopy: m.VolumeOptions.NoCopy || undefined,
          Labels: m.VolumeOptions.Labels.size ? m.VolumeOptions.Labels : undefined,
          Subpath: m.VolumeOptions.Subpath || undefined,
          DriverConfig: m.VolumeOptions.DriverConfig
            ? { Name: m.VolumeOptions.DriverConfig.Name || undefined, Options: m.VolumeOptions.DriverConfig.Options?.size ? m.VolumeOptions.DriverConfig.Options : undefined }
            : undefined,
        }
      : undefined,
    ImageOptions: m.ImageOptions ? { Subpath: m.ImageOptions.Subpath || undefined } : undefined,
    TmpfsOptions: m.TmpfsOptions ? { SizeBytes: m.TmpfsOptions.SizeBytes || undefined, Mode: m.TmpfsOptions.Mode || undefined } : undefined,
  }));
  const body = { ...cfg, HostConfig: { ...host, Mounts: mounts }, NetworkingConfig: networkingConfig };
  return goMarshal(body) + '\n';
}
