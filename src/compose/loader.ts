/**
 * The compose loader: finds the files, reads `.env`, parses YAML (keeping positions),
 * interpolates, validates, normalises each file, resolves `extends`, merges the `-f` files in
 * order, applies profiles and checks the project as a whole (depends_on targets and cycles,
 * undefined networks and volumes, host-port conflicts). Every error names the file (with line
 * and column when the YAML has one), the service and the key:
 *
 *   /p/compose.yaml:4:5: services.web.ports[0]: invalid port "80:x"
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { interpolate, parseEnvFile, InterpolationError } from './interpolate.js';
import { BUILD, DEPLOY, FILE_OBJECT, HEALTHCHECK, NETWORK, SERVICE, TOP_LEVEL, VOLUME, kindOfValue, kindsText, type Kind } from './schema.js';
import { dependencyOrder, type DependsOn, type PortConfig, type Project, type Service, type ServiceVolume } from './project.js';
import { normaliseService, shellSplit } from './normalise.js';

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
const OVERRIDE_FILES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

/** A bad compose file: the message names file, position, service and key. */
export class ComposeFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeFileError';
  }
}

export interface LoadOptions {
  /** -f files, in order (relative to cwd). Empty: COMPOSE_FILE, else the default names. */
  files?: string[];
  /** -p / COMPOSE_PROJECT_NAME */
  projectName?: string;
  /** --project-directory */
  projectDirectory?: string;
  /** --env-file (relative to cwd); default <project dir>/.env when it exists. */
  envFiles?: string[];
  /** --profile / COMPOSE_PROFILES */
  profiles?: string[];
  /** Services named on the command line: enabled whatever their profiles. */
  services?: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** Reads a file (tests inject one). */
  readFile?: (path: string) => string;
  /** Interpolation warnings ("The "X" variable is not set. Defaulting to a blank string."). */
  warn?: (message: string) => void;
}

type Path = (string | number)[];

/** One parsed file with a way to point at a key's position. */
class SourceFile {
  private readonly lines = new LineCounter();
  readonly doc: Document;
  constructor(
    readonly path: string,
    text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const e = this.doc.errors[0];
    if (e) {
      const p = this.lines.linePos(e.pos[0]);
      throw new ComposeFileError(`${path}:${p.line}:${p.col}: yaml: ${e.message.split('\n')[0]}`);
    }
  }

  /** "file:line:col" of the key at `path` (or of its value, for list items); "file" when unknown. */
  where(path: Path): string {
    let node: unknown = this.doc.contents;
    let offset: number | undefined;
    for (const k of path) {
      if (isMap(node)) {
        const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(k));
        if (!pair) break;
        offset = (pair.key as Node).range?.[0];
        node = pair.value;
      } else if (isSeq(node) && typeof k === 'number') {
        const item = node.items[k] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0];
        node = item;
      } else break;
    }
    if (offset === undefined) return this.path;
    const p = this.lines.linePos(offset);
    return `${this.path}:${p.line}:${p.col}`;
  }

  fail(path: Path, message: string): never {
    throw new ComposeFileError(`${this.where(path)}: ${pathText(path)}: ${message}`);
  }
}

/** services.web.ports[0] */
export function pathText(path: Path): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s === '' ? k : `.${k}`;
  return s;
}

/** Finds the compose file(s) when none are given: in `dir`, then its parents. */
export function findDefaultFiles(dir: string, exists: (p: string) => boolean = existsSync): string[] {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const found = DEFAULT_FILES.filter((f) => exists(join(d, f)));
    if (found.length) {
      const files = [join(d, found[0]!)];
      const override = OVERRIDE_FILES.find((f) => exists(join(d, f)));
      if (override) files.push(join(d, override));
      return files;
    }
    if (dirname(d) === d) return [];
  }
}

/** Compose's project-name normalisation: lowercase, only [a-z0-9_-], starting alphanumeric. */
export function normaliseProjectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z0-9]+/, '');
}

