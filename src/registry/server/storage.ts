/**
 * FsRegistryStorage: the registry's blobs, uploads, manifests and tags on a local filesystem
 * (distribution's storage/paths.go, simplified). Layout under `root`:
 *
 *   <root>/
 *     blobs/sha256/<hex>                       verified blob bytes (layers, configs, manifests)
 *     uploads/<uuid>/data                      bytes of an upload in progress (never visible)
 *     uploads/<uuid>/info.json                 {"repo","startedAt"}
 *     repositories/<name>/
 *       _layers/sha256/<hex>                   empty: the blob is linked into this repository
 *       _manifests/revisions/sha256/<hex>      {"mediaType"}: a manifest of this repository
 *       _manifests/tags/<tag>                  the digest the tag points at
 *
 * A blob becomes visible only by rename(2) of a fully written, fsynced and digest-verified file
 * into blobs/, and links and tags are written with temp + rename; so an interrupted upload (a
 * killed registry, a dropped connection) leaves nothing visible, only a stale upload directory
 * that `gc` removes. Upload bytes are hashed as they arrive; after a restart the digest is
 * computed again from the file.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Digester, KeyedMutex, fsyncDir, mkdirp, writeFileAtomic } from '../../lib/index.js';
import { regError } from './errcodes.js';

/** Read size of blob downloads. */
const READ_CHUNK = 1 << 20;

export interface UploadState {
  uuid: string;
  repo: string;
  /** Bytes received so far. */
  size: number;
  startedAt: string;
}

export interface ManifestRecord {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/** Repository names: path components of lowercase alphanumerics and separators (distribution reference). */
const COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isValidRepoName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name.split('/').every((c) => COMPONENT_RE.test(c));
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** Checks a digest parameter: DIGEST_INVALID unless it is a sha256 digest (the only one stored). */
export function checkDigest(d: string | null | undefined): string {
  if (!d || !ANY_DIGEST_RE.test(d)) throw regError('DIGEST_INVALID', { digest: d ?? '' }, 'invalid digest');
  if (d.startsWith('sha256:') && !DIGEST_RE.test(d)) throw regError('DIGEST_INVALID', { digest: d }, 'invalid digest');
  if (!DIGEST_RE.test(d)) throw regError('UNSUPPORTED', { digest: d }, `unsupported digest algorithm: ${d.split(':')[0]}`);
  return d;
}

const hexOf = (digest: string) => digest.slice('sha256:'.length);
const notExists = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR';

export class FsRegistryStorage {
  private readonly uploadLock = new KeyedMutex();
  /** Running digests of uploads, valid while `size` matches the file. Dropped on finish/cancel. */
  private readonly hashes = new Map<string, Digester>();

  constructor(readonly root: string) {}

  private blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', hexOf(digest));
  }
  private repoPath(repo: string): string {
    return join(this.root, 'repositories', ...repo.split('/'));
  }
  private layerLink(repo: string, digest: string): string {
    return join(this.repoPath(repo), '_layers', 'sha256', hexOf(digest));
  }
  private revisionLink(repo: string, digest: string): string {
    return join(this.repoPath(repo), '_manifests', 'revisions', 'sha256', hexOf(digest));
  }
  private tagPath(repo: string, tag: string): string {
    return join(this.repoPath(repo), '_manifests', 'tags', tag);
  }
  private uploadDir(uuid: string): string {
    return join(this.root, 'uploads', uuid);
  }

  async init(): Promise<void> {
    for (const d of ['blobs/sha256', 'uploads', 'repositories']) await mkdirp(join(this.root, d), 0o755);
  }

  // ---- blobs ----------------------------------------------------------------------------

  /** The size of a blob stored anywhere in the registry; undefined when absent. */
  async blobSize(digest: string): Promise<number | undefined> {
    try {
      return (await fs.stat(this.blobPath(digest))).size;
    } catch (e) {
      if (notExists(e)) return undefined;
      throw e;
    }
  }

