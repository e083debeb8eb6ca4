/**
 * The volume commands' oracle cases: each sets up a fake Engine API and runs one command line.
 * record-goldens.ts runs them with the real docker CLI 28.2.2 and writes what it printed and
 * requested to testdata/oracle.golden; oracle.test.ts runs them with berth, in-process, and
 * compares (stdout, stderr, exit code, and the requests with their bodies).
 *
 * Fixtures are shaped like berthd's (and dockerd's) answers.
 */
import type { FakeEngine } from '../../test-helpers.js';
import { testdataDir } from '../../test-helpers.js';
import { describeRequest, type OracleCase } from '../image/oracle-cases.js';

export const TESTDATA = testdataDir(import.meta.url);
export { describeRequest, type OracleCase };

const ANON = '55bda3352aa4dc5de37ee87b12d556cfa50d288a96ab8e4f39747d01b6af09cd';
const vol = (name: string, extra: Record<string, unknown> = {}) => ({
  CreatedAt: '2026-11-30T00:46:59Z',
  Driver: 'local',
  Labels: null,
  Mountpoint: `/var/lib/berth/volumes/${name}/_data`,
  Name: name,
  Options: null,
  Scope: 'local',
  ...extra,
});

const LIST = {
  Volumes: [
    vol('myvol10'),
    vol(ANON, { Labels: { 'com.docker.volume.anonymous': '' } }),
    vol('myvol2', { Labels: { tier: 'db' } }),
    vol('data', { Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } }),
  ],
  Warnings: null,
};

function createRoute(e: FakeEngine): void {
  e.on('POST', '/volumes/create', (req, res) => {
    const body = JSON.parse(req.body.toString('utf8') || '{}') as { Name?: string; Labels?: Record<string, string>; DriverOpts?: Record<string, string>; Driver?: string };
    if (body.Name === 'bad name') {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'application/json');
      return void res.end(JSON.stringify({ message: `create bad name: "bad name" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path` }) + '\n');
    }
    res.statusCode = 201;
    res.setHeader('Content-Type', 'application/json');
    const name = body.Name ?? ANON;
    res.end(JSON.stringify(vol(name, { Labels: body.Labels ?? (body.Name ? null : { 'com.docker.volume.anonymous': '' }), Options: body.DriverOpts ?? null, Driver: body.Driver ?? 'local' })) + '\n');
  });
}

function inspectRoute(e: FakeEngine): void {
  e.on('GET', '/volumes/*', (req, res) => {
    const name = decodeURIComponent(req.path.slice('/volumes/'.length));
    res.setHeader('Content-Type', 'application/json');
    if (name === 'myvol' || name === 'myvol2') return void res.end(JSON.stringify(vol(name, name === 'myvol2' ? { Labels: { tier: 'db' } } : {})) + '\n');
    res.statusCode = 404;
    res.end(JSON.stringify({ message: `get ${name}: no such volume` }) + '\n');
  });
}

function removeRoute(e: FakeEngine): void {
  e.on('DELETE', '/volumes/*', (req, res) => {
    const name = decodeURIComponent(req.path.slice('/volumes/'.length));
    res.setHeader('Content-Type', 'application/json');
    if (name === 'myvol' || name === 'other') {
      res.statusCode = 204;
      return void res.end();
    }
    if (name === 'inuse') {
      res.statusCode = 409;
      return void res.end(JSON.stringify({ message: 'remove inuse: volume is in use - [3e2967e23607a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607182930]' }) + '\n');
    }
    if (req.url.includes('force=1')) {
      res.statusCode = 204;
      return void res.end();
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ message: `get ${name}: no such volume` }) + '\n');
  });
}

const PRUNED = { VolumesDeleted: [ANON, 'myvol'], SpaceReclaimed: 12345 };

