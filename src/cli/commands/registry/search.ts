/**
 * `berth search [OPTIONS] TERM`: GET /images/search?term=&limit=&filters= with the stored
 * credentials of the registry the term names (X-Registry-Auth), printed as docker 28 does
 * (cli/command/registry/search.go, formatter_search.go):
 *
 *   NAME            DESCRIPTION                                     STARS     OFFICIAL
 *   busybox         Busybox base image.                             3412      [OK]
 *   e2e/app         A long description is cut to 45 columns, the…   0
 *
 * `host/rest` (a first part with a `.` or `:`, or `localhost`) searches that registry, any other
 * term Docker Hub. The CLI checks only the shape of `-f name=value`; the daemon validates filter
 * names and values and the limit (1..100; `--limit` 0 or less sends none: the daemon's 25).
 * `--format` gets .Name .Description .StarCount .IsOfficial (docker 28 has no .IsAutomated);
 * `json` has those four as strings, IsOfficial "true"/"false" rather than the table's "[OK]"/"".
 *
 * compat: docker's retry after a 401 (its PrivilegeFunc prompting for a login) is not offered:
 * dockerd answers a registry's refusal of a search as a 500 ("Unexpected status code 401"), and so
 * does berthd, so the prompt is never reached.
 */
import type { ImageSearchResult } from '../../../api/types/index.js';
import { Filters } from '../../../lib/index.js';
import { INDEX_SERVER } from '../../config.js';
import { defineCommand } from '../../command.js';
import { filterFlag } from '../../common-flags.js';
import { renderList, rowContext, type Formatter } from '../../format/formatter.js';
import { GO_TYPE } from '../../format/template.js';
import { encodedAuthFor } from '../container/create.js';
import { ellipsis } from '../image/history.js';

const DEFAULT_TABLE = 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}';
/** Descriptions are cut to this many columns unless --no-trunc. */
const DESCRIPTION_WIDTH = 45;

/**
 * The registry a search term names (registry.ParseSearchIndexInfo): the part before the first
 * `/` when it has a `.` or `:` or is `localhost`, else docker.io (index.docker.io is docker.io).
 */
export function searchIndexName(term: string): string {
  const slash = term.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = term.slice(0, slash);
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') return 'docker.io';
  return first === 'index.docker.io' ? 'docker.io' : first;
}

/** Where the credentials for a search term are stored (command.ResolveAuthConfig). */
export function searchAuthKey(term: string): string {
  const index = searchIndexName(term);
  return index === 'docker.io' ? INDEX_SERVER : index;
}

/** formatter_search.go's searchContext, as a template context. */
export const searchFormatter: Formatter<ImageSearchResult> = {
  headers: { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL' },
  defaultTable: DEFAULT_TABLE,
  row: (r, { trunc }) => {
    // compat: MarshalJSON sets c.json, after which IsOfficial reads "true"/"false" (also in the template).
    let json = false;
    const bool = (v: boolean) => (json ? String(v) : v ? '[OK]' : '');
    const row = rowContext(
      {
        Name: () => r.name,
        Description: () => {
          const d = (r.description ?? '').replace(/[\n\r]/g, ' ');
          return trunc ? ellipsis(d, DESCRIPTION_WIDTH) : d;
        },
        StarCount: () => String(Math.trunc(r.star_count ?? 0)),
        IsOfficial: () => bool(!!r.is_official),
      },
      () => {
        json = true;
      },
    );
    Object.defineProperty(row, GO_TYPE, { value: '*registry.searchContext' });
    return row;
  },
};

export default defineCommand({
  name: 'search',
  usage: 'search [OPTIONS] TERM',
  description: 'Search Docker Hub for images',
  flags: [
    filterFlag,
    { name: 'format', kind: 'string', usage: 'Pretty-print search using a Go template' },
    { name: 'limit', kind: 'int', usage: 'Max number of search results' },
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
  ] as const,
  args: { min: 1, max: 1 },
  async run(cli, opts, args) {
    const term = args[0]!;
    const filters = Filters.fromArgs(opts.filter);
    if (filters.has('is-automated')) {
      cli.err.write('WARNING: the "is-automated" filter is deprecated, and searching for "is-automated=true" will not yield any results in future.\n');
    }
    const results =
      (await cli.client.get<ImageSearchResult[] | null>('/images/search', {
        query: { term, limit: opts.limit > 0 ? opts.limit : undefined, filters },
        headers: { 'X-Registry-Auth': await encodedAuthFor(cli, searchAuthKey(term)) },
      })) ?? [];
    cli.out.write(renderList(opts.format, results, searchFormatter, { trunc: !opts.noTrunc }));
  },
});