  /** The size of a blob linked into `repo`; BLOB_UNKNOWN otherwise. */
  async statBlob(repo: string, digest: string): Promise<number> {
    const size = await this.blobSize(digest);
    if (size === undefined || !(await this.exists(this.layerLink(repo, digest)))) throw regError('BLOB_UNKNOWN', { digest });
    return size;
  }

  /**
   * The bytes [start, end] (inclusive) of a blob linked into `repo`, read 1 MiB at a time (a
   * 200 MB layer in the default 64 KiB reads costs the server about twice the CPU).
   */
  readBlob(digest: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.blobPath(digest), { highWaterMark: READ_CHUNK, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  /** Unlinks a blob from `repo` (the bytes stay until gc). BLOB_UNKNOWN when not linked. */
  async unlinkBlob(repo: string, digest: string): Promise<void> {
    try {
      await fs.unlink(this.layerLink(repo, digest));
    } catch (e) {
      if (notExists(e)) throw regError('BLOB_UNKNOWN', { digest });
      throw e;
    }
  }

  /** Links an existing blob into `repo` (cross-repository mount, manifests). */
  async linkBlob(repo: string, digest: string): Promise<void> {
    const link = this.layerLink(repo, digest);
    if (await this.exists(link)) return;
    await mkdirp(join(link, '..'), 0o755);
    await writeFileAtomic(link, '');
  }

  /** Whether `digest` is linked into `repo` and present. */
  async hasBlob(repo: string, digest: string): Promise<boolean> {
    return (await this.exists(this.layerLink(repo, digest))) && (await this.blobSize(digest)) !== undefined;
  }

  /** Every stored blob digest. */
  async listBlobs(): Promise<string[]> {
    const names = await fs.readdir(join(this.root, 'blobs', 'sha256')).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  async deleteBlobFile(digest: string): Promise<void> {
    await fs.rm(this.blobPath(digest), { force: true });
  }

  /**
   * Writes a small blob (a manifest) whose digest is already known and verified by the caller,
   * atomically; existing content is left alone.
   */
  private async putSmallBlob(digest: string, bytes: Buffer): Promise<void> {
    if ((await this.blobSize(digest)) !== undefined) return;
    await writeFileAtomic(this.blobPath(digest), bytes);
  }

  // ---- uploads ---------------------------------------------------------------------------

  /** Starts an upload session for `repo`. */
  async startUpload(repo: string): Promise<UploadState> {
    const uuid = randomUUID();
    const dir = this.uploadDir(uuid);
    await mkdirp(dir, 0o755);
    const startedAt = new Date().toISOString();
    await fs.writeFile(join(dir, 'data'), '');
    await writeFileAtomic(join(dir, 'info.json'), JSON.stringify({ repo, startedAt }));
    this.hashes.set(uuid, new Digester());
    return { uuid, repo, size: 0, startedAt };
  }

  /** The state of an upload of `repo`; BLOB_UPLOAD_UNKNOWN when there is none. */
  async uploadState(repo: string, uuid: string): Promise<UploadState> {
    if (!/^[a-f0-9-]{36}$/.test(uuid)) throw regError('BLOB_UPLOAD_UNKNOWN', { uuid });
    const dir = this.uploadDir(uuid);
    let info: { repo: string; startedAt: string };
    let size: number;
    try {
      info = JSON.parse(await fs.readFile(join(dir, 'info.json'), 'utf8')) as { repo: string; startedAt: string };
      size = (await fs.stat(join(dir, 'data'))).size;
    } catch (e) {
      if (notExists(e)) throw regError('BLOB_UPLOAD_UNKNOWN', { uuid });
      throw e;
    }
    if (info.repo !== repo) throw regError('BLOB_UPLOAD_UNKNOWN', { uuid });
    return { uuid, repo, size, startedAt: info.startedAt };
  }

  /**
   * Appends `body` to an upload. With `start`, the chunk must begin where the upload ends
   * (RANGE_INVALID otherwise, 416). Returns the new state.
   */
  appendUpload(repo: string, uuid: string, body: Readable, start?: number): Promise<UploadState> {
    return this.uploadLock.run(uuid, async () => {
      const st = await this.uploadState(repo, uuid);
      if (start !== undefined && start !== st.size) {
        body.resume();
        throw regError('RANGE_INVALID', { expected: st.size, got: start });
      }
      let hash = this.hashes.get(uuid);
      if (hash && hash.size !== st.size) hash = undefined;
      if (!hash) this.hashes.delete(uuid);
      const path = join(this.uploadDir(uuid), 'data');
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash?.update(chunk);
          cb(null, chunk);
        },
      });
      let written = 0;
      counter.on('data', (c: Buffer) => (written += c.length));
      try {
        await pipeline(body, counter, createWriteStream(path, { flags: 'a' }));
      } catch (e) {
        // A partial chunk was appended: the running hash no longer matches; recompute later.
        this.hashes.delete(uuid);
        throw e;
      }
      return { ...st, size: st.size + written };
    });
  }

