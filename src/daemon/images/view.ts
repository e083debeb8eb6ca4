/** Docker's wire view of an images/ Image: summary, inspect, history rows. */
import type { ImageInspect, ImageRuntimeConfigWire, ImageSummary, ImageHistoryItem } from '../../api/types/index.js';
import { familiarString, type ImageRuntimeConfig } from '../../oci/index.js';
import { builtOn, type Image } from '../../images/index.js';
import { versionLessThan } from '../../api/types/index.js';

/** The parent the classic builder recorded (Docker's Parent / ParentId of built images), or ''. */
export function buildParent(img: Image): string {
  return builtOn(img.records) ?? '';
}

export function repoTags(img: Image): string[] {
  return img.tags.map(familiarString);
}

export function repoDigests(img: Image): string[] {
  return img.digests.map(familiarString);
}

export function createdSeconds(img: Image): number {
  const t = img.config.created ? Date.parse(img.config.created) : 0;
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

export function summary(img: Image, apiVersion: string): ImageSummary {
  const tags = repoTags(img);
  const digests = repoDigests(img);
  const dangling = tags.length === 0;
  const s: ImageSummary = {
    Containers: -1,
    Created: createdSeconds(img),
    Id: img.id,
    Labels: img.config.config?.Labels ?? null,
    ParentId: buildParent(img),
    // compat: 20.10 shows dangling images as <none>:<none> / <none>@<none>.
    RepoDigests: digests.length ? digests : dangling ? ['<none>@<none>'] : [],
    RepoTags: dangling ? ['<none>:<none>'] : tags,
    SharedSize: -1,
    Size: img.size,
  };
  if (versionLessThan(apiVersion, '1.44')) s.VirtualSize = img.size; // removed in API 1.44
  return s;
}

/** Docker's container.Config with every field present, as inspect shows it. */
export function wireConfig(c: ImageRuntimeConfig | undefined): ImageRuntimeConfigWire | null {
  if (!c) return null;
  return {
    Hostname: c.Hostname ?? '',
    Domainname: c.Domainname ?? '',
    User: c.User ?? '',
    AttachStdin: c.AttachStdin ?? false,
    AttachStdout: c.AttachStdout ?? false,
    AttachStderr: c.AttachStderr ?? false,
    ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
    Tty: c.Tty ?? false,
    OpenStdin: c.OpenStdin ?? false,
    StdinOnce: c.StdinOnce ?? false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    ...(c.ArgsEscaped ? { ArgsEscaped: c.ArgsEscaped } : {}),
    Image: c.Image ?? '',
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? null,
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.Shell ? { Shell: c.Shell } : {}),
  };
}

export function inspect(img: Image, apiVersion: string, graphDriverData: Record<string, string> | null): ImageInspect {
  const c = img.config;
  const out: ImageInspect = {
    Id: img.id,
    RepoTags: repoTags(img),
    RepoDigests: repoDigests(img),
    Parent: buildParent(img),
    Comment: c.comment ?? '',
    Created: c.created ?? '',
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: wireConfig(c.config),
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    ...(c['os.version'] ? { OsVersion: c['os.version'] } : {}),
    Size: img.size,
    GraphDriver: { Name: 'overlay2', Data: graphDriverData },
    RootFS: { Type: 'layers', Layers: c.rootfs?.diff_ids ?? [] },
    Metadata: img.lastTagTime ? { LastTagTime: img.lastTagTime.toISOString() } : {},
  };
  if (versionLessThan(apiVersion, '1.45')) {
    out.Container = c.container ?? '';
    out.ContainerConfig = wireConfig(c.container_config) ?? wireConfig({});
  }
  if (versionLessThan(apiVersion, '1.44')) out.VirtualSize = img.size;
  return out;
}

/**
 * History rows, newest first. Non-empty history entries take the layer sizes in order; the top
 * row carries the image ID and tags; the rows of `ancestors` (the parents the classic builder
 * recorded, nearest first) carry theirs, the others `<missing>`.
 */
export function history(img: Image, layerSizes: number[], ancestors: Image[] = []): ImageHistoryItem[] {
  const entries = img.config.history ?? [];
  let layer = 0;
  const rows: ImageHistoryItem[] = entries.map((h) => {
    const size = h.empty_layer ? 0 : (layerSizes[layer++] ?? 0);
    const t = h.created ? Date.parse(h.created) : 0;
    return {
      Id: '<missing>',
      Created: Number.isNaN(t) ? 0 : Math.floor(t / 1000),
      CreatedBy: h.created_by ?? '',
      Tags: null,
      Size: size,
      Comment: h.comment ?? '',
    };
  });
  rows.reverse();
  if (rows.length > 0) {
    rows[0]!.Id = img.id;
    rows[0]!.Tags = repoTags(img);
  }
  // An ancestor whose history is a prefix of this one names the row of its last entry.
  for (const a of ancestors) {
    const n = a.config.history?.length ?? 0;
    const row = rows[entries.length - n];
    if (n > 0 && row && row.Id === '<missing>') {
      row.Id = a.id;
      row.Tags = repoTags(a).length ? repoTags(a) : null;
    }
  }
  return rows;
}
