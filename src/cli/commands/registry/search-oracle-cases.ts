/**
 * `search` oracle cases: each answers GET /images/search from a fake engine and runs one command
 * line, with a config.json when credentials matter. search-record-goldens.ts runs them with the
 * real docker CLI 28.2.2 and writes what it printed and requested (with the X-Registry-Auth
 * header decoded) to testdata/search-oracle.golden; search-oracle.test.ts runs them with berth,
 * in-process, and compares.
 *
 * The results are shaped like Docker Hub's: long descriptions (cut at 45 columns), line breaks
 * inside them, wide characters, official and starred repositories. The daemon's error texts
 * are moby 28's (the fake answers them as dockerd would).
 */
import type { SeenRequest, FakeEngine } from '../../test-helpers.js';
import { testdataDir } from '../../test-helpers.js';

export const TESTDATA = testdataDir(import.meta.url);

export interface SearchCase {
  name: string;
  /** Arguments after the binary. */
  args: string[];
  /** Routes of the fake engine. */
  setup?: (e: FakeEngine) => void;
  /** config.json of the run's config dir (none: the dir is empty). */
  config?: unknown;
}

/** Search results as dockerd 28 relays Docker Hub's (is_automated forced to false). */
export const HUB_RESULTS = [
  { star_count: 3412, is_official: true, name: 'busybox', is_automated: false, description: 'Busybox base image.' },
  {
    star_count: 57,
    is_official: false,
    name: 'progrium/busybox',
    is_automated: false,
    description: 'A tiny busybox image with opkg, for containers that need a few more packages than the base one has',
  },
  { star_count: 0, is_official: false, name: 'e2e/multiline', is_automated: false, description: 'first line\nsecond line\r\nthird line, long enough to be cut here' },
  { star_count: 9, is_official: false, name: 'wide/cjk', is_automated: false, description: '小さな busybox イメージ、日本語の説明が長く続くのでここで切られるはずです' },
  { star_count: 1, is_official: false, name: 'exact/fortyfive', is_automated: false, description: 'x'.repeat(45) },
  { star_count: 1, is_official: false, name: 'exact/fortysix', is_automated: false, description: 'y'.repeat(46) },
  { star_count: 12, is_official: true, name: 'escapes', is_automated: false, description: 'a <b> & "c"' },
  { star_count: 0, is_official: false, name: 'empty/description', is_automated: false, description: '' },
];

const results = (e: FakeEngine, body: unknown = HUB_RESULTS) => void e.json('GET', '/images/search', body);
const daemonError = (status: number, message: string) => (e: FakeEngine) => void e.error('GET', '/images/search', status, message);

const b64 = (s: string) => Buffer.from(s).toString('base64');
const CREDS = {
  auths: {
    '127.0.0.1:5000': { auth: b64('alice:s3cret') },
    'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') },
    localhost: { auth: b64('lo:pw'), identitytoken: 'tok-123' },
  },
};

