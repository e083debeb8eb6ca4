/**
 * docker 28.2's formatter.DiskUsageContext (cli/command/formatter/disk_usage.go): what
 * `system df` prints from a GET /system/df answer.
 *
 * Summary (no -v): one row per object type, Images, Containers, Local Volumes, Build Cache,
 * each with TYPE TOTAL ACTIVE SIZE RECLAIMABLE; a custom --format runs once per type.
 *
 *   TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE
 *   Images          2         1         4.26MB    2.27MB (53%)
 *   Containers      2         1         12B       5B (41%)
 *   Local Volumes   0         0         0B        0B
 *   Build Cache     0         0         0B        0B
 *
 * Verbose (-v): four titled tables ("Images space usage:", ...), or a custom --format run once
 * on {Images, Containers, Volumes, BuildCache} (lists of the image, container, volume and build
 * cache row contexts), written without a final newline as docker does.
 *
 * Sizes are go-units' HumanSize (4 significant digits), percentages Go's integer division.
 */
import type { ContainerSummary, ImageSummary } from '../../../api/types/index.js';
import { FormatError, TABLE_FORMAT_KEY, isTableFormat, parseUserTemplate, preFormat, renderList, rowContext, type Formatter } from '../../format/formatter.js';
import { goTimeString, parseRFC3339 } from '../../format/gotime.js';
import { GO_TYPE, TemplateExecError } from '../../format/template.js';
import { humanDuration, humanSize, humanSizeWithPrecision } from '../../format/units.js';
import { familiarName, parseNormalizedNamed } from '../../reference.js';
import { containerFormat, containerFormatter } from '../container/list.js';
import { imageFormat, imageFormatter, isDangling, truncateId, type ImageRow } from '../image/list.js';

const RAW_FORMAT_KEY = 'raw';

const DEFAULT_TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const IMAGE_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';
const CONTAINER_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}';
const VOLUME_TABLE = 'table {{.Name}}\t{{.Links}}\t{{.Size}}';
const BUILD_CACHE_TABLE = 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}';

/** A volume as /system/df lists it (moby volume.Volume, the fields the CLI reads). */
export interface DfVolume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Scope: string;
  Labels?: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
  ClusterVolume?: {
    Spec?: { Group?: string; AccessMode?: unknown; Availability?: string };
    Info?: { VolumeID?: string } | null;
    PublishStatus?: unknown[] | null;
  } | null;
}

/** A build cache record as /system/df lists it (moby build.CacheRecord). */
export interface DfBuildCache {
  ID: string;
  Parent?: string;
  /** compat: moby 28's CacheRecord tags Parents `json:" Parents"`, so the key has a leading space. */
  ' Parents'?: string[] | null;
  Type: string;
  Description: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  CreatedAt: string;
  LastUsedAt?: string | null;
  UsageCount: number;
}

/** GET /system/df as the CLI reads it (moby types.DiskUsage). */
export interface DiskUsageReport {
  LayersSize?: number;
  Images?: ImageSummary[] | null;
  Containers?: ContainerSummary[] | null;
  Volumes?: DfVolume[] | null;
  BuildCache?: DfBuildCache[] | null;
}

export interface DiskUsageOptions {
  /** --format as given ("" for the default table). */
  format: string;
  verbose: boolean;
  now: () => Date;
}

/** formatter.NewDiskUsageFormat. */
export function diskUsageFormat(source: string, verbose: boolean): string {
  if (verbose && source === RAW_FORMAT_KEY) {
    return (
      '{{range .Images}}type: Image\n' + imageFormat(RAW_FORMAT_KEY, false, true) + '\n{{end -}}\n' +
      '{{range .Containers}}type: Container\n' + containerFormat(RAW_FORMAT_KEY, false, true) + '\n{{end -}}\n' +
      '{{range .Volumes}}type: Volume\n' + VOLUME_RAW + '\n{{end -}}\n' +
      '{{range .BuildCache}}type: Build Cache\n' + BUILD_CACHE_RAW + '\n{{end -}}'
    );
  }
  if (!verbose && source === TABLE_FORMAT_KEY) return DEFAULT_TABLE;
  if (!verbose && source === RAW_FORMAT_KEY) return 'type: {{.Type}}\ntotal: {{.TotalCount}}\nactive: {{.Active}}\nsize: {{.Size}}\nreclaimable: {{.Reclaimable}}\n';
  return source;
}

