/**
 * The VolumeDriver role (moby volume.Driver / volume.Volume): a driver keeps volumes' data and
 * knows how to make them available on the host. The store (store.ts) keeps what Docker keeps
 * about a volume beside its driver: labels, the options it was created with, who uses it.
 */
import type { Ctx } from '../lib/index.js';

/** One volume as its driver reports it. */
export interface DriverVolume {
  name: string;
  /** The host path of its data ('' for a driver that only has one while mounted). */
  path: string;
  /** When the driver created it, when it knows (ms since the epoch). */
  createdAtMs?: number;
  /** Driver status (moby volume.Status), shown by inspect when present. */
  status?: Record<string, unknown>;
}

export interface VolumeDriver {
  /** The driver name (`local`, or a plugin's name). */
  readonly name: string;
  /** `local` or `global` (moby Capability.Scope). */
  readonly scope: 'local' | 'global';
  /**
   * Creates `name` with driver options `opts`; returns the existing one when it exists.
   * Throws invalidParameter for a bad name or bad options.
   */
  create(ctx: Ctx, name: string, opts: Readonly<Record<string, string>>): Promise<DriverVolume>;
  /** The volume, or undefined when the driver has none of that name. */
  get(ctx: Ctx, name: string): Promise<DriverVolume | undefined>;
  /** Every volume of the driver. */
  list(ctx: Ctx): Promise<DriverVolume[]>;
  /**
   * Removes the volume and its data. Throws conflict while it has active mounts, system when the
   * data cannot be removed. Removing a missing volume succeeds.
   */
  remove(ctx: Ctx, name: string): Promise<void>;
  /**
   * Makes the volume's data available for `ref` (a container ID) and returns its host path.
   * Drivers that mount something count the users and mount on the first.
   */
  mount(ctx: Ctx, name: string, ref: string): Promise<string>;
  /** Ends `ref`'s use of the volume; the last user unmounts what mount() mounted. */
  unmount(ctx: Ctx, name: string, ref: string): Promise<void>;
  /**
   * After a daemon restart: `ref` still uses the volume (its container kept running), so it
   * counts as mounted without mounting again (moby LiveRestoreVolume).
   */
  liveRestore?(ctx: Ctx, name: string, ref: string): Promise<void>;
}
