/**
 * The `local` volume driver (moby volume/local): a directory per volume under the volumes root,
 * or, with the driver options type/device/o, whatever mount(8) mounts there (tmpfs, a bind of a
 * host directory, nfs, ...), mounted on the first use and unmounted after the last.
 *
 * Disk layout (the volumes root is <data-root>/volumes):
 *   <root>/                       0701
 *     <name>/                     0701  the volume
 *       _data/                    0755  its data, or the mount point of its type/device/o
 *       opts.json                 0600  {"MountType","MountOpts","MountDevice","Quota":{"Size":0}}
 *                                       when created with options (moby optsConfig), atomic
 *
 * A directory is a volume when it holds `_data` or `opts.json` (moby isVolume): the store's own
 * `_meta` directory (names start with a letter or digit) never is.
 *
 * Users are counted in memory, by reference (a container ID): a crash forgets them, and after a
 * restart the daemon reports the containers that kept running (liveRestore). A volume found
 * mounted at load counts as mounted, so the last user of the new daemon unmounts it.
 */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { conflict, invalidParameter, KeyedMutex, mkdirp, parseMountInfo, readJson, system, writeJsonAtomic, type Ctx, type Exec } from '../lib/index.js';
import type { DriverVolume, VolumeDriver } from './driver.js';
import { validateVolumeName } from './names.js';

export const DATA_DIR = '_data';
const OPTS_FILE = 'opts.json';

/** moby local optsConfig, as persisted in opts.json. */
interface OptsConfig {
  MountType: string;
  MountOpts: string;
  MountDevice: string;
  Quota: { Size: number };
}

const VALID_OPTS = new Set(['type', 'o', 'device', 'size']);
const MANDATORY_OPTS: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

/**
 * moby local validateOpts: only type, o, device and size; device and type go together, o needs
 * both. Throws invalidParameter with Docker's wording.
 */
export function validateLocalOpts(opts: Readonly<Record<string, string>>): void {
  const keys = Object.keys(opts);
  if (keys.length === 0) return;
  for (const k of keys) if (!VALID_OPTS.has(k)) throw invalidParameter(`invalid option: ${JSON.stringify(k)}`);
  if ('size' in opts) {
    // compat: Docker supports size only with project quotas (xfs, ext4 with prjquota); we have none.
    throw invalidParameter('quota size requested but no quota support');
  }
  for (const [opt, required] of Object.entries(MANDATORY_OPTS)) {
    if (!(opt in opts)) continue;
    for (const r of required) if (!(r in opts)) throw invalidParameter(`missing required option: ${JSON.stringify(r)}`);
  }
}

/** mount(8)'s argv for a volume's options (moby mount.Mount(device, target, type, options)). */
export function localMountArgv(o: Pick<OptsConfig, 'MountType' | 'MountOpts' | 'MountDevice'>, target: string): string[] {
  return ['-t', o.MountType, ...(o.MountOpts ? ['-o', o.MountOpts] : []), o.MountDevice, target];
}

interface LocalVolume {
  name: string;
  rootPath: string;
  path: string;
  opts?: OptsConfig;
  /** Users (container IDs) of a volume that mounts something. */
  users: Set<string>;
  mounted: boolean;
}

const needsMount = (v: LocalVolume) => !!v.opts && (v.opts.MountDevice !== '' || v.opts.MountType !== '');

export interface LocalDriverDeps {
  exec: Exec;
  /** /proc/self/mountinfo, injectable for tests. */
  readMountInfo?: () => Promise<string>;
}

export class LocalDriver implements VolumeDriver {
  readonly name = 'local';
  readonly scope = 'local' as const;
  private readonly volumes = new Map<string, LocalVolume>();
  private readonly mutex = new KeyedMutex();
  private readonly readMountInfo: () => Promise<string>;

  constructor(
    private readonly deps: LocalDriverDeps,
    private readonly config: { root: string },
  ) {
    this.readMountInfo = deps.readMountInfo ?? (() => fs.readFile('/proc/self/mountinfo', 'utf8'));
  }

  get root(): string {
    return this.config.root;
  }

