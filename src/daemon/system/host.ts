/**
 * Facts about the host that /info and /version report, read from /proc, /sys and the tools'
 * own --version output. Gathered once at startup (probeHost) except for the live figures.
 */
import { promises as fs, readdirSync, statfsSync } from 'node:fs';
import os from 'node:os';
import type { Ctx, Exec } from '../../lib/index.js';

export interface ToolVersion {
  /** What the component reports as its version ("1.1.5+ds1"). */
  version: string;
  /** Its commit line, or the version when it has none. */
  commit: string;
}

export interface HostFacts {
  kernelVersion: string;
  operatingSystem: string;
  osVersion: string;
  architecture: string;
  ncpu: number;
  memTotal: number;
  hostname: string;
  cgroupVersion: '1' | '2';
  backingFilesystem: string;
  runc: ToolVersion | undefined;
  init: ToolVersion | undefined;
}

/** Parses `runc --version` output: "runc version X\ncommit: Y\n...". */
export function parseRuncVersion(out: string): ToolVersion | undefined {
  const v = /^runc version (\S+)/m.exec(out);
  if (!v) return undefined;
  const c = /^commit: (\S+)/m.exec(out);
  return { version: v[1]!, commit: c ? c[1]! : v[1]! };
}

/** Parses `tini --version` output: "tini version 0.19.0 - git.de40ad0". */
export function parseTiniVersion(out: string): ToolVersion | undefined {
  const v = /^tini version (\S+)(?: - git\.(\S+))?/m.exec(out);
  if (!v) return undefined;
  return { version: v[1]!, commit: v[2] ?? '' };
}

/** Parses /etc/os-release into PRETTY_NAME and VERSION_ID. */
export function parseOsRelease(text: string): { name: string; version: string } {
  const get = (k: string) => {
    const m = new RegExp(`^${k}=(.*)$`, 'm').exec(text);
    return m ? m[1]!.replace(/^"(.*)"$/, '$1') : '';
  };
  return { name: get('PRETTY_NAME') || 'Linux', version: get('VERSION_ID') };
}

const FS_MAGIC: Record<number, string> = {
  0xef53: 'extfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x65735546: 'fuse',
};

export function backingFilesystem(path: string): string {
  try {
    const t = statfsSync(path).type;
    return FS_MAGIC[t] ?? `0x${t.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

async function toolVersion(ctx: Ctx, exec: Exec, bin: string | undefined, parse: (s: string) => ToolVersion | undefined) {
  if (!bin) return undefined;
  try {
    const { stdout } = await exec.run(ctx, bin, ['--version'], { timeoutMs: 5000 });
    return parse(stdout);
  } catch (e) {
    ctx.log.warn('could not read tool version', { bin, error: e });
    return undefined;
  }
}

export async function probeHost(
  ctx: Ctx,
  exec: Exec,
  bins: { runc?: string; init?: string },
  dataRoot: string,
): Promise<HostFacts> {
  const [osRelease, runc, init, cg2] = await Promise.all([
    fs.readFile('/etc/os-release', 'utf8').catch(() => ''),
    toolVersion(ctx, exec, bins.runc, parseRuncVersion),
    toolVersion(ctx, exec, bins.init, parseTiniVersion),
    fs.access('/sys/fs/cgroup/cgroup.controllers').then(() => true, () => false),
  ]);
  const osr = parseOsRelease(osRelease);
  const arch = os.machine();
  return {
    kernelVersion: os.release(),
    operatingSystem: osr.name,
    osVersion: osr.version,
    architecture: arch,
    ncpu: os.cpus().length,
    memTotal: os.totalmem(),
    hostname: os.hostname(),
    cgroupVersion: cg2 ? '2' : '1',
    backingFilesystem: backingFilesystem(dataRoot),
    runc,
    init,
  };
}

/** Reads a 0/1 sysctl; false when absent. */
export async function sysctlOn(path: string): Promise<boolean> {
  try {
    return (await fs.readFile(path, 'utf8')).trim() === '1';
  } catch {
    return false;
  }
}

/** Open file descriptors of this process (NFd). */
export function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/** GOARCH-style name of the machine (amd64, arm64) for /version's Arch. */
export function goArch(machine = os.machine()): string {
  return ({ x86_64: 'amd64', aarch64: 'arm64', armv7l: 'arm', i686: '386', s390x: 's390x', ppc64le: 'ppc64le' } as Record<string, string>)[machine] ?? machine;
}