/** formatter.NewVolumeFormat("raw", false); `\n` stays literal until preFormat, as in docker. */
const VOLUME_RAW = 'name: {{.Name}}\\ndriver: {{.Driver}}\\n';
/** formatter.NewBuildCacheFormat("raw", false). */
const BUILD_CACHE_RAW =
  'build_cache_id: {{.ID}}\nparent_id: {{.Parent}}\nbuild_cache_type: {{.CacheType}}\ndescription: {{.Description}}\n' +
  'created_at: {{.CreatedAt}}\ncreated_since: {{.CreatedSince}}\nlast_used_at: {{.LastUsedAt}}\n' +
  'last_used_since: {{.LastUsedSince}}\nusage_count: {{.UsageCount}}\nin_use: {{.InUse}}\nshared: {{.Shared}}\n';

/**
 * Renders the report as docker's DiskUsageContext.Write, handing the output to `write` in the
 * pieces docker writes. Throws FormatError for template errors; in verbose mode with a custom
 * format, what the template printed before failing has been written already (docker executes
 * it straight into stdout) and the error is docker's unwrapped "template: ..." text.
 */
export function writeDiskUsage(du: DiskUsageReport, opts: DiskUsageOptions, write: (s: string) => void): void {
  const format = diskUsageFormat(opts.format === '' ? TABLE_FORMAT_KEY : opts.format, opts.verbose);
  if (!opts.verbose) {
    write(renderList(format, summaryRows(du), SUMMARY_FORMATTER));
    return;
  }
  const trunc = isTableFormat(format);
  const now = opts.now;
  const images = verboseImageRows(du.Images ?? []);
  // compat: docker drops the virtual size (SizeRootFs) of every container in verbose mode
  const containers = (du.Containers ?? []).map((c) => ({ ...c, SizeRootFs: 0 }));
  const volumes = du.Volumes ?? [];
  const cache = sortBuildCache(du.BuildCache ?? []);
  if (format === TABLE_FORMAT_KEY) {
    write('Images space usage:\n\n');
    write(renderList(IMAGE_TABLE, images, imageFormatter(now)));
    write('\nContainers space usage:\n\n');
    write(renderList(CONTAINER_TABLE, containers, containerFormatter(now)));
    write('\nLocal Volumes space usage:\n\n');
    write(renderList(VOLUME_TABLE, volumes, VOLUME_FORMATTER));
    write(`\nBuild cache usage: ${humanSize(builderSize(du))}\n\n`);
    write(renderList(BUILD_CACHE_TABLE, cache, buildCacheFormatter(now)));
    return;
  }
  const tmpl = parseUserTemplate(preFormat(format));
  const ctx = new DiskUsageContext();
  ctx.Images = images.map((r) => imageFormatter(now).row(r, { trunc }));
  ctx.Containers = containers.map((c) => containerFormatter(now).row(c, { trunc }));
  ctx.Volumes = volumes.map((v) => VOLUME_FORMATTER.row(v, { trunc }));
  ctx.BuildCache = cache.map((b) => buildCacheFormatter(now).row(b, { trunc }));
  try {
    write(tmpl.execute(ctx));
  } catch (e) {
    if (!(e instanceof TemplateExecError)) throw e;
    write(e.partial);
    throw new FormatError(e.message, { cause: e });
  }
}

/** docker's diskUsageContext, the data of a verbose custom format. */
class DiskUsageContext {
  Images: unknown[] = [];
  Containers: unknown[] = [];
  Volumes: unknown[] = [];
  BuildCache: unknown[] = [];
}
Object.defineProperty(DiskUsageContext.prototype, GO_TYPE, { value: '*formatter.diskUsageContext' });

/** The image rows of -v: the first tag only; images whose first tag does not parse are left out. */
function verboseImageRows(images: readonly ImageSummary[]): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const image of images) {
    let repo = '<none>';
    let tag = '<none>';
    const tags = image.RepoTags ?? [];
    if (tags.length > 0 && !isDangling(image)) {
      let ref;
      try {
        ref = parseNormalizedNamed(tags[0]!);
      } catch {
        continue;
      }
      if (ref.tag !== undefined) {
        repo = familiarName(ref);
        tag = ref.tag;
      }
    }
    rows.push({ image, repo, tag, digest: '' });
  }
  return rows;
}

/** df.go's builder size: the records that are not shared. */
function builderSize(du: DiskUsageReport): number {
  return (du.BuildCache ?? []).reduce((n, b) => (b.Shared ? n : n + b.Size), 0);
}