  /** Reads the volumes root (creating it). Call once before anything else. */
  async load(_ctx: Ctx): Promise<void> {
    await mkdirp(this.root, 0o701);
    const mounted = await this.mountedPaths();
    for (const d of await fs.readdir(this.root, { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      const v = this.volumeAt(d.name);
      const hasData = await fs.lstat(v.path).then(() => true, () => false);
      const opts = await readJson<OptsConfig>(join(v.rootPath, OPTS_FILE)).catch(() => undefined);
      if (!hasData && !opts) continue;
      if (opts && (opts.MountType || opts.MountDevice || opts.MountOpts)) v.opts = opts;
      v.mounted = needsMount(v) && mounted.has(v.path);
      this.volumes.set(v.name, v);
    }
  }

  private volumeAt(name: string): LocalVolume {
    const rootPath = join(this.root, name);
    return { name, rootPath, path: join(rootPath, DATA_DIR), users: new Set(), mounted: false };
  }

  private async mountedPaths(): Promise<Set<string>> {
    const text = await this.readMountInfo().catch(() => '');
    return new Set(parseMountInfo(text).map((m) => m.mountPoint));
  }

  private view(v: LocalVolume, createdAtMs?: number): DriverVolume {
    return { name: v.name, path: v.path, createdAtMs };
  }

  async create(_ctx: Ctx, name: string, opts: Readonly<Record<string, string>>): Promise<DriverVolume> {
    validateVolumeName(name);
    validateLocalOpts(opts);
    return this.mutex.run(name, async () => {
      const existing = this.volumes.get(name);
      if (existing) return this.view(existing);
      const v = this.volumeAt(name);
      try {
        await mkdirp(v.rootPath, 0o701);
        await fs.mkdir(v.path, { mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'EEXIST') throw e;
        });
      } catch (e) {
        throw system(`error while creating volume data path '${v.path}': ${(e as Error).message}`, e);
      }
      if (Object.keys(opts).length > 0) {
        v.opts = { MountType: opts['type'] ?? '', MountOpts: opts['o'] ?? '', MountDevice: opts['device'] ?? '', Quota: { Size: 0 } };
        try {
          await writeJsonAtomic(join(v.rootPath, OPTS_FILE), v.opts, 0o600);
        } catch (e) {
          await fs.rm(v.rootPath, { recursive: true, force: true }).catch(() => {});
          throw system(`error while persisting volume options: ${(e as Error).message}`, e);
        }
      }
      this.volumes.set(name, v);
      const st = await fs.stat(v.rootPath).catch(() => undefined);
      return this.view(v, st?.ctimeMs);
    });
  }

  async get(_ctx: Ctx, name: string): Promise<DriverVolume | undefined> {
    const v = this.volumes.get(name);
    return v ? this.view(v) : undefined;
  }

  async list(_ctx: Ctx): Promise<DriverVolume[]> {
    return [...this.volumes.values()].map((v) => this.view(v));
  }

  /** The driver options of a volume as persisted (undefined without any). */
  optionsOf(name: string): Record<string, string> | undefined {
    const o = this.volumes.get(name)?.opts;
    if (!o) return undefined;
    const out: Record<string, string> = {};
    if (o.MountType) out['type'] = o.MountType;
    if (o.MountDevice) out['device'] = o.MountDevice;
    if (o.MountOpts) out['o'] = o.MountOpts;
    return out;
  }

  /** The number of users of a volume that mounts something (0 for a plain directory). */
  activeCount(name: string): number {
    return this.volumes.get(name)?.users.size ?? 0;
  }

  /** Whether the volume's mount is in place (for tests and `df`). */
  isMounted(name: string): boolean {
    return this.volumes.get(name)?.mounted ?? false;
  }

  async remove(ctx: Ctx, name: string): Promise<void> {
    await this.mutex.run(name, async () => {
      const v = this.volumes.get(name);
      if (!v) return;
      if (v.users.size > 0) throw conflict('volume has active mounts');
      await this.unmountNow(ctx, v);
      const real = await fs.realpath(v.path).catch(() => v.rootPath);
      const root = resolve(this.root);
      if (real === root || !real.startsWith(root + '/')) {
        throw system(`unable to remove a directory outside of the local volume root ${root}: ${real}`);
      }
      try {
        await fs.rm(real, { recursive: true, force: true });
        this.volumes.delete(name);
        await fs.rm(v.rootPath, { recursive: true, force: true });
      } catch (e) {
        throw system(`error removing volume path '${v.rootPath}': ${(e as Error).message}`, e);
      }
    });
  }

  async mount(ctx: Ctx, name: string, ref: string): Promise<string> {
    return this.mutex.run(name, async () => {
      const v = this.volumes.get(name);
      if (!v) throw system(`volume ${name} not found`);
      if (!needsMount(v)) return v.path;
      if (!v.mounted) {
        if (!v.opts!.MountDevice) throw system('missing device in volume options');
        await fs.mkdir(v.path, { recursive: true, mode: 0o755 });
        try {
          await this.deps.exec.run(ctx, 'mount', localMountArgv(v.opts!, v.path), { timeoutMs: 60_000 });
        } catch (e) {
          const msg = ((e as { stderr?: string }).stderr || (e as Error).message).trim();
          throw system(`failed to mount local volume: ${hidePassword(msg, v.opts!.MountOpts)}`, e);
        }
        v.mounted = true;
      }
      v.users.add(ref);
      return v.path;
    });
  }

  async unmount(ctx: Ctx, name: string, ref: string): Promise<void> {
    await this.mutex.run(name, async () => {
      const v = this.volumes.get(name);
      if (!v || !needsMount(v)) return;
      v.users.delete(ref);
      if (v.users.size > 0 || !v.mounted) return;
      await this.unmountNow(ctx, v);
    });
  }

  async liveRestore(_ctx: Ctx, name: string, ref: string): Promise<void> {
    await this.mutex.run(name, async () => {
      const v = this.volumes.get(name);
      if (!v || !needsMount(v)) return;
      v.users.add(ref);
      v.mounted = true;
    });
  }

  /** Unmounts the volumes mounted with no user (what a crash leaves behind). Returns how many. */
  async unmountUnused(ctx: Ctx): Promise<number> {
    let n = 0;
    for (const v of this.volumes.values()) {
      await this.mutex.run(v.name, async () => {
        if (!v.mounted || v.users.size > 0) return;
        await this.unmountNow(ctx, v);
        n++;
      });
    }
    return n;
  }

  private async unmountNow(ctx: Ctx, v: LocalVolume): Promise<void> {
    if (!needsMount(v)) return;
    try {
      await this.deps.exec.run(ctx, 'umount', [v.path], { timeoutMs: 30_000 });
    } catch (e) {
      if ((await this.mountedPaths()).has(v.path)) throw system(`error unmounting volume ${v.name}: ${(e as Error).message}`, e);
    }
    v.mounted = false;
  }
}

function hidePassword(msg: string, mountOpts: string): string {
  const pw = mountOpts.split(',').find((o) => o.startsWith('password='))?.slice('password='.length);
  return pw ? msg.replace(`password=${pw}`, 'password=********') : msg;
}