  /**
   * Finishes an upload: appends `body` (if any), verifies the bytes against `digest`
   * (DIGEST_INVALID, and the upload is dropped) and, if given, `size` (SIZE_INVALID), then moves
   * the file into blobs/ and links it into `repo`. Returns the blob size.
   */
  async finishUpload(repo: string, uuid: string, digest: string, body?: Readable, size?: number): Promise<number> {
    if (body) await this.appendUpload(repo, uuid, body);
    return this.uploadLock.run(uuid, async () => {
      const st = await this.uploadState(repo, uuid);
      const dir = this.uploadDir(uuid);
      const data = join(dir, 'data');
      let hash = this.hashes.get(uuid);
      if (!hash || hash.size !== st.size) {
        hash = new Digester();
        for await (const c of createReadStream(data)) hash.update(c as Buffer);
      }
      const actual = hash.digest();
      this.hashes.delete(uuid);
      if (actual !== digest) {
        await fs.rm(dir, { recursive: true, force: true });
        throw regError('DIGEST_INVALID', { digest, actual });
      }
      if (size !== undefined && size !== st.size) {
        await fs.rm(dir, { recursive: true, force: true });
        throw regError('SIZE_INVALID', { size, actual: st.size });
      }
      if ((await this.blobSize(digest)) === undefined) {
        const fh = await fs.open(data, 'r+');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
        await fs.rename(data, this.blobPath(digest));
        await fsyncDir(join(this.root, 'blobs', 'sha256'));
      }
      await fs.rm(dir, { recursive: true, force: true });
      await this.linkBlob(repo, digest);
      return st.size;
    });
  }

  /** Cancels an upload: its bytes are removed. BLOB_UPLOAD_UNKNOWN when there is none. */
  async cancelUpload(repo: string, uuid: string): Promise<void> {
    await this.uploadLock.run(uuid, async () => {
      await this.uploadState(repo, uuid);
      this.hashes.delete(uuid);
      await fs.rm(this.uploadDir(uuid), { recursive: true, force: true });
    });
  }

  /** Upload sessions started before `before` (for gc). */
  async staleUploads(before: Date): Promise<string[]> {
    const out: string[] = [];
    for (const uuid of await fs.readdir(join(this.root, 'uploads')).catch(() => [] as string[])) {
      const st = await fs.stat(join(this.root, 'uploads', uuid)).catch(() => undefined);
      if (st && st.mtime < before) out.push(uuid);
    }
    return out;
  }

  async removeUpload(uuid: string): Promise<void> {
    await fs.rm(this.uploadDir(uuid), { recursive: true, force: true });
  }

  // ---- manifests and tags ----------------------------------------------------------------

