/**
 * Mount point resolution as the daemon parses it (moby volume/mounts linux_parser.go,
 * validate.go): HostConfig.Binds (`src:dst[:mode]`, `/dst`), HostConfig.Mounts (mount.Mount) and
 * HostConfig.VolumesFrom (`id[:ro|rw]`), each with Docker's validation and error wording.
 * Pure functions: whether a bind source exists is asked through `exists`.
 */
import { posix } from 'node:path';
import { invalidParameter } from '../lib/index.js';

/** mount.Mount as the API carries it (HostConfig.Mounts[]). */
export interface MountConfig {
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean; ReadOnlyNonRecursive?: boolean; ReadOnlyForceRecursive?: boolean } | null;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> | null; DriverConfig?: { Name?: string; Options?: Record<string, string> | null } | null; Subpath?: string } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] } | null;
  ImageOptions?: { Subpath?: string } | null;
  ClusterOptions?: unknown;
}

/** One resolved mount point (moby volume/mounts.MountPoint), before its volume is looked up. */
export interface ParsedMount {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Volume name ('' for an anonymous volume). */
  name: string;
  /** Bind: the host path. Volume: filled in once the volume exists. */
  source: string;
  destination: string;
  rw: boolean;
  mode: string;
  propagation: string;
  driver: string;
  copyData: boolean;
  /** The mount.Mount it came from (the one Binds imply, for `-v`). */
  spec: MountConfig;
  /** `--mount type=bind` without create-mountpoint: a missing source is an error at start too. */
  skipMountpointCreation?: boolean;
}

const RW_MODES = new Set(['rw', 'ro']);
const LABEL_MODES = new Set(['z', 'Z']);
const PROPAGATION_MODES = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared']);
const CONSISTENCY_MODES = new Set(['consistent', 'cached', 'delegated']);
const COPY_MODES: Record<string, boolean> = { nocopy: false };
const DEFAULT_PROPAGATION = 'rprivate';

export const errInvalidSpec = (spec: string) => `invalid volume specification: '${spec}'`;
export const errInvalidMode = (mode: string) => `invalid mode: ${mode}`;

/** moby linuxValidMountMode: each kind of mode at most once, nothing unknown. */
export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = { rw: 0, label: 0, prop: 0, copy: 0, cons: 0 };
  for (const o of mode.split(',')) {
    if (RW_MODES.has(o)) counts.rw++;
    else if (LABEL_MODES.has(o)) counts.label++;
    else if (PROPAGATION_MODES.has(o)) counts.prop++;
    else if (o in COPY_MODES) counts.copy++;
    else if (CONSISTENCY_MODES.has(o)) counts.cons++;
    else return false;
  }
  return Object.values(counts).every((c) => c <= 1);
}

function readWrite(mode: string): boolean {
  if (!validMountMode(mode)) return false;
  return !mode.split(',').includes('ro');
}

function propagationOf(mode: string): string | undefined {
  return mode.split(',').find((o) => PROPAGATION_MODES.has(o));
}

function copyModeOf(mode: string): boolean | undefined {
  for (const o of mode.split(',')) if (o in COPY_MODES) return COPY_MODES[o];
  return undefined;
}

const clean = (p: string) => posix.normalize(p.replaceAll('\\', '/')).replace(/(.)\/$/, '$1');

function configError(m: MountConfig, msg: string): Error {
  return invalidParameter(`invalid mount config for type ${JSON.stringify(m.Type)}: ${msg}`);
}

function validateNotRoot(p: string): string | undefined {
  return clean(p) === '/' ? "invalid specification: destination can't be '/'" : undefined;
}

function validateAbsolute(p: string): string | undefined {
  const s = p.replaceAll('\\', '/');
  return s.startsWith('/') ? undefined : `invalid mount path: '${s}' mount path must be absolute`;
}

/** moby ConvertTmpfsOptions' validation of TmpfsOptions.Options. */
function validateTmpfsOptions(raw: string[][] | undefined): string | undefined {
  for (const opt of raw ?? []) {
    if (opt.length < 1 || opt.length > 2) return 'invalid option array length';
    if (opt[0] !== 'exec' && opt[0] !== 'noexec') return `invalid option: ${opt[0]}`;
  }
  return undefined;
}

/**
 * moby validateMountConfigImpl. `exists` answers whether a bind source exists (only asked when
 * `checkSource`). Throws invalidParameter `invalid mount config for type "<t>": <why>`.
 */
export function validateMountConfig(m: MountConfig, checkSource: boolean, exists: (p: string) => boolean): void {
  const extra = (f: string) => configError(m, `field ${f} must not be specified`);
  if (m.Type !== 'bind' && m.BindOptions) throw extra('BindOptions');
  if (m.Type !== 'volume' && m.VolumeOptions) throw extra('VolumeOptions');
  if (m.Type !== 'image' && m.ImageOptions) throw extra('ImageOptions');
  if (m.Type !== 'tmpfs' && m.TmpfsOptions) throw extra('TmpfsOptions');
  if (m.Type !== 'cluster' && m.ClusterOptions) throw extra('ClusterOptions');
  if (!m.Target) throw configError(m, 'field Target must not be empty');
  const bad = validateNotRoot(m.Target) ?? validateAbsolute(m.Target);
  if (bad) throw configError(m, bad);
  switch (m.Type) {
    case 'bind': {
      if (!m.Source) throw configError(m, 'field Source must not be empty');
      const p = m.BindOptions?.Propagation;
      if (p && !PROPAGATION_MODES.has(p)) throw configError(m, `invalid propagation mode: ${p}`);
      const abs = validateAbsolute(m.Source);
      if (abs) throw configError(m, abs);
      if (checkSource && !exists(m.Source) && !m.BindOptions?.CreateMountpoint) {
        throw configError(m, `bind source path does not exist: ${m.Source}`);
      }
      break;
    }
    case 'volume': {
      const sub = m.VolumeOptions?.Subpath;
      if (sub) {
        if (!m.Source) throw configError(m, 'must not set Subpath when using anonymous volumes');
        throw configError(m, 'volume subpaths are not supported yet');
      }
      break;
    }
    case 'tmpfs': {
      if (m.Source) throw extra('Source');
      const bad = validateTmpfsOptions(m.TmpfsOptions?.Options);
      if (bad) throw configError(m, bad);
      break;
    }
    case 'image':
      throw configError(m, 'image mounts are not supported yet');
    default:
      throw configError(m, 'mount type unknown');
  }
}