/** Loads a project. Throws ComposeFileError (bad files) or Error (no file found). */
export function loadProject(opts: LoadOptions): Project {
  const read = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const exists = opts.readFile ? (p: string) => { try { read(p); return true; } catch { return false; } } : existsSync;
  let files = (opts.files ?? []).map((f) => resolve(opts.cwd, f));
  if (!files.length && opts.env['COMPOSE_FILE']) {
    files = opts.env['COMPOSE_FILE'].split(opts.env['COMPOSE_PATH_SEPARATOR'] ?? ':').filter(Boolean).map((f) => resolve(opts.cwd, f));
  }
  if (!files.length) files = findDefaultFiles(opts.projectDirectory ? resolve(opts.cwd, opts.projectDirectory) : opts.cwd, exists);
  if (!files.length) throw new ComposeFileError('no configuration file provided: not found');
  const workingDir = opts.projectDirectory ? resolve(opts.cwd, opts.projectDirectory) : dirname(files[0]!);

  // variables: the process environment wins over .env files
  const dotenv: Record<string, string> = {};
  const envFiles = opts.envFiles?.length ? opts.envFiles.map((f) => resolve(opts.cwd, f)) : [join(workingDir, '.env')];
  for (const f of envFiles) {
    let text: string;
    try {
      text = read(f);
    } catch (e) {
      if (opts.envFiles?.length) throw new ComposeFileError(`couldn't find env file: ${f}`);
      continue;
    }
    Object.assign(dotenv, parseEnvFile(text, (n) => opts.env[n] ?? dotenv[n], f));
  }
  const environment: Record<string, string> = { ...dotenv };
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) environment[k] = v;
  const lookup = (n: string) => environment[n];
  const warned = new Set<string>();
  const warn = (n: string) => {
    if (warned.has(n)) return;
    warned.add(n);
    opts.warn?.(`The "${n}" variable is not set. Defaulting to a blank string.`);
  };

  const parsed = new Map<string, { src: SourceFile; data: Record<string, unknown> }>();
  const parse = (path: string) => {
    let p = parsed.get(path);
    if (p) return p;
    let text: string;
    try {
      text = read(path);
    } catch {
      throw new ComposeFileError(`open ${path}: no such file or directory`);
    }
    const src = new SourceFile(path, text);
    const raw = src.doc.toJS({ maxAliasCount: 1000 }) as unknown;
    if (raw === null || raw === undefined) throw new ComposeFileError(`${path}: empty compose file`);
    if (kindOfValue(raw) !== 'map') throw new ComposeFileError(`${path}: top-level object must be a mapping`);
    const data = interpolateTree(src, raw as Record<string, unknown>, [], lookup, warn) as Record<string, unknown>;
    validateFile(src, data);
    p = { src, data };
    parsed.set(path, p);
    return p;
  };

  let name = '';
  const merged: MergedModel = { services: {}, sources: {}, networks: {}, volumes: {}, secrets: {}, configs: {} };
  for (const file of files) {
    const { src, data } = parse(file);
    if (typeof data['name'] === 'string' && data['name']) name = data['name'];
    const services = (data['services'] ?? {}) as Record<string, Record<string, unknown>>;
    for (const [svc, raw] of Object.entries(services)) {
      const resolved = resolveExtends(parse, src, svc, raw ?? {}, workingDir, [], read);
      const norm = normaliseService(svc, resolved, { workingDir, lookup, readFile: read, fail: (p, m) => src.fail(['services', svc, ...p], m) });
      merged.services[svc] = merged.services[svc] ? mergeService(merged.services[svc]!, norm) : norm;
      merged.sources[svc] = src;
    }
    for (const section of ['networks', 'volumes', 'secrets', 'configs'] as const) {
      for (const [k, v] of Object.entries((data[section] ?? {}) as Record<string, unknown>)) {
        merged[section][k] = { ...(merged[section][k] ?? {}), ...((v ?? {}) as object) };
      }
    }
  }

  const projectName = normaliseProjectName(opts.projectName || opts.env['COMPOSE_PROJECT_NAME'] || name || basename(workingDir));
  if (!projectName) throw new ComposeFileError(`project name must not be empty`);

  // profiles
  const active = new Set(opts.profiles?.length ? opts.profiles : (opts.env['COMPOSE_PROFILES'] ?? '').split(',').filter(Boolean));
  const named = new Set(opts.services ?? []);
  const services: Record<string, Service> = {};
  const disabled: Record<string, Service> = {};
  for (const [k, s] of Object.entries(merged.services)) {
    const on = !s.profiles?.length || s.profiles.some((p) => active.has(p) || p === '*') || active.has('*') || named.has(k);
    (on ? services : disabled)[k] = s;
  }
  // dependencies of enabled services come along
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of Object.values(services)) {
      for (const dep of Object.keys(s.depends_on ?? {})) {
        if (!services[dep] && disabled[dep]) {
          services[dep] = disabled[dep]!;
          delete disabled[dep];
          changed = true;
        }
      }
    }
  }

  const project: Project = {
    name: projectName,
    workingDir,
    configFiles: files,
    services,
    disabled,
    networks: {},
    volumes: {},
    secrets: {},
    configs: {},
    environment,
  };
  finishTopLevel(project, merged);
  checkProject(project, merged.sources);
  return project;
}

