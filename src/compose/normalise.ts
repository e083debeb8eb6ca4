/**
 * One service's raw (interpolated, validated) mapping to its normalised form: short syntaxes
 * expanded (ports, volumes, depends_on, networks, healthcheck.test), lists of `K=V` turned
 * into maps, `env_file` read into `environment`, relative paths made absolute against the
 * project directory, strings split into argv as compose does (shell words).
 */
import { isAbsolute, resolve } from 'node:path';
import { homedir } from 'node:os';
import { parseEnvFile } from './interpolate.js';
import type { BuildConfig, DependsOn, Healthcheck, PortConfig, Service, ServiceNetwork, ServiceVolume } from './project.js';

type Path = (string | number)[];

export interface NormaliseContext {
  workingDir: string;
  lookup: (name: string) => string | undefined;
  readFile: (path: string) => string;
  /** Throws the error of the key at `path` (relative to the service). */
  fail: (path: Path, message: string) => never;
}

/** POSIX shell word splitting with quotes and backslashes (no expansion), as go-shellwords does. */
export function shellSplit(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error(`invalid command line string: unterminated quote`);
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) i++;
        cur += s[i];
      }
      if (i >= s.length) throw new Error(`invalid command line string: unterminated quote`);
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

function kvMap(v: unknown, sep = '='): Record<string, string | null> {
  const m: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    for (const e of v) {
      const s = str(e);
      const i = s.indexOf(sep);
      m[i < 0 ? s : s.slice(0, i)] = i < 0 ? null : s.slice(i + 1);
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) m[k] = x === null || x === undefined ? null : str(x);
  }
  return m;
}

function stringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(str) : [str(v)];
}

function command(v: unknown, path: Path, ctx: NormaliseContext): string[] | null {
  if (v === null) return null;
  if (Array.isArray(v)) return v.map(str);
  try {
    return shellSplit(str(v));
  } catch (e) {
    return ctx.fail(path, (e as Error).message);
  }
}

const PORT_RE = /^(?:(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):)?(?:(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/(tcp|udp|sctp))?$/;

/** Ports in short ("127.0.0.1:8080:80/udp", "8080:80", "80", 80) or long syntax. */
export function parsePorts(v: unknown[], path: Path, ctx: NormaliseContext): PortConfig[] {
  const out: PortConfig[] = [];
  v.forEach((p, i) => {
    if (p && typeof p === 'object') {
      const o = p as Record<string, unknown>;
      const target = Number(o['target']);
      if (!Number.isInteger(target) || target < 1 || target > 65535) ctx.fail([...path, i, 'target'], `invalid target port ${JSON.stringify(o['target'])}`);
      out.push({
        target,
        ...(o['published'] !== undefined && o['published'] !== '' ? { published: str(o['published']) } : {}),
        ...(o['host_ip'] ? { host_ip: str(o['host_ip']) } : {}),
        protocol: str(o['protocol'] ?? 'tcp'),
        mode: str(o['mode'] ?? 'ingress'),
      });
      return;
    }
    const s = str(p);
    const m = PORT_RE.exec(s);
    if (!m) ctx.fail([...path, i], `invalid port ${JSON.stringify(s)}`);
    const [, ip6, ip4, published, target, proto] = m;
    const [tlo, thi] = target!.split('-').map(Number) as [number, number?];
    const [plo] = (published ?? '').split('-').map(Number);
    for (const n of [tlo, thi ?? tlo, ...(published ? published.split('-').map(Number) : [])]) {
      if (n < 1 || n > 65535) ctx.fail([...path, i], `invalid port ${JSON.stringify(s)}: ${n} is out of range`);
    }
    const count = (thi ?? tlo) - tlo;
    for (let k = 0; k <= count; k++) {
      out.push({
        target: tlo + k,
        ...(published ? { published: published.includes('-') && count === 0 ? published : String((plo ?? 0) + k) } : {}),
        ...(ip6 || ip4 ? { host_ip: (ip6 ?? ip4)! } : {}),
        protocol: proto ?? 'tcp',
        mode: 'ingress',
      });
    }
  });
  return out;
}

function hostPath(p: string, workingDir: string): string {
  if (p === '~' || p.startsWith('~/')) return resolve(homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(workingDir, p);
}

/** Volumes in short ("data:/srv:ro", "./site:/www", "/cache") or long syntax. */
export function parseVolumes(v: unknown[], path: Path, ctx: NormaliseContext): ServiceVolume[] {
  return v.map((x, i) => {
    if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      const type = str(o['type'] || 'volume') as ServiceVolume['type'];
      if (!['volume', 'bind', 'tmpfs'].includes(type)) ctx.fail([...path, i, 'type'], `unsupported volume type ${JSON.stringify(type)}`);
      if (!o['target']) ctx.fail([...path, i], 'target is required');
      const src = o['source'] ? str(o['source']) : undefined;
      return {
        type,
        ...(src !== undefined ? { source: type === 'bind' ? hostPath(src, ctx.workingDir) : src } : {}),
        target: str(o['target']),
        ...(o['read_only'] ? { read_only: true } : {}),
        ...(o['bind'] ? { bind: o['bind'] as ServiceVolume['bind'] } : {}),
        ...(o['volume'] ? { volume: o['volume'] as ServiceVolume['volume'] } : {}),
      };
    }
    const s = str(x);
    const parts = s.split(':');
    if (parts.length === 1) return { type: 'volume' as const, target: s };
    if (parts.length > 3 || !parts[1]) ctx.fail([...path, i], `invalid spec: ${s}: too many colons`);
    const [src, target, mode] = parts as [string, string, string?];
    const isPath = src.startsWith('.') || src.startsWith('/') || src.startsWith('~');
    const ro = mode?.split(',').includes('ro') ?? false;
    if (isPath) return { type: 'bind' as const, source: hostPath(src, ctx.workingDir), target, ...(ro ? { read_only: true } : {}), bind: { create_host_path: true } };
    return { type: 'volume' as const, source: src, target, ...(ro ? { read_only: true } : {}), volume: {} };
  });
}

function dependsOn(v: unknown): Record<string, DependsOn> {
  const out: Record<string, DependsOn> = {};
  if (Array.isArray(v)) for (const d of v) out[str(d)] = { condition: 'service_started', required: true };
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const o = (x ?? {}) as Record<string, unknown>;
      out[k] = { condition: (o['condition'] as DependsOn['condition']) ?? 'service_started', required: o['required'] === undefined ? true : Boolean(o['required']), ...(o['restart'] !== undefined ? { restart: Boolean(o['restart']) } : {}) };
    }
  }
  return out;
}

