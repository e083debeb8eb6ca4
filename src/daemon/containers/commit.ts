/**
 * POST /commit: docker commit (moby daemon/commit.go CreateImageFromContainer). The new
 * image's config is the request's (or the container's) with the --change instructions
 * applied, then completed from the container's config (moby's merge); a running container is
 * paused meanwhile unless pause=0.
 */
import { conflict, invalidParameter, type Ctx } from '../../lib/index.js';
import { applyChanges, commitImage } from '../../images/index.js';
import { familiarString, parseNormalizedNamed, withDefaultTag, type ImageRuntimeConfig, type Reference } from '../../oci/index.js';
import type { CommitResponse, ContainerConfig } from '../../api/types/index.js';
import type { ContainersServiceBase } from './service.js';
import { pauseContainer, unpauseContainer } from './lifecycle.js';
import { RUNTIME_DIRS, RUNTIME_FILES } from './changes.js';
import { layerIds } from './remap.js';

export interface CommitRequest {
  container: string;
  repo: string;
  tag: string;
  author: string;
  comment: string;
  /** Pause a running container while its layer is read (default true since API 1.13). */
  pause: boolean;
  /** Dockerfile instructions (CMD, ENV, ...) applied to the config. */
  changes: string[];
  /** A config sent in the body; the container's when absent. */
  config?: ContainerConfig;
}

/** An image runtime config from a container config (the JSON is the same; null fields dropped). */
function imageConfigOf(c: ContainerConfig): ImageRuntimeConfig {
  const { NetworkDisabled: _n, MacAddress: _m, StopTimeout: _s, Healthcheck, Shell, ...rest } = c;
  const hc = Healthcheck ? { ...Healthcheck, Test: Healthcheck.Test ?? undefined } : undefined;
  return { ...rest, ...(hc ? { Healthcheck: hc } : {}), ...(Shell ? { Shell } : {}) };
}

/** moby's merge: what the new config leaves unset comes from the container's. */
export function mergeCommitConfig(user: ImageRuntimeConfig, container: ImageRuntimeConfig): ImageRuntimeConfig {
  const u: ImageRuntimeConfig = structuredClone(user);
  if (!u.User) u.User = container.User;
  if (!u.ExposedPorts || Object.keys(u.ExposedPorts).length === 0) u.ExposedPorts = container.ExposedPorts;
  else for (const p of Object.keys(container.ExposedPorts ?? {})) u.ExposedPorts[p] ??= {};
  if (!u.Env || u.Env.length === 0) u.Env = container.Env;
  else {
    for (const e of container.Env ?? []) {
      const k = e.split('=', 1)[0];
      if (!u.Env.some((x) => x.split('=', 1)[0] === k)) u.Env.push(e);
    }
  }
  u.Labels = { ...(container.Labels ?? {}), ...(u.Labels ?? {}) };
  if (!u.Entrypoint || u.Entrypoint.length === 0) {
    if (!u.Cmd || u.Cmd.length === 0) u.Cmd = container.Cmd;
    if (u.Entrypoint === undefined || u.Entrypoint === null) u.Entrypoint = container.Entrypoint;
  }
  if (container.Healthcheck) {
    if (!u.Healthcheck) u.Healthcheck = container.Healthcheck;
    else {
      const h = { ...u.Healthcheck };
      const c = container.Healthcheck;
      if (!h.Test || h.Test.length === 0) h.Test = c.Test;
      if (!h.Interval) h.Interval = c.Interval;
      if (!h.Timeout) h.Timeout = c.Timeout;
      if (!h.StartPeriod) h.StartPeriod = c.StartPeriod;
      if (!h.Retries) h.Retries = c.Retries;
      u.Healthcheck = h;
    }
  }
  if (!u.WorkingDir) u.WorkingDir = container.WorkingDir;
  if (!u.Volumes || Object.keys(u.Volumes).length === 0) u.Volumes = container.Volumes;
  else u.Volumes = { ...u.Volumes, ...(container.Volumes ?? {}) };
  if (!u.StopSignal) u.StopSignal = container.StopSignal;
  return u;
}

/** moby's RepoTagReference: no name without a repository; `latest` by default. */
function commitName(repo: string, tag: string): Reference | undefined {
  if (!repo) return undefined;
  let ref: Reference;
  try {
    ref = parseNormalizedNamed(repo);
  } catch (e) {
    throw invalidParameter((e as Error).message, e);
  }
  if (ref.digest) throw invalidParameter('cannot import digest reference');
  if (tag) {
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw invalidParameter('invalid tag format');
    return { ...ref, tag };
  }
  return withDefaultTag(ref);
}

export async function commitContainer(svc: ContainersServiceBase, ctx: Ctx, req: CommitRequest): Promise<CommitResponse> {
  const rec = svc.store.get(req.container);
  if (rec.State.Dead) throw conflict(`You cannot commit container ${rec.ID} which is Dead`);
  if (rec.State.RemovalInProgress) throw conflict(`You cannot commit container ${rec.ID} which is being removed`);
  const name = commitName(req.repo, req.tag);
  const containerConfig = imageConfigOf(rec.Config);
  const config = mergeCommitConfig(applyChanges(req.config ? imageConfigOf(req.config) : containerConfig, req.changes), containerConfig);
  let paused = false;
  if (req.pause && rec.State.Running && !rec.State.Paused) {
    // compat: moby ignores a pause that fails (the container may have just exited)
    paused = await pauseContainer(svc, ctx, rec.ID).then(
      () => true,
      () => false,
    );
  }
  let id: string;
  try {
    const parent = await svc.deps.images.resolve(ctx, rec.Image).catch(() => undefined);
    id = await commitImage(ctx, svc.deps.images, {
      snapshotKey: rec.SnapshotKey,
      containerId: rec.ID,
      parent,
      config,
      containerConfig,
      author: req.author,
      comment: req.comment,
      names: name ? [name] : [],
      runtimeFiles: RUNTIME_FILES.map((p) => p.slice(1)),
      runtimeDirs: RUNTIME_DIRS.map((p) => p.slice(1)),
      ids: layerIds(svc, rec.HostConfig),
    });
  } finally {
    if (paused) await unpauseContainer(svc, ctx, rec.ID).catch(() => {});
  }
  const imageRef = name ? familiarString(name) : '';
  if (name) svc.deps.events.publish({ type: 'image', action: 'tag', actorId: id, attributes: { name: imageRef } });
  svc.emit('commit', svc.store.get(rec.ID), { comment: req.comment, imageID: id, imageRef });
  return { Id: id };
}
