/**
 * A service to the Engine API's container-create body, as Compose v2 builds it: container
 * name `<project>-<service>-<n>`, `com.docker.compose.*` labels (with the config hash that
 * decides recreation), the first network in the create call and the others connected before
 * start, aliases [service, container name, ...configured].
 */
import { createHash } from 'node:crypto';
import type { ContainerCreateRequest, EndpointSettings, HealthConfig, HostConfig } from '../api/types/index.js';
import { COMPOSE_VERSION, LABEL, type Project, type Service } from './project.js';

/** Go duration ("1m30s", "500ms", "2h") to nanoseconds; throws on bad input. */
export function durationNs(s: string): number {
  if (/^\d+$/.test(s)) return Number(s) * 1e9;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * unit[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== s.length || s === '') throw new Error(`invalid duration ${JSON.stringify(s)}`);
  return Math.round(total);
}

/** "512m", "1g", "1024" (bytes) to bytes. */
export function byteSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(s.trim());
  if (!m) throw new Error(`invalid size ${JSON.stringify(s)}`);
  const mult = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()]!;
  return Math.round(Number(m[1]) * mult);
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x);
    }
    return out;
  }
  return v;
}

/**
 * The config hash of a service: sha256 of its normalised config without what does not need a
 * new container (scale/replicas, profiles, build, pull_policy, depends_on), as Compose v2's
 * ServiceHash.
 */
export function serviceHash(s: Service): string {
  const { scale: _s, profiles: _p, build: _b, pull_policy: _pp, depends_on: _d, ...rest } = s;
  const deploy = rest.deploy ? { ...rest.deploy, replicas: undefined } : undefined;
  return createHash('sha256').update(JSON.stringify(canonical({ ...rest, deploy }))).digest('hex');
}

export function containerName(project: string, service: Service, n: number): string {
  return service.container_name ?? `${project}-${service.name}-${n}`;
}

/** The service's image reference (an image-less build gets `<project>-<service>`). */
export function imageName(project: Project, s: Service): string {
  return s.image ?? `${project.name}-${s.name}`;
}

/** The service's networks, highest priority first (then by name), as [key, config]. */
export function orderedNetworks(s: Service): [string, { aliases?: string[]; ipv4_address?: string; ipv6_address?: string; priority?: number }][] {
  return Object.entries(s.networks ?? {})
    .map(([k, v]) => [k, v ?? {}] as [string, NonNullable<typeof v>])
    .sort((a, b) => (b[1].priority ?? 0) - (a[1].priority ?? 0) || a[0].localeCompare(b[0]));
}

export function endpointConfig(project: Project, s: Service, key: string, name: string): EndpointSettings {
  const cfg = s.networks?.[key] ?? {};
  const ep: Partial<EndpointSettings> = { Aliases: [s.name, name, ...(cfg.aliases ?? [])] };
  if (cfg.ipv4_address || cfg.ipv6_address) {
    ep.IPAMConfig = { ...(cfg.ipv4_address ? { IPv4Address: cfg.ipv4_address } : {}), ...(cfg.ipv6_address ? { IPv6Address: cfg.ipv6_address } : {}) } as EndpointSettings['IPAMConfig'];
  }
  void project;
  return ep as EndpointSettings;
}

export interface CreateOptions {
  number: number;
  /** A `run` container: oneoff labels, command override, no published ports unless asked. */
  oneoff?: boolean;
  name?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  publishPorts?: boolean;
  tty?: boolean;
  stdinOpen?: boolean;
  user?: string;
  workdir?: string;
  /** The service's container that `network_mode: service:x` points at, resolved by the caller. */
  networkModeContainer?: string;
}

