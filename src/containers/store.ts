/**
 * ContainerStore: the container records on disk and their in-memory index.
 *
 * On-disk layout (moby's <data-root>/containers, one directory per container):
 *
 *   <root>/
 *     <id>/                       64 hex; mode 0710
 *       config.v2.json            the record minus HostConfig (record.ts: ContainerRecord)
 *       hostconfig.json           HostConfig, Docker's wire shape
 *       .config.v2.json.<r>.tmp   transient: atomic-write temp file (removed at load)
 *       <id>-json.log[.N[.gz]]    json-file logs (written by logs/, not by this store)
 *       local-logs/container.log  local-driver logs (ditto)
 *       …                         anything else the daemon keeps per container
 *     .creating-<id>-<r>/         transient: a record being created (removed at load)
 *     .removing-<id>-<r>/         transient: a directory being deleted (removed at load)
 *
 * A record directory appears whole: create() fills `.creating-<id>-<r>/` (the caller's extra
 * files, hostconfig.json, then config.v2.json) and renames it to `<id>/`, so berthd dying during
 * a create leaves only a transient directory, never a half-made record. Every later file write is
 * atomic (temp + fsync + rename + fsync dir, lib writeFileAtomic), so a crash leaves the old or
 * the new version of each file. A directory without a readable config.v2.json is skipped at load
 * (and left in place, logged), as is a record whose JSON does not parse or whose ID does not
 * match its directory.
 *
 * One container's writes are serialized by a KeyedMutex keyed by ID. Names are reserved
 * synchronously (before any await), so two creates racing for a name cannot both win.
 *
 * Records handed out are deep-frozen snapshots: change them through update()/rename(), which
 * persist first and swap the snapshot in only after the write succeeded.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  KeyedMutex,
  DockerError,
  fsyncDir,
  invalidParameter,
  mkdirp,
  messageOf,
  system,
  writeFileAtomic,
  type Ctx,
} from '../lib/index.js';
import type { HostConfig } from '../api/types/index.js';
import {
  allocationError,
  invalidIdentifier,
  nameConflict,
  noSuchContainer,
  renameEmpty,
  renameSame,
} from './errors.js';
import { generateId, isFullId, truncateId } from './ids.js';
import { IdIndex } from './id-index.js';
import { generateName, nameKey, normalizeName, type RandomInt } from './names.js';
import { compareCreated, completeRecord, normalizeLoaded, type ContainerInit, type ContainerRecord } from './record.js';
import { persistedState } from './state.js';
import { formatDate, systemClock, type Clock } from './timefmt.js';

export const CONFIG_FILE = 'config.v2.json';
export const HOSTCONFIG_FILE = 'hostconfig.json';
const REMOVING_PREFIX = '.removing-';
const CREATING_PREFIX = '.creating-';
const TMP_RE = /^\..+\.[0-9a-f]+\.tmp$/;
const LOAD_CONCURRENCY = 32;
/** compat: moby daemon/names.go tries six random names before falling back to the short ID. */
const NAME_ATTEMPTS = 6;

export interface ContainerStoreOptions {
  /** The containers directory (`<data-root>/containers`). */
  root: string;
  clock?: Clock;
  /** Random source of the name generator (tests). */
  randomInt?: RandomInt;
  /** ID generator (tests). */
  newId?: () => string;
}

export interface LoadReport {
  loaded: number;
  /** Directories that were not loaded, with why. */
  skipped: { dir: string; reason: string }[];
}

export interface RenameResult {
  oldName: string;
  record: Readonly<ContainerRecord>;
}

interface Written {
  config: string;
  host: string;
}