interface MergedModel {
  services: Record<string, Service>;
  sources: Record<string, SourceFile>;
  networks: Record<string, Record<string, unknown>>;
  volumes: Record<string, Record<string, unknown>>;
  secrets: Record<string, Record<string, unknown>>;
  configs: Record<string, Record<string, unknown>>;
}

/** Interpolates every string (keys stay), pointing at the position of a failing value. */
function interpolateTree(src: SourceFile, v: unknown, path: Path, lookup: (n: string) => string | undefined, warn: (n: string) => void): unknown {
  if (typeof v === 'string') {
    try {
      return interpolate(v, lookup, warn);
    } catch (e) {
      if (e instanceof InterpolationError) src.fail(path, e.message);
      throw e;
    }
  }
  if (Array.isArray(v)) return v.map((x, i) => interpolateTree(src, x, [...path, i], lookup, warn));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = path.length === 0 && k.startsWith('x-') ? x : interpolateTree(src, x, [...path, k], lookup, warn);
    return out;
  }
  return v;
}

function checkKeys(src: SourceFile, obj: unknown, path: Path, schema: Record<string, Kind[]>): void {
  if (kindOfValue(obj) !== 'map') return;
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (k.startsWith('x-')) continue;
    const kinds = schema[k];
    if (!kinds) src.fail([...path, k], `additional property ${JSON.stringify(k)} is not allowed`);
    const kind = kindOfValue(v);
    if (!kinds.includes(kind) && !(kind === 'null' && path.length > 0)) src.fail([...path, k], `must be a ${kindsText(kinds)}`);
  }
}

function validateFile(src: SourceFile, data: Record<string, unknown>): void {
  checkKeys(src, data, [], TOP_LEVEL);
  for (const [name, s] of Object.entries((data['services'] ?? {}) as Record<string, unknown>)) {
    if (!/^[a-zA-Z0-9._-]+$/.test(name)) src.fail(['services', name], `service name ${JSON.stringify(name)} must match [a-zA-Z0-9._-]+`);
    if (s !== null && kindOfValue(s) !== 'map') src.fail(['services', name], 'must be a mapping');
    const svc = (s ?? {}) as Record<string, unknown>;
    const p = ['services', name];
    checkKeys(src, svc, p, SERVICE);
    checkKeys(src, svc['healthcheck'], [...p, 'healthcheck'], HEALTHCHECK);
    checkKeys(src, svc['deploy'], [...p, 'deploy'], DEPLOY);
    checkKeys(src, svc['build'], [...p, 'build'], BUILD);
  }
  for (const [section, schema] of [['networks', NETWORK], ['volumes', VOLUME], ['secrets', FILE_OBJECT], ['configs', FILE_OBJECT]] as const) {
    for (const [name, v] of Object.entries((data[section] ?? {}) as Record<string, unknown>)) {
      if (v !== null && kindOfValue(v) !== 'map') src.fail([section, name], 'must be a mapping');
      checkKeys(src, v, [section, name], schema);
    }
  }
}