/** The create body and name for container `n` of service `s`. */
export function createRequest(project: Project, s: Service, opts: CreateOptions): { name: string; body: ContainerCreateRequest } {
  const name = opts.name ?? containerName(project.name, s, opts.number);
  const labels: Record<string, string> = {
    ...(s.labels ?? {}),
    [LABEL.project]: project.name,
    [LABEL.service]: s.name,
    [LABEL.number]: String(opts.number),
    [LABEL.oneoff]: opts.oneoff ? 'True' : 'False',
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.configFiles.join(','),
    [LABEL.configHash]: serviceHash(s),
    [LABEL.version]: COMPOSE_VERSION,
    [LABEL.dependsOn]: Object.entries(s.depends_on ?? {})
      .map(([k, d]) => `${k}:${d.condition}:${d.restart ?? false}`)
      .join(','),
    [LABEL.image]: imageName(project, s),
  };
  const env = { ...(s.environment ?? {}), ...(opts.environment ?? {}) };
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: NonNullable<HostConfig['PortBindings']> = {};
  for (const e of s.expose ?? []) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  if (opts.publishPorts !== false) {
    for (const p of s.ports ?? []) {
      const key = `${p.target}/${p.protocol}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.host_ip ?? '', HostPort: p.published ?? '' });
    }
  } else for (const p of s.ports ?? []) exposed[`${p.target}/${p.protocol}`] = {};
  const binds: string[] = [];
  const volumesCfg: Record<string, Record<string, never>> = {};
  const tmpfs: Record<string, string> = {};
  for (const v of s.volumes ?? []) {
    if (v.type === 'tmpfs') tmpfs[v.target] = '';
    else if (!v.source) volumesCfg[v.target] = {};
    else {
      const src = v.type === 'volume' ? (project.volumes[v.source]?.name ?? v.source) : v.source;
      binds.push(`${src}:${v.target}${v.read_only ? ':ro' : ':rw'}`);
    }
  }
  // file-based secrets and configs: the file, read-only, at its target (Compose's non-swarm way)
  for (const kind of ['secrets', 'configs'] as const) {
    for (const ref of s[kind] ?? []) {
      const obj = project[kind][ref.source];
      if (obj?.file) binds.push(`${obj.file}:${ref.target}:ro`);
    }
  }
  for (const t of s.tmpfs ?? []) {
    const [path, ...o] = t.split(':');
    tmpfs[path!] = o.join(':');
  }
  const nets = orderedNetworks(s);
  let networkMode = s.network_mode;
  if (networkMode?.startsWith('service:')) networkMode = `container:${opts.networkModeContainer ?? ''}`;
  const primary = nets[0];
  if (!networkMode) networkMode = primary ? (project.networks[primary[0]]?.name ?? primary[0]) : 'default';
  const hc = s.healthcheck;
  let health: HealthConfig | undefined;
  if (hc?.disable) health = { Test: ['NONE'] };
  else if (hc) {
    health = {
      ...(hc.test ? { Test: hc.test } : {}),
      ...(hc.interval ? { Interval: durationNs(hc.interval) } : {}),
      ...(hc.timeout ? { Timeout: durationNs(hc.timeout) } : {}),
      ...(hc.start_period ? { StartPeriod: durationNs(hc.start_period) } : {}),
      ...(hc.retries !== undefined ? { Retries: hc.retries } : {}),
    };
  }
  const restart = s.restart ?? 'no';
  const [rname, rmax] = restart.split(':');
  const memory = s.deploy?.resources?.limits?.memory ?? s.mem_limit;
  const cpus = s.deploy?.resources?.limits?.cpus ?? s.cpus;
  const host: HostConfig = {
    NetworkMode: networkMode,
    ...(binds.length ? { Binds: binds } : {}),
    PortBindings: bindings,
    RestartPolicy: { Name: opts.oneoff ? 'no' : rname!, MaximumRetryCount: rmax ? Number(rmax) : 0 },
    ...(s.dns ? { Dns: s.dns } : {}),
    ...(s.extra_hosts ? { ExtraHosts: s.extra_hosts.map((h) => h.replace('=', ':')) } : {}),
    ...(s.cap_add ? { CapAdd: s.cap_add } : {}),
    ...(s.cap_drop ? { CapDrop: s.cap_drop } : {}),
    ...(Object.keys(tmpfs).length ? { Tmpfs: tmpfs } : {}),
    ...(s.init !== undefined ? { Init: s.init } : {}),
    ...(s.privileged ? { Privileged: true } : {}),
    ...(s.read_only ? { ReadonlyRootfs: true } : {}),
    ...(s.logging?.driver ? { LogConfig: { Type: s.logging.driver, Config: s.logging.options ?? {} } } : {}),
    ...(memory ? { Memory: byteSize(memory) } : {}),
    ...(cpus ? { NanoCpus: Math.round(Number(cpus) * 1e9) } : {}),
    ...(s.shm_size ? { ShmSize: byteSize(s.shm_size) } : {}),
    ...(s.security_opt ? { SecurityOpt: s.security_opt } : {}),
    ...(s.sysctls ? { Sysctls: s.sysctls } : {}),
    ...(s.ulimits ? { Ulimits: Object.entries(s.ulimits).map(([Name, u]) => ({ Name, Soft: u.soft, Hard: u.hard })) } : {}),
  } as HostConfig;
  const body: ContainerCreateRequest = {
    Image: imageName(project, s),
    ...(opts.command ? { Cmd: opts.command } : s.command ? { Cmd: s.command } : {}),
    ...(opts.entrypoint ? { Entrypoint: opts.entrypoint } : s.entrypoint ? { Entrypoint: s.entrypoint } : {}),
    Env: Object.entries(env).map(([k, v]) => (v === null ? k : `${k}=${v}`)),
    Labels: labels,
    ExposedPorts: exposed,
    ...(Object.keys(volumesCfg).length ? { Volumes: volumesCfg } : {}),
    ...(s.hostname ? { Hostname: s.hostname } : {}),
    ...(s.domainname ? { Domainname: s.domainname } : {}),
    ...((opts.user ?? s.user) ? { User: opts.user ?? s.user } : {}),
    ...((opts.workdir ?? s.working_dir) ? { WorkingDir: opts.workdir ?? s.working_dir } : {}),
    Tty: opts.tty ?? s.tty ?? false,
    OpenStdin: opts.stdinOpen ?? s.stdin_open ?? false,
    AttachStdout: true,
    AttachStderr: true,
    ...(s.stop_signal ? { StopSignal: s.stop_signal } : {}),
    ...(s.stop_grace_period ? { StopTimeout: Math.round(durationNs(s.stop_grace_period) / 1e9) } : {}),
    ...(health ? { Healthcheck: health } : {}),
    HostConfig: host,
    NetworkingConfig: primary && !s.network_mode ? { EndpointsConfig: { [project.networks[primary[0]]?.name ?? primary[0]]: endpointConfig(project, s, primary[0], name) } } : null,
  } as ContainerCreateRequest;
  return { name, body };
}