/**
 * moby parseMountSpec: a validated mount.Mount as a mount point. Volumes copy the image's
 * content unless NoCopy; binds default to rprivate propagation.
 */
function fromSpec(m: MountConfig, checkSource: boolean, exists: (p: string) => boolean): ParsedMount {
  validateMountConfig(m, checkSource, exists);
  const mp: ParsedMount = {
    type: m.Type as ParsedMount['type'],
    name: '',
    source: '',
    destination: clean(m.Target),
    rw: !m.ReadOnly,
    mode: '',
    propagation: '',
    driver: '',
    copyData: false,
    spec: m,
  };
  if (m.Type === 'volume') {
    mp.name = m.Source ?? '';
    mp.copyData = true;
    mp.driver = m.VolumeOptions?.DriverConfig?.Name ?? '';
    if (m.VolumeOptions?.NoCopy) mp.copyData = false;
  } else if (m.Type === 'bind') {
    mp.source = clean(m.Source!);
    mp.propagation = m.BindOptions?.Propagation || DEFAULT_PROPAGATION;
  }
  return mp;
}

/** One HostConfig.Mounts entry (moby ParseMountSpec). */
export function parseMountSpec(m: MountConfig, exists: (p: string) => boolean): ParsedMount {
  const mp = fromSpec(m, true, exists);
  if (mp.type === 'bind' && !m.BindOptions?.CreateMountpoint) mp.skipMountpointCreation = true;
  return mp;
}

/**
 * One HostConfig.Binds entry (moby ParseMountRaw): `dst`, `src:dst` or `src:dst:mode`; an
 * absolute src is a bind, anything else names a volume. Throws invalidParameter
 * `invalid volume specification: '<raw>'` (with the reason after it when there is one).
 */
export function parseBind(raw: string, volumeDriver = ''): ParsedMount {
  const arr = splitN(raw, ':', 4);
  if (arr[0] === '') throw invalidParameter(errInvalidSpec(raw));
  const spec: MountConfig = { Type: 'volume', Target: '' };
  let mode = '';
  switch (arr.length) {
    case 1:
      spec.Target = arr[0]!;
      break;
    case 2:
      if (validMountMode(arr[1]!)) throw invalidParameter(errInvalidSpec(raw));
      spec.Source = arr[0]!;
      spec.Target = arr[1]!;
      break;
    case 3:
      spec.Source = arr[0]!;
      spec.Target = arr[1]!;
      mode = arr[2]!;
      break;
    default:
      throw invalidParameter(errInvalidSpec(raw));
  }
  if (!validMountMode(mode)) throw invalidParameter(errInvalidMode(mode));
  spec.Type = spec.Source?.startsWith('/') ? 'bind' : 'volume';
  spec.ReadOnly = !readWrite(mode);
  if (volumeDriver && spec.Type === 'volume') spec.VolumeOptions = { DriverConfig: { Name: volumeDriver } };
  const copy = copyModeOf(mode);
  if (copy !== undefined) {
    spec.VolumeOptions ??= {};
    spec.VolumeOptions.NoCopy = !copy;
  }
  const prop = propagationOf(mode);
  if (prop) spec.BindOptions = { Propagation: prop };
  try {
    const mp = fromSpec(spec, false, () => true);
    mp.mode = mode;
    return mp;
  } catch (e) {
    throw invalidParameter(`${errInvalidSpec(raw)}: ${(e as Error).message}`, e);
  }
}

/** moby ParseVolumesFrom: `id[:mode]`, mode rw by default; propagation and copy modes refused. */
export function parseVolumesFrom(spec: string): { id: string; mode: string } {
  if (spec === '') throw invalidParameter('volumes-from specification cannot be an empty string');
  const i = spec.indexOf(':');
  const id = i < 0 ? spec : spec.slice(0, i);
  const mode = i < 0 ? '' : spec.slice(i + 1);
  if (mode === '') return { id, mode: 'rw' };
  if (!validMountMode(mode) || propagationOf(mode) || copyModeOf(mode) !== undefined) throw invalidParameter(errInvalidMode(mode));
  return { id, mode };
}

/** Whether a `--volumes-from` mode keeps the mounts writable. */
export const volumesFromRW = readWrite;

/** moby ValidateTmpfsMountDestination for HostConfig.Tmpfs keys. */
export function validateTmpfsDestination(dest: string): void {
  const bad = validateNotRoot(dest) ?? validateAbsolute(dest);
  if (bad) throw invalidParameter(bad);
}

/** `Duplicate mount point: <dst>` (moby errors.go). */
export const duplicateMountPoint = (dest: string) => invalidParameter(`Duplicate mount point: ${dest}`);

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}
