/**
 * Helpers for the runtime's tests: the testdata folder (tsc does not copy it, so tests read it
 * from the source tree: dist/src/runtime → src/runtime) and a fake SpecHost with a small /dev.
 */
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KNOWN_CAPABILITIES } from './caps.js';
import type { HostFileInfo, SpecHost } from './host.js';

/** The `testdata` folder beside the source of the test module `importMetaUrl`. */
export function testdataDir(importMetaUrl: string): string {
  const dir = dirname(fileURLToPath(importMetaUrl));
  const marker = `${sep}dist${sep}src${sep}`;
  const i = dir.lastIndexOf(marker);
  const srcDir = i >= 0 ? dir.slice(0, i) + `${sep}src${sep}` + dir.slice(i + marker.length) : dir;
  return join(srcDir, 'testdata');
}

/** The test machines' capabilities: all the kernel knows (0–40) but CAP_SYS_RESOURCE. */
export const TEST_HOST_CAPS: readonly string[] = KNOWN_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE');

const chr = (major: number, minor: number, mode = 0o666, gid = 0): HostFileInfo => ({
  kind: 'char', major, minor, mode, uid: 0, gid,
});
const dir: HostFileInfo = { kind: 'dir', major: 0, minor: 0, mode: 0o755, uid: 0, gid: 0 };
const link: HostFileInfo = { kind: 'symlink', major: 0, minor: 0, mode: 0o777, uid: 0, gid: 0 };

/** A /dev like a small VM's, plus a few files for the device tests. */
export const TEST_FILES: Readonly<Record<string, HostFileInfo>> = {
  '/dev': dir,
  '/dev/null': chr(1, 3),
  '/dev/zero': chr(1, 5),
  '/dev/full': chr(1, 7),
  '/dev/random': chr(1, 8),
  '/dev/urandom': chr(1, 9),
  '/dev/tty': chr(5, 0),
  '/dev/console': chr(5, 1, 0o600),
  '/dev/ptmx': chr(5, 2),
  '/dev/fuse': chr(10, 229),
  '/dev/kmsg': chr(1, 11, 0o644),
  '/dev/sda': { kind: 'block', major: 8, minor: 0, mode: 0o660, uid: 0, gid: 6 },
  '/dev/sda1': { kind: 'block', major: 8, minor: 1, mode: 0o660, uid: 0, gid: 6 },
  '/dev/initctl': { kind: 'fifo', major: 0, minor: 0, mode: 0o600, uid: 0, gid: 0 },
  '/dev/stdin': link,
  '/dev/disk': dir,
  '/dev/disk/root': link,
  '/dev/net': dir,
  '/dev/net/tun': chr(10, 200),
  '/dev/pts': dir,
  '/dev/pts/0': chr(136, 0, 0o620, 5),
  '/dev/shm': dir,
  '/dev/mqueue': dir,
  '/dev/snd': dir,
  '/dev/snd/timer': chr(116, 33, 0o660, 29),
  '/dev/snd/seq': chr(116, 1, 0o660, 29),
  '/etc/passwd': { kind: 'file', major: 0, minor: 0, mode: 0o644, uid: 0, gid: 0 },
};

const LINKS: Readonly<Record<string, string>> = { '/dev/stdin': '/proc/self/fd/0', '/dev/disk/root': '/dev/sda1' };

/** The test machines' kernel release. */
export const TEST_KERNEL = '6.1.0-18-amd64';

/** A SpecHost over TEST_FILES with TEST_HOST_CAPS, on amd64 with TEST_KERNEL; every sysctl exists. */
export function fakeHost(opts: { capabilities?: readonly string[]; sysctls?: boolean; arch?: string; kernel?: string } = {}): SpecHost {
  return {
    arch: () => opts.arch ?? 'amd64',
    kernelRelease: () => opts.kernel ?? TEST_KERNEL,
    capabilities: () => opts.capabilities ?? TEST_HOST_CAPS,
    sysctlExists: () => opts.sysctls ?? true,
    lstat: (p) => TEST_FILES[p],
    readdir: (p) => {
      const prefix = p.endsWith('/') ? p : `${p}/`;
      return Object.keys(TEST_FILES)
        .filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/'))
        .map((k) => k.slice(prefix.length))
        .sort();
    },
    realpath: (p) => {
      const t = LINKS[p];
      if (t !== undefined) return t;
      if (TEST_FILES[p] === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return p;
    },
  };
}
