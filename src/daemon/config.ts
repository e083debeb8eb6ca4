/**
 * berthd's configuration: one typed DaemonConfig, defaults in one object, daemon.json (Docker's
 * key names) over the defaults, command-line flags (dockerd's names) over the file. Validated once
 * at startup; a bad value fails fast naming the key (STYLE D8).
 *
 * Every option is one row of OPTIONS: its daemon.json key, its flag (same name, as in dockerd),
 * an optional short flag, its type and the DaemonConfig property it sets.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { invalidParameter, parseLevel, type Level } from '../lib/index.js';

export interface RuntimeConfig {
  path: string;
  runtimeArgs?: string[];
}

export interface DaemonConfig {
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  configFile: string;
  /** containerd's address; empty means berthd runs its own containerd. */
  containerd: string;
  containerdNamespace: string;
  debug: boolean;
  logLevel: Level;
  defaultRuntime: string;
  runtimes: Record<string, RuntimeConfig>;
  tls: boolean;
  tlsVerify: boolean;
  tlsCaCert: string;
  tlsCert: string;
  tlsKey: string;
  bridge: string;
  bip: string;
  fixedCidr: string;
  mtu: number;
  iptables: boolean;
  ipForward: boolean;
  ipMasq: boolean;
  /** Inter-container communication on the default bridge (`--icc`). */
  icc: boolean;
  /** Default host address of published ports (`--ip`). */
  defaultBindIp: string;
  /** Prefix of the iptables chains berthd owns (BERTH, BERTH-ISOLATION-STAGE-1, ...). */
  iptablesChainPrefix: string;
  userlandProxy: boolean;
  insecureRegistries: string[];
  registryMirrors: string[];
  storageDriver: string;
  logDriver: string;
  logOpts: Record<string, string>;
  labels: string[];
  experimental: boolean;
  liveRestore: boolean;
  init: boolean;
  initPath: string;
  /** `--userns-remap`: '' (off), `default`, `user[:group]`, `uid[:gid]`. */
  usernsRemap: string;
  /** `--seccomp-profile`: the containers' default profile: a JSON file, `builtin` or `unconfined` ('' = builtin). */
  seccompProfile: string;
  dns: string[];
  dnsSearch: string[];
  dnsOpts: string[];
  defaultAddressPools: { base: string; size: number }[];
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  shutdownTimeout: number;
}

export const DEFAULT_DATA_ROOT = '/var/lib/berth';
export const DEFAULT_EXEC_ROOT = '/run/berth';
export const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';

export function defaultConfig(): DaemonConfig {
  return {
    hosts: [],
    dataRoot: DEFAULT_DATA_ROOT,
    execRoot: DEFAULT_EXEC_ROOT,
    pidfile: '',
    configFile: DEFAULT_CONFIG_FILE,
    containerd: '',
    containerdNamespace: 'berth',
    debug: false,
    logLevel: 'info',
    defaultRuntime: 'runc',
    runtimes: {},
    tls: false,
    tlsVerify: false,
    tlsCaCert: '',
    tlsCert: '',
    tlsKey: '',
    bridge: '',
    bip: '',
    fixedCidr: '',
    mtu: 1500,
    iptables: true,
    ipForward: true,
    ipMasq: true,
    icc: true,
    defaultBindIp: '0.0.0.0',
    iptablesChainPrefix: 'BERTH',
    userlandProxy: true,
    insecureRegistries: [],
    registryMirrors: [],
    storageDriver: 'overlay2',
    logDriver: 'json-file',
    logOpts: {},
    labels: [],
    experimental: false,
    liveRestore: false,
    init: false,
    initPath: '',
    usernsRemap: '',
    seccompProfile: '',
    dns: [],
    dnsSearch: [],
    dnsOpts: [],
    defaultAddressPools: [],
    maxConcurrentDownloads: 3,
    maxConcurrentUploads: 5,
    shutdownTimeout: 15,
  };
}

type Kind = 'string' | 'bool' | 'int' | 'list' | 'map' | 'json';
interface Option {
  key: string;
  prop: keyof DaemonConfig;
  kind: Kind;
  short?: string;
  /** Flag name when it differs from the daemon.json key (dockerd: -H/--host vs "hosts"). */
  flag?: string;
  /** Only in daemon.json (no flag), e.g. "runtimes". */
  fileOnly?: boolean;
}

