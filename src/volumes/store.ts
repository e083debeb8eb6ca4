/**
 * The volume store (moby volume/service VolumeStore): the drivers, and what Docker keeps about a
 * volume beside its driver (its driver's name, labels and the options it was created with).
 * Who uses a volume is the daemon's business (its containers' records), not the store's.
 *
 * Disk layout (beside the local driver's volumes, under the same root):
 *   <root>/_meta/<name>.json   {"Name","Driver","Labels","Options","CreatedAt"}, written atomically
 *                              after the driver created the volume, removed after the driver
 *                              removed it. `_meta` is no valid volume name.
 *
 * Crash safety: a volume the driver has without metadata (a crash between the two writes) is
 * listed with the local driver and no labels, as Docker lists it; metadata whose local volume is
 * gone (a crash during remove) is dropped at load.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { conflict, invalidParameter, KeyedMutex, mkdirp, notFound, readJson, writeJsonAtomic, type Ctx } from '../lib/index.js';
import type { DriverVolume, VolumeDriver } from './driver.js';
import { ANONYMOUS_LABEL, generateVolumeName, validateVolumeName } from './names.js';

export const DEFAULT_DRIVER = 'local';

/** One volume as the daemon shows it (moby volume.Volume's fields, camelCase). */
export interface Volume {
  name: string;
  driver: string;
  scope: 'local' | 'global';
  /** Host path of its data. */
  mountpoint: string;
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
  /** RFC3339, seconds (Go's time.RFC3339). */
  createdAt: string;
  status?: Record<string, unknown>;
}

interface Metadata {
  Name: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  CreatedAt?: string;
}

/** Finds a driver that is not registered (a plugin); undefined when there is none of that name. */
export type DriverResolver = (ctx: Ctx, name: string) => Promise<VolumeDriver | undefined>;

/** Go's time.RFC3339 in UTC: `2026-11-30T00:40:43Z`. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `get <name>: no such volume` (moby OpErr{Op: get}). */
export const noSuchVolume = (name: string) => notFound(`get ${name}: no such volume`);

