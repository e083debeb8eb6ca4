/**
 * The daemon's volume service (moby volume/service VolumesService and the parts of daemon/ that
 * use it): the API's VolumesBackend over the store (volumes/), plus what containers need from
 * volumes (create for a mount, mount and unmount around a run, remove an anonymous one).
 *
 * Who uses a volume is read from the containers' records (`usersOf`), so it survives a crash as
 * the records do (moby rebuilds its references from the containers at boot, the same thing).
 */
import { randomBytes } from 'node:crypto';
import { conflict, directorySize, Filters, invalidParameter, type Ctx, type Logger } from '../../lib/index.js';
import type { EventBus } from '../../events/index.js';
import type { Volume, VolumeCreateRequest, VolumeListResponse, VolumesPruneReport } from '../../api/types/index.js';
import { ANONYMOUS_LABEL, DEFAULT_DRIVER, type Volume as StoredVolume, type VolumeStore } from '../../volumes/index.js';

export interface VolumesDeps {
  store: VolumeStore;
  events: EventBus;
  /** IDs of the containers whose records mount the volume. */
  usersOf: (name: string) => string[];
  log: Logger;
}

export const VOLUME_LIST_FILTERS = ['dangling', 'name', 'driver', 'label'] as const;
export const VOLUME_PRUNE_FILTERS = ['label', 'label!', 'all'] as const;

/** The wire shape of a volume (Go struct order). */
export function toApi(v: StoredVolume): Volume {
  return {
    CreatedAt: v.createdAt,
    Driver: v.driver,
    Labels: v.labels,
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: v.options,
    Scope: v.scope,
    ...(v.status ? { Status: v.status } : {}),
  };
}

/** Go's strconv.ParseBool. */
function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** filters.Match: an exact value, or a regular expression found in the value. */
function matchName(f: Filters, name: string): boolean {
  const want = f.get('name');
  if (want.length === 0 || want.includes(name)) return true;
  return want.some((w) => {
    try {
      return new RegExp(w).test(name);
    } catch {
      return false;
    }
  });
}

function matchLabels(f: Filters, labels: Record<string, string> | null): boolean {
  if (!f.matchKVList('label', labels ?? {})) return false;
  for (const neg of f.get('label!')) {
    if (Filters.fromEntries({ label: [neg] }).matchKVList('label', labels ?? {})) return false;
  }
  return true;
}

export class VolumesService {
  private pruning = false;

  constructor(private readonly deps: VolumesDeps) {}

  get store(): VolumeStore {
    return this.deps.store;
  }

  private emit(action: string, name: string, attributes: Record<string, string>): void {
    this.deps.events.publish({ type: 'volume', action, actorId: name, attributes });
  }

  /** GET /volumes: filters dangling, driver, label, name (invalidParameter for others). */
  async list(ctx: Ctx, filters: Filters): Promise<VolumeListResponse> {
    filters.validate(VOLUME_LIST_FILTERS);
    let dangling: boolean | undefined;
    if (filters.has('dangling')) {
      // filters.GetBoolOrDefault: exactly one of true/1 and false/0
      const vs = filters.get('dangling');
      const isTrue = vs.includes('true') || vs.includes('1');
      const isFalse = vs.includes('false') || vs.includes('0');
      if (isTrue === isFalse) throw invalidParameter(`invalid filter 'dangling=${vs.join(',')}'`);
      dangling = isTrue;
    }
    const out: Volume[] = [];
    for (const v of await this.deps.store.list(ctx)) {
      if (!filters.exactMatch('driver', v.driver)) continue;
      if (!matchName(filters, v.name)) continue;
      if (!matchLabels(filters, v.labels)) continue;
      if (dangling !== undefined && (this.deps.usersOf(v.name).length === 0) !== dangling) continue;
      out.push(toApi(v));
    }
    return { Volumes: out, Warnings: null };
  }

  /** POST /volumes/create; a `create` event when the volume is new. */
  async create(ctx: Ctx, req: VolumeCreateRequest): Promise<Volume> {
    const v = await this.createVolume(ctx, req.Name ?? '', req.Driver ?? '', { options: req.DriverOpts ?? null, labels: req.Labels ?? null });
    return toApi(v);
  }

  /** Creates (or finds) a volume for an API request or a container's mount. */
  async createVolume(
    ctx: Ctx,
    name: string,
    driver: string,
    opts: { options?: Record<string, string> | null; labels?: Record<string, string> | null } = {},
  ): Promise<StoredVolume> {
    const { volume, created } = await this.deps.store.create(ctx, name, driver, opts);
    if (created) this.emit('create', volume.name, { driver: volume.driver });
    return volume;
  }

  /** GET /volumes/{name}. Throws notFound `get <name>: no such volume`. */
  async inspect(ctx: Ctx, name: string): Promise<Volume> {
    return toApi(await this.deps.store.get(ctx, name));
  }

  /** One volume as the store has it. Throws notFound `get <name>: no such volume`. */
  async get(ctx: Ctx, name: string): Promise<StoredVolume> {
    return this.deps.store.get(ctx, name);
  }

  /** DELETE /volumes/{name}: refused while a container uses it; `force` ignores a missing volume. */
  async remove(ctx: Ctx, name: string, opts: { force: boolean }): Promise<void> {
    let v: StoredVolume;
    try {
      v = await this.deps.store.get(ctx, name);
    } catch (e) {
      if (opts.force) return;
      throw e;
    }
    const users = this.deps.usersOf(v.name);
    if (users.length > 0) throw conflict(`remove ${v.name}: volume is in use - [${users.join(', ')}]`);
    await this.deps.store.remove(ctx, v.name, { purgeOnError: opts.force });
    this.emit('destroy', v.name, { driver: v.driver });
  }