const OPTIONS: Option[] = [
  { key: 'hosts', flag: 'host', short: 'H', prop: 'hosts', kind: 'list' },
  { key: 'data-root', prop: 'dataRoot', kind: 'string' },
  { key: 'exec-root', prop: 'execRoot', kind: 'string' },
  { key: 'pidfile', short: 'p', prop: 'pidfile', kind: 'string' },
  { key: 'containerd', prop: 'containerd', kind: 'string' },
  { key: 'containerd-namespace', prop: 'containerdNamespace', kind: 'string' },
  { key: 'debug', short: 'D', prop: 'debug', kind: 'bool' },
  { key: 'log-level', short: 'l', prop: 'logLevel', kind: 'string' },
  { key: 'default-runtime', prop: 'defaultRuntime', kind: 'string' },
  { key: 'runtimes', prop: 'runtimes', kind: 'json', fileOnly: true },
  { key: 'tls', prop: 'tls', kind: 'bool' },
  { key: 'tlsverify', prop: 'tlsVerify', kind: 'bool' },
  { key: 'tlscacert', prop: 'tlsCaCert', kind: 'string' },
  { key: 'tlscert', prop: 'tlsCert', kind: 'string' },
  { key: 'tlskey', prop: 'tlsKey', kind: 'string' },
  { key: 'bridge', short: 'b', prop: 'bridge', kind: 'string' },
  { key: 'bip', prop: 'bip', kind: 'string' },
  { key: 'fixed-cidr', prop: 'fixedCidr', kind: 'string' },
  { key: 'mtu', prop: 'mtu', kind: 'int' },
  { key: 'iptables', prop: 'iptables', kind: 'bool' },
  { key: 'ip-forward', prop: 'ipForward', kind: 'bool' },
  { key: 'ip-masq', prop: 'ipMasq', kind: 'bool' },
  { key: 'icc', prop: 'icc', kind: 'bool' },
  { key: 'ip', prop: 'defaultBindIp', kind: 'string' },
  { key: 'iptables-chain-prefix', prop: 'iptablesChainPrefix', kind: 'string' },
  { key: 'userland-proxy', prop: 'userlandProxy', kind: 'bool' },
  { key: 'insecure-registries', flag: 'insecure-registry', prop: 'insecureRegistries', kind: 'list' },
  { key: 'registry-mirrors', flag: 'registry-mirror', prop: 'registryMirrors', kind: 'list' },
  { key: 'storage-driver', short: 's', prop: 'storageDriver', kind: 'string' },
  { key: 'log-driver', prop: 'logDriver', kind: 'string' },
  { key: 'log-opts', flag: 'log-opt', prop: 'logOpts', kind: 'map' },
  { key: 'labels', flag: 'label', prop: 'labels', kind: 'list' },
  { key: 'experimental', prop: 'experimental', kind: 'bool' },
  { key: 'live-restore', prop: 'liveRestore', kind: 'bool' },
  { key: 'init', prop: 'init', kind: 'bool' },
  { key: 'init-path', prop: 'initPath', kind: 'string' },
  { key: 'userns-remap', prop: 'usernsRemap', kind: 'string' },
  { key: 'seccomp-profile', prop: 'seccompProfile', kind: 'string' },
  { key: 'dns', prop: 'dns', kind: 'list' },
  { key: 'dns-search', prop: 'dnsSearch', kind: 'list' },
  { key: 'dns-opts', flag: 'dns-opt', prop: 'dnsOpts', kind: 'list' },
  { key: 'default-address-pools', prop: 'defaultAddressPools', kind: 'json', fileOnly: true },
  { key: 'max-concurrent-downloads', prop: 'maxConcurrentDownloads', kind: 'int' },
  { key: 'max-concurrent-uploads', prop: 'maxConcurrentUploads', kind: 'int' },
  { key: 'shutdown-timeout', prop: 'shutdownTimeout', kind: 'int' },
];

export interface ParsedFlags {
  /** Values given on the command line, as DaemonConfig properties. */
  values: Partial<DaemonConfig>;
  configFile?: string;
  help: boolean;
  version: boolean;
  validate: boolean;
}

export const USAGE = `Usage:	berthd [OPTIONS]

A self-sufficient runtime for containers (Docker Engine API on containerd).

Options:
${OPTIONS.filter((o) => !o.fileOnly)
  .map((o) => `  ${o.short ? `-${o.short}, ` : '    '}--${o.flag ?? o.key}${o.kind === 'bool' ? '' : ' ' + o.kind}`)
  .join('\n')}
      --config-file string    Daemon configuration file (default "${DEFAULT_CONFIG_FILE}")
      --validate              Validate daemon configuration and exit
  -v, --version               Print version information and quit
  -h, --help                  Print usage
`;

function convertFlag(o: Option, raw: unknown): unknown {
  const name = `--${o.flag ?? o.key}`;
  switch (o.kind) {
    case 'bool':
      return raw;
    case 'string':
      return raw;
    case 'int': {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw invalidParameter(`invalid argument "${raw}" for "${name}" flag: parse error`);
      return n;
    }
    case 'list':
      return raw;
    case 'map': {
      const out: Record<string, string> = {};
      for (const kv of raw as string[]) {
        const i = kv.indexOf('=');
        if (i <= 0) throw invalidParameter(`invalid argument "${kv}" for "${name}" flag: expected key=value`);
        out[kv.slice(0, i)] = kv.slice(i + 1);
      }
      return out;
    }
    default:
      return raw;
  }
}

