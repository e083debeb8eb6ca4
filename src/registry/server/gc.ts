/**
 * `berth registry gc`: mark and sweep, as distribution's garbage-collect. Mark: every manifest
 * revision of every repository, and the config, layers and child manifests it names. Sweep: every
 * stored blob not marked, and upload sessions older than `uploadTtlMs`. Run it while the registry
 * does not serve pushes (a blob uploaded between mark and sweep would be lost), as distribution
 * requires too.
 */
import type { FsRegistryStorage } from './storage.js';

export interface GcResult {
  marked: string[];
  /** Blobs deleted (or, with dryRun, that would be). */
  deleted: string[];
  /** Upload sessions removed. */
  uploads: string[];
}

export async function garbageCollect(
  storage: FsRegistryStorage,
  opts: { dryRun?: boolean; uploadTtlMs?: number; log?: (line: string) => void } = {},
): Promise<GcResult> {
  const log = opts.log ?? (() => {});
  const marked = new Set<string>();
  for (const repo of await storage.repositories()) {
    for (const digest of await storage.revisions(repo)) {
      const m = await storage.getManifest(repo, digest).catch(() => undefined);
      if (!m) continue;
      log(`${repo}: marking manifest ${digest}`);
      marked.add(digest);
      let p: { config?: { digest?: string }; layers?: { digest?: string }[]; manifests?: { digest?: string }[] };
      try {
        p = JSON.parse(m.bytes.toString('utf8')) as typeof p;
      } catch {
        continue;
      }
      for (const d of [p.config, ...(p.layers ?? []), ...(p.manifests ?? [])]) {
        if (d?.digest && !marked.has(d.digest)) {
          log(`${repo}: marking blob ${d.digest}`);
          marked.add(d.digest);
        }
      }
    }
  }
  const deleted: string[] = [];
  for (const digest of await storage.listBlobs()) {
    if (marked.has(digest)) continue;
    log(`blob eligible for deletion: ${digest}`);
    deleted.push(digest);
    if (!opts.dryRun) await storage.deleteBlobFile(digest);
  }
  const uploads = await storage.staleUploads(new Date(Date.now() - (opts.uploadTtlMs ?? 24 * 3600_000)));
  for (const u of uploads) {
    log(`stale upload: ${u}`);
    if (!opts.dryRun) await storage.removeUpload(u);
  }
  log(`\n${marked.size} blobs marked, ${deleted.length} blobs ${opts.dryRun ? 'eligible for deletion' : 'deleted'}`);
  return { marked: [...marked], deleted, uploads };
}