  /**
   * Removes an anonymous volume a removed container (`rm -v`) leaves unused; a volume other
   * containers still use stays (moby removeMountPoints ignores in-use errors).
   */
  async removeIfUnused(ctx: Ctx, name: string): Promise<void> {
    if (this.deps.usersOf(name).length > 0) return;
    const v = await this.deps.store.get(ctx, name).catch(() => undefined);
    if (!v) return;
    await this.deps.store.remove(ctx, name);
    this.emit('destroy', name, { driver: v.driver });
  }

  /** POST /volumes/prune (moby VolumesService.Prune): unused local volumes without driver options. */
  async prune(ctx: Ctx, filters: Filters): Promise<VolumesPruneReport> {
    if (this.pruning) throw conflict('a prune operation is already running');
    this.pruning = true;
    try {
      filters.validate(VOLUME_PRUNE_FILTERS);
      const all = filters.get('all');
      let everything = false;
      if (all.length > 1) throw invalidParameter(`invalid filter 'all=${all.join(' ')}': only one value is expected`);
      if (all.length === 1) {
        const b = parseBool(all[0]!);
        if (b === undefined) throw invalidParameter(`invalid filter 'all': strconv.ParseBool: parsing ${JSON.stringify(all[0])}: invalid syntax`);
        everything = b;
      }
      if (!everything) filters.add('label', ANONYMOUS_LABEL);
      const deleted: string[] = [];
      let reclaimed = 0;
      for (const v of await this.deps.store.list(ctx)) {
        if (v.driver !== DEFAULT_DRIVER || (v.options && Object.keys(v.options).length > 0)) continue;
        if (!matchLabels(filters, v.labels)) continue;
        if (this.deps.usersOf(v.name).length > 0) continue;
        const size = await directorySize(v.mountpoint).catch(() => 0);
        try {
          await this.deps.store.remove(ctx, v.name);
        } catch (e) {
          this.deps.log.warn('Could not remove volume', { volume: v.name, error: e });
          continue;
        }
        this.emit('destroy', v.name, { driver: v.driver });
        reclaimed += size;
        deleted.push(v.name);
      }
      this.emit('prune', '', { reclaimed: String(reclaimed) });
      return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
    } finally {
      this.pruning = false;
    }
  }

  /** /system/df's volumes (moby LocalVolumesSize): local volumes without options, sized. */
  async diskUsage(ctx: Ctx): Promise<Volume[]> {
    const out: Volume[] = [];
    for (const v of await this.deps.store.list(ctx)) {
      if (v.driver !== DEFAULT_DRIVER || (v.options && Object.keys(v.options).length > 0)) continue;
      const size = await directorySize(v.mountpoint).catch(() => -1);
      out.push({ ...toApi(v), UsageData: { RefCount: this.deps.usersOf(v.name).length, Size: size } });
    }
    return out;
  }

  /**
   * Mounts a volume for container `ref` and emits `mount` (moby setupMounts). Returns the host
   * path to bind.
   */
  async mount(ctx: Ctx, name: string, ref: string, attrs: { destination: string; rw: boolean; propagation: string }): Promise<string> {
    const v = await this.deps.store.get(ctx, name);
    const d = await this.deps.store.driver(ctx, v.driver);
    const path = await d.mount(ctx, name, ref);
    this.emit('mount', name, { container: ref, destination: attrs.destination, driver: v.driver, propagation: attrs.propagation, 'read/write': String(attrs.rw) });
    return path;
  }

  /** Ends container `ref`'s use of a volume and emits `unmount` (moby UnmountVolumes). */
  async unmount(ctx: Ctx, name: string, ref: string): Promise<void> {
    const v = await this.deps.store.get(ctx, name).catch(() => undefined);
    if (!v) return;
    const d = await this.deps.store.driver(ctx, v.driver);
    await d.unmount(ctx, name, ref);
    this.emit('unmount', name, { container: ref, driver: v.driver });
  }

  /**
   * Runs `fn` with the volume mounted for a moment (copy-up), without events (moby
   * populateVolume's Setup and Cleanup).
   */
  async withMounted<T>(ctx: Ctx, name: string, fn: (path: string) => Promise<T>): Promise<T> {
    const { path, release } = await this.acquire(ctx, name, 'copy-up');
    try {
      return await fn(path);
    } finally {
      await release();
    }
  }

  /**
   * Mounts a volume for the daemon's own use (copy-up, docker cp), without events, under a
   * fresh reference; `release` ends that use.
   */
  async acquire(ctx: Ctx, name: string, purpose: string): Promise<{ path: string; release: () => Promise<void> }> {
    const v = await this.deps.store.get(ctx, name);
    const d = await this.deps.store.driver(ctx, v.driver);
    const ref = `${purpose}-${randomBytes(8).toString('hex')}`;
    const path = await d.mount(ctx, name, ref);
    return {
      path,
      release: () => d.unmount(ctx, name, ref).catch((e) => this.deps.log.warn(`unmounting a volume after ${purpose} failed`, { volume: name, error: e })),
    };
  }

  /** After a restart: container `ref` kept running with the volume mounted. */
  async liveRestore(ctx: Ctx, name: string, ref: string): Promise<void> {
    const v = await this.deps.store.get(ctx, name).catch(() => undefined);
    if (!v) return;
    const d = await this.deps.store.driver(ctx, v.driver).catch(() => undefined);
    await d?.liveRestore?.(ctx, name, ref);
  }
}
