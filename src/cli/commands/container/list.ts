/**
 * `berth ps` / `berth container ls|list|ps`: GET /containers/json, printed as docker 28's
 * (cli/command/container/list.go, formatter/container.go):
 *
 *   CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS         PORTS                  NAMES
 *   5fa78686aed6   busybox   "httpd -f -p 80"         5 seconds ago   Up 4 seconds   0.0.0.0:8080->80/tcp   web
 *
 * Truncation (off with --no-trunc): IDs to 12 hex digits, the command to 20 display columns
 * with "…" (then Go-quoted), image references to their familiar name (digest dropped, or the
 * short ID when the image is only known by ID), names without the leading "/" and without
 * legacy link names, mount names to 15 columns. Ports collapse into ranges (ports.ts).
 *
 * Query: all=1 (-a), limit=N (-n N, or 1 for -l), size=1 (-s, or when a --format template
 * uses .Size), filters as given. A --format is first run against an empty row, so a template
 * error is reported before any request ("failed to execute template: …").
 */
import type { ContainerSummary } from '../../../api/types/index.js';
import { Filters } from '../../../lib/index.js';
import { CliError, defineCommand } from '../../command.js';
import { FORMAT_HELP, filterFlag } from '../../common-flags.js';
import { renderList, rowContext, TABLE_FORMAT_KEY, type Formatter } from '../../format/formatter.js';
import { NIL_POINTER } from '../../format/gofmt.js';
import { formatGoTime } from '../../format/gotime.js';
import { displayWidth } from '../../format/tabwriter.js';
import { GO_TYPE, Template, TemplateExecError, TemplateParseError } from '../../format/template.js';
import { humanDuration, humanSizeWithPrecision } from '../../format/units.js';
import { familiarString, parseNormalizedNamed } from '../../reference.js';
import { truncateId } from '../image/list.js';
import { displayablePorts } from './ports.js';

const DEFAULT_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
const QUIET_FORMAT = '{{.ID}}';
const RAW_FORMAT_KEY = 'raw';

/** formatter.NewContainerFormat. */
export function containerFormat(source: string, quiet: boolean, size: boolean): string {
  if (source === TABLE_FORMAT_KEY || source === '') {
    if (quiet) return QUIET_FORMAT;
    return size ? DEFAULT_TABLE + '\\t{{.Size}}' : DEFAULT_TABLE;
  }
  if (source === RAW_FORMAT_KEY) {
    if (quiet) return 'container_id: {{.ID}}';
    let f =
      'container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\n' +
      'status: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n';
    if (size) f += 'size: {{.Size}}\\n';
    return f;
  }
  return quiet ? QUIET_FORMAT : source;
}

/** Ellipsis: `s` cut to `max` display columns, the last one an ellipsis. */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const runes = [...s];
  if (max === 1) return runes[0] ?? '';
  if (Buffer.byteLength(s) === runes.length) {
    return runes.length <= max ? s : runes.slice(0, max - 1).join('') + '…';
  }
  const widths = runes.map((r) => displayWidth(r));
  const total = widths.reduce((a, b) => a + b, 0);
  if (total <= max) return s;
  let acc = 0;
  for (let i = 0; i < runes.length; i++) {
    const next = acc + widths[i]!;
    if (next <= max - 1 && next + (widths[i + 1] ?? 0) > max - 1) return runes.slice(0, i + 1).join('') + '…';
    acc = next;
  }
  return s;
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || (c >= 0x2028 && c <= 0x2029)) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** ContainerContext.Image. */
export function displayImage(c: Pick<ContainerSummary, 'Image' | 'ImageID'>, trunc: boolean): string {
  if (!c.Image) return '<no image>';
  if (trunc) {
    const t = truncateId(c.ImageID ?? '');
    if (t === truncateId(c.Image)) return t;
    try {
      const ref = parseNormalizedNamed(c.Image);
      return familiarString({ ...ref, digest: undefined });
    } catch {
      // not a reference: shown as it is
    }
  }
  return c.Image;
}

/** ContainerContext.Names. */
export function displayNames(names: readonly string[] | null, trunc: boolean): string {
  let stripped = (names ?? []).map((n) => n.slice(1));
  if (trunc) {
    const plain = stripped.find((n) => n.split('/').length === 1);
    if (plain !== undefined) stripped = [plain];
  }
  return stripped.join(',');
}