/** "<size> (<pct>%)" with Go's integer division, or the size alone when the total is 0. */
function reclaimableText(reclaimable: number, total: number): string {
  if (total > 0) return `${humanSize(reclaimable)} (${(BigInt(reclaimable) * 100n) / BigInt(total)}%)`;
  return humanSize(reclaimable);
}

const isActiveContainer = (c: ContainerSummary) => c.State === 'running' || c.State === 'paused' || c.State === 'restarting';

interface SummaryRow {
  goType: string;
  Type: string;
  TotalCount: () => string;
  Active: () => string;
  Size: () => string;
  Reclaimable: () => string;
}

/** The four summary rows (diskUsageImagesContext, ...Containers..., ...Volumes..., diskUsageBuilderContext). */
function summaryRows(du: DiskUsageReport): SummaryRow[] {
  const images = du.Images ?? [];
  const containers = du.Containers ?? [];
  const volumes = du.Volumes ?? [];
  const cache = du.BuildCache ?? [];
  const layersSize = du.LayersSize ?? 0;
  const bsz = builderSize(du);
  const sizeRw = (c: ContainerSummary) => c.SizeRw ?? 0;
  const volumeSize = (v: DfVolume) => v.UsageData?.Size ?? -1;
  return [
    {
      goType: '*formatter.diskUsageImagesContext',
      Type: 'Images',
      TotalCount: () => String(images.length),
      Active: () => String(images.filter((i) => i.Containers > 0).length),
      Size: () => humanSize(layersSize),
      Reclaimable: () => {
        // compat: images with Containers = -1 (unknown) count as used
        const used = images
          .filter((i) => i.Containers !== 0 && i.Size !== -1 && i.SharedSize !== -1)
          .reduce((n, i) => n + i.Size - i.SharedSize, 0);
        return reclaimableText(layersSize - used, layersSize);
      },
    },
    {
      goType: '*formatter.diskUsageContainersContext',
      Type: 'Containers',
      TotalCount: () => String(containers.length),
      Active: () => String(containers.filter(isActiveContainer).length),
      Size: () => humanSize(containers.reduce((n, c) => n + sizeRw(c), 0)),
      Reclaimable: () =>
        reclaimableText(
          containers.filter((c) => !isActiveContainer(c)).reduce((n, c) => n + sizeRw(c), 0),
          containers.reduce((n, c) => n + sizeRw(c), 0),
        ),
    },
    {
      goType: '*formatter.diskUsageVolumesContext',
      Type: 'Local Volumes',
      TotalCount: () => String(volumes.length),
      Active: () => String(volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length),
      Size: () => humanSize(volumes.filter((v) => volumeSize(v) !== -1).reduce((n, v) => n + volumeSize(v), 0)),
      Reclaimable: () => {
        const sized = volumes.filter((v) => volumeSize(v) !== -1);
        const unused = sized.filter((v) => (v.UsageData?.RefCount ?? 0) === 0);
        return reclaimableText(
          unused.reduce((n, v) => n + volumeSize(v), 0),
          sized.reduce((n, v) => n + volumeSize(v), 0),
        );
      },
    },
    {
      goType: '*formatter.diskUsageBuilderContext',
      Type: 'Build Cache',
      TotalCount: () => String(cache.length),
      Active: () => String(cache.filter((b) => b.InUse).length),
      Size: () => humanSize(bsz),
      Reclaimable: () => humanSize(bsz - cache.filter((b) => b.InUse && !b.Shared).reduce((n, b) => n + b.Size, 0)),
    },
  ];
}