export const CASES: SearchCase[] = [
  { name: 'table', args: ['search', 'busybox'], setup: (e) => results(e) },
  { name: 'table keyword', args: ['search', '--format', 'table', 'busybox'], setup: (e) => results(e) },
  { name: 'no-trunc', args: ['search', '--no-trunc', 'busybox'], setup: (e) => results(e) },
  { name: 'no results', args: ['search', 'nothing-like-this'], setup: (e) => results(e, []) },
  { name: 'null answer', args: ['search', 'x'], setup: (e) => results(e, null) },
  { name: 'limit', args: ['search', '--limit', '2', 'busybox'], setup: (e) => results(e, HUB_RESULTS.slice(0, 2)) },
  { name: 'limit zero sends none', args: ['search', '--limit=0', 'busybox'], setup: (e) => results(e, HUB_RESULTS.slice(0, 1)) },
  { name: 'limit negative sends none', args: ['search', '--limit', '-5', 'busybox'], setup: (e) => results(e, HUB_RESULTS.slice(0, 1)) },
  { name: 'limit out of range', args: ['search', '--limit', '101', 'busybox'], setup: daemonError(400, 'limit 101 is outside the range of [1, 100]') },
  { name: 'limit not a number', args: ['search', '--limit', 'ten', 'busybox'] },
  { name: 'limit hex', args: ['search', '--limit', '0x10', 'busybox'], setup: (e) => results(e, []) },
  { name: 'filters', args: ['search', '-f', 'stars=3', '--filter', 'is-official=true', 'busybox'], setup: (e) => results(e, [HUB_RESULTS[0]]) },
  { name: 'filter spaces and case', args: ['search', '-f', ' Stars = 10 ', '-f', 'stars=3', 'busybox'], setup: (e) => results(e, []) },
  { name: 'filter is-automated warns', args: ['search', '-f', 'IS-AUTOMATED=false', 'busybox'], setup: (e) => results(e, HUB_RESULTS.slice(0, 1)) },
  { name: 'filter without =', args: ['search', '-f', 'stars', 'busybox'] },
  { name: 'filter unknown', args: ['search', '-f', 'nope=1', 'busybox'], setup: daemonError(400, "invalid filter 'nope'") },
  { name: 'filter bad stars', args: ['search', '-f', 'stars=many', 'busybox'], setup: daemonError(400, `invalid filter 'stars=many': strconv.Atoi: parsing "many": invalid syntax`) },
  { name: 'filter values sorted and escaped', args: ['search', '-f', 'stars=<3&x>', '-f', 'stars=20', '-f', 'stars=100', 'busybox'], setup: daemonError(400, `invalid filter 'stars=<3&x>': strconv.Atoi: parsing "<3&x>": invalid syntax`) },
  { name: 'filter bad bool', args: ['search', '-f', 'is-official=maybe', 'busybox'], setup: daemonError(400, "invalid filter 'is-official=[maybe]'") },
  { name: 'format fields', args: ['search', '--format', '{{.Name}}|{{.Description}}|{{.StarCount}}|{{.IsOfficial}}', 'busybox'], setup: (e) => results(e) },
  { name: 'format table template', args: ['search', '--format', 'table {{.Name}}\\t{{.IsOfficial}}\\t{{.StarCount}}', 'busybox'], setup: (e) => results(e) },
  { name: 'format json', args: ['search', '--format', 'json', 'busybox'], setup: (e) => results(e) },
  { name: 'format json no-trunc', args: ['search', '--format', '{{json .}}', '--no-trunc', 'busybox'], setup: (e) => results(e, HUB_RESULTS.slice(0, 3)) },
  { name: 'format json then field', args: ['search', '--format', '{{.IsOfficial}}/{{json .}}/{{.IsOfficial}}', 'busybox'], setup: (e) => results(e, HUB_RESULTS.slice(0, 2)) },
  { name: 'format IsAutomated', args: ['search', '--format', '{{.IsAutomated}}', 'busybox'], setup: (e) => results(e) },
  { name: 'format IsAutomated no results', args: ['search', '--format', '{{.IsAutomated}}', 'busybox'], setup: (e) => results(e, []) },
  { name: 'format parse error', args: ['search', '--format', '{{.Name}', 'busybox'], setup: (e) => results(e) },
  { name: 'format funcs', args: ['search', '--format', '{{upper .Name}} {{len .Description}} {{.StarCount | printf "%5s"}}', 'busybox'], setup: (e) => results(e) },
  { name: 'credentials of the named registry', args: ['search', '127.0.0.1:5000/e2e'], setup: (e) => results(e, []), config: CREDS },
  { name: 'credentials of docker hub', args: ['search', 'busy'], setup: (e) => results(e, []), config: CREDS },
  { name: 'credentials of index.docker.io', args: ['search', 'index.docker.io/library/busy'], setup: (e) => results(e, []), config: CREDS },
  { name: 'credentials with identity token', args: ['search', 'localhost/x'], setup: (e) => results(e, []), config: CREDS },
  { name: 'no credentials for the registry', args: ['search', 'registry.example.com:5000/x'], setup: (e) => results(e, []), config: CREDS },
  { name: 'a first part without dot or colon is a hub path', args: ['search', 'team/app'], setup: (e) => results(e, []), config: CREDS },
  { name: 'daemon error', args: ['search', '127.0.0.1:5000/x'], setup: daemonError(500, 'Unexpected status code 404') },
  { name: 'no term', args: ['search'] },
  { name: 'two terms', args: ['search', 'a', 'b'] },
  { name: 'unknown flag', args: ['search', '--stars', '3', 'busybox'] },
];

/** One request as recorded: method, URL, and the credentials it carried (decoded). */
export function describeSearchRequest(r: SeenRequest): string {
  const auth = r.headers['x-registry-auth'];
  const decoded = typeof auth === 'string' ? Buffer.from(auth, 'base64url').toString('utf8') : '-';
  return `${r.method} ${r.url} auth=${typeof auth === 'string' ? auth : '-'} ${decoded}`;
}
