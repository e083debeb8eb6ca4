/** POST /images/{name}/push: push through images/push with the daemon's registry client. */
import type { JSONMessage, PushRequest } from '../../api/types/index.js';
import { invalidParameter, notImplemented, type Ctx } from '../../lib/index.js';
import { familiarString, isValidTag, parseNormalizedNamed } from '../../oci/index.js';
import { pushImage } from '../../images/index.js';
import type { ImagesServiceBase } from './service.js';
import { credentialsOf } from './pull.js';
import { jsonMessages } from './progress.js';

export async function push(svc: ImagesServiceBase, ctx: Ctx, req: PushRequest): Promise<AsyncIterable<JSONMessage>> {
  const registry = svc.deps.registry;
  if (!registry) throw notImplemented('this daemon has no registry client');
  let ref = parseNormalizedNamed(req.name);
  if (req.tag) {
    if (!isValidTag(req.tag)) throw invalidParameter('invalid reference format');
    ref = { domain: ref.domain, path: ref.path, tag: req.tag };
  }
  const { progress, result } = await pushImage(ctx, svc.store, { ref, registry, credentials: credentialsOf(req.auth) });
  result.then(
    (tags) => {
      for (const t of tags) svc.emit('push', familiarString({ ...ref, tag: t.tag }), familiarString({ ...ref, tag: t.tag }));
    },
    () => {},
  );
  return jsonMessages(progress);
}
