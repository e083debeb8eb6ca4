/**
 * `--device` values as docker's CLI checks them for a Linux daemon (validateLinuxPath,
 * parseLinuxDevice): `host[:container][:rwm]`, and CDI names (`vendor.com/class=name`) that
 * become a DeviceRequest for the "cdi" driver instead.
 */
import { ParseError } from './model.js';

function validDeviceMode(mode: string): boolean {
  if (mode === '') return false;
  const legal: Record<string, boolean> = { r: true, w: true, m: true };
  for (const c of mode) {
    if (!legal[c]) return false;
    legal[c] = false;
  }
  return true;
}

/** path.Clean for the container side of a device. */
function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const s = (rooted ? '/' : '') + out.join('/');
  return s === '' ? (rooted ? '/' : '.') : s;
}

/** validateLinuxPath for --device: `host[:container][:mode]`. */
export function validateDevice(val: string, serverOS: string): string {
  if (serverOS === 'windows') return val;
  if (serverOS !== 'linux') throw new ParseError(`unknown server OS: ${serverOS}`);
  if (val.split(':').length - 1 > 2) throw new ParseError(`bad format for path: ${val}`);
  const split = val.split(':');
  if (split[0] === '') throw new ParseError(`bad format for path: ${val}`);
  let containerPath: string;
  switch (split.length) {
    case 1:
      containerPath = split[0]!;
      val = cleanPath(containerPath);
      break;
    case 2:
      if (validDeviceMode(split[1]!)) {
        containerPath = split[0]!;
        val = `${cleanPath(containerPath)}:${split[1]}`;
      } else {
        containerPath = split[1]!;
        val = `${split[0]}:${cleanPath(containerPath)}`;
      }
      break;
    default:
      containerPath = split[1]!;
      if (!validDeviceMode(split[2]!)) throw new ParseError(`bad mode specified: ${split[2]}`);
      val = `${split[0]}:${containerPath}:${split[2]}`;
  }
  if (!containerPath.startsWith('/')) throw new ParseError(`${containerPath} is not an absolute path`);
  return val;
}

/** parseLinuxDevice. */
export function parseDevice(device: string, serverOS: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  if (serverOS === 'windows') return { PathOnHost: device, PathInContainer: '', CgroupPermissions: '' };
  const arr = device.split(':');
  let src = '';
  let dst = '';
  let permissions = 'rwm';
  if (arr.length > 3) throw new ParseError(`invalid device specification: ${device}`);
  if (arr.length === 3) permissions = arr[2]!;
  if (arr.length >= 2) {
    if (validDeviceMode(arr[1]!)) permissions = arr[1]!;
    else dst = arr[1]!;
  }
  src = arr[0]!;
  return { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: permissions };
}

/** cdi.IsQualifiedName: `vendor.com/class=name`. */
export function isCdiName(device: string): boolean {
  if (device === '' || device[0] === '/') return false;
  const eq = device.indexOf('=');
  if (eq <= 0 || eq === device.length - 1) return false;
  const qualifier = device.slice(0, eq);
  const name = device.slice(eq + 1);
  const slash = qualifier.indexOf('/');
  if (slash <= 0) return false;
  const vendor = qualifier.slice(0, slash);
  const cls = qualifier.slice(slash + 1);
  const okVendorOrClass = (s: string) => /^[A-Za-z][A-Za-z0-9_.-]*$/.test(s) && /[A-Za-z0-9]$/.test(s);
  const okName = /^[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$/.test(name);
  return okVendorOrClass(vendor) && okVendorOrClass(cls.replace(/\./g, '_')) && okName;
}
