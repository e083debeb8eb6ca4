/**
 * `berth search` and the real `docker search` against the same berthd: every case runs with
 * both CLIs, which must print the same bytes (docker's name swapped for ours in usage errors)
 * and exit the same way. The results come from `berth registry serve` with a few pushed
 * repositories, from the same with basic auth (the stored credentials travel in
 * X-Registry-Auth), and from a loopback stand-in for Docker Hub's index: our registry, like
 * distribution's, has no stars, descriptions or official repositories, so table truncation and
 * the stars/is-official filters need the stand-in's answers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startDaemon, TestDaemon, ok, type RunResult } from './harness.js';
import { TestRegistry, authRegistry } from './registry-server.js';

let reg: TestRegistry;
let d: TestDaemon;
let hub: http.Server;
let hubHost = '';

/** What the stand-in index knows, in the v1 search API's shape. */
const HUB = [
  { name: 'library/busybox', description: 'Busybox base image.', star_count: 3412, is_official: true, is_automated: false },
  { name: 'progrium/busybox', description: 'A tiny busybox image with opkg, for containers that need a few more packages', star_count: 57, is_official: false, is_automated: true },
  { name: 'e2e/busy-lines', description: 'first line\nsecond line\r\nthird line that goes on long enough', star_count: 3, is_official: false, is_automated: false },
  { name: 'wide/busy-cjk', description: '小さな busybox イメージ、日本語の説明が長く続きます', star_count: 12, is_official: false, is_automated: false },
  { name: 'library/busybox-stable', description: 'x'.repeat(46), star_count: 0, is_official: true, is_automated: false },
];

const REPOS = ['e2e/busybox', 'e2e/busy-tools', 'library/busybox', 'team/not-this-one'];

before(async () => {
  reg = new TestRegistry();
  await reg.start();
  hub = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    if (url.pathname === '/v2/') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    if (url.pathname !== '/v1/search') return void res.writeHead(404).end();
    const q = url.searchParams.get('q') ?? '';
    const n = Number(url.searchParams.get('n') ?? 25);
    const results = HUB.filter((r) => r.name.includes(q)).slice(0, n);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ num_pages: 1, num_results: results.length, page: 1, page_size: n, query: q, results }));
  });
  await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
  hubHost = `127.0.0.1:${(hub.address() as { port: number }).port}`;
  d = await startDaemon();
  await d.importBusybox();
  for (const repo of REPOS) {
    await ok(d.berth(['tag', 'busybox:latest', `${reg.host}/${repo}:v1`]));
    await ok(d.berth(['push', '-q', `${reg.host}/${repo}:v1`]));
  }
});
after(async () => {
  await d?.cleanup();
  await reg?.cleanup();
  await new Promise((r) => hub?.close(r));
});