  /** Stores a manifest already validated by the caller, then points `tag` at it. */
  async putManifest(repo: string, m: ManifestRecord, tag?: string): Promise<void> {
    await this.putSmallBlob(m.digest, m.bytes);
    await this.linkBlob(repo, m.digest);
    const rev = this.revisionLink(repo, m.digest);
    await mkdirp(join(rev, '..'), 0o755);
    await writeFileAtomic(rev, JSON.stringify({ mediaType: m.mediaType }));
    if (tag) {
      const t = this.tagPath(repo, tag);
      await mkdirp(join(t, '..'), 0o755);
      await writeFileAtomic(t, m.digest);
    }
  }

  /** The digest a tag points at; MANIFEST_UNKNOWN when there is no such tag. */
  async resolveTag(repo: string, tag: string): Promise<string> {
    try {
      return (await fs.readFile(this.tagPath(repo, tag), 'utf8')).trim();
    } catch (e) {
      if (notExists(e)) throw regError('MANIFEST_UNKNOWN', { tag }, `manifest unknown: ${tag}`);
      throw e;
    }
  }

  /** A manifest of `repo` by digest; MANIFEST_UNKNOWN when it is not one. */
  async getManifest(repo: string, digest: string): Promise<ManifestRecord> {
    let mediaType: string;
    try {
      mediaType = (JSON.parse(await fs.readFile(this.revisionLink(repo, digest), 'utf8')) as { mediaType: string }).mediaType;
    } catch (e) {
      if (notExists(e)) throw regError('MANIFEST_UNKNOWN', { digest });
      throw e;
    }
    try {
      return { digest, mediaType, bytes: await fs.readFile(this.blobPath(digest)) };
    } catch (e) {
      if (notExists(e)) throw regError('MANIFEST_UNKNOWN', { digest });
      throw e;
    }
  }

  async hasManifest(repo: string, digest: string): Promise<boolean> {
    return (await this.exists(this.revisionLink(repo, digest))) && (await this.blobSize(digest)) !== undefined;
  }

  /** Deletes a manifest revision and every tag pointing at it; MANIFEST_UNKNOWN when absent. */
  async deleteManifest(repo: string, digest: string): Promise<void> {
    try {
      await fs.unlink(this.revisionLink(repo, digest));
    } catch (e) {
      if (notExists(e)) throw regError('MANIFEST_UNKNOWN', { digest });
      throw e;
    }
    for (const tag of await this.tags(repo)) {
      if ((await this.resolveTag(repo, tag).catch(() => '')) === digest) await fs.rm(this.tagPath(repo, tag), { force: true });
    }
  }

  /** Deletes a tag; MANIFEST_UNKNOWN when absent. */
  async deleteTag(repo: string, tag: string): Promise<void> {
    await this.resolveTag(repo, tag);
    await fs.rm(this.tagPath(repo, tag), { force: true });
  }

  /** Sorted tags of `repo`; NAME_UNKNOWN when the repository does not exist. */
  async tags(repo: string): Promise<string[]> {
    if (!(await this.exists(this.repoPath(repo)))) throw regError('NAME_UNKNOWN', { name: repo });
    const tags = await fs.readdir(join(this.repoPath(repo), '_manifests', 'tags')).catch(() => [] as string[]);
    return tags.filter((t) => isValidTag(t)).sort();
  }

  /** Digests of every manifest revision of `repo`. */
  async revisions(repo: string): Promise<string[]> {
    const names = await fs.readdir(join(this.repoPath(repo), '_manifests', 'revisions', 'sha256')).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** Every repository name, sorted (a directory holding _layers or _manifests). */
  async repositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string[]): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      if (prefix.length > 0 && entries.some((e) => e.isDirectory() && (e.name === '_layers' || e.name === '_manifests'))) {
        out.push(prefix.join('/'));
      }
      for (const e of entries) if (e.isDirectory() && !e.name.startsWith('_')) await walk(join(dir, e.name), [...prefix, e.name]);
    };
    await walk(join(this.root, 'repositories'), []);
    return out.sort();
  }

  private async exists(p: string): Promise<boolean> {
    try {
      await fs.access(p);
      return true;
    } catch {
      return false;
    }
  }
}
