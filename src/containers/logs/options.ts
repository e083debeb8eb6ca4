/**
 * Log options (`--log-opt k=v`, HostConfig.LogConfig.Config): validation with Docker's texts
 * (moby daemon/logger/factory.go ValidateLogOpts and each driver's ValidateLogOpt), the value
 * parsers Docker uses (go-units FromHumanSize/RAMInBytes, strconv.Atoi/ParseBool), and the extra
 * attributes of json-file records (moby logger.Info.ExtraAttributes and the `tag` template).
 */
import { invalidParameter, type DockerError } from '../../lib/index.js';
import type { LogInfo } from './driver.js';

export const JSON_FILE = 'json-file';
export const LOCAL = 'local';
export const NONE = 'none';
export const DRIVERS: readonly string[] = [JSON_FILE, LOCAL, NONE];

/** Options every driver accepts (moby builtInLogOpts), handled by the queue in front of it. */
const BUILTIN_OPTS = new Set(['mode', 'max-buffer-size']);
const JSON_FILE_OPTS = new Set(['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag']);
const LOCAL_OPTS = new Set(['max-file', 'max-size', 'compress']);

/** compat: moby daemon/logger/ring.go defaultRingMaxSize (1e6 bytes). */
export const DEFAULT_MAX_BUFFER_SIZE = 1_000_000;

export type LogMode = 'blocking' | 'non-blocking';

/**
 * Docker's create-time check of a LogConfig (moby logger.ValidateLogOpts): the mode, the
 * max-buffer-size, that the driver exists, and that each key is one the driver knows.
 * Values of driver options are checked when the driver is created (createLogDriver), as in Docker.
 * Throws invalidParameter with Docker's texts, e.g. `unknown log opt 'x' for json-file log driver`.
 */
export function validateLogConfig(type: string, cfg: Record<string, string>): void {
  if (type === NONE) return;
  const mode = cfg['mode'] ?? '';
  if (mode !== '' && mode !== 'blocking' && mode !== 'non-blocking') {
    throw invalidParameter(`logger: logging mode not supported: ${mode}`);
  }
  if ('max-buffer-size' in cfg) {
    if (mode !== 'non-blocking') {
      throw invalidParameter(`logger: max-buffer-size option is only supported with 'mode=non-blocking'`);
    }
    try {
      ramInBytes(cfg['max-buffer-size']!);
    } catch (e) {
      throw invalidParameter(`error parsing option max-buffer-size: ${(e as Error).message}`, e);
    }
  }
  if (!DRIVERS.includes(type)) throw invalidParameter(`logger: no log driver named '${type}' is registered`);
  for (const key of Object.keys(cfg)) {
    if (BUILTIN_OPTS.has(key)) continue;
    if (type === JSON_FILE && !JSON_FILE_OPTS.has(key)) {
      throw invalidParameter(`unknown log opt '${key}' for json-file log driver`);
    }
    if (type === LOCAL && !LOCAL_OPTS.has(key)) {
      throw invalidParameter(`unknown log opt '${key}' for log driver local`);
    }
  }
}

/** The queue settings of a LogConfig (mode, max-buffer-size). */
export function parseQueueOptions(cfg: Record<string, string>): { mode: LogMode; maxBufferSize: number } {
  const mode: LogMode = cfg['mode'] === 'non-blocking' ? 'non-blocking' : 'blocking';
  let maxBufferSize = DEFAULT_MAX_BUFFER_SIZE;
  if (cfg['max-buffer-size'] !== undefined) {
    try {
      maxBufferSize = ramInBytes(cfg['max-buffer-size']);
    } catch (e) {
      throw invalidParameter(`error parsing option max-buffer-size: ${(e as Error).message}`, e);
    }
  }
  if (maxBufferSize <= 0) maxBufferSize = DEFAULT_MAX_BUFFER_SIZE;
  return { mode, maxBufferSize };
}

export interface RotationOptions {
  /** Bytes per file before rotating; -1 for unlimited. */
  maxSize: number;
  /** Files kept, the current one included (≥ 1). */
  maxFiles: number;
  /** Gzip rotated files. */
  compress: boolean;
}

