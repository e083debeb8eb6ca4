/**
 * Volumes and mounts as docker's CLI parses them:
 *
 *   parseVolume   compose loader.ParseVolume, used to sort `-v` values into anonymous volumes
 *                 (Config.Volumes) and binds/named volumes (HostConfig.Binds)
 *   parseMount    opts.MountOpt.Set, one `--mount type=...,source=...,target=...` value
 *
 * Relative bind sources that start with "." are made absolute against the working directory,
 * as docker does.
 */
import { isAbsolute, resolve } from 'node:path';
import { parseUint, ramInBytes, readCsvLine, ValueError } from './values.js';

export interface VolumeSpec {
  type: 'bind' | 'volume';
  source: string;
  target: string;
}

const isWindowsDrive = (buffer: string, ch: string) => ch === ':' && buffer.length === 1 && /\p{L}/u.test(buffer);

function isFilePath(source: string): boolean {
  if ('./~'.includes(source[0]!)) return true;
  const chars = [...source];
  if (chars.length === 1) return false;
  if (source.startsWith('\\\\')) return true;
  return isWindowsDrive(chars[0]!, source[chars[0]!.length]!);
}

/** loader.ParseVolume (only what the CLI uses: source, target and type). */
export function parseVolume(spec: string): VolumeSpec {
  const chars = [...spec];
  if (spec.length === 0) throw new ValueError('invalid empty volume spec');
  if (spec.length <= 2) return { type: 'volume', source: '', target: spec };
  let source = '';
  let target = '';
  let buffer = '';
  const END = '\u0000';
  const typeOf = (): 'bind' | 'volume' => (source === '' ? 'volume' : isFilePath(source) ? 'bind' : 'volume');
  for (const ch of [...chars, END]) {
    if (isWindowsDrive(buffer, ch)) {
      buffer += ch;
    } else if (ch === ':' || ch === END) {
      if (buffer.length === 0) throw new ValueError(`invalid spec: ${spec}: empty section between colons`);
      if (source === '' && ch === END) target = buffer;
      else if (source === '') source = buffer;
      else if (target === '') target = buffer;
      else if (ch === ':') throw new ValueError(`invalid spec: ${spec}: too many colons`);
      buffer = '';
    } else buffer += ch;
  }
  return { type: typeOf(), source, target };
}

/** Makes a "."-relative bind source absolute, as the CLI does before sending it. */
export function absBindSource(bind: string): string {
  const i = bind.indexOf(':');
  if (i < 0) return bind;
  const host = bind.slice(0, i);
  if (!isAbsolute(host) && host.startsWith('.')) return resolve(host) + bind.slice(i);
  return bind;
}

/** mount.Mount in the order (and with the omitempty fields) of its Go struct. */
export interface MountValue {
  Type: string;
  Source: string;
  Target: string;
  ReadOnly: boolean;
  Consistency: string;
  BindOptions: { Propagation: string; NonRecursive: boolean; CreateMountpoint: boolean; ReadOnlyNonRecursive: boolean; ReadOnlyForceRecursive: boolean } | null;
  VolumeOptions: { NoCopy: boolean; Labels: Map<string, string>; Subpath: string; DriverConfig: { Name: string; Options: Map<string, string> | null } | null } | null;
  ImageOptions: { Subpath: string } | null;
  TmpfsOptions: { SizeBytes: number; Mode: number } | null;
}