export class VolumeStore {
  private readonly meta = new Map<string, Metadata>();
  private readonly drivers = new Map<string, VolumeDriver>();
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly config: { root: string },
    private readonly resolveDriver?: DriverResolver,
  ) {}

  private get metaDir(): string {
    return join(this.config.root, '_meta');
  }

  /** Registers a driver (the local one at least) under its name. */
  register(driver: VolumeDriver): void {
    this.drivers.set(driver.name, driver);
  }

  /**
   * The driver of that name: a registered one or one the resolver finds. Throws notFound
   * `error looking up volume plugin <name>: plugin "<name>" not found` otherwise.
   */
  async driver(ctx: Ctx, name: string): Promise<VolumeDriver> {
    const d = this.drivers.get(name) ?? (await this.resolveDriver?.(ctx, name));
    if (!d) throw notFound(`error looking up volume plugin ${name}: plugin ${JSON.stringify(name)} not found`);
    return d;
  }

  /** Names of the drivers in use (for /info's Plugins.Volume). */
  driverNames(): string[] {
    return [...this.drivers.keys()];
  }

  /** Loads the metadata. The drivers must have loaded their volumes already. */
  async load(ctx: Ctx): Promise<void> {
    await mkdirp(this.metaDir, 0o700);
    for (const f of await fs.readdir(this.metaDir)) {
      if (!f.endsWith('.json')) continue;
      const m = await readJson<Metadata>(join(this.metaDir, f)).catch(() => undefined);
      if (!m || typeof m.Name !== 'string') continue;
      const local = this.drivers.get(DEFAULT_DRIVER);
      if (m.Driver === DEFAULT_DRIVER && local && !(await local.get(ctx, m.Name))) {
        await fs.rm(join(this.metaDir, f), { force: true });
        continue;
      }
      this.meta.set(m.Name, m);
    }
  }

  private async saveMeta(m: Metadata): Promise<void> {
    await writeJsonAtomic(join(this.metaDir, `${m.Name}.json`), m, 0o600);
    this.meta.set(m.Name, m);
  }

  private async toVolume(ctx: Ctx, m: Metadata, dv?: DriverVolume): Promise<Volume> {
    const d = await this.driver(ctx, m.Driver).catch(() => undefined);
    return {
      name: m.Name,
      driver: m.Driver,
      scope: d?.scope ?? 'local',
      mountpoint: dv?.path ?? '',
      labels: m.Labels,
      options: m.Options,
      createdAt: m.CreatedAt ?? '',
      ...(dv?.status ? { status: dv.status } : {}),
    };
  }

  /**
   * Creates a volume, or returns the existing one of that name (`created` false). An empty name
   * makes an anonymous volume: a generated name and the anonymous label. Throws
   * invalidParameter (bad name or options, prefixed `create <name>: `), conflict when the
   * name is taken in another driver, notFound for an unknown driver.
   */
  async create(
    ctx: Ctx,
    name: string,
    driverName: string,
    opts: { options?: Record<string, string> | null; labels?: Record<string, string> | null } = {},
  ): Promise<{ volume: Volume; created: boolean }> {
    let labels = opts.labels ?? null;
    if (name === '') {
      name = generateVolumeName();
      driverName ||= DEFAULT_DRIVER;
      labels = { ...(labels ?? {}), [ANONYMOUS_LABEL]: '' };
    }
    return this.mutex.run(name, async () => {
      const existing = this.meta.get(name) ?? (await this.adopt(ctx, name));
      if (existing) {
        if (driverName && driverName !== existing.Driver) {
          throw conflict(`create ${name}: driver '${existing.Driver}' already has volume '${name}': volume name must be unique`);
        }
        const d = await this.driver(ctx, existing.Driver);
        const dv = await d.get(ctx, name);
        if (dv) return { volume: await this.toVolume(ctx, existing, dv), created: false };
      }
      const d = await this.driver(ctx, driverName || DEFAULT_DRIVER);
      if (d.name === DEFAULT_DRIVER) {
        try {
          validateVolumeName(name);
        } catch (e) {
          throw invalidParameter(`create ${name}: ${(e as Error).message}`, e);
        }
      }
      let dv: DriverVolume;
      try {
        dv = await d.create(ctx, name, opts.options ?? {});
      } catch (e) {
        const err = e as Error & { kind?: string };
        err.message = `create ${name}: ${err.message}`;
        throw err;
      }
      const m: Metadata = { Name: name, Driver: d.name, Labels: labels, Options: opts.options ?? null, CreatedAt: rfc3339(dv.createdAtMs ?? Date.now()) };
      await this.saveMeta(m);
      return { volume: await this.toVolume(ctx, m, dv), created: true };
    });
  }

  /** A local volume without metadata (created before a crash): recorded as Docker restores it. */
  private async adopt(ctx: Ctx, name: string): Promise<Metadata | undefined> {
    const local = this.drivers.get(DEFAULT_DRIVER);
    const dv = local ? await local.get(ctx, name) : undefined;
    if (!dv) return undefined;
    const st = await fs.stat(join(this.config.root, name)).catch(() => undefined);
    const m: Metadata = { Name: name, Driver: DEFAULT_DRIVER, Labels: null, Options: null, CreatedAt: rfc3339(st?.ctimeMs ?? Date.now()) };
    this.meta.set(name, m);
    return m;
  }

  /** One volume. Throws notFound `get <name>: no such volume`. */
  async get(ctx: Ctx, name: string): Promise<Volume> {
    const m = this.meta.get(name) ?? (await this.adopt(ctx, name));
    if (!m) throw noSuchVolume(name);
    const d = await this.driver(ctx, m.Driver).catch(() => undefined);
    const dv = await d?.get(ctx, name).catch(() => undefined);
    if (!dv) throw noSuchVolume(name);
    return this.toVolume(ctx, m, dv);
  }

  /** Every volume of every driver in use (local ones without metadata included). */
  async list(ctx: Ctx): Promise<Volume[]> {
    const local = this.drivers.get(DEFAULT_DRIVER);
    if (local) for (const dv of await local.list(ctx)) if (!this.meta.has(dv.name)) await this.adopt(ctx, dv.name);
    const out: Volume[] = [];
    for (const m of [...this.meta.values()].sort((a, b) => a.Name.localeCompare(b.Name))) {
      const d = await this.driver(ctx, m.Driver).catch(() => undefined);
      const dv = await d?.get(ctx, m.Name).catch(() => undefined);
      if (dv) out.push(await this.toVolume(ctx, m, dv));
    }
    return out;
  }

  /**
   * Removes a volume through its driver, then its metadata. `purgeOnError`: forget the volume
   * even when the driver fails (remove -f). Throws notFound when there is no such volume.
   */
  async remove(ctx: Ctx, name: string, opts: { purgeOnError?: boolean } = {}): Promise<Volume> {
    return this.mutex.run(name, async () => {
      const v = await this.get(ctx, name);
      let err: unknown;
      try {
        const d = await this.driver(ctx, v.driver);
        await d.remove(ctx, name);
      } catch (e) {
        err = e;
        (e as Error).message = `remove ${name}: ${(e as Error).message}`;
      }
      if (err === undefined || opts.purgeOnError) {
        await fs.rm(join(this.metaDir, `${name}.json`), { force: true });
        this.meta.delete(name);
      }
      if (err !== undefined) throw err;
      return v;
    });
  }
}
