/** Platform naming and matching (containerd/platforms): normalise, format, parse, pick. */
import os from 'node:os';
import { invalidParameter } from '../lib/index.js';
import type { Platform } from './types.js';

export function normalizeArch(arch: string, variant = ''): { architecture: string; variant: string } {
  switch (arch.toLowerCase()) {
    case 'i386':
      return { architecture: '386', variant: '' };
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return { architecture: 'amd64', variant: variant === 'v1' ? '' : variant };
    case 'aarch64':
    case 'arm64':
      return { architecture: 'arm64', variant: variant === '8' || variant === 'v8' ? '' : variant };
    case 'armhf':
      return { architecture: 'arm', variant: 'v7' };
    case 'armel':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      return { architecture: 'arm', variant: variant === '' || variant === '7' ? 'v7' : /^\d$/.test(variant) ? `v${variant}` : variant };
    default:
      return { architecture: arch.toLowerCase(), variant };
  }
}

/** The platform of this host, e.g. linux/amd64. */
export function hostPlatform(): Platform {
  const { architecture, variant } = normalizeArch(os.arch() === 'x64' ? 'amd64' : os.arch() === 'ia32' ? '386' : os.arch());
  return variant ? { os: 'linux', architecture, variant } : { os: 'linux', architecture };
}

/** Parses `linux`, `linux/amd64`, `linux/arm/v7`, `amd64`. */
export function parsePlatform(s: string): Platform {
  const parts = s.toLowerCase().split('/');
  if (parts.length > 3 || parts.some((p) => p === '')) {
    throw invalidParameter(`"${s}": unknown operating system or architecture: invalid argument`);
  }
  const known = new Set(['linux', 'windows', 'darwin', 'freebsd']);
  let osName = parts[0]!;
  let arch = parts[1] ?? hostPlatform().architecture;
  if (parts.length === 1 && !known.has(osName)) {
    arch = osName;
    osName = 'linux';
  }
  if (!known.has(osName)) throw invalidParameter(`"${s}": unknown operating system or architecture: invalid argument`);
  const n = normalizeArch(arch, parts[2] ?? '');
  return n.variant ? { os: osName, architecture: n.architecture, variant: n.variant } : { os: osName, architecture: n.architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Whether an image for `have` runs on `want` (same os and arch; variant equal or unspecified). */
export function platformMatches(want: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  const w = normalizeArch(want.architecture, want.variant ?? '');
  const h = normalizeArch(have.architecture, have.variant ?? '');
  return want.os === have.os && w.architecture === h.architecture && (!w.variant || !h.variant || w.variant === h.variant);
}