const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];

function networks(v: unknown): Record<string, ServiceNetwork | null> {
  const out: Record<string, ServiceNetwork | null> = {};
  if (Array.isArray(v)) for (const n of v) out[str(n)] = null;
  else for (const [k, x] of Object.entries((v ?? {}) as Record<string, unknown>)) out[k] = (x ?? null) as ServiceNetwork | null;
  return out;
}

function healthcheck(v: Record<string, unknown>): Healthcheck {
  const h: Healthcheck = {};
  if (v['test'] !== undefined) h.test = typeof v['test'] === 'string' ? ['CMD-SHELL', v['test']] : stringList(v['test']);
  for (const k of ['interval', 'timeout', 'start_period'] as const) if (v[k] !== undefined) h[k] = str(v[k]);
  if (v['retries'] !== undefined) h.retries = Number(v['retries']);
  if (v['disable']) h.disable = true;
  return h;
}

/** Normalises one service's raw mapping. */
export function normaliseService(name: string, raw: Record<string, unknown>, ctx: NormaliseContext): Service {
  const s: Service = { name };
  const o = raw;
  const set = <K extends keyof Service>(k: K, v: Service[K] | undefined) => {
    if (v !== undefined) s[k] = v;
  };
  set('image', o['image'] !== undefined ? str(o['image']) : undefined);
  if (o['build'] !== undefined) {
    const b = typeof o['build'] === 'string' ? { context: o['build'] } : (o['build'] as Record<string, unknown>);
    const build: BuildConfig = { context: hostPath(str(b['context'] ?? '.'), ctx.workingDir) };
    if (b['dockerfile']) build.dockerfile = str(b['dockerfile']);
    if (b['args']) build.args = Object.fromEntries(Object.entries(kvMap(b['args'])).map(([k, x]) => [k, x ?? ctx.lookup(k) ?? '']));
    if (b['target']) build.target = str(b['target']);
    s.build = build;
  }
  if ('command' in o) s.command = command(o['command'], ['command'], ctx);
  if ('entrypoint' in o) s.entrypoint = command(o['entrypoint'], ['entrypoint'], ctx);
  // env_file first, environment over it; a bare key takes the variable's value
  const env: Record<string, string | null> = {};
  stringList(o['env_file']).forEach((f, i) => {
    const file = hostPath(f, ctx.workingDir);
    let text: string;
    try {
      text = ctx.readFile(file);
    } catch {
      ctx.fail(['env_file', i], `env file ${file} not found`);
    }
    Object.assign(env, parseEnvFile(text, ctx.lookup, file));
  });
  for (const [k, v] of Object.entries(kvMap(o['environment']))) env[k] = v ?? ctx.lookup(k) ?? null;
  if (Object.keys(env).length) s.environment = env;
  if (o['ports'] !== undefined) s.ports = parsePorts(o['ports'] as unknown[], ['ports'], ctx);
  if (o['expose'] !== undefined) s.expose = stringList(o['expose']);
  if (o['volumes'] !== undefined) s.volumes = parseVolumes(o['volumes'] as unknown[], ['volumes'], ctx);
  if (o['networks'] !== undefined) s.networks = networks(o['networks']);
  set('network_mode', o['network_mode'] !== undefined ? str(o['network_mode']) : undefined);
  if (o['depends_on'] !== undefined) {
    s.depends_on = dependsOn(o['depends_on']);
    for (const [k, d] of Object.entries(s.depends_on)) if (!CONDITIONS.includes(d.condition)) ctx.fail(['depends_on', k, 'condition'], `invalid condition ${JSON.stringify(d.condition)}`);
  }
  if (o['healthcheck'] !== undefined) s.healthcheck = healthcheck(o['healthcheck'] as Record<string, unknown>);
  if (o['restart'] !== undefined) {
    const r = str(o['restart']);
    if (!/^(no|always|unless-stopped|on-failure(:\d+)?)$/.test(r)) ctx.fail(['restart'], `invalid restart policy ${JSON.stringify(r)}`);
    s.restart = r;
  }
  if (o['deploy'] !== undefined) {
    const d = o['deploy'] as Record<string, unknown>;
    const res = (d['resources'] as { limits?: Record<string, unknown> } | undefined)?.limits;
    s.deploy = {
      ...(d['replicas'] !== undefined ? { replicas: Number(d['replicas']) } : {}),
      ...(res ? { resources: { limits: { ...(res['cpus'] !== undefined ? { cpus: str(res['cpus']) } : {}), ...(res['memory'] !== undefined ? { memory: str(res['memory']) } : {}) } } } : {}),
    };
  }
  if (o['scale'] !== undefined) {
    const n = Number(o['scale']);
    if (!Number.isInteger(n) || n < 0) ctx.fail(['scale'], `must be a non-negative integer`);
    s.scale = n;
  }
  if (o['labels'] !== undefined) s.labels = Object.fromEntries(Object.entries(kvMap(o['labels'])).map(([k, v]) => [k, v ?? '']));
  for (const k of ['user', 'working_dir', 'hostname', 'domainname', 'stop_signal', 'stop_grace_period', 'container_name', 'shm_size', 'pull_policy', 'mem_limit', 'cpus'] as const) {
    if (o[k] !== undefined) (s as unknown as Record<string, string>)[k] = str(o[k]);
  }
  for (const k of ['dns', 'cap_add', 'cap_drop', 'tmpfs', 'profiles', 'security_opt'] as const) if (o[k] !== undefined) s[k] = stringList(o[k]);
  if (o['extra_hosts'] !== undefined) {
    s.extra_hosts = Array.isArray(o['extra_hosts']) ? stringList(o['extra_hosts']) : Object.entries(o['extra_hosts'] as object).map(([h, ip]) => `${h}:${str(ip)}`);
  }
  for (const k of ['init', 'privileged', 'read_only', 'tty', 'stdin_open'] as const) if (o[k] !== undefined) s[k] = Boolean(o[k]);
  if (o['logging'] !== undefined) {
    const l = o['logging'] as Record<string, unknown>;
    s.logging = { ...(l['driver'] ? { driver: str(l['driver']) } : {}), ...(l['options'] ? { options: kvMap(l['options']) as Record<string, string> } : {}) };
  }
  if (o['sysctls'] !== undefined) s.sysctls = kvMap(o['sysctls']) as Record<string, string>;
  if (o['ulimits'] !== undefined) {
    s.ulimits = Object.fromEntries(
      Object.entries(o['ulimits'] as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'object' && v ? { soft: Number((v as { soft: number }).soft), hard: Number((v as { hard: number }).hard) } : { soft: Number(v), hard: Number(v) }]),
    );
  }
  for (const k of ['secrets', 'configs'] as const) {
    if (o[k] === undefined) continue;
    s[k] = (o[k] as unknown[]).map((x) => {
      const src = typeof x === 'string' ? x : str((x as { source: string }).source);
      const tgt = typeof x === 'object' && x && (x as { target?: string }).target ? str((x as { target: string }).target) : src;
      return { source: src, target: k === 'secrets' && !tgt.startsWith('/') ? `/run/secrets/${tgt}` : tgt.startsWith('/') ? tgt : `/${tgt}` };
    });
  }
  return s;
}
