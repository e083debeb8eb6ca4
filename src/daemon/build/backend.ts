/**
 * The builder's BuildBackend over the daemon: images from the image store, layers written to
 * the content store (COPY/ADD) or committed from a RUN container's rw snapshot (images/commit),
 * containers through the container service (create, attach, start, wait, remove, archive).
 */
import { createReadStream } from 'node:fs';
import { isNotFound, rfc3339Nano, GoMode, hasModeBit, withoutCancel, type Ctx } from '../../lib/index.js';
import { builtOn, builtOnLabels, commitImage, type Image, type ImageStore, type Leased } from '../../images/index.js';
import { MediaType, hostPlatform, parseNormalizedNamed, withDefaultTag, type Descriptor, type History, type ImageConfig } from '../../oci/index.js';
import type { BuildBackend, BuildImage, ImageLookup, NewBuildImage, RestoreRequest, RunRequest } from '../../builder/index.js';
import { resolveAuthConfig } from './auth.js';
import type { ContainersService } from '../containers/containers.js';
import { RUNTIME_DIRS, RUNTIME_FILES } from '../containers/changes.js';
import { layerIds } from '../containers/remap.js';
import type { ImagesService } from '../images/index.js';

export interface BuildBackendDeps {
  store: ImageStore;
  containers: ContainersService;
  images: ImagesService;
}

/** The image as the builder sees it: with the parent its builder recorded, when it made it. */
function toBuildImage(img: Pick<Image, 'id' | 'config' | 'records'>): BuildImage {
  const parent = builtOn(img.records);
  return { id: img.id, config: img.config, ...(parent !== undefined ? { parent } : {}) };
}

const IMAGE_ID = /^(sha256:)?[0-9a-f]{12,64}$/;

/** `app:v1`, `reg:5000/app` → repo and tag as POST /images/{name}/tag takes them. */
export function splitTag(name: string): { repo: string; tag: string } {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return { repo: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repo: name, tag: '' };
}

export class DaemonBuildBackend implements BuildBackend {
  constructor(private readonly deps: BuildBackendDeps) {}

  /**
   * An image by reference; one only a registry has (or any, with `pull: 'always'`) is pulled
   * first with the credentials for its registry (moby GetImageAndReleasableLayer, pullForBuilder).
   */
  async image(ctx: Ctx, ref: string, lookup: ImageLookup): Promise<BuildImage> {
    const isId = IMAGE_ID.test(ref);
    if (lookup.pull !== 'always' || isId) {
      try {
        return toBuildImage(await this.deps.store.resolve(ctx, ref));
      } catch (e) {
        if (!isNotFound(e) || isId || lookup.pull === 'never') throw e;
      }
    }
    const named = withDefaultTag(parseNormalizedNamed(ref));
    const auth = resolveAuthConfig(lookup.authConfigs, named.domain);
    const messages = await this.deps.images.pull(ctx, { image: ref, tag: named.digest ?? named.tag ?? 'latest', ...(auth ? { auth } : {}) });
    for await (const m of messages) {
      if (m.error) throw new Error(m.error);
      const { status, id, progress, progressDetail } = m;
      await lookup.progress({ ...(status !== undefined ? { status } : {}), ...(progressDetail ? { progressDetail } : {}), ...(progress ? { progress } : {}), ...(id !== undefined ? { id } : {}) });
    }
    return toBuildImage(await this.deps.store.resolve(ctx, ref));
  }

  async restoreCached(ctx: Ctx, req: RestoreRequest): Promise<BuildImage> {
    const store = this.deps.store;
    const parent = req.parent ? await store.resolve(ctx, req.parent.id) : undefined;
    const target = await store.resolve(ctx, req.target.id);
    const th = target.config.history ?? [];
    const entry = th[req.index];
    if (!entry) throw new Error(`failed to restore cached image: ${target.id} has no history entry ${req.index}`);
    // The entry's layer: the index among the entries that have one (moby getLayerForHistoryIndex).
    const li = th.slice(0, req.index).filter((h) => !h.empty_layer).length;
    const layer = entry.empty_layer ? undefined : target.layers[li];
    const diffId = entry.empty_layer ? undefined : target.config.rootfs.diff_ids[li];
    if (!entry.empty_layer && (!layer || !diffId)) throw new Error(`failed to restore cached image: ${target.id} has no layer for history entry ${req.index}`);
    // Key order as Go marshals image.Image (restoreCachedImage's fields).
    const config: ImageConfig = {
      ...(entry.created ? { created: entry.created } : {}),
      ...(target.config.author ? { author: target.config.author } : {}),
      config: req.config,
      architecture: target.config.architecture,
      os: target.config.os,
      rootfs: { type: 'layers', diff_ids: [...(parent?.config.rootfs.diff_ids ?? []), ...(diffId ? [diffId] : [])] },
      history: [...(parent?.config.history ?? []), entry],
    };
    return store.withLease(ctx, 'build', (leased) => this.createOn(ctx, leased, parent, config, layer));
  }

  /** Stores an image of `parent`'s layers plus `layer` with `config`, recorded as built on `parent`. */
  private async createOn(ctx: Ctx, leased: Leased, parent: Image | undefined, config: ImageConfig, layer: Descriptor | undefined): Promise<BuildImage> {
    const layers = [...(parent?.layers ?? []), ...(layer ? [layer] : [])];
    const recordLabels = builtOnLabels(parent?.id ?? '');
    const { id } = await this.deps.store.create(ctx, leased, { config: Buffer.from(JSON.stringify(config)), layers, names: [], recordLabels });
    return { id, config, parent: parent?.id ?? '' };
  }

