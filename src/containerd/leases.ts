/**
 * containerd's leases service (containerd.services.leases.v1.Leases). Resources created while a
 * lease is attached to the call (ContainerdClient.withLease) are protected from containerd's GC
 * until the lease is deleted or expires.
 */
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../lib/index.js';
import type { Rpc } from './rpc.js';
import type { Labels, Lease, LeaseResource } from './types.js';

const SVC = 'containerd.services.leases.v1.Leases';

/** Label that makes containerd's GC drop a lease after the given RFC 3339 time. */
export const LEASE_EXPIRE_LABEL = 'containerd.io/gc.expire';

export interface CreateLeaseOptions {
  /** Default: a random id (containerd requires one). */
  id?: string;
  labels?: Labels;
  /** Sets containerd.io/gc.expire to now + this many milliseconds. */
  expireAfterMs?: number;
}

export class LeasesService {
  constructor(private readonly rpc: Rpc) {}

  /** Creates a lease. Throws conflict when the id exists. */
  async create(ctx: Ctx, opts: CreateLeaseOptions = {}): Promise<Lease> {
    const id = opts.id ?? `${Date.now()}-${randomBytes(6).toString('base64url')}`;
    const labels: Labels = { ...opts.labels };
    if (opts.expireAfterMs !== undefined) {
      labels[LEASE_EXPIRE_LABEL] = new Date(Date.now() + opts.expireAfterMs).toISOString();
    }
    const res = await this.rpc.unary<{ lease: Lease }>(ctx, SVC, 'Create', { id, labels });
    return res.lease;
  }

  /** Deletes a lease; `sync` waits for the garbage collection it triggers. Throws notFound. */
  async delete(ctx: Ctx, id: string, opts: { sync?: boolean } = {}): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'Delete', { id, sync: opts.sync ?? false });
  }

  /** Leases matching the filters (e.g. `id==x`, `labels."k"==v`); all when none. */
  async list(ctx: Ctx, filters: string[] = []): Promise<Lease[]> {
    const res = await this.rpc.unary<{ leases: Lease[] }>(ctx, SVC, 'List', { filters });
    return res.leases;
  }

  /** Adds a resource to a lease. Throws notFound for an unknown lease. */
  async addResource(ctx: Ctx, id: string, resource: LeaseResource): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'AddResource', { id, resource });
  }

  /** Removes a resource from a lease. */
  async deleteResource(ctx: Ctx, id: string, resource: LeaseResource): Promise<void> {
    await this.rpc.unary(ctx, SVC, 'DeleteResource', { id, resource });
  }

  /** The resources a lease holds. */
  async listResources(ctx: Ctx, id: string): Promise<LeaseResource[]> {
    const res = await this.rpc.unary<{ resources: LeaseResource[] }>(ctx, SVC, 'ListResources', { id });
    return res.resources;
  }
}
