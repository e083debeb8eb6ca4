/**
 * mount(8) and umount(8), the one wrapper that builds their argv (STYLE D7), for the mounts a
 * snapshotter hands out (containerd's mount.Mount: type, source, options).
 *
 * readonlyMounts() is containerd's readonlyOverlay: an overlay loses its upperdir and workdir and
 * the upper directory becomes the top lower layer, so the merged view can be mounted again while
 * a container runs on it (nothing is written to its work directory) and whiteouts and opaque
 * directories still apply.
 */
import { mkdtemp, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ctx } from './context.js';
import type { Exec } from './exec.js';

export interface MountSpec {
  type: string;
  source: string;
  options: string[];
}

const opt = (m: MountSpec, key: string) => m.options.find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);

/** The upper directory of an overlay mount (a bind mount's source), or undefined. */
export function upperDirOf(m: MountSpec): string | undefined {
  return m.type === 'overlay' ? opt(m, 'upperdir') : m.type === 'bind' ? m.source : undefined;
}

/** The lower directories of an overlay mount, top first. */
export function lowerDirsOf(m: MountSpec): string[] {
  const l = m.type === 'overlay' ? opt(m, 'lowerdir') : undefined;
  return l ? l.split(':') : [];
}

/** The same mounts, read-only (containerd's readonlyOverlay and a ro bind). */
export function readonlyMounts(mounts: MountSpec[]): MountSpec[] {
  return mounts.map((m) => {
    if (m.type === 'overlay') {
      const upper = opt(m, 'upperdir');
      const lower = opt(m, 'lowerdir');
      const rest = m.options.filter((o) => !/^(upperdir|workdir|lowerdir)=/.test(o) && o !== 'rw' && o !== 'ro');
      const lowers = [upper, lower].filter((x): x is string => !!x).join(':');
      // A read-only overlay needs two lower layers; with only the upper one, a ro bind of it does.
      if (!lower && upper) return { type: 'bind', source: upper, options: ['ro', 'rbind'] };
      return { type: 'overlay', source: m.source, options: [...rest, 'ro', `lowerdir=${lowers}`] };
    }
    return { ...m, options: [...m.options.filter((o) => o !== 'rw' && o !== 'ro'), 'ro'] };
  });
}

/** mount(8)'s argv for `m` on `target`. */
export function mountArgv(m: MountSpec, target: string): string[] {
  const bind = m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind');
  const options = bind && !m.options.some((o) => o === 'bind' || o === 'rbind') ? ['bind', ...m.options] : m.options;
  return [...(bind ? [] : ['-t', m.type]), ...(options.length ? ['-o', options.join(',')] : []), m.source, target];
}

/**
 * mount(8)'s argv binding `source` onto the file or directory open as `fd` in this process:
 * the kernel follows /proc/<pid>/fd/<fd> to that very file (no path to swap on the way).
 */
export function bindOntoFdArgv(source: string, fd: number, pid = process.pid): string[] {
  return ['--no-canonicalize', '--bind', source, `/proc/${pid}/fd/${fd}`];
}

/** Mounts `mounts` on `target` in order. */
export async function mountAll(ctx: Ctx, exec: Exec, mounts: MountSpec[], target: string): Promise<void> {
  for (const m of mounts) await exec.run(ctx, 'mount', mountArgv(m, target), { timeoutMs: 10_000 });
}

/** Unmounts `target` (lazily when it is busy, e.g. with bind mounts below it). */
export async function unmount(ctx: Ctx, exec: Exec, target: string): Promise<void> {
  try {
    await exec.run(ctx, 'umount', ['-R', target], { timeoutMs: 10_000 });
  } catch {
    await exec.run(ctx, 'umount', ['-l', target], { timeoutMs: 10_000 });
  }
}

export interface TempMount {
  dir: string;
  /** Unmounts and removes the directory. */
  release(): Promise<void>;
}

/** Mounts `mounts` on a new directory under `parent`. */
export async function tempMount(ctx: Ctx, exec: Exec, parent: string, mounts: MountSpec[]): Promise<TempMount> {
  const dir = await mkdtemp(join(parent, 'm-'));
  try {
    await mountAll(ctx, exec, mounts, dir);
  } catch (e) {
    // never a recursive removal: the directory may hold a mount
    await rmdir(dir).catch(() => {});
    throw e;
  }
  let released: Promise<void> | undefined;
  return {
    dir,
    release: () =>
      (released ??= (async () => {
        const c = { ...ctx, signal: new AbortController().signal };
        await unmount(c, exec, dir).catch(() => {});
        await rmdir(dir).catch(() => {});
      })()),
  };
}
