/**
 * `berth image ls` / `berth image list` / `berth images`: GET /images/json, printed as docker
 * 28's classic table (cli/command/image/list.go, formatter/image.go):
 *
 *   REPOSITORY   TAG       IMAGE ID       CREATED         SIZE
 *   busybox      latest    6b03d9d8398c   8 minutes ago   1.99MB
 *   <none>       <none>    9f8615ac786c   7 minutes ago   153MB
 *
 * One row per repository:tag (familiar names, grouped by repository in the order the daemon
 * lists the tags), `<none>` for dangling images; sizes with 3 significant digits in SI units.
 * The [REPOSITORY[:TAG]] argument is sent as a `reference` filter. docker's `--tree` view is
 * experimental (behind DOCKER_CLI_EXPERIMENTAL) and not offered.
 */
import type { ImageSummary } from '../../../api/types/index.js';
import { Filters } from '../../../lib/index.js';
import { defineCommand } from '../../command.js';
import { FORMAT_HELP, filterFlag } from '../../common-flags.js';
import { renderList, rowContext, TABLE_FORMAT_KEY, type Formatter } from '../../format/formatter.js';
import { formatGoTime } from '../../format/gotime.js';
import { GO_TYPE } from '../../format/template.js';
import { humanDuration, humanSize, humanSizeWithPrecision } from '../../format/units.js';
import { familiarName, parseNormalizedNamed, type Reference } from '../../reference.js';

const DEFAULT_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
const DEFAULT_TABLE_WITH_DIGEST =
  'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
const QUIET_FORMAT = '{{.ID}}';
const RAW_FORMAT_KEY = 'raw';

