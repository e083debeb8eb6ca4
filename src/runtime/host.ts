/**
 * What spec generation needs to know about the host: the capabilities the daemon holds, which
 * sysctls exist, and device nodes. `generateSpec` takes it as a parameter so that tests (and
 * golden files) do not depend on the machine; `nodeSpecHost()` is the real one.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { capabilitiesFromMask } from './caps.js';
import { nativeArch } from './seccomp.js';

/** A file as lstat(2) sees it, reduced to what device handling needs. */
export interface HostFileInfo {
  kind: 'char' | 'block' | 'fifo' | 'dir' | 'symlink' | 'file' | 'other';
  /** Device numbers of a char/block node (from st_rdev). */
  major: number;
  minor: number;
  /** st_mode without the file-type bits (permissions plus setuid/setgid/sticky). */
  mode: number;
  uid: number;
  gid: number;
}

export interface SpecHost {
  /**
   * The capabilities this process can grant a container: the effective set within the bounding
   * set of /proc/self/status, in capability-number order.
   */
  capabilities(): readonly string[];
  /** Whether /proc/sys/<key with dots as slashes> exists. */
  sysctlExists(key: string): boolean;
  /** lstat(2) of a path; `undefined` when it does not exist. Throws other errors. */
  lstat(path: string): HostFileInfo | undefined;
  /** The entries of a directory, sorted by name (Go's os.ReadDir). */
  readdir(path: string): string[];
  /** The path with every symlink resolved (Go's filepath.EvalSymlinks). */
  realpath(path: string): string;
  /** libseccomp's name of the host architecture: `amd64`, `arm64`, … (seccomp nativeArch). */
  arch(): string;
  /** The kernel release, as `uname -r` prints it (seccomp rules may depend on the version). */
  kernelRelease(): string;
}

/** Linux dev_t → major/minor (glibc gnu_dev_major/minor). */
export function splitDev(dev: bigint): { major: number; minor: number } {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n);
  const minor = (dev & 0xffn) | ((dev >> 12n) & 0xffffff00n);
  return { major: Number(major), minor: Number(minor) };
}

const S_IFMT = 0o170000;
const KIND_BY_FMT: Record<number, HostFileInfo['kind']> = {
  0o020000: 'char',
  0o060000: 'block',
  0o010000: 'fifo',
  0o040000: 'dir',
  0o120000: 'symlink',
  0o100000: 'file',
};

/** Parse the Cap* lines of a /proc/<pid>/status text into the grantable capability names. */
export function capabilitiesFromStatus(status: string): string[] {
  const mask = (key: string): bigint | undefined => {
    const m = new RegExp(`^${key}:\\s*([0-9a-fA-F]+)\\s*$`, 'm').exec(status);
    return m ? BigInt(`0x${m[1]}`) : undefined;
  };
  const eff = mask('CapEff') ?? 0n;
  const bnd = mask('CapBnd') ?? eff;
  return capabilitiesFromMask(eff & bnd);
}

/**
 * The real host, read through node:fs. /proc/self/status is read once per instance (the
 * daemon's capabilities do not change while it runs).
 */
export function nodeSpecHost(): SpecHost {
  let caps: string[] | undefined;
  return {
    capabilities() {
      caps ??= capabilitiesFromStatus(readFileSync('/proc/self/status', 'utf8'));
      return caps;
    },
    sysctlExists(key) {
      try {
        statSync(join('/proc/sys', key.replaceAll('.', '/')));
        return true;
      } catch {
        return false;
      }
    },
    lstat(path) {
      let st;
      try {
        st = lstatSync(path, { bigint: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      const mode = Number(st.mode);
      const { major, minor } = splitDev(st.rdev);
      return {
        kind: KIND_BY_FMT[mode & S_IFMT] ?? 'other',
        major,
        minor,
        mode: mode & ~S_IFMT,
        uid: Number(st.uid),
        gid: Number(st.gid),
      };
    },
    readdir(path) {
      return readdirSync(path).sort();
    },
    realpath(path) {
      return realpathSync(path);
    },
    arch() {
      return nativeArch(process.arch);
    },
    kernelRelease() {
      return release();
    },
  };
}