/** Resolves `extends` (same file or `file:`), recursively; the result has no `extends`. */
function resolveExtends(
  parse: (p: string) => { src: SourceFile; data: Record<string, unknown> },
  src: SourceFile,
  name: string,
  raw: Record<string, unknown>,
  workingDir: string,
  chain: string[],
  read: (p: string) => string,
): Record<string, unknown> {
  const ext = raw['extends'];
  if (ext === undefined) return raw;
  const key = `${src.path}#${name}`;
  if (chain.includes(key)) src.fail(['services', name, 'extends'], `circular extends: ${[...chain, key].join(' -> ')}`);
  const spec = typeof ext === 'string' ? { service: ext } : (ext as { service?: string; file?: string });
  if (!spec.service) src.fail(['services', name, 'extends'], 'service is required');
  let base = src;
  if (spec.file) base = parse(isAbsolute(spec.file) ? spec.file : resolve(dirname(src.path), spec.file)).src;
  const baseData = parse(base.path).data;
  const baseRaw = ((baseData['services'] ?? {}) as Record<string, Record<string, unknown>>)[spec.service];
  if (!baseRaw) src.fail(['services', name, 'extends'], `cannot extend service ${JSON.stringify(spec.service)}: service not found in ${base.path}`);
  const resolvedBase = resolveExtends(parse, base, spec.service, baseRaw, workingDir, [...chain, key], read);
  const { extends: _e, ...own } = raw;
  const { depends_on: _d, ...inherited } = resolvedBase;
  return mergeRaw(inherited, own);
}

