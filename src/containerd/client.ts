/**
 * ContainerdClient: typed promise wrappers over containerd 1.6's gRPC API, on one channel to its
 * unix socket. Every call carries the client's namespace (`containerd-namespace` header) and,
 * for a lease view, its lease (`containerd-lease`); takes `ctx` first and is cancelled when
 * `ctx.signal` aborts. Failed calls throw DockerError kinds (./errors.ts) with the gRPC error as
 * cause. Messages use containerd's field names (./types.ts).
 *
 *   const cd = new ContainerdClient({ address: '/run/berth/containerd/containerd.sock', namespace: 'moby' });
 *   await cd.ready(ctx, 20_000);
 *   const leased = cd.withLease((await cd.leases.create(ctx)).id);
 *   await leased.content.writeBlob(ctx, ref, bytes, { expected: digest });
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Ctx, unavailable, withTimeout } from '../lib/index.js';
import { ContainersService } from './containers.js';
import { ContentService } from './content.js';
import { DiffService } from './diff.js';
import { EventsService } from './events.js';
import { ImagesService } from './images.js';
import { IntrospectionService } from './introspection.js';
import { LeasesService } from './leases.js';
import { NamespacesService } from './namespaces.js';
import { Connection, Rpc } from './rpc.js';
import { SnapshotsService } from './snapshots.js';
import { TasksService } from './tasks.js';
import type { VersionInfo } from './types.js';

export interface ContainerdClientOptions {
  /** Socket path (`unix://` is added) or a full gRPC target such as `unix:///run/x.sock`. */
  address: string;
  /** containerd namespace of every call, e.g. "moby". */
  namespace: string;
}

export class ContainerdClient {
  readonly namespaces: NamespacesService;
  readonly introspection: IntrospectionService;
  readonly leases: LeasesService;
  readonly content: ContentService;
  readonly images: ImagesService;
  readonly snapshots: SnapshotsService;
  readonly diff: DiffService;
  readonly containers: ContainersService;
  readonly tasks: TasksService;
  readonly events: EventsService;

  private readonly rpc: Rpc;

  constructor(opts: ContainerdClientOptions);
  /** @internal a view sharing `conn` (withNamespace / withLease). */
  constructor(opts: ContainerdClientOptions, conn: Connection, lease?: string);
  constructor(opts: ContainerdClientOptions, conn?: Connection, lease?: string) {
    this.rpc = new Rpc(conn ?? new Connection(opts.address), opts.namespace, lease);
    this.namespaces = new NamespacesService(this.rpc);
    this.introspection = new IntrospectionService(this.rpc);
    this.leases = new LeasesService(this.rpc);
    this.content = new ContentService(this.rpc);
    this.images = new ImagesService(this.rpc);
    this.snapshots = new SnapshotsService(this.rpc);
    this.diff = new DiffService(this.rpc);
    this.containers = new ContainersService(this.rpc);
    this.tasks = new TasksService(this.rpc);
    this.events = new EventsService(this.rpc);
  }

  get address(): string {
    return this.rpc.conn.address;
  }

  get namespace(): string {
    return this.rpc.namespace;
  }

  /** The lease attached to this view's calls, if any. */
  get lease(): string | undefined {
    return this.rpc.lease;
  }

  /** A client for another namespace on the same channel (closing either closes both). */
  withNamespace(namespace: string): ContainerdClient {
    return new ContainerdClient({ address: this.address, namespace }, this.rpc.conn, this.rpc.lease);
  }

  /**
   * A client whose calls run under `leaseId`: content, snapshots and images they create are
   * protected from containerd's GC until the lease is deleted. Same channel.
   */
  withLease(leaseId: string): ContainerdClient {
    return new ContainerdClient({ address: this.address, namespace: this.namespace }, this.rpc.conn, leaseId);
  }

  /** containerd's version, e.g. { version: '1.6.20~ds1', revision: '…' }. Throws unavailable. */
  version(ctx: Ctx): Promise<VersionInfo> {
    return this.rpc.unary<VersionInfo>(ctx, 'containerd.services.version.v1.Version', 'Version', {});
  }

  /**
   * Resolves once containerd answers Version, retrying for up to `timeoutMs`. Throws unavailable
   * (cause: the last error) on timeout, cancelled when ctx aborts.
   */
  async ready(ctx: Ctx, timeoutMs = 20_000): Promise<VersionInfo> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        return await this.version(withTimeout(ctx, Math.min(left, 2_000)));
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        last = e;
      }
      await sleep(Math.min(50, Math.max(0, deadline - Date.now())), undefined, { signal: ctx.signal });
    }
    throw unavailable(`containerd at ${this.address} did not answer within ${timeoutMs} ms`, last);
  }

  /** Closes the channel (shared by every view made from this client). Pending calls fail. */
  close(): void {
    this.rpc.conn.close();
  }
}
