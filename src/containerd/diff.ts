/** containerd's diff service (containerd.services.diff.v1.Diff): apply and create layer diffs. */
import type { Ctx } from '../lib/index.js';
import type { Rpc } from './rpc.js';
import type { Any, Descriptor, Labels, Mount } from './types.js';

const SVC = 'containerd.services.diff.v1.Diff';

export interface DiffOptions {
  /** Default: application/vnd.oci.image.layer.v1.tar+gzip (containerd's default). */
  media_type?: string;
  /** Content ingest ref for the written blob; containerd picks one when empty. */
  ref?: string;
  /** Labels of the committed blob (e.g. containerd.io/uncompressed). */
  labels?: Labels;
}

export class DiffService {
  constructor(private readonly rpc: Rpc) {}

  /**
   * Applies the layer `diff` (a blob in the content store) onto `mounts` (typically the mounts of
   * a prepared snapshot) and returns the descriptor of the applied, uncompressed diff. Throws
   * notFound when the blob is missing, notImplemented for an unsupported media type.
   */
  async apply(ctx: Ctx, diff: Partial<Descriptor>, mounts: Mount[], payloads: Record<string, Any> = {}): Promise<Descriptor> {
    const res = await this.rpc.unary<{ applied: Descriptor }>(ctx, SVC, 'Apply', { diff, mounts, payloads });
    return res.applied;
  }

  /**
   * Computes the diff between two mount sets (`left` the lower, `right` the upper), writes it to
   * the content store and returns its descriptor.
   */
  async diff(ctx: Ctx, left: Mount[], right: Mount[], opts: DiffOptions = {}): Promise<Descriptor> {
    const res = await this.rpc.unary<{ diff: Descriptor }>(ctx, SVC, 'Diff', {
      left,
      right,
      media_type: opts.media_type ?? '',
      ref: opts.ref ?? '',
      labels: opts.labels ?? {},
    });
    return res.diff;
  }
}
