/**
 * A Debian bookworm rootfs tarball for the e2e tests that need a real distribution (bash, ps),
 * made without Docker Hub: `debootstrap --variant=minbase --include=procps` from a Debian mirror,
 * trimmed the way the official image is (no apt lists, no downloaded .debs, empty /dev /proc
 * /sys), then tarred with numeric owners. Built once and kept (the first run on a fresh machine
 * pays about a minute):
 *
 *   $BERTH_TEST_CACHE (default /var/cache/berth-test)/
 *   ├── debian.tar            the finished rootfs, what `docker import` reads
 *   └── build-XXXXXX/         a build in progress (removed when done or failed)
 *       ├── root/             debootstrap's target
 *       └── debian.tar        renamed over ../debian.tar when complete, so a half-made tar is never used
 *
 * The mirror is $BERTH_DEBIAN_MIRROR (default http://deb.debian.org/debian).
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './harness.js';

export const CACHE_DIR = process.env['BERTH_TEST_CACHE'] ?? '/var/cache/berth-test';
const MIRROR = process.env['BERTH_DEBIAN_MIRROR'] ?? 'http://deb.debian.org/debian';
const SUITE = 'bookworm';

async function must(bin: string, args: string[], timeoutMs: number): Promise<string> {
  const r = await run(bin, args, { timeoutMs });
  if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')} exited with ${r.code}:\n${(r.stdout + r.stderr).slice(-3000)}`);
  return r.stdout;
}

/**
 * Path of a Debian rootfs tarball, building it first when the cache has none: `debian.tar`
 * (minbase + procps), or `<name>.tar` with more packages (`include`).
 */
export async function debianTar(name = 'debian', include: readonly string[] = []): Promise<string> {
  const tar = join(CACHE_DIR, `${name}.tar`);
  if (existsSync(tar)) return tar;
  mkdirSync(CACHE_DIR, { recursive: true });
  const build = mkdtempSync(join(CACHE_DIR, 'build-'));
  const root = join(build, 'root');
  try {
    await must('debootstrap', ['--variant=minbase', `--include=${['procps', ...include].join(',')}`, SUITE, root, MIRROR], 900_000);
    await must('sh', ['-c', 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/dev/* "$1"/proc/* "$1"/sys/*', 'sh', root], 60_000);
    await must('tar', ['--numeric-owner', '-C', root, '-cf', join(build, `${name}.tar`), '.'], 300_000);
    renameSync(join(build, `${name}.tar`), tar);
  } finally {
    // debootstrap mounts /proc and /sys inside the target; a failed run may leave them there.
    await run('sh', ['-c', `grep -F ' ${build}/' /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r -n1 umount -l`]);
    await must('rm', ['-rf', '--one-file-system', build], 120_000);
  }
  return tar;
}
