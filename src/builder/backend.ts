/**
 * What the builder needs from the engine (moby builder.Backend, reduced): images by name, new
 * images from a parent plus a layer, and throwaway containers for RUN. The daemon implements it
 * (daemon/build/backend.ts) over its image store and container service.
 */
import type { Ctx } from '../lib/index.js';
import type { ImageConfig, ImageRuntimeConfig } from '../oci/index.js';
import type { AuthConfig, HostConfig } from '../api/types/index.js';
import type { BuildMessage } from './build-types.js';

export interface BuildImage {
  /** `sha256:<hex>` of the config blob. */
  id: string;
  config: ImageConfig;
  /**
   * The image this one was built on by this daemon's builder (`''`: FROM scratch); undefined
   * for an image that was not built here (pulled, loaded, imported): it is no local cache.
   */
  parent?: string;
}

/** How image() finds an image a registry may have (moby's PullOption and AuthConfigs). */
export interface ImageLookup {
  /** 'always' (`--pull`): pull a newer version even when a local image has the name; 'missing': only when none has; 'never': local only. */
  pull: 'always' | 'missing' | 'never';
  /** Credentials by registry key (`host[:port]`, Docker Hub's `https://index.docker.io/v1/`). */
  authConfigs: Record<string, AuthConfig>;
  /** Receives the pull's progress messages (the build's stream). */
  progress: (m: BuildMessage) => Promise<void>;
}

/** A cache-from image's step made into an image of this build (moby image/cache restoreCachedImage). */
export interface RestoreRequest {
  /** The build's current image; undefined for scratch. */
  parent?: BuildImage;
  /** The cache-from image whose history entry `index` is the step. */
  target: BuildImage;
  index: number;
  /** The step's config (the new image's config, as moby writes it). */
  config: ImageRuntimeConfig;
}

/** Where a new image's layer comes from. */
export type LayerSource =
  /** No layer: a history entry with empty_layer. */
  | { kind: 'none' }
  /** An uncompressed tar file on the host (COPY/ADD), appended as one layer. */
  | { kind: 'tar'; path: string }
  /** The changes of a (stopped) container's rw layer against its image (RUN). */
  | { kind: 'container'; id: string };

export interface NewBuildImage {
  /** undefined: FROM scratch (no layers yet). */
  parent?: BuildImage;
  layer: LayerSource;
  /** The new image's runtime config. */
  config: ImageRuntimeConfig;
  /** The config of the step (Docker's container_config; its Cmd is the cache key and created_by). */
  containerConfig: ImageRuntimeConfig;
  /** The history entry's created_by. */
  createdBy: string;
  /** MAINTAINER of the stage so far (the config's author). */
  author?: string;
  /** The image's and the history entry's time (fixed for reproducible builds). */
  created: Date;
}

export interface RunRequest {
  /** The image the container starts from; undefined for scratch. */
  image?: BuildImage;
  /** The container's config: the stage's runtime config with the step's Cmd, Env and no Entrypoint. */
  config: ImageRuntimeConfig;
  /** The build's network mode, extra hosts, shm size and resource limits (POST /build's query). */
  hostConfig: HostConfig;
}

export interface BuildBackend {
  /**
   * The image `ref` names (name, short or full ID): the local one, or pulled first (with the
   * matching credentials, its progress passed on) when `lookup.pull` says so. An image ID is
   * never pulled. Throws notFound when there is none; a failed pull throws its error.
   */
  image(ctx: Ctx, ref: string, lookup: ImageLookup): Promise<BuildImage>;
  /**
   * A new image: `parent`'s layers and history plus the layer and history entry `index` of
   * `target`, with `config` (a step hit in a cache-from image). Dangling, a child of `parent`.
   */
  restoreCached(ctx: Ctx, req: RestoreRequest): Promise<BuildImage>;
  /** Every local image (the cache's candidates). */
  images(ctx: Ctx): Promise<BuildImage[]>;
  /** Creates an image (dangling unless tagged later). Throws invalidParameter on a hostile layer tar. */
  newImage(ctx: Ctx, req: NewBuildImage): Promise<BuildImage>;
  /** Creates a container for a RUN step; returns its ID. */
  createContainer(ctx: Ctx, req: RunRequest): Promise<string>;
  /**
   * Starts the container, passes its output on as it comes (waiting on `output`'s promise
   * before the next chunk), resolves with its exit code.
   */
  runContainer(ctx: Ctx, id: string, output: (chunk: Buffer) => Promise<void>): Promise<number>;
  /** Removes a container (forced). */
  removeContainer(ctx: Ctx, id: string): Promise<void>;
  /**
   * A tar of `path` inside `image` (docker cp's archive: a directory's entries under its base
   * name, a file as its base name). Throws notFound when the path does not exist.
   */
  archive(ctx: Ctx, image: BuildImage, path: string): Promise<{ isDir: boolean; tar: AsyncIterable<Buffer> }>;
  /** Whether `path` is a directory in `image` (symlinks followed inside it); false when absent. */
  isDirectory(ctx: Ctx, image: BuildImage, path: string): Promise<boolean>;
  /** Points `name` (a reference like `app:v1`) at the image. Throws invalidParameter on a bad name. */
  tag(ctx: Ctx, imageId: string, name: string): Promise<void>;
}