/** stringid.TruncateID: the hex after the algorithm, 12 characters. */
export function truncateId(id: string): string {
  const i = id.indexOf(':');
  const hex = i >= 0 ? id.slice(i + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}

/** One row of the list: an image shown under one repository/tag/digest. */
export interface ImageRow {
  image: ImageSummary;
  repo: string;
  tag: string;
  digest: string;
}

/** formatter.NewImageFormat: the template for a --format value, -q and --digests. */
export function imageFormat(source: string, quiet: boolean, digest: boolean): string {
  if (source === TABLE_FORMAT_KEY) {
    if (quiet) return QUIET_FORMAT;
    return digest ? DEFAULT_TABLE_WITH_DIGEST : DEFAULT_TABLE;
  }
  if (source === RAW_FORMAT_KEY) {
    if (quiet) return 'image_id: {{.ID}}';
    return digest
      ? 'repository: {{ .Repository }}\ntag: {{.Tag}}\ndigest: {{.Digest}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n'
      : 'repository: {{ .Repository }}\ntag: {{.Tag}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n';
  }
  if (source.startsWith(TABLE_FORMAT_KEY) && digest && !source.includes('{{.Digest}}')) return source + '\t{{.Digest}}';
  return source;
}

/** formatter.isDangling: no tags and no digests, or only the <none> placeholders. */
export function isDangling(img: ImageSummary): boolean {
  const tags = img.RepoTags ?? [];
  const digests = img.RepoDigests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  return tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>';
}

function tryParse(s: string): Reference | undefined {
  try {
    return parseNormalizedNamed(s);
  } catch {
    return undefined;
  }
}

/**
 * The rows of one image (imageFormatTaggedAndDigest): each tag under its familiar repository
 * name, with each digest of that repository when digests are shown; repositories known only by
 * digest get a `<none>` tag row. docker walks Go maps here (random order); we keep the
 * daemon's order.
 */
export function imageRows(img: ImageSummary, opts: { showDigests: boolean; needDigest: boolean }): ImageRow[] {
  if (isDangling(img)) return [{ image: img, repo: '<none>', tag: '<none>', digest: '<none>' }];
  const repoTags = new Map<string, string[]>();
  const repoDigests = new Map<string, string[]>();
  for (const s of img.RepoTags ?? []) {
    const ref = tryParse(s);
    if (!ref || ref.tag === undefined || ref.digest !== undefined) continue;
    const name = familiarName(ref);
    repoTags.set(name, [...(repoTags.get(name) ?? []), ref.tag]);
  }
  for (const s of img.RepoDigests ?? []) {
    const ref = tryParse(s);
    if (!ref || ref.digest === undefined) continue;
    const name = familiarName(ref);
    repoDigests.set(name, [...(repoDigests.get(name) ?? []), ref.digest]);
  }
  const rows: ImageRow[] = [];
  const add = (repo: string, tag: string, digest: string) => rows.push({ image: img, repo, tag, digest });
  for (const [repo, tags] of repoTags) {
    let digests = repoDigests.get(repo) ?? [];
    repoDigests.delete(repo);
    if (!opts.needDigest) digests = [];
    for (const tag of tags) {
      if (digests.length === 0) add(repo, tag, '<none>');
      for (const d of digests) add(repo, tag, d);
    }
  }
  for (const [repo, digests] of repoDigests) {
    if (opts.showDigests) for (const d of digests) add(repo, '<none>', d);
    else add(repo, '<none>', '');
  }
  return rows;
}

/** The image list's columns (formatter.imageContext), with `now` for CreatedSince. */
export function imageFormatter(now: () => Date): Formatter<ImageRow> {
  return {
    headers: {
      ID: 'IMAGE ID',
      Repository: 'REPOSITORY',
      Tag: 'TAG',
      Digest: 'DIGEST',
      CreatedSince: 'CREATED',
      CreatedAt: 'CREATED AT',
      Size: 'SIZE',
      Containers: 'CONTAINERS',
      VirtualSize: 'SIZE',
      SharedSize: 'SHARED SIZE',
      UniqueSize: 'UNIQUE SIZE',
    },
    defaultTable: DEFAULT_TABLE,
    row: (r, { trunc }) => {
      const i = r.image;
      const row = rowContext({
        ID: () => (trunc ? truncateId(i.Id) : i.Id),
        Repository: () => r.repo,
        Tag: () => r.tag,
        Digest: () => r.digest,
        CreatedSince: () => humanDuration(now().getTime() - i.Created * 1000) + ' ago',
        CreatedAt: () => formatGoTime(i.Created),
        Size: () => humanSizeWithPrecision(i.Size, 3),
        Containers: () => (i.Containers === -1 ? 'N/A' : String(i.Containers)),
        VirtualSize: () => humanSize(i.Size),
        SharedSize: () => (i.SharedSize === -1 ? 'N/A' : humanSize(i.SharedSize)),
        UniqueSize: () => (i.Size === -1 || i.SharedSize === -1 ? 'N/A' : humanSize(i.Size - i.SharedSize)),
      });
      Object.defineProperty(row, GO_TYPE, { value: '*formatter.imageContext' });
      return row;
    },
  };
}

/** Rows for a list of images, in the daemon's order. */
export function listRows(images: readonly ImageSummary[], format: string, showDigests: boolean): ImageRow[] {
  const needDigest = showDigests || format.includes('{{.Digest}}');
  return images.flatMap((img) => imageRows(img, { showDigests, needDigest }));
}

const IMAGE_SUBCOMMANDS = new Set(['build', 'history', 'import', 'inspect', 'list', 'load', 'ls', 'prune', 'pull', 'push', 'rm', 'save', 'tag']);

export default defineCommand({
  name: 'ls',
  aliases: ['list'],
  usage: 'ls [OPTIONS] [REPOSITORY[:TAG]]',
  description: 'List images',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Show all images (default hides intermediate images)' },
    { name: 'digests', kind: 'bool', usage: 'Show digests' },
    filterFlag,
    { name: 'format', kind: 'string', usage: FORMAT_HELP },
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only show image IDs' },
  ] as const,
  args: { max: 1 },
  async run(cli, opts, args) {
    const filters = Filters.fromArgs(opts.filter);
    const matchName = args[0] ?? '';
    if (matchName) filters.add('reference', matchName);
    const images = (await cli.client.get<ImageSummary[] | null>('/images/json', { query: { all: opts.all, filters } })) ?? [];
    let format = opts.format;
    if (format === '') {
      const configured = cli.config().imagesFormat;
      format = configured && !opts.quiet ? configured : TABLE_FORMAT_KEY;
    }
    const template = imageFormat(format, opts.quiet, opts.digests);
    const rows = listRows(images, template, opts.digests);
    cli.out.write(renderList(template, rows, imageFormatter(() => cli.now()), { trunc: !opts.noTrunc }));
    // compat: `docker images ls` lists images named "ls"; docker hints at `docker image ls`
    if (matchName && images.length === 0 && cli.calledAs === 'images' && IMAGE_SUBCOMMANDS.has(matchName)) {
      cli.err.write(`\nNo images found matching ${JSON.stringify(matchName)}: did you mean "berth image ${matchName}"?\n`);
    }
  },
});
