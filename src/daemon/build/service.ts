/**
 * POST /build (classic builder): the context is received into a directory of its own, the
 * builder runs over it, and the directory goes (in the background) when the build's stream ends.
 *
 *   <root>/                 (<data-root>/builder)
 *     <random>/             one build: context/ and the step tars (builder/context.ts)
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { invalidParameter, type Ctx, type Exec } from '../../lib/index.js';
import { applyDockerignore, build, fetchRemoteContext, receiveContext, type BuildBackend, type BuildContext, type BuildMessage, type BuildSettings } from '../../builder/index.js';

export interface BuildRequest extends BuildSettings {
  /** The context tar (plain or gzip); ignored (drained) with `remote`. */
  context: Readable;
  /** A Git URL or an http(s) URL of a tarball or a Dockerfile, fetched by the daemon. */
  remote?: string;
}

export class BuildService {
  constructor(private readonly deps: { backend: BuildBackend; root: string; exec: Exec }) {}

  /** Drops what builds interrupted by a crash left behind. */
  async cleanup(): Promise<void> {
    await fs.rm(this.deps.root, { recursive: true, force: true }).catch(() => {});
  }

  /**
   * Receives the context (invalidParameter for a hostile or broken one, nothing kept), then
   * returns the build's messages; the build's directory is removed, in the background, once they end.
   */
  async build(ctx: Ctx, req: BuildRequest): Promise<AsyncIterable<BuildMessage>> {
    const buildRoot = join(this.deps.root, randomBytes(16).toString('hex'));
    await fs.mkdir(buildRoot, { recursive: true, mode: 0o700 });
    let context: BuildContext;
    try {
      if (req.remote) {
        req.context.resume();
        context = await fetchRemoteContext(ctx, this.deps.exec, req.remote, buildRoot, req.dockerfile);
        await applyDockerignore(context.dir, req.dockerfile);
      } else context = await receiveContext(ctx, req.context, buildRoot);
    } catch (e) {
      req.context.resume();
      await fs.rm(buildRoot, { recursive: true, force: true });
      throw e;
    }
    const messages = build(ctx, this.deps.backend, { ...req, contextDir: context.dir, ...(context.sums ? { contentSums: context.sums } : {}), buildRoot })[Symbol.asyncIterator]();
    // compat: a failure before the first message (Dockerfile missing or unparsable, unknown
    // target) is an HTTP error, as dockerd answers when it has flushed nothing yet
    const first = await messages.next();
    if (!first.done && first.value.errorDetail) {
      await fs.rm(buildRoot, { recursive: true, force: true }).catch(() => {});
      throw invalidParameter(first.value.errorDetail.message);
    }
    return (async function* () {
      try {
        if (!first.done) yield first.value;
        for (;;) {
          const n = await messages.next();
          if (n.done) return;
          yield n.value;
        }
      } finally {
        // The response ends without waiting for the directory to go (removing a context of
        // many files takes a while); one left by a crash in between goes at the next start.
        void fs.rm(buildRoot, { recursive: true, force: true }).catch(() => {});
      }
    })();
  }
}
