/**
 * The device-shaped values of create and run (docker/cli opts): blkio throttles and weights
 * (`--device-read-bps /dev/sda:1mb`, `--blkio-weight-device`) and `--gpus` requests.
 */
import { ValueError, kvMap, parseUint, ramInBytes, readCsvLine } from './values.js';

export interface ThrottleDevice {
  Path: string;
  Rate: number;
}

export interface WeightDevice {
  Path: string;
  Weight: number;
}

function devicePair(val: string): [string, string] {
  const i = val.indexOf(':');
  const k = i < 0 ? '' : val.slice(0, i);
  if (i < 0 || k === '') throw new ValueError(`bad format: ${val}`);
  if (!k.startsWith('/dev/')) throw new ValueError(`bad format for device path: ${val}`);
  return [k, val.slice(i + 1)];
}

/** opts.ValidateThrottleBpsDevice: `/dev/x:rate` with a RAM unit. */
export function parseThrottleBps(val: string): ThrottleDevice {
  const [k, v] = devicePair(val);
  let rate: number;
  try {
    rate = ramInBytes(v);
  } catch {
    throw new ValueError(
      `invalid rate for device: ${val}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`,
    );
  }
  return { Path: k, Rate: rate };
}

/** opts.ValidateThrottleIOpsDevice: `/dev/x:count`. */
export function parseThrottleIOps(val: string): ThrottleDevice {
  const [k, v] = devicePair(val);
  try {
    return { Path: k, Rate: parseUint(v, 64) };
  } catch {
    throw new ValueError(`invalid rate for device: ${val}. The correct format is <device-path>:<number>. Number must be a positive integer`);
  }
}

/** opts.ValidateWeightDevice: `/dev/x:weight` (10..1000, or 0). */
export function parseWeightDevice(val: string): WeightDevice {
  const [k, v] = devicePair(val);
  let w: number;
  try {
    w = parseUint(v, 16);
  } catch {
    throw new ValueError(`invalid weight for device: ${val}`);
  }
  if (w > 0 && (w < 10 || w > 1000)) throw new ValueError(`invalid weight for device: ${val}`);
  return { Path: k, Weight: w };
}

export interface DeviceRequest {
  Driver: string;
  Count: number;
  DeviceIDs: string[] | null;
  Capabilities: string[][] | null;
  Options: Map<string, string> | null;
}

function parseGpuCount(s: string): number {
  if (s === 'all') return -1;
  if (!/^[+-]?\d+$/.test(s)) throw new ValueError(`invalid count (${s}): value must be either "all" or an integer: invalid syntax`);
  return Number(s);
}

/** opts.GpuOpts.Set: `all`, `2`, `"device=0,1"`, `driver=x,capabilities=...`. */
export function parseGpuRequest(value: string): DeviceRequest {
  const fields = readCsvLine(value);
  const req: DeviceRequest = { Driver: '', Count: 0, DeviceIDs: null, Capabilities: null, Options: null };
  const seen = new Set<string>();
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = eq < 0 ? field : field.slice(0, eq);
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (seen.has(key)) throw new ValueError(`gpu request key '${key}' can be specified only once`);
    seen.add(key);
    if (eq < 0) {
      seen.add('count');
      req.Count = parseGpuCount(key);
      continue;
    }
    switch (key) {
      case 'driver':
        req.Driver = val;
        break;
      case 'count':
        req.Count = parseGpuCount(val);
        break;
      case 'device':
        req.DeviceIDs = val.split(',');
        break;
      case 'capabilities':
        req.Capabilities = [[...val.split(','), 'gpu']];
        break;
      case 'options':
        req.Options = kvMap(readCsvLine(val));
        break;
      default:
        throw new ValueError(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!seen.has('count') && req.DeviceIDs === null) req.Count = 1;
  req.Options ??= new Map();
  req.Capabilities ??= [['gpu']];
  return req;
}