/** Parses dockerd-style flags; throws invalidParameter with pflag's wording on unknown flags. */
export function parseFlags(argv: string[]): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    'config-file': { type: 'string' },
    validate: { type: 'boolean' },
    version: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const o of OPTIONS) {
    if (o.fileOnly) continue;
    options[o.flag ?? o.key] = {
      type: o.kind === 'bool' ? 'boolean' : 'string',
      ...(o.short ? { short: o.short } : {}),
      ...(o.kind === 'list' || o.kind === 'map' ? { multiple: true } : {}),
    };
  }
  // pflag accepts --flag=false for booleans; util.parseArgs does not, so rewrite those first.
  const negated = new Set<string>();
  const args: string[] = [];
  for (const a of argv) {
    const m = /^--([a-z-]+)=(true|false|1|0)$/i.exec(a);
    if (m && options[m[1]!]?.type === 'boolean') {
      if (/^(false|0)$/i.test(m[2]!)) negated.add(m[1]!);
      else args.push(`--${m[1]}`);
    } else args.push(a);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    const msg = (e as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) {
      const f = unknown[1]!;
      throw invalidParameter(f.startsWith('--') ? `unknown flag: ${f}` : `unknown shorthand flag: '${f.slice(1)}' in ${f}`);
    }
    const missing = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(msg);
    if (missing) throw invalidParameter(`flag needs an argument: ${missing[1]}`);
    throw invalidParameter(msg);
  }
  if (parsed.positionals.length > 0) {
    throw invalidParameter(`berthd: "${parsed.positionals[0]}" is not a berthd command.\nSee 'berthd --help'`);
  }
  const v = parsed.values as Record<string, unknown>;
  const values: Partial<DaemonConfig> = {};
  for (const o of OPTIONS) {
    if (o.fileOnly) continue;
    const name = o.flag ?? o.key;
    if (negated.has(name)) (values as Record<string, unknown>)[o.prop] = false;
    else if (v[name] !== undefined) (values as Record<string, unknown>)[o.prop] = convertFlag(o, v[name]);
  }
  return {
    values,
    configFile: v['config-file'] as string | undefined,
    help: Boolean(v['help']),
    version: Boolean(v['version']),
    validate: Boolean(v['validate']),
  };
}

function fileValue(o: Option, raw: unknown, file: string): unknown {
  const bad = (want: string) =>
    invalidParameter(`unable to configure the Docker daemon with file ${file}: invalid value for "${o.key}": expected ${want}`);
  switch (o.kind) {
    case 'bool':
      if (typeof raw !== 'boolean') throw bad('a boolean');
      return raw;
    case 'string':
      if (typeof raw !== 'string') throw bad('a string');
      return raw;
    case 'int':
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw bad('an integer');
      return raw;
    case 'list':
      if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string')) throw bad('a list of strings');
      return raw;
    case 'map':
      if (!raw || typeof raw !== 'object' || Array.isArray(raw) || Object.values(raw).some((x) => typeof x !== 'string')) {
        throw bad('an object of strings');
      }
      return raw;
    case 'json':
      if (o.key === 'runtimes') {
        if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad('an object');
        for (const [name, r] of Object.entries(raw as Record<string, unknown>)) {
          if (!r || typeof (r as RuntimeConfig).path !== 'string') throw bad(`a path for runtime "${name}"`);
        }
      }
      if (o.key === 'default-address-pools') {
        if (!Array.isArray(raw) || raw.some((p) => typeof p?.base !== 'string' || typeof p?.size !== 'number')) {
          throw bad('a list of {"base","size"}');
        }
      }
      return raw;
  }
}

/** Parses daemon.json text. Unknown keys and wrong types fail with the key named. */
export function parseConfigFile(text: string, file: string): Partial<DaemonConfig> {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw invalidParameter(`unable to configure the Docker daemon with file ${file}: ${(e as Error).message}`, e);
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    throw invalidParameter(`unable to configure the Docker daemon with file ${file}: the file must hold a JSON object`);
  }
  const byKey = new Map(OPTIONS.map((o) => [o.key, o]));
  const unknown = Object.keys(obj).filter((k) => !byKey.has(k));
  if (unknown.length > 0) {
    throw invalidParameter(
      `unable to configure the Docker daemon with file ${file}: the following directives don't match any configuration option: ${unknown.join(', ')}`,
    );
  }
  const out: Partial<DaemonConfig> = {};
  for (const [k, raw] of Object.entries(obj as Record<string, unknown>)) {
    const o = byKey.get(k)!;
    (out as Record<string, unknown>)[o.prop] = fileValue(o, raw, file);
  }
  return out;
}