/** The `ps` columns (formatter.ContainerContext). `onSize` learns that .Size was used. */
export function containerFormatter(now: () => Date, onSize?: () => void): Formatter<ContainerSummary> {
  return {
    headers: {
      ID: 'CONTAINER ID',
      Names: 'NAMES',
      Image: 'IMAGE',
      Command: 'COMMAND',
      CreatedAt: 'CREATED AT',
      RunningFor: 'CREATED',
      Ports: 'PORTS',
      State: 'STATE',
      Status: 'STATUS',
      Size: 'SIZE',
      Labels: 'LABELS',
      Mounts: 'MOUNTS',
      LocalVolumes: 'LOCAL VOLUMES',
      Networks: 'NETWORKS',
      Platform: 'PLATFORM',
    },
    defaultTable: DEFAULT_TABLE,
    row: (c, { trunc }) => {
      const labels = c.Labels ?? null;
      const row = rowContext({
        ID: () => (trunc ? truncateId(c.Id ?? '') : (c.Id ?? '')),
        Names: () => displayNames(c.Names, trunc),
        Image: () => displayImage(c, trunc),
        Command: () => goQuote(trunc ? ellipsis(c.Command ?? '', 20) : (c.Command ?? '')),
        CreatedAt: () => formatGoTime(c.Created ?? 0),
        RunningFor: () => humanDuration(now().getTime() - (c.Created ?? 0) * 1000) + ' ago',
        Platform: () => platformOf(c),
        Ports: () => displayablePorts(c.Ports ?? []),
        State: () => c.State ?? '',
        Status: () => c.Status ?? '',
        Size: () => {
          onSize?.();
          const srw = humanSizeWithPrecision(c.SizeRw ?? 0, 3);
          return (c.SizeRootFs ?? 0) > 0 ? `${srw} (virtual ${humanSizeWithPrecision(c.SizeRootFs!, 3)})` : srw;
        },
        Labels: () =>
          labels === null
            ? ''
            : Object.entries(labels)
                .map(([k, v]) => `${k}=${v}`)
                .sort()
                .join(','),
        Label: (name: string) => (labels === null ? '' : (labels[name] ?? '')),
        Mounts: () => (c.Mounts ?? []).map((m) => (trunc ? ellipsis(m.Name || m.Source, 15) : m.Name || m.Source)).join(','),
        LocalVolumes: () => String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
        Networks: () => Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
      });
      Object.defineProperty(row, GO_TYPE, { value: '*formatter.ContainerContext' });
      return row;
    },
  };
}

interface WithDescriptor {
  ImageManifestDescriptor?: { platform?: { architecture: string; os: string; variant?: string; 'os.version'?: string } } | null;
}

/** ContainerContext.Platform: the image manifest's platform, or a nil *Platform ("<nil>"). */
function platformOf(c: ContainerSummary): unknown {
  const p = (c as ContainerSummary & WithDescriptor).ImageManifestDescriptor?.platform;
  if (!p) return NIL_POINTER;
  return {
    ...p,
    String: () => [p.os, p.architecture, p.variant ?? ''].filter((x) => x !== '').join('/'),
  };
}

/** buildContainerListOptions' template check: parse, run on an empty row, learn whether .Size is used. */
export function probeTemplate(format: string): { usesSize: boolean } {
  let tmpl: Template;
  try {
    tmpl = Template.parse(format);
  } catch (e) {
    if (e instanceof TemplateParseError) throw new CliError(`failed to parse template: ${e.message}`);
    throw e;
  }
  let usesSize = false;
  const f = containerFormatter(() => new Date(0), () => (usesSize = true));
  const empty = { Id: '', Names: null, Image: '', ImageID: '', Command: '', Created: 0, Ports: null, Labels: null, State: '', Status: '', HostConfig: null, NetworkSettings: null, Mounts: null };
  try {
    tmpl.execute(f.row(empty as unknown as ContainerSummary, { trunc: false }));
  } catch (e) {
    if (e instanceof TemplateExecError) throw new CliError(`failed to execute template: ${e.message}`);
    throw e;
  }
  return { usesSize };
}

export default defineCommand({
  name: 'ls',
  aliases: ['ps', 'list'],
  helpAliases: ['container ls', 'container list', 'container ps', 'ps'],
  usage: 'ls [OPTIONS]',
  description: 'List containers',
  flags: [
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display container IDs' },
    { name: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes' },
    { name: 'all', short: 'a', kind: 'bool', usage: 'Show all containers (default shows just running)' },
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { name: 'latest', short: 'l', kind: 'bool', usage: 'Show the latest created container (includes all states)' },
    { name: 'last', short: 'n', kind: 'int', default: -1, usage: 'Show n last created containers (includes all states)' },
    { name: 'format', kind: 'string', usage: FORMAT_HELP },
    filterFlag,
  ] as const,
  args: { max: 0 },
  async run(cli, opts, _args, { changed }) {
    let format = opts.format;
    if (format === '') format = cli.config().psFormat ?? '';
    else if (opts.quiet) cli.err.write('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
    let size = opts.size;
    let limit = opts.last;
    if (opts.latest && opts.last === -1) limit = 1;
    if (format.length > 0) {
      const { usesSize } = probeTemplate(format);
      if (!opts.quiet && !size && !changed.has('size') && usesSize) size = true;
    }
    const list =
      (await cli.client.get<ContainerSummary[] | null>('/containers/json', {
        query: { all: opts.all, limit: limit > 0 ? String(limit) : undefined, size, filters: Filters.fromArgs(opts.filter) },
      })) ?? [];
    const template = containerFormat(format, opts.quiet, size);
    cli.out.write(renderList(template, list, containerFormatter(() => cli.now()), { trunc: !opts.noTrunc }));
  },
});