export class ContainerStore {
  private readonly root: string;
  private readonly clock: Clock;
  private readonly randomInt: RandomInt | undefined;
  private readonly newId: () => string;
  private readonly mutex = new KeyedMutex();
  /** id → frozen record, in creation order. */
  private byId = new Map<string, Readonly<ContainerRecord>>();
  /** "/name" → id, including names reserved by creates still being written. */
  private names = new Map<string, string>();
  /** IDs reserved by creates in flight. */
  private pending = new Set<string>();
  /** All committed IDs, for prefix lookup. */
  private readonly ids = new IdIndex();
  /** list() answer, newest first; rebuilt lazily after a change. */
  private listCache: readonly Readonly<ContainerRecord>[] | undefined;
  /** The JSON last written per container, to skip writes that change nothing. */
  private written = new Map<string, Written>();

  constructor(opts: ContainerStoreOptions) {
    this.root = opts.root;
    this.clock = opts.clock ?? systemClock;
    this.randomInt = opts.randomInt;
    this.newId = opts.newId ?? (() => generateId());
  }

  /** The directory of a container's files (it exists once create() returned). */
  dir(id: string): string {
    return join(this.root, id);
  }

  /** Number of containers. */
  get size(): number {
    return this.byId.size;
  }

  /**
   * Reads every record under root into the index, replacing what it held. Unreadable records
   * (no or corrupt config.v2.json or hostconfig.json, ID not matching the directory, a name
   * already taken by another record) are skipped and logged at warn; leftover temp files and
   * half-deleted directories are removed. Creates root when missing. Throws system only when root
   * itself cannot be read.
   */
  async load(ctx: Ctx): Promise<LoadReport> {
    await mkdirp(this.root, 0o710);
    const entries = await fs.readdir(this.root, { withFileTypes: true });
    const report: LoadReport = { loaded: 0, skipped: [] };
    const skip = (dir: string, reason: string) => {
      report.skipped.push({ dir, reason });
      ctx.log.warn('skipping container record', { dir, reason });
    };
    const dirs: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith(REMOVING_PREFIX) || e.name.startsWith(CREATING_PREFIX)) {
        await fs.rm(join(this.root, e.name), { recursive: true, force: true }).catch((err) => {
          ctx.log.warn('cannot delete a half-removed or half-created container directory', { dir: e.name, err });
        });
        continue;
      }
      if (!e.isDirectory()) continue;
      if (!isFullId(e.name)) {
        ctx.log.debug('ignoring a directory that is not a container ID', { dir: e.name });
        continue;
      }
      dirs.push(e.name);
    }

    const loaded: { rec: ContainerRecord; written: Written }[] = [];
    for (let i = 0; i < dirs.length; i += LOAD_CONCURRENCY) {
      ctx.signal.throwIfAborted();
      const batch = dirs.slice(i, i + LOAD_CONCURRENCY);
      const results = await Promise.all(batch.map((d) => this.loadOne(ctx, d)));
      results.forEach((r, j) => {
        if ('reason' in r) skip(batch[j]!, r.reason);
        else loaded.push(r);
      });
    }

    loaded.sort((a, b) => compareCreated(a.rec, b.rec));
    const byId = new Map<string, Readonly<ContainerRecord>>();
    const names = new Map<string, string>();
    const written = new Map<string, Written>();
    for (const { rec, written: w } of loaded) {
      const owner = names.get(rec.Name);
      if (owner !== undefined) {
        skip(rec.ID, `name ${rec.Name} is already used by container ${owner}`);
        continue;
      }
      names.set(rec.Name, rec.ID);
      byId.set(rec.ID, deepFreeze(rec));
      written.set(rec.ID, w);
    }
    this.byId = byId;
    this.names = names;
    this.written = written;
    this.pending.clear();
    this.ids.reset(byId.keys());
    this.listCache = undefined;
    report.loaded = byId.size;
    return report;
  }

  private async loadOne(ctx: Ctx, id: string): Promise<{ rec: ContainerRecord; written: Written } | { reason: string }> {
    const dir = this.dir(id);
    let files: string[];
    try {
      files = await fs.readdir(dir);
    } catch (e) {
      return { reason: `cannot read directory: ${messageOf(e)}` };
    }
    for (const f of files) {
      if (TMP_RE.test(f)) {
        ctx.log.debug('removing a leftover temp file', { container: id.slice(0, 12), file: f });
        await fs.rm(join(dir, f), { force: true }).catch(() => {});
      }
    }
    if (!files.includes(CONFIG_FILE)) return { reason: `no ${CONFIG_FILE}` };
    let configText: string;
    let raw: unknown;
    try {
      configText = await fs.readFile(join(dir, CONFIG_FILE), 'utf8');
      raw = JSON.parse(configText);
    } catch (e) {
      return { reason: `${CONFIG_FILE}: ${messageOf(e)}` };
    }
    let hostText = '';
    let host: HostConfig = {};
    if (files.includes(HOSTCONFIG_FILE)) {
      try {
        hostText = await fs.readFile(join(dir, HOSTCONFIG_FILE), 'utf8');
        const parsed: unknown = JSON.parse(hostText);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
          return { reason: `${HOSTCONFIG_FILE}: not an object` };
        }
        host = parsed as HostConfig;
      } catch (e) {
        return { reason: `${HOSTCONFIG_FILE}: ${messageOf(e)}` };
      }
    } else {
      ctx.log.warn(`container has no ${HOSTCONFIG_FILE}; using an empty one`, { container: id.slice(0, 12) });
    }
    const rec = normalizeLoaded(raw, host);
    if (!rec) return { reason: `${CONFIG_FILE}: not a container record` };
    if (rec.ID !== id) return { reason: `${CONFIG_FILE}: ID ${rec.ID} does not match the directory` };
    try {
      normalizeName(rec.Name);
    } catch {
      return { reason: `${CONFIG_FILE}: invalid name ${JSON.stringify(rec.Name)}` };
    }
    rec.Name = nameKey(rec.Name);
    return { rec, written: { config: configText, host: hostText } };
  }

  /**
   * The container a reference names, by Docker's rules (moby daemon.GetContainer): a full ID,
   * then an exact name (with or without the leading "/"), then a unique ID prefix.
   * Throws invalidParameter `invalid name or ID supplied: ""` for an empty ref,
   * invalidParameter `multiple IDs found with provided prefix: <ref>` for an ambiguous prefix,
   * notFound `No such container: <ref>` otherwise.
   */
  get(ref: string): Readonly<ContainerRecord> {
    if (ref === '') throw invalidIdentifier(ref);
    const byId = this.byId.get(ref);
    if (byId) return byId;
    const owner = this.names.get(nameKey(ref));
    if (owner !== undefined) {
      const byName = this.byId.get(owner);
      if (byName) return byName;
    }
    const id = this.ids.byPrefix(ref);
    const rec = id === undefined ? undefined : this.byId.get(id);
    if (!rec) throw noSuchContainer(ref);
    return rec;
  }

  /** Like get(), but undefined when nothing matches (an ambiguous prefix still throws). */
  find(ref: string): Readonly<ContainerRecord> | undefined {
    try {
      return this.get(ref);
    } catch (e) {
      if (e instanceof DockerError && e.kind === 'notFound') return undefined;
      throw e;
    }
  }

  /** The ID holding a name ("x" or "/x"), including names of creates in flight. */
  nameOwner(name: string): string | undefined {
    return this.names.get(nameKey(name));
  }

  /** Every record, newest first (by Created). The array and the records are frozen. */
  list(): readonly Readonly<ContainerRecord>[] {
    if (!this.listCache) this.listCache = Object.freeze([...this.byId.values()].reverse());
    return this.listCache;
  }

  /**
   * Creates a record: generates the ID when init.ID is absent, reserves init.Name (validated;
   * "/" added) or a generated name (moby: six random tries, then the short ID), fills Docker's
   * defaults, writes `files` (name → content, other per-container files that must exist whenever
   * the record does), hostconfig.json and config.v2.json into a fresh directory that then
   * appears at dir(id) in one rename, and indexes the record.
   * Throws invalidParameter for an invalid name, conflict `Conflict. The container name "/x" is
   * already in use by container "<id>". …` for a taken one, system on I/O failure (nothing is
   * left behind: the name is released and the directory removed).
   */
  async create(ctx: Ctx, init: ContainerInit, files: Record<string, string> = {}): Promise<Readonly<ContainerRecord>> {
    ctx.signal.throwIfAborted();
    const id = init.ID ?? this.newId();
    if (!isFullId(id)) throw invalidParameter(`invalid container ID: ${JSON.stringify(id)}`);
    if (this.byId.has(id) || this.pending.has(id)) throw system(`container ${id} already exists`);
    const name = this.reserveName(id, init.Name);
    this.pending.add(id);
    const rec = completeRecord({
      ...init,
      ID: id,
      Name: name,
      Created: init.Created ?? formatDate(this.clock.now()),
    });
    const making = join(this.root, `${CREATING_PREFIX}${id}-${randomBytes(4).toString('hex')}`);
    try {
      await this.mutex.run(id, async () => {
        await mkdirp(this.root, 0o710);
        await fs.mkdir(making, { mode: 0o710 });
        await Promise.all(Object.entries(files).map(([f, text]) => fs.writeFile(join(making, f), text)));
        const w = await this.persist(id, rec, undefined, making);
        // Fails (ENOTEMPTY) rather than replace a record directory already named by this ID.
        await fs.rename(making, this.dir(id));
        await fsyncDir(this.root);
        this.written.set(id, w);
      });
    } catch (e) {
      this.pending.delete(id);
      if (this.names.get(name) === id) this.names.delete(name);
      this.written.delete(id);
      await fs.rm(making, { recursive: true, force: true }).catch(() => {});
      throw e instanceof DockerError ? e : system(`cannot create container ${id}: ${messageOf(e)}`, e);
    }
    this.pending.delete(id);
    const frozen = deepFreeze(rec);
    this.byId.set(id, frozen);
    this.ids.add(id);
    this.listCache = undefined;
    return frozen;
  }

  /**
   * Applies `mutate` to a copy of the record and persists it; the index sees the new version only
   * once it is on disk. Serialized per container. `mutate` must not change ID or Name (use
   * rename). Throws what get() throws, system on I/O failure (the old version stays), and
   * whatever `mutate` throws (nothing is written then).
   * `volatile`: change the record in memory only (the next persisted update writes it too), for
   * states a crash may lose because boot recovers them anyway (an --rm container on its way out).
   */
  async update(
    ctx: Ctx,
    ref: string,
    mutate: (draft: ContainerRecord) => void | Promise<void>,
    { volatile = false } = {},
  ): Promise<Readonly<ContainerRecord>> {
    ctx.signal.throwIfAborted();
    const id = this.get(ref).ID;
    return this.mutex.run(id, async () => {
      const cur = this.byId.get(id);
      if (!cur) throw noSuchContainer(ref);
      const draft = structuredClone(cur) as ContainerRecord;
      await mutate(draft);
      if (draft.ID !== cur.ID || draft.Name !== cur.Name) {
        throw system('ContainerStore.update: ID and Name cannot change (use rename)');
      }
      if (volatile) return this.commit(id, draft, this.written.get(id)!);
      const w = await this.persistOrThrow(id, draft);
      return this.commit(id, draft, w);
    });
  }

  /**
   * Renames a container (moby daemon/rename.go checks, in its order). Throws invalidParameter
   * `Neither old nor new names may be empty`, invalidParameter `Renaming a container with the same
   * name as its current name`, and "Error when allocating new name: …" wrapping the invalid-name
   * (400) or name-conflict (409) error. Events are the caller's job.
   */
  async rename(ctx: Ctx, ref: string, newName: string): Promise<RenameResult> {
    ctx.signal.throwIfAborted();
    if (ref === '' || newName === '') throw renameEmpty();
    const id = this.get(ref).ID;
    return this.mutex.run(id, async () => {
      const cur = this.byId.get(id);
      if (!cur) throw noSuchContainer(ref);
      const wanted = nameKey(newName);
      if (wanted === cur.Name) throw renameSame();
      let reserved: string;
      try {
        reserved = this.reserveName(id, wanted);
      } catch (e) {
        throw e instanceof DockerError ? allocationError(e) : e;
      }
      const draft = structuredClone(cur) as ContainerRecord;
      draft.Name = reserved;
      let w: Written;
      try {
        w = await this.persistOrThrow(id, draft);
      } catch (e) {
        if (this.names.get(reserved) === id) this.names.delete(reserved);
        throw e;
      }
      if (this.names.get(cur.Name) === id) this.names.delete(cur.Name);
      return { oldName: cur.Name, record: this.commit(id, draft, w) };
    });
  }

  /**
   * Deletes a container's record and its whole directory (logs included) and releases its name.
   * The directory is first renamed aside atomically, so a crash never leaves half a record.
   * The caller has stopped the task and unmounted anything under the directory. Throws what
   * get() throws, system when the directory cannot be moved aside.
   */
  async remove(ctx: Ctx, ref: string): Promise<void> {
    ctx.signal.throwIfAborted();
    const id = this.get(ref).ID;
    await this.mutex.run(id, async () => {
      const cur = this.byId.get(id);
      if (!cur) throw noSuchContainer(ref);
      const aside = join(this.root, `${REMOVING_PREFIX}${id}-${randomBytes(4).toString('hex')}`);
      try {
        await fs.rename(this.dir(id), aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw system(`unable to remove filesystem for ${id}: ${messageOf(e)}`, e);
        }
      }
      this.byId.delete(id);
      this.written.delete(id);
      if (this.names.get(cur.Name) === id) this.names.delete(cur.Name);
      this.ids.remove(id);
      this.listCache = undefined;
      await fs.rm(aside, { recursive: true, force: true }).catch((err) => {
        ctx.log.warn('cannot delete a removed container directory; it goes at next start', { dir: aside, err });
      });
    });
  }

  // --- internals ---

  /** Validates and reserves `name` (or generates one) for id, synchronously. */
  private reserveName(id: string, name: string | undefined): string {
    if (name !== undefined && name !== '') {
      const n = normalizeName(name);
      const owner = this.names.get(n);
      if (owner !== undefined && owner !== id) throw nameConflict(n, owner);
      this.names.set(n, id);
      return n;
    }
    for (let i = 0; i < NAME_ATTEMPTS; i++) {
      const n = '/' + generateName(i, this.randomInt);
      if (!this.names.has(n)) {
        this.names.set(n, id);
        return n;
      }
    }
    const n = '/' + truncateId(id);
    const owner = this.names.get(n);
    if (owner !== undefined && owner !== id) throw nameConflict(n, owner);
    this.names.set(n, id);
    return n;
  }

  private async persistOrThrow(id: string, rec: ContainerRecord): Promise<Written> {
    try {
      return await this.persist(id, rec, this.written.get(id));
    } catch (e) {
      throw system(`cannot save container ${id}: ${messageOf(e)}`, e);
    }
  }

  /** Writes whichever of the two files changed: hostconfig.json first, then config.v2.json. */
  private async persist(id: string, rec: ContainerRecord, prev: Written | undefined, dir = this.dir(id)): Promise<Written> {
    const { HostConfig: host, ...rest } = rec;
    const config = JSON.stringify({ ...rest, State: persistedState(rec.State) });
    const hostText = JSON.stringify(host ?? {});
    if (hostText !== prev?.host) await writeFileAtomic(join(dir, HOSTCONFIG_FILE), hostText, 0o644);
    if (config !== prev?.config) await writeFileAtomic(join(dir, CONFIG_FILE), config, 0o600);
    return { config, host: hostText };
  }

  private commit(id: string, rec: ContainerRecord, w: Written): Readonly<ContainerRecord> {
    const frozen = deepFreeze(rec);
    this.byId.set(id, frozen);
    this.written.set(id, w);
    this.listCache = undefined;
    return frozen;
  }

}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