function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** opts.MountOpt.Set. `warn` receives logrus warnings (bind-nonrecursive is deprecated). */
export function parseMount(value: string, warn?: (msg: string) => void): MountValue {
  const fields = readCsvLine(value);
  const m: MountValue = {
    Type: 'volume',
    Source: '',
    Target: '',
    ReadOnly: false,
    Consistency: '',
    BindOptions: null,
    VolumeOptions: null,
    ImageOptions: null,
    TmpfsOptions: null,
  };
  const volumeOptions = () => {
    m.VolumeOptions ??= { NoCopy: false, Labels: new Map(), Subpath: '', DriverConfig: null };
    m.VolumeOptions.DriverConfig ??= { Name: '', Options: null };
    return m.VolumeOptions;
  };
  const bindOptions = () =>
    (m.BindOptions ??= { Propagation: '', NonRecursive: false, CreateMountpoint: false, ReadOnlyNonRecursive: false, ReadOnlyForceRecursive: false });
  const tmpfsOptions = () => (m.TmpfsOptions ??= { SizeBytes: 0, Mode: 0 });
  const setOnMap = (target: Map<string, string>, v: string) => {
    const eq = v.indexOf('=');
    const k = eq < 0 ? v : v.slice(0, eq);
    if (k !== '') target.set(k, eq < 0 ? '' : v.slice(eq + 1));
  };
  const boolOf = (key: string, val: string, text = `invalid value for ${key}: ${val}`) => {
    const b = parseGoBool(val);
    if (b === undefined) throw new ValueError(text);
    return b;
  };
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      switch (key) {
        case 'readonly':
        case 'ro':
          m.ReadOnly = true;
          continue;
        case 'volume-nocopy':
          volumeOptions().NoCopy = true;
          continue;
        case 'bind-nonrecursive':
          bindOptions().NonRecursive = true;
          continue;
        default:
          throw new ValueError(`invalid field '${field}' must be a key=value pair`);
      }
    }
    switch (key) {
      case 'type':
        m.Type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        m.Source = !isAbsolute(val) && val.startsWith('.') ? resolve(val) : val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = boolOf(key, val);
        break;
      case 'consistency':
        m.Consistency = val.toLowerCase();
        break;
      case 'bind-propagation':
        bindOptions().Propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        bindOptions().NonRecursive = boolOf(key, val);
        warn?.('bind-nonrecursive is deprecated, use bind-recursive=disabled instead');
        break;
      case 'bind-recursive':
        switch (val) {
          case 'enabled':
            break;
          case 'disabled':
            bindOptions().NonRecursive = true;
            break;
          case 'writable':
            bindOptions().ReadOnlyNonRecursive = true;
            break;
          case 'readonly':
            bindOptions().ReadOnlyForceRecursive = true;
            break;
          default:
            throw new ValueError(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        }
        break;
      case 'volume-subpath':
        volumeOptions().Subpath = val;
        break;
      case 'volume-nocopy':
        volumeOptions().NoCopy = boolOf(key, val, `invalid value for volume-nocopy: ${val}`);
        break;
      case 'volume-label':
        setOnMap(volumeOptions().Labels, val);
        break;
      case 'volume-driver':
        volumeOptions().DriverConfig!.Name = val;
        break;
      case 'volume-opt': {
        const d = volumeOptions().DriverConfig!;
        d.Options ??= new Map();
        setOnMap(d.Options, val);
        break;
      }
      case 'image-subpath':
        (m.ImageOptions ??= { Subpath: '' }).Subpath = val;
        break;
      case 'tmpfs-size':
        try {
          tmpfsOptions().SizeBytes = ramInBytes(val);
        } catch {
          throw new ValueError(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode':
        try {
          if (!/^[0-7]+$/.test(val)) throw new Error();
          const mode = parseInt(val, 8);
          parseUint(String(mode), 32);
          tmpfsOptions().Mode = mode;
        } catch {
          throw new ValueError(`invalid value for ${key}: ${val}`);
        }
        break;
      default:
        throw new ValueError(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (m.Type === '') throw new ValueError('type is required');
  if (m.Target === '') throw new ValueError('target is required');
  if (m.VolumeOptions && m.Type !== 'volume') throw new ValueError(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.ImageOptions && m.Type !== 'image') throw new ValueError(`cannot mix 'image-*' options with mount type '${m.Type}'`);
  if (m.BindOptions && m.Type !== 'bind') throw new ValueError(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions && m.Type !== 'tmpfs') throw new ValueError(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  if (m.BindOptions?.ReadOnlyNonRecursive && !m.ReadOnly) {
    throw new ValueError("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  }
  if (m.BindOptions?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly) throw new ValueError("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (m.BindOptions.Propagation !== 'rprivate') {
      throw new ValueError("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
    }
  }
  return m;
}
