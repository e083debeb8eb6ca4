/**
 * The mount points of a stopped container in the view docker cp works on (moby daemon.Mount +
 * mountVolumes): its binds and volumes bound onto their destinations inside the temporary mount
 * of its root filesystem, shallow ones first, read-only ones remounted read-only. Each target
 * is created and opened inside the container's scope and bound through its descriptor, so no
 * symlink in the container leads the bind to a host path.
 */
import { existsSync } from 'node:fs';
import { bindOntoFdArgv, type Ctx, type ScopedRoot } from '../../lib/index.js';
import type { ContainerRecord } from '../../containers/index.js';
import type { ContainersServiceBase } from './service.js';

const depth = (p: string) => p.split('/').filter(Boolean).length;

/**
 * Binds the container's binds and volumes into `root` (a temporary mount that is unmounted
 * recursively afterwards). Returns what ends the volumes' use; a mount point that cannot be
 * bound is left out (logged).
 */
export async function bindMountPoints(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>, root: ScopedRoot): Promise<() => Promise<void>> {
  const releases: (() => Promise<void>)[] = [];
  const points = Object.values(rec.MountPoints ?? {})
    .filter((m) => m.Type === 'bind' || (m.Type === 'volume' && m.Name))
    .sort((a, b) => depth(a.Destination) - depth(b.Destination));
  for (const m of points) {
    try {
      let source = m.Source;
      if (m.Type === 'volume') {
        if (!svc.deps.volumes) continue;
        const got = await svc.deps.volumes.acquire(ctx, m.Name!, 'cp');
        releases.push(got.release);
        source = got.path;
      }
      if (!source || !existsSync(source)) continue;
      const dir = await root.mkdirAll(m.Destination, 0o755);
      try {
        await svc.deps.exec.run(ctx, 'mount', bindOntoFdArgv(source, dir.fd), { timeoutMs: 10_000 });
      } finally {
        await dir.close();
      }
      if (!m.RW) {
        const top = await root.openDirPath(m.Destination);
        const at = `/proc/${process.pid}/fd/${top.fd}`;
        try {
          await svc.deps.exec.run(ctx, 'mount', ['--no-canonicalize', '-o', 'remount,bind,ro', at], { timeoutMs: 10_000 });
        } catch (e) {
          // never leave a read-only mount point writable: without it, cp sees the layer below
          await svc.deps.exec.run(ctx, 'umount', ['-l', at], { timeoutMs: 10_000 }).catch(() => {});
          throw e;
        } finally {
          await top.close();
        }
      }
    } catch (e) {
      ctx.log.debug('cp: not binding a mount point', { destination: m.Destination, error: e });
    }
  }
  return async () => {
    for (const r of releases.reverse()) await r();
  };
}