const SUMMARY_FORMATTER: Formatter<SummaryRow> = {
  headers: { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' },
  defaultTable: DEFAULT_TABLE,
  row: (r) => {
    const row = rowContext({ Type: () => r.Type, TotalCount: r.TotalCount, Active: r.Active, Size: r.Size, Reclaimable: r.Reclaimable });
    Object.defineProperty(row, GO_TYPE, { value: r.goType });
    return row;
  },
};

/** formatter.volumeContext. */
export const VOLUME_FORMATTER: Formatter<DfVolume> = {
  headers: {
    ID: 'ID',
    Name: 'VOLUME NAME',
    Group: 'GROUP',
    Driver: 'DRIVER',
    Scope: 'SCOPE',
    Availability: 'AVAILABILITY',
    Mountpoint: 'MOUNTPOINT',
    Labels: 'LABELS',
    Links: 'LINKS',
    Size: 'SIZE',
    Status: 'STATUS',
  },
  defaultTable: 'table {{.Driver}}\t{{.Name}}',
  row: (v) => {
    const labels = v.Labels ?? null;
    const cluster = v.ClusterVolume ?? null;
    const row = rowContext({
      Name: () => v.Name,
      Driver: () => v.Driver,
      Scope: () => v.Scope,
      Mountpoint: () => v.Mountpoint,
      // docker joins the labels in Go map order (random); sorted here
      Labels: () =>
        labels === null
          ? ''
          : Object.entries(labels)
              .map(([k, val]) => `${k}=${val}`)
              .sort()
              .join(','),
      Label: (name: string) => (labels === null ? '' : (labels[name] ?? '')),
      Links: () => (v.UsageData ? String(v.UsageData.RefCount) : 'N/A'),
      Size: () => (v.UsageData ? humanSize(v.UsageData.Size) : 'N/A'),
      Group: () => (cluster ? (cluster.Spec?.Group ?? '') : 'N/A'),
      Availability: () => (cluster ? (cluster.Spec?.Availability ?? '') : 'N/A'),
      Status: () => {
        if (!cluster) return 'N/A';
        if (!cluster.Info?.VolumeID) return 'pending creation';
        const n = cluster.PublishStatus?.length ?? 0;
        if (n === 0) return 'created';
        return n === 1 ? 'in use (1 node)' : `in use (${n} nodes)`;
      },
    });
    Object.defineProperty(row, GO_TYPE, { value: '*formatter.volumeContext' });
    return row;
  },
};

/** Milliseconds of an RFC 3339 time (0 when it does not parse). */
const millis = (s: string) => {
  const t = parseRFC3339(s);
  return t ? Number(t.sec) * 1000 + Math.trunc(t.nsec / 1e6) : 0;
};

/** Go's time.Since as HumanDuration: the duration saturates at about 292 years. */
const since = (now: () => Date, ms: number) => humanDuration(Math.min(now().getTime() - ms, 9_223_372_036_854)) + ' ago';

/** formatter.buildCacheContext. */
export function buildCacheFormatter(now: () => Date): Formatter<DfBuildCache> {
  return {
    headers: {
      ID: 'CACHE ID',
      Parent: 'PARENT',
      CacheType: 'CACHE TYPE',
      Size: 'SIZE',
      CreatedSince: 'CREATED',
      LastUsedSince: 'LAST USED',
      UsageCount: 'USAGE',
      InUse: 'IN USE',
      Shared: 'SHARED',
      Description: 'DESCRIPTION',
    },
    defaultTable: 'table {{.ID}}\t{{.Type}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}\t{{.Description}}',
    row: (b, { trunc }) => {
      const lastUsed = b.LastUsedAt ?? null;
      const row = rowContext({
        ID: () => (trunc ? truncateId(b.ID) : b.ID) + (b.InUse ? '*' : ''),
        Parent: () => {
          const parents = b[' Parents'] ?? [];
          const parent = parents.length ? parents.join(', ') : (b.Parent ?? '');
          return trunc ? truncateId(parent) : parent;
        },
        CacheType: () => b.Type,
        Description: () => b.Description,
        Size: () => humanSizeWithPrecision(b.Size, 3),
        CreatedAt: () => goTimeString(b.CreatedAt) ?? '',
        CreatedSince: () => since(now, millis(b.CreatedAt)),
        LastUsedAt: () => (lastUsed === null ? '' : (goTimeString(lastUsed) ?? '')),
        LastUsedSince: () => (lastUsed === null ? '' : since(now, millis(lastUsed))),
        UsageCount: () => String(b.UsageCount),
        InUse: () => String(b.InUse),
        Shared: () => String(b.Shared),
      });
      Object.defineProperty(row, GO_TYPE, { value: '*formatter.buildCacheContext' });
      return row;
    },
  };
}

/** buildCacheSort: never used first, then by last use, ties by ID. */
export function sortBuildCache(records: readonly DfBuildCache[]): DfBuildCache[] {
  return [...records].sort((a, b) => {
    const la = a.LastUsedAt ?? null;
    const lb = b.LastUsedAt ?? null;
    if (la === null && lb === null) return a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0;
    if (la === null) return -1;
    if (lb === null) return 1;
    const ta = parseRFC3339(la);
    const tb = parseRFC3339(lb);
    const d = ta && tb ? (ta.sec === tb.sec ? ta.nsec - tb.nsec : ta.sec < tb.sec ? -1 : 1) : 0;
    if (d !== 0) return d;
    return a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0;
  });
}