  async images(ctx: Ctx): Promise<BuildImage[]> {
    return (await this.deps.store.list(ctx)).map(toBuildImage);
  }

  async newImage(ctx: Ctx, req: NewBuildImage): Promise<BuildImage> {
    const store = this.deps.store;
    const parent = req.parent ? await store.resolve(ctx, req.parent.id) : undefined;
    if (req.layer.kind === 'container') {
      const rec = this.deps.containers.store.get(req.layer.id);
      const id = await commitImage(ctx, store, {
        snapshotKey: rec.SnapshotKey,
        containerId: '',
        parent,
        config: req.config,
        containerConfig: req.containerConfig,
        names: [],
        ...(req.author ? { author: req.author } : {}),
        now: req.created,
        clampMtime: req.created,
        recordLabels: builtOnLabels(parent?.id ?? ''),
        runtimeFiles: RUNTIME_FILES.map((p) => p.slice(1)),
        runtimeDirs: RUNTIME_DIRS.map((p) => p.slice(1)),
        ids: layerIds(this.deps.containers, rec.HostConfig),
      });
      return toBuildImage(await store.resolve(ctx, id));
    }
    return store.withLease(ctx, 'build', async (leased) => {
      let layer: Descriptor | undefined;
      if (req.layer.kind === 'tar') {
        const w = await leased.content.write(ctx, createReadStream(req.layer.path) as AsyncIterable<Buffer>);
        layer = { mediaType: MediaType.DockerLayer, digest: w.digest, size: w.size };
      }
      const base = parent?.config;
      const platform = hostPlatform();
      const created = rfc3339Nano(BigInt(req.created.getTime()) * 1_000_000n);
      const history: History = { created, ...(req.author ? { author: req.author } : {}), created_by: req.createdBy, ...(layer ? {} : { empty_layer: true }) };
      // Key order as Go marshals image.Image (as images/commit.ts writes it).
      const config: ImageConfig = {
        created,
        container_config: req.containerConfig,
        ...(req.author ? { author: req.author } : {}),
        config: req.config,
        architecture: base?.architecture || platform.architecture,
        ...(base?.variant ? { variant: base.variant } : {}),
        os: base?.os || platform.os,
        rootfs: { type: 'layers', diff_ids: [...(base?.rootfs?.diff_ids ?? []), ...(layer ? [layer.digest] : [])] },
        history: [...(base?.history ?? []), history],
      };
      return this.createOn(ctx, leased, parent, config, layer);
    });
  }

  async createContainer(ctx: Ctx, req: RunRequest): Promise<string> {
    const { Id } = await this.deps.containers.create(ctx, '', {
      ...req.config,
      Image: req.image?.id ?? '',
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: req.hostConfig,
    });
    return Id;
  }

  async runContainer(ctx: Ctx, id: string, output: (chunk: Buffer) => Promise<void>): Promise<number> {
    const c = this.deps.containers;
    const attached = await c.attach(ctx, id, { stream: true, logs: false, stdin: false, stdout: true, stderr: true });
    const { done } = await c.wait(ctx, id, 'next-exit');
    const pumping = (async () => {
      for await (const chunk of attached.output) await output(chunk.data);
    })();
    await c.start(ctx, id);
    // A build whose client went away kills its RUN step instead of waiting for it.
    const onAbort = () => void c.kill(withoutCancel(ctx), id, 'KILL').catch(() => {});
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const res = await done.finally(() => ctx.signal.removeEventListener('abort', onAbort));
    await pumping.catch(() => {});
    return res.StatusCode;
  }

  async removeContainer(ctx: Ctx, id: string): Promise<void> {
    await this.deps.containers.remove(ctx, id, { force: true, volumes: true });
  }

  async archive(ctx: Ctx, image: BuildImage, path: string): Promise<{ isDir: boolean; tar: AsyncIterable<Buffer> }> {
    const c = this.deps.containers;
    const { Id } = await c.create(ctx, '', { Image: image.id, Cmd: ['/nonexistent'], Entrypoint: null, HostConfig: {} });
    try {
      const { stat, tar } = await c.archivePath(ctx, Id, path);
      const isDir = hasModeBit(stat.mode, GoMode.Dir);
      return {
        isDir,
        tar: (async function* () {
          try {
            yield* tar;
          } finally {
            await c.remove(ctx, Id, { force: true, volumes: true }).catch(() => {});
          }
        })(),
      };
    } catch (e) {
      await c.remove(ctx, Id, { force: true, volumes: true }).catch(() => {});
      throw e;
    }
  }

  async isDirectory(ctx: Ctx, image: BuildImage, path: string): Promise<boolean> {
    const c = this.deps.containers;
    const { Id } = await c.create(ctx, '', { Image: image.id, Cmd: ['/nonexistent'], Entrypoint: null, HostConfig: {} });
    try {
      const stat = await c.statPath(ctx, Id, path.endsWith('/') ? path : `${path}/.`);
      return hasModeBit(stat.mode, GoMode.Dir);
    } catch {
      return false;
    } finally {
      await c.remove(ctx, Id, { force: true, volumes: true }).catch(() => {});
    }
  }

  async tag(ctx: Ctx, imageId: string, name: string): Promise<void> {
    const { repo, tag } = splitTag(name);
    await this.deps.images.tag(ctx, imageId, repo, tag);
  }
}
