/**
 * `berth image history` / `berth history`: GET /images/{name}/history, printed as docker 28
 * does (cli/command/image/history.go, formatter_history.go):
 *
 *   IMAGE          CREATED         CREATED BY                                      SIZE      COMMENT
 *   928174af2345   3 seconds ago   /bin/sh -c #(nop)  CMD ["cat" "/hello.txt" "…   0B
 *   <missing>      8 minutes ago                                                   1.99MB    imported
 *
 * CREATED BY is cut to 45 display columns with "…" unless --no-trunc; `-H=false` prints RFC 3339
 * dates and sizes in bytes. Layers without an image of their own have the ID `<missing>`.
 */
import type { ImageHistoryItem } from '../../../api/types/index.js';
import { escapePath } from '../../../client/index.js';
import { defineCommand } from '../../command.js';
import { FORMAT_HELP } from '../../common-flags.js';
import { renderList, rowContext, TABLE_FORMAT_KEY, type Formatter } from '../../format/formatter.js';
import { formatRFC3339 } from '../../format/gotime.js';
import { GO_TYPE } from '../../format/template.js';
import { displayWidth } from '../../format/tabwriter.js';
import { humanDuration, humanSizeWithPrecision } from '../../format/units.js';
import { truncateId } from './list.js';
import { encodePlatform, requireApiVersion } from '../../platform.js';

const DEFAULT_TABLE = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
const NON_HUMAN_TABLE = 'table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

/** Dates before 2000 are shown as N/A in human mode (docker's epoch). */
const EPOCH = Date.UTC(2000, 0, 1) / 1000;

/** formatter.Ellipsis: cut to `max` display columns, the last one being "…". */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const runes = [...s];
  if (max === 1) return runes[0] ?? '';
  if (Buffer.byteLength(s) === runes.length) return s.length <= max ? s : s.slice(0, max - 1) + '…';
  const widths: number[] = [];
  let total = 0;
  for (const r of runes) {
    total += displayWidth(r);
    widths.push(total);
  }
  if (total <= max) return s;
  for (let i = 0; i < widths.length - 1; i++) {
    if (widths[i]! <= max - 1 && widths[i + 1]! > max - 1) return runes.slice(0, i + 1).join('') + '…';
  }
  return s;
}

/** NewHistoryFormat. */
export function historyFormat(source: string, quiet: boolean, human: boolean): string {
  if (source !== TABLE_FORMAT_KEY) return source;
  if (quiet) return '{{.ID}}';
  return human ? DEFAULT_TABLE : NON_HUMAN_TABLE;
}

/** The history columns (historyContext). */
export function historyFormatter(human: boolean, now: () => Date): Formatter<ImageHistoryItem> {
  return {
    headers: { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
    defaultTable: DEFAULT_TABLE,
    row: (h, { trunc }) => {
      const createdAt = () => formatRFC3339(h.Created);
      const row = rowContext({
        ID: () => (trunc ? truncateId(h.Id) : h.Id),
        CreatedAt: createdAt,
        CreatedSince: () => {
          if (!human) return createdAt();
          if (h.Created <= EPOCH) return 'N/A';
          return humanDuration(now().getTime() - h.Created * 1000) + ' ago';
        },
        CreatedBy: () => {
          const by = (h.CreatedBy ?? '').replace(/\t/g, ' ');
          return trunc ? ellipsis(by, 45) : by;
        },
        Size: () => (human ? humanSizeWithPrecision(h.Size, 3) : String(h.Size)),
        Comment: () => h.Comment ?? '',
      });
      Object.defineProperty(row, GO_TYPE, { value: '*image.historyContext' });
      return row;
    },
  };
}

export default defineCommand({
  name: 'history',
  usage: 'history [OPTIONS] IMAGE',
  description: 'Show the history of an image',
  flags: [
    { name: 'format', kind: 'string', usage: FORMAT_HELP },
    { name: 'human', short: 'H', kind: 'bool', default: true, usage: 'Print sizes and dates in human readable format' },
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    {
      name: 'platform',
      kind: 'string',
      usage: 'Show history for the given platform. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
    },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only show image IDs' },
  ] as const,
  args: { min: 1, max: 1 },
  async run(cli, opts, args) {
    let platform: string | undefined;
    if (opts.platform) {
      await requireApiVersion(cli, '1.48', '--platform');
      platform = encodePlatform(opts.platform, 'invalid platform: ');
    }
    const history = (await cli.client.get<ImageHistoryItem[] | null>(`/images/${escapePath(args[0]!)}/history`, { query: { platform } })) ?? [];
    const format = historyFormat(opts.format || TABLE_FORMAT_KEY, opts.quiet, opts.human);
    cli.out.write(renderList(format, history, historyFormatter(opts.human, () => cli.now()), { trunc: !opts.noTrunc }));
  },
});