/** docker's name in its own messages ("Run 'docker search --help'"). */
const asBerth = (s: string) => s.replace(/\bdocker(?=[ ':])/g, 'berth');

/** Runs `args` with berth and with docker; asserts the same output and exit code; gives berth's. */
async function same(args: string[]): Promise<RunResult> {
  const ours = await d.berth(args);
  const theirs = await d.docker(args);
  const what = `search ${args.slice(1).join(' ')}`;
  assert.equal(ours.stdout, theirs.stdout, `${what}: stdout`);
  assert.equal(ours.stderr, asBerth(theirs.stderr), `${what}: stderr`);
  assert.equal(ours.code, theirs.code, `${what}: exit code`);
  return ours;
}

const lines = (s: string) => s.trimEnd().split('\n');

test('the default table, from berth registry serve', async () => {
  const r = await same(['search', `${reg.host}/busy`]);
  assert.equal(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.match(out[0]!, /^NAME +DESCRIPTION +STARS +OFFICIAL$/);
  assert.deepEqual(out.slice(1).map((l) => l.split(/ +/)[0]).sort(), ['e2e/busy-tools', 'e2e/busybox', 'library/busybox']);
  const none = await same(['search', `${reg.host}/nothing-like-it`]);
  assert.equal(none.stdout, 'NAME      DESCRIPTION   STARS     OFFICIAL\n');
});

test('the stand-in index: descriptions cut to 45 columns with …, and in full with --no-trunc', async () => {
  const cut = await same(['search', `${hubHost}/busy`]);
  assert.equal(cut.code, 0, cut.stderr);
  assert.match(cut.stdout, /\nlibrary\/busybox +Busybox base image\. +3412 +\[OK\]\n/);
  assert.match(cut.stdout, /A tiny busybox image with opkg, for containe… +57 /);
  assert.match(cut.stdout, /first line second line  third line that goes… +3 /);
  const full = await same(['search', '--no-trunc', `${hubHost}/busy`]);
  assert.match(full.stdout, /A tiny busybox image with opkg, for containers that need a few more packages +57 /);
});

test('--limit, its default and its range', async () => {
  const two = await same(['search', '--limit', '2', `${hubHost}/busy`]);
  assert.equal(lines(two.stdout).length, 3);
  const zero = await same(['search', '--limit', '0', `${reg.host}/e2e`]);
  assert.equal(lines(zero.stdout).length, 3);
  const big = await same(['search', '--limit', '101', `${reg.host}/e2e`]);
  assert.equal(big.code, 1);
  assert.equal(big.stderr, 'Error response from daemon: limit 101 is outside the range of [1, 100]\n');
  const word = await same(['search', '--limit', 'ten', `${reg.host}/e2e`]);
  assert.equal(word.code, 125);
  assert.match(word.stderr, /^invalid argument "ten" for "--limit" flag: strconv.ParseInt: parsing "ten": invalid syntax\n/);
});

test('--filter stars, is-official and the deprecated is-automated', async () => {
  const starred = await same(['search', '-f', 'stars=10', `${hubHost}/busy`]);
  assert.deepEqual(lines(starred.stdout).slice(1).map((l) => l.split(/ +/)[0]), ['library/busybox', 'progrium/busybox', 'wide/busy-cjk']);
  const official = await same(['search', '--filter', 'is-official=true', `${hubHost}/busy`]);
  assert.deepEqual(lines(official.stdout).slice(1).map((l) => l.split(/ +/)[0]), ['library/busybox', 'library/busybox-stable']);
  const both = await same(['search', '-f', 'is-official=false', '-f', 'stars=5', `${hubHost}/busy`]);
  assert.deepEqual(lines(both.stdout).slice(1).map((l) => l.split(/ +/)[0]), ['progrium/busybox', 'wide/busy-cjk']);
  const automated = await same(['search', '-f', 'is-automated=true', `${hubHost}/busy`]);
  assert.match(automated.stderr, /^WARNING: the "is-automated" filter is deprecated/);
  assert.equal(automated.stdout, 'NAME      DESCRIPTION   STARS     OFFICIAL\n');
});

test('bad filters: the CLI checks the shape, the daemon the names and values', async () => {
  const shape = await same(['search', '-f', 'stars', `${hubHost}/busy`]);
  assert.equal(shape.code, 125);
  assert.match(shape.stderr, /^invalid argument "stars" for "-f, --filter" flag: bad format of filter \(expected name=value\)\n/);
  for (const [filter, message] of [
    ['nope=1', "invalid filter 'nope'"],
    ['stars=many', `invalid filter 'stars=many': strconv.Atoi: parsing "many": invalid syntax`],
    ['is-official=maybe', "invalid filter 'is-official=[maybe]'"],
  ]) {
    const r = await same(['search', '-f', filter!, `${hubHost}/busy`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `Error response from daemon: ${message}\n`);
  }
  const scheme = await same(['search', `http://${reg.host}/e2e`]);
  assert.equal(scheme.stderr, `Error response from daemon: invalid repository name: repository name (http://${reg.host}/e2e) should not have a scheme\n`);
});

test('--format: templates, table templates, json, and an unknown field', async () => {
  const fields = await same(['search', '--format', '{{.Name}}|{{.Description}}|{{.StarCount}}|{{.IsOfficial}}', `${hubHost}/busy`]);
  assert.match(fields.stdout, /^library\/busybox\|Busybox base image\.\|3412\|\[OK\]\n/);
  const table = await same(['search', '--format', 'table {{.Name}}\t{{.IsOfficial}}', `${reg.host}/e2e`]);
  assert.match(table.stdout, /^NAME +OFFICIAL\n/);
  const json = await same(['search', '--format', 'json', `${hubHost}/busy`]);
  assert.deepEqual(JSON.parse(lines(json.stdout)[0]!), { Description: 'Busybox base image.', IsOfficial: 'true', Name: 'library/busybox', StarCount: '3412' });
  const automated = await same(['search', '--format', '{{.IsAutomated}}', `${hubHost}/busy`]);
  assert.equal(automated.code, 1);
  assert.match(automated.stderr, /can't evaluate field IsAutomated in type \*registry\.searchContext/);
});

test('a registry that wants credentials: refused without, found with the stored ones', async () => {
  const r = await authRegistry((_host, htpasswd) => `  htpasswd:\n    realm: e2e\n    path: ${htpasswd}`);
  try {
    await ok(d.berth(['login', r.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' }));
    await ok(d.berth(['tag', 'busybox:latest', `${r.host}/private/busybox:v1`]));
    await ok(d.berth(['push', '-q', `${r.host}/private/busybox:v1`]));
    const found = await same(['search', `${r.host}/private`]);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /\nprivate\/busybox +0 +\n$/);
    await ok(d.berth(['logout', r.host]));
    const refused = await same(['search', `${r.host}/private`]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'Error response from daemon: Unexpected status code 401\n');
  } finally {
    await r.cleanup();
  }
});