export const CASES: OracleCase[] = [
  // ---- create
  { name: 'volume create myvol', args: ['volume', 'create', 'myvol'], setup: createRoute },
  { name: 'volume create anonymous', args: ['volume', 'create'], setup: createRoute },
  {
    name: 'volume create with driver, labels and options',
    args: ['volume', 'create', '-d', 'local', '--label', 'tier=db', '--label', 'a', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '--opt', 'o=size=1m', 'tvol'],
    setup: createRoute,
  },
  { name: 'volume create --name', args: ['volume', 'create', '--name', 'named'], setup: createRoute },
  { name: 'volume create name twice', args: ['volume', 'create', '--name', 'a', 'b'], setup: createRoute },
  { name: 'volume create bad name', args: ['volume', 'create', 'bad name'], setup: createRoute },
  { name: 'volume create two args', args: ['volume', 'create', 'a', 'b'], setup: createRoute },
  // ---- ls
  { name: 'volume ls', args: ['volume', 'ls'], setup: (e) => e.json('GET', '/volumes', LIST) },
  { name: 'volume list -q', args: ['volume', 'list', '-q'], setup: (e) => e.json('GET', '/volumes', LIST) },
  { name: 'volume ls empty', args: ['volume', 'ls'], setup: (e) => e.json('GET', '/volumes', { Volumes: [], Warnings: null }) },
  { name: 'volume ls json', args: ['volume', 'ls', '--format', '{{json .}}'], setup: (e) => e.json('GET', '/volumes', LIST) },
  { name: 'volume ls --format json', args: ['volume', 'ls', '--format', 'json'], setup: (e) => e.json('GET', '/volumes', LIST) },
  {
    name: 'volume ls table template',
    args: ['volume', 'ls', '--format', 'table {{.Name}}\t{{.Scope}}\t{{.Mountpoint}}\t{{.Label "tier"}}\t{{.Links}}\t{{.Size}}'],
    setup: (e) => e.json('GET', '/volumes', LIST),
  },
  { name: 'volume ls filters', args: ['volume', 'ls', '-f', 'dangling=true', '--filter', 'label=tier=db', '-f', 'name=my'], setup: (e) => e.json('GET', '/volumes', LIST) },
  { name: 'volume ls bad filter', args: ['volume', 'ls', '-f', 'nope=1'], setup: (e) => e.error('GET', '/volumes', 400, "invalid filter 'nope'") },
  // ---- inspect
  { name: 'volume inspect', args: ['volume', 'inspect', 'myvol'], setup: inspectRoute },
  { name: 'volume inspect two', args: ['volume', 'inspect', 'myvol', 'myvol2'], setup: inspectRoute },
  { name: 'volume inspect missing', args: ['volume', 'inspect', 'missing', 'myvol'], setup: inspectRoute },
  { name: 'volume inspect format', args: ['volume', 'inspect', '-f', '{{.Mountpoint}} {{.Labels}}', 'myvol', 'myvol2'], setup: inspectRoute },
  { name: 'volume inspect no args', args: ['volume', 'inspect'], setup: inspectRoute },
  // ---- rm
  { name: 'volume rm', args: ['volume', 'rm', 'myvol', 'other'], setup: removeRoute },
  { name: 'volume rm in use and missing', args: ['volume', 'rm', 'inuse', 'myvol', 'missing'], setup: removeRoute },
  { name: 'volume remove -f missing', args: ['volume', 'remove', '-f', 'missing'], setup: removeRoute },
  // ---- prune
  { name: 'volume prune -f', args: ['volume', 'prune', '-f'], setup: (e) => e.json('POST', '/volumes/prune', PRUNED) },
  { name: 'volume prune -a -f', args: ['volume', 'prune', '-a', '-f'], setup: (e) => e.json('POST', '/volumes/prune', PRUNED) },
  { name: 'volume prune nothing', args: ['volume', 'prune', '--force', '--filter', 'label=tier=db'], setup: (e) => e.json('POST', '/volumes/prune', { VolumesDeleted: [], SpaceReclaimed: 0 }) },
  { name: 'volume prune declined', args: ['volume', 'prune'], stdin: 'n\n', setup: (e) => e.json('POST', '/volumes/prune', PRUNED) },
  { name: 'volume prune confirmed', args: ['volume', 'prune', '-a'], stdin: 'y\n', setup: (e) => e.json('POST', '/volumes/prune', PRUNED) },
  { name: 'volume prune all twice', args: ['volume', 'prune', '-a', '-f', '--filter', 'all=1'], setup: (e) => e.json('POST', '/volumes/prune', PRUNED) },
];
