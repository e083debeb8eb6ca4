/**
 * The image service of the daemon: Docker's image verbs over images/ImageStore, with events.
 * Each verb lives in its own file; this class holds the shared dependencies.
 */
import type { EventBus } from '../../events/index.js';
import type { Ctx } from '../../lib/index.js';
import { familiarString, type Reference } from '../../oci/index.js';
import type { Image, ImageStore } from '../../images/index.js';
import type { RegistryClient } from '../../registry/client/index.js';

/** A container that uses an image (for rmi/prune conflicts). */
export interface ImageUser {
  id: string;
  running: boolean;
}

export interface ImagesDeps {
  store: ImageStore;
  events: EventBus;
  /** Containers using an image; the containers issue provides it. */
  usersOf?: (ctx: Ctx, imageId: string) => Promise<ImageUser[]>;
  /** The client pulls and pushes go through (insecure registries, mirrors: daemon config). */
  registry?: RegistryClient;
}

export class ImagesServiceBase {
  constructor(readonly deps: ImagesDeps) {}

  get store(): ImageStore {
    return this.deps.store;
  }

  emit(action: string, imageId: string, name: string, extra: Record<string, string> = {}): void {
    this.deps.events.publish({ type: 'image', action, actorId: imageId, attributes: { name, ...extra } });
  }

  emitRef(action: string, img: Pick<Image, 'id'>, ref: Reference): void {
    this.emit(action, img.id, familiarString(ref));
  }

  async usersOf(ctx: Ctx, imageId: string): Promise<ImageUser[]> {
    return this.deps.usersOf ? this.deps.usersOf(ctx, imageId) : [];
  }
}