const HOST_RE = /^(unix:\/\/\/.+|tcp:\/\/[^/]*:\d+|tcp:\/\/[^/:]+|fd:\/\/.*)$/;

/** Normalises a -H value as dockerd does (tcp://host → :2375, or :2376 with TLS). */
export function normalizeHost(h: string, tls: boolean): string {
  const s = h.trim();
  if (s.startsWith('/')) return `unix://${s}`;
  if (/^tcp:\/\/[^/:]*$/.test(s)) return `${s}:${tls ? 2376 : 2375}`.replace('tcp://:', 'tcp://0.0.0.0:');
  if (/^tcp:\/\/:\d+$/.test(s)) return s.replace('tcp://:', 'tcp://0.0.0.0:');
  return s;
}

/** Checks the merged config; throws invalidParameter naming the offending key. */
export function validateConfig(c: DaemonConfig): void {
  for (const h of c.hosts) {
    if (!HOST_RE.test(h)) throw invalidParameter(`invalid value for "hosts": ${h}: invalid bind address format`);
  }
  try {
    parseLevel(c.logLevel);
  } catch {
    throw invalidParameter(`invalid value for "log-level": unable to parse logging level: ${c.logLevel}`);
  }
  if (c.tlsVerify && (!c.tlsCaCert || !c.tlsCert || !c.tlsKey)) {
    throw invalidParameter('invalid value for "tlsverify": requires "tlscacert", "tlscert" and "tlskey"');
  }
  if (c.tls && (!c.tlsCert || !c.tlsKey)) {
    throw invalidParameter('invalid value for "tls": requires "tlscert" and "tlskey"');
  }
  if (c.defaultRuntime !== 'runc' && c.defaultRuntime !== 'io.containerd.runc.v2' && !(c.defaultRuntime in c.runtimes)) {
    throw invalidParameter(`invalid value for "default-runtime": runtime "${c.defaultRuntime}" is not configured`);
  }
  if (c.storageDriver !== 'overlay2' && c.storageDriver !== 'overlayfs') {
    throw invalidParameter(`invalid value for "storage-driver": ${c.storageDriver} is not supported (overlay2 is)`);
  }
  for (const k of ['maxConcurrentDownloads', 'maxConcurrentUploads', 'mtu'] as const) {
    if (c[k] <= 0) throw invalidParameter(`invalid value for "${k}": must be positive`);
  }
  const cidr = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
  if (c.bip && !cidr.test(c.bip)) throw invalidParameter(`invalid value for "bip": ${c.bip}: invalid CIDR address`);
  if (c.fixedCidr && !cidr.test(c.fixedCidr)) throw invalidParameter(`invalid value for "fixed-cidr": ${c.fixedCidr}: invalid CIDR address`);
  if (!isIP(c.defaultBindIp)) throw invalidParameter(`invalid value for "ip": ${c.defaultBindIp}: invalid IP address`);
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(c.bridge || 'berth0')) throw invalidParameter(`invalid value for "bridge": ${c.bridge}`);
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,15}$/.test(c.iptablesChainPrefix)) {
    throw invalidParameter(`invalid value for "iptables-chain-prefix": ${c.iptablesChainPrefix}`);
  }
}

export interface LoadOptions {
  readFile?: (path: string) => string | undefined;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * defaults < daemon.json < flags. A config file named explicitly must exist; the default one
 * may be absent.
 */
export function loadConfig(flags: ParsedFlags, opts: LoadOptions = {}): DaemonConfig {
  const read = opts.readFile ?? readIfExists;
  const c = defaultConfig();
  const file = flags.configFile ?? DEFAULT_CONFIG_FILE;
  c.configFile = file;
  const text = read(file);
  if (text === undefined && flags.configFile !== undefined) {
    throw invalidParameter(`unable to configure the Docker daemon with file ${file}: open ${file}: no such file or directory`);
  }
  const fromFile = text !== undefined ? parseConfigFile(text, file) : {};
  Object.assign(c, fromFile, flags.values);
  if (c.debug && flags.values.logLevel === undefined && fromFile.logLevel === undefined) c.logLevel = 'debug';
  if (c.tlsVerify) c.tls = true;
  if (c.hosts.length === 0) c.hosts = [`unix://${join(c.execRoot, 'berth.sock')}`];
  c.hosts = c.hosts.map((h) => normalizeHost(h, c.tls));
  if (!c.pidfile) c.pidfile = join(c.execRoot, 'berthd.pid');
  validateConfig(c);
  return c;
}