/**
 * json-file's options (moby jsonfilelog.New): max-size (decimal units: 10m = 10,000,000 bytes;
 * unlimited by default), max-file (default 1), compress (default false; needs max-file ≥ 2 and a
 * max-size). Throws invalidParameter with Docker's texts.
 */
export function parseJsonFileOptions(cfg: Record<string, string>): RotationOptions {
  let maxSize = -1;
  if (cfg['max-size'] !== undefined) {
    maxSize = wrapParse(() => fromHumanSize(cfg['max-size']!));
    if (maxSize <= 0) throw invalidParameter('max-size must be a positive number');
  }
  let maxFiles = 1;
  if (cfg['max-file'] !== undefined) {
    maxFiles = wrapParse(() => atoi(cfg['max-file']!));
    if (maxFiles < 1) throw invalidParameter('max-file cannot be less than 1');
  }
  let compress = false;
  if (cfg['compress'] !== undefined) {
    compress = wrapParse(() => parseBool(cfg['compress']!));
    if (compress && (maxFiles === 1 || maxSize === -1)) {
      throw invalidParameter('compress cannot be true when max-file is less than 2 or max-size is not set');
    }
  }
  return { maxSize, maxFiles, compress };
}

/** compat: moby daemon/logger/local: 20 MiB per file, 5 files, compressed. */
export const LOCAL_DEFAULTS: RotationOptions = { maxSize: 20 * 1024 * 1024, maxFiles: 5, compress: true };

/**
 * local's options (moby daemon/logger/local New + validateConfig), defaults LOCAL_DEFAULTS.
 * Throws invalidParameter with Docker's texts.
 */
export function parseLocalOptions(cfg: Record<string, string>): RotationOptions {
  const out = { ...LOCAL_DEFAULTS };
  if (cfg['max-size'] !== undefined) {
    const v = cfg['max-size'];
    out.maxSize = wrapParse(() => fromHumanSize(v), `invalid value for max-size: ${v}: `);
  }
  if (cfg['max-file'] !== undefined) {
    const v = cfg['max-file'];
    out.maxFiles = wrapParse(() => atoi(v), `invalid value for max-file: ${v}: `);
  }
  if (cfg['compress'] !== undefined) {
    out.compress = wrapParse(() => parseBool(cfg['compress']!), 'error reading compress log option: ');
  }
  if (out.maxSize < 0) throw invalidParameter('max size should be a positive number');
  if (out.maxFiles < 0) throw invalidParameter('max file count cannot be less than 0');
  if (out.compress && out.maxFiles <= 1) throw invalidParameter('compression cannot be enabled when max file count is 1');
  // berth: max-size=0 means no limit (moby's loggerutils would rotate before every write) and
  // max-file=0 keeps one file (what moby's rotation does with it)
  if (out.maxSize === 0) out.maxSize = -1;
  if (out.maxFiles === 0) out.maxFiles = 1;
  return out;
}

function wrapParse<T>(fn: () => T, prefix = ''): T {
  try {
    return fn();
  } catch (e) {
    throw invalidParameter(prefix + (e as Error).message, e);
  }
}

