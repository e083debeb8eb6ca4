/**
 * `--platform` values as docker's CLI reads them (containerd/platforms.Parse + Normalize) and
 * sends them (the client's encodePlatform: the OCI platform as JSON), plus the client's API
 * version gate for options newer than the daemon (client.NewVersionError).
 */
import { versionLessThan } from '../api/types/index.js';
import type { Cli } from './cli.js';
import { CliError } from './command.js';

export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  variant?: string;
}

const SPECIFIER_RE = /^[A-Za-z0-9_.-]+$/;
const OS_AND_VERSION_RE = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?$/;
const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'windows', 'zos']);
const KNOWN_ARCH = new Set(['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm']);

/** Go's GOOS/GOARCH of this process. */
export function hostPlatform(): { os: string; arch: string } {
  const archs: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  return { os: process.platform === 'win32' ? 'windows' : process.platform, arch: archs[process.arch] ?? process.arch };
}

function normalizeOS(os: string): string {
  if (os === '') return hostPlatform().os;
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

function normalizeArch(arch: string, variant: string): [string, string] {
  arch = arch.toLowerCase();
  variant = variant.toLowerCase();
  switch (arch) {
    case 'i386':
      return ['386', ''];
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return ['amd64', variant === 'v1' ? '' : variant];
    case 'aarch64':
    case 'arm64':
      if (['8', 'v8', 'v8.0'].includes(variant)) variant = '';
      else if (['9', '9.0', 'v9.0'].includes(variant)) variant = 'v9';
      return ['arm64', variant];
    case 'armhf':
      return ['arm', 'v7'];
    case 'armel':
      return ['arm', 'v6'];
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (['5', '6', '8'].includes(variant)) variant = 'v' + variant;
      return ['arm', variant];
    default:
      return [arch, variant];
  }
}

/** platforms.Parse: "linux", "linux/amd64", "linux/arm/v7", "arm64". Throws with containerd's wording. */
export function parsePlatform(specifier: string): Platform {
  const invalid = (msg: string) => new Error(`${msg}: invalid argument`);
  if (specifier.includes('*')) throw invalid(`${JSON.stringify(specifier)}: wildcards not yet supported`);
  const parts = specifier.split('/');
  const limited = parts.length > 4 ? [...parts.slice(0, 3), parts.slice(3).join('/')] : parts;
  const p: Platform = { architecture: '', os: '' };
  for (const [i, part] of limited.entries()) {
    if (i === 0) {
      const m = OS_AND_VERSION_RE.exec(part);
      if (!m) {
        throw invalid(
          `${JSON.stringify(part)} is an invalid OS component of ${JSON.stringify(specifier)}: OSAndVersion specifier component must match ${JSON.stringify(OS_AND_VERSION_RE.source)}`,
        );
      }
      p.os = normalizeOS(m[1]!);
      if (m[2]) p['os.version'] = m[2];
    } else if (!SPECIFIER_RE.test(part)) {
      throw invalid(
        `${JSON.stringify(part)} is an invalid component of ${JSON.stringify(specifier)}: platform specifier component must match ${JSON.stringify(SPECIFIER_RE.source)}`,
      );
    }
  }
  const setArch = (a: string, v: string) => {
    p.architecture = a;
    if (v) p.variant = v;
    else delete p.variant;
  };
  switch (limited.length) {
    case 1: {
      if (KNOWN_OS.has(p.os)) {
        p.architecture = hostPlatform().arch;
        return p;
      }
      let [a, v] = normalizeArch(limited[0]!, '');
      if (a === 'arm' && v === 'v7') v = '';
      if (KNOWN_ARCH.has(a)) {
        const q: Platform = { architecture: a, os: hostPlatform().os };
        if (v) q.variant = v;
        return q;
      }
      throw invalid(`${JSON.stringify(specifier)}: unknown operating system or architecture`);
    }
    case 2: {
      let [a, v] = normalizeArch(limited[1]!, '');
      if (a === 'arm' && v === 'v7') v = '';
      setArch(a, v);
      return p;
    }
    case 3: {
      let [a, v] = normalizeArch(limited[1]!, limited[2]!);
      if (a === 'arm64' && v === '') v = 'v8';
      setArch(a, v);
      return p;
    }
    default:
      throw invalid(`${JSON.stringify(specifier)}: cannot parse platform specifier`);
  }
}

/** The client's encodePlatform: the OCI platform as JSON, fields in ocispec order. */
export function encodePlatform(specifier: string, errorPrefix = ''): string {
  let p: Platform;
  try {
    p = parsePlatform(specifier);
  } catch (e) {
    throw new CliError(errorPrefix + (e as Error).message);
  }
  const ordered: Record<string, string> = { architecture: p.architecture, os: p.os };
  if (p['os.version']) ordered['os.version'] = p['os.version'];
  if (p.variant) ordered['variant'] = p.variant;
  return JSON.stringify(ordered);
}

/**
 * Fails when the negotiated API version is older than `required`, as docker's check of a flag's
 * "version" annotation before the command runs (and client.NewVersionError):
 * `"--platform" requires API version 1.48, but the Docker daemon API version is 1.41`.
 */
export async function requireApiVersion(cli: Cli, required: string, feature: string): Promise<void> {
  const version = await cli.client.apiVersion();
  if (versionLessThan(version, required)) {
    throw new CliError(`${JSON.stringify(feature)} requires API version ${required}, but the Docker daemon API version is ${version}`);
  }
}