/** Merges raw service mappings (extends): maps merge, environment/labels by key, lists append. */
function mergeRaw(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (['command', 'entrypoint', 'healthcheck'].includes(k) || b === undefined) out[k] = v;
    else if (['environment', 'labels'].includes(k)) out[k] = { ...toMap(b), ...toMap(v) };
    else if (Array.isArray(b) && Array.isArray(v)) out[k] = [...b, ...v.filter((x) => !b.some((y) => JSON.stringify(y) === JSON.stringify(x)))];
    else if (kindOfValue(b) === 'map' && kindOfValue(v) === 'map') out[k] = mergeRaw(b as Record<string, unknown>, v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

function toMap(v: unknown): Record<string, unknown> {
  if (Array.isArray(v)) {
    const m: Record<string, unknown> = {};
    for (const e of v) {
      const s = String(e);
      const i = s.indexOf('=');
      m[i < 0 ? s : s.slice(0, i)] = i < 0 ? null : s.slice(i + 1);
    }
    return m;
  }
  return (v ?? {}) as Record<string, unknown>;
}

/** Merges a later file's (normalised) service over an earlier one (compose-spec merge rules). */
export function mergeService(base: Service, over: Service): Service {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = (base as unknown as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (b === undefined || ['command', 'entrypoint', 'image', 'healthcheck'].includes(k) || typeof v !== 'object' || v === null) out[k] = v;
    else if (k === 'ports') {
      const seen = new Set((b as PortConfig[]).map((p) => JSON.stringify(p)));
      out[k] = [...(b as PortConfig[]), ...(v as PortConfig[]).filter((p) => !seen.has(JSON.stringify(p)))];
    } else if (k === 'volumes') {
      const byTarget = new Map((b as ServiceVolume[]).map((x) => [x.target, x]));
      for (const x of v as ServiceVolume[]) byTarget.set(x.target, x);
      out[k] = [...byTarget.values()];
    } else if (Array.isArray(b) && Array.isArray(v)) out[k] = [...new Set([...b, ...v])];
    else if (!Array.isArray(b) && !Array.isArray(v)) out[k] = { ...(b as object), ...(v as object) };
    else out[k] = v;
  }
  return out as unknown as Service;
}

function finishTopLevel(project: Project, merged: MergedModel): void {
  const needsDefault = Object.values(project.services).some((s) => !s.network_mode && !s.networks);
  for (const s of Object.values(project.services)) {
    if (!s.network_mode && !s.networks) s.networks = { default: null };
  }
  const nets = { ...merged.networks };
  if (needsDefault || Object.values(project.services).some((s) => s.networks && 'default' in s.networks)) nets['default'] ??= {};
  for (const [k, v] of Object.entries(nets)) {
    const external = Boolean(v['external']);
    const extName = kindOfValue(v['external']) === 'map' ? (v['external'] as { name?: string }).name : undefined;
    project.networks[k] = {
      ...(v as object),
      name: String(v['name'] ?? extName ?? (external ? k : `${project.name}_${k}`)),
      ...(external ? { external: true } : {}),
      ...(v['labels'] ? { labels: toMap(v['labels']) as Record<string, string> } : {}),
    };
  }
  for (const [k, v] of Object.entries(merged.volumes)) {
    const external = Boolean(v['external']);
    project.volumes[k] = {
      ...(v as object),
      name: String(v['name'] ?? (external ? k : `${project.name}_${k}`)),
      ...(external ? { external: true } : {}),
      ...(v['labels'] ? { labels: toMap(v['labels']) as Record<string, string> } : {}),
    };
  }
  for (const section of ['secrets', 'configs'] as const) {
    for (const [k, v] of Object.entries(merged[section])) {
      project[section][k] = { name: String(v['name'] ?? `${project.name}_${k}`), ...(v['file'] ? { file: resolve(project.workingDir, String(v['file'])) } : {}), ...(v['external'] ? { external: true } : {}) };
    }
  }
}

/** Whole-project checks: references, cycles, host-port conflicts. */
function checkProject(project: Project, sources: Record<string, SourceFile>): void {
  const all = { ...project.services, ...project.disabled };
  const fail = (svc: string, path: Path, msg: string): never => sources[svc]!.fail(['services', svc, ...path], msg);
  for (const [name, s] of Object.entries(project.services)) {
    if (!s.image && !s.build) fail(name, [], 'has neither an image nor a build context specified: invalid compose project');
    for (const dep of Object.keys(s.depends_on ?? {})) {
      if (!all[dep] && (s.depends_on![dep] as DependsOn).required) fail(name, ['depends_on', dep], `depends on undefined service ${JSON.stringify(dep)}: invalid compose project`);
    }
    for (const net of Object.keys(s.networks ?? {})) {
      if (!project.networks[net]) fail(name, ['networks', net], `refers to undefined network ${net}: invalid compose project`);
    }
    for (const [i, v] of (s.volumes ?? []).entries()) {
      if (v.type === 'volume' && v.source && !project.volumes[v.source]) fail(name, ['volumes', i], `refers to undefined volume ${v.source}: invalid compose project`);
    }
    for (const kind of ['secrets', 'configs'] as const) {
      for (const [i, ref] of (s[kind] ?? []).entries()) {
        if (!project[kind][ref.source]) fail(name, [kind, i], `refers to undefined ${kind.slice(0, -1)} ${ref.source}: invalid compose project`);
      }
    }
    const nm = s.network_mode;
    if (nm?.startsWith('service:') && !all[nm.slice(8)]) fail(name, ['network_mode'], `service ${JSON.stringify(nm.slice(8))} not found`);
  }
  try {
    dependencyOrder(project.services);
  } catch (e) {
    const m = /cycle detected: (.*)$/.exec((e as Error).message);
    const first = m ? m[1]!.split(' -> ')[0]! : Object.keys(project.services)[0]!;
    fail(first, ['depends_on'], (e as Error).message);
  }
  const used: { port: number; protocol: string; hostIp: string; service: string }[] = [];
  const wildcard = (ip: string) => ip === '' || ip === '0.0.0.0' || ip === '::';
  for (const [name, s] of Object.entries(project.services)) {
    for (const [i, p] of (s.ports ?? []).entries()) {
      if (!p.published) continue;
      const [lo, hi] = p.published.split('-').map(Number) as [number, number?];
      const hostIp = p.host_ip ?? '';
      for (let port = lo; port <= (hi ?? lo); port++) {
        const other = used.find((u) => u.port === port && u.protocol === p.protocol && u.service !== name && (wildcard(u.hostIp) || wildcard(hostIp) || u.hostIp === hostIp));
        if (other) fail(name, ['ports', i], `port ${port}/${p.protocol} is already published by service ${JSON.stringify(other.service)}`);
        used.push({ port, protocol: p.protocol, hostIp, service: name });
      }
    }
  }
}

export { shellSplit };
