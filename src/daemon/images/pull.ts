/** POST /images/create?fromImage=: pull through images/pull with the daemon's registry client. */
import type { AuthConfig, JSONMessage, PullRequest } from '../../api/types/index.js';
import { invalidParameter, notFound, notImplemented, type Ctx } from '../../lib/index.js';
import { familiarString, isValidDigest, isValidTag, parseNormalizedNamed, parsePlatform, type Reference } from '../../oci/index.js';
import { pullImage } from '../../images/index.js';
import type { Credentials } from '../../registry/client/index.js';
import type { ImagesServiceBase } from './service.js';
import { jsonMessages } from './progress.js';

/** The credentials an AuthConfig carries (user:password from `auth` when only that is set). */
export function credentialsOf(a: AuthConfig | undefined): Credentials | undefined {
  if (!a) return undefined;
  let { username, password } = a;
  if (!username && a.auth) {
    const plain = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) {
      username = plain.slice(0, i);
      password = plain.slice(i + 1);
    }
  }
  const c: Credentials = {};
  if (username) c.username = username;
  if (password) c.password = password;
  if (a.identitytoken) c.identitytoken = a.identitytoken;
  if (a.registrytoken) c.registrytoken = a.registrytoken;
  return Object.keys(c).length ? c : undefined;
}

/**
 * fromImage + tag as moby's postImagesCreate reads them: a digest in tag is `@digest`; no tag
 * at all (docker pull -a) means every tag of the repository.
 */
export function pullReference(image: string, tag: string): Reference {
  let ref = parseNormalizedNamed(image);
  if (tag) {
    if (tag.includes(':')) {
      if (!isValidDigest(tag)) throw invalidParameter(`invalid reference format`);
      ref = { domain: ref.domain, path: ref.path, digest: tag };
    } else {
      if (!isValidTag(tag)) throw invalidParameter(`invalid reference format`);
      ref = { domain: ref.domain, path: ref.path, tag };
    }
  }
  return ref;
}

export async function pull(svc: ImagesServiceBase, ctx: Ctx, req: PullRequest): Promise<AsyncIterable<JSONMessage>> {
  const registry = svc.deps.registry;
  if (!registry) throw notImplemented('this daemon has no registry client');
  const ref = pullReference(req.image, req.tag);
  const opts = { platform: req.platform ? parsePlatform(req.platform) : undefined, registry, credentials: credentialsOf(req.auth) };
  if (ref.tag || ref.digest) {
    const { progress, result } = await pullImage(ctx, svc.store, { ...opts, ref });
    result.then(
      () => svc.emit('pull', familiarString(ref), familiarString(ref)),
      () => {},
    );
    return jsonMessages(progress);
  }
  // docker pull -a: every tag, one after the other, with one Status line at the end.
  const tags = await registry.repository(ref, opts.credentials).tags(ctx);
  if (tags.length === 0) throw notFound(`no tags found for ${familiarString(ref)}`);
  const first = await pullImage(ctx, svc.store, { ...opts, ref: { ...ref, tag: tags[0]! } });
  return jsonMessages(
    (async function* () {
      let newer = false;
      for (let i = 0; i < tags.length; i++) {
        const tagged = { ...ref, tag: tags[i]! };
        const { progress, result } = i === 0 ? first : await pullImage(ctx, svc.store, { ...opts, ref: tagged });
        for await (const p of progress) {
          if (p.status.startsWith('Status: ')) {
            newer ||= p.status.startsWith('Status: Downloaded');
            continue;
          }
          yield p;
        }
        await result;
        svc.emit('pull', familiarString(tagged), familiarString(tagged));
      }
      const name = familiarString({ domain: ref.domain, path: ref.path });
      yield { status: newer ? `Status: Downloaded newer image for ${name}` : `Status: Image is up to date for ${name}` };
    })(),
  );
}