const DECIMAL = [1e3, 1e6, 1e9, 1e12, 1e15];
const BINARY = [1024, 1024 ** 2, 1024 ** 3, 1024 ** 4, 1024 ** 5];
const GO_FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseSize(s: string, mul: number[]): number {
  let sep = -1;
  for (let i = s.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(s[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new Error(`invalid size: '${s}'`);
  let num: string;
  let sfx: string;
  if (s[sep] !== ' ') {
    num = s.slice(0, sep + 1);
    sfx = s.slice(sep + 1);
  } else {
    num = s.slice(0, sep);
    sfx = s.slice(sep + 1);
  }
  if (!GO_FLOAT_RE.test(num)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  let size = Number(num);
  if (size < 0) throw new Error(`invalid size: '${s}'`);
  if (sfx.length === 0) return Math.trunc(size);
  const bad = () => new Error(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw bad();
  const lower = sfx.toLowerCase();
  if (lower[0] === 'b') {
    if (lower.length > 1) throw bad();
    return Math.trunc(size);
  }
  const idx = 'kmgtp'.indexOf(lower[0]!);
  if (idx < 0) throw bad();
  size *= mul[idx]!;
  if ((lower.length === 2 && lower[1] !== 'b') || (lower.length === 3 && lower.slice(1) !== 'ib')) throw bad();
  return Math.trunc(size);
}

/** go-units FromHumanSize: decimal multiples (`10m` = 10,000,000; `1k` = 1000). */
export function fromHumanSize(s: string): number {
  return parseSize(s, DECIMAL);
}

/** go-units RAMInBytes: binary multiples (`1m` = 1,048,576). */
export function ramInBytes(s: string): number {
  return parseSize(s, BINARY);
}

/** Go's strconv.Atoi, with its error text. */
export function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** Go's strconv.ParseBool, with its error text. */
export function parseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}

/**
 * The attributes json-file adds to each record (moby Info.ExtraAttributes plus `tag`): labels
 * listed in `labels`, labels matching `labels-regex`, env vars listed in `env` or matching
 * `env-regex`, and the expanded `tag` template. Undefined when there are none.
 */
export function extraAttributes(cfg: Record<string, string>, info: LogInfo): Record<string, string> | undefined {
  const extra: Record<string, string> = {};
  const labels = info.containerLabels ?? {};
  if (cfg['labels']) {
    for (const l of cfg['labels'].split(',')) if (Object.hasOwn(labels, l)) extra[l] = labels[l]!;
  }
  if (cfg['labels-regex']) {
    const re = compileRegex(cfg['labels-regex']);
    for (const [k, v] of Object.entries(labels)) if (re.test(k)) extra[k] = v;
  }
  const env = new Map<string, string>();
  for (const e of info.containerEnv ?? []) {
    const i = e.indexOf('=');
    if (i >= 0) env.set(e.slice(0, i), e.slice(i + 1));
  }
  if (env.size > 0) {
    if (cfg['env']) {
      for (const k of cfg['env'].split(',')) if (env.has(k)) extra[k] = env.get(k)!;
    }
    if (cfg['env-regex']) {
      const re = compileRegex(cfg['env-regex']);
      for (const [k, v] of env) if (re.test(k)) extra[k] = v;
    }
  }
  const tag = expandTag(cfg['tag'] ?? '', info);
  if (tag !== '') extra['tag'] = tag;
  return Object.keys(extra).length > 0 ? extra : undefined;
}

function compileRegex(src: string): RegExp {
  try {
    return new RegExp(src);
  } catch (e) {
    throw invalidParameter(`error parsing regexp: ${(e as Error).message}`, e);
  }
}

/**
 * The log tag template (moby loggerutils.ParseLogTag) for the fields of logger.Info:
 * `{{.ID}}` (12 chars), `{{.FullID}}`, `{{.Name}}`, `{{.ImageID}}` (12 chars, compat: of the
 * `sha256:`-prefixed ID, as moby slices it), `{{.ImageFullID}}`, `{{.ImageName}}`,
 * `{{.DaemonName}}`, `{{.Hostname}}`, `{{.Command}}`. Other template syntax is refused
 * (invalidParameter).
 */
export function expandTag(template: string, info: LogInfo): string {
  if (template === '') return '';
  const fields: Record<string, () => string> = {
    ID: () => info.containerId.slice(0, 12),
    FullID: () => info.containerId,
    Name: () => info.containerName.replace(/^\//, ''),
    ImageID: () => (info.containerImageId ?? '').slice(0, 12),
    ImageFullID: () => info.containerImageId ?? '',
    ImageName: () => info.containerImageName ?? '',
    DaemonName: () => info.daemonName ?? 'docker',
    Hostname: () => info.hostname ?? '',
    Command: () => [info.containerEntrypoint ?? '', ...(info.containerArgs ?? [])].join(' ').trim(),
  };
  let err: DockerError | undefined;
  const out = template.replace(/\{\{-?\s*([^}]*?)\s*-?\}\}/g, (_m, expr: string) => {
    const m = /^\.(\w+)$/.exec(expr);
    const f = m ? fields[m[1]!] : undefined;
    if (!f) {
      err ??= invalidParameter(`template: log-tag: unsupported expression {{${expr}}} (berth supports {{.Field}} only)`);
      return '';
    }
    return f();
  });
  if (err) throw err;
  return out;
}
