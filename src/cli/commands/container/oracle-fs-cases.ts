/**
 * Oracle cases of cp, diff, export and commit (recorded into testdata/oracle-fs.golden with
 * `ORACLE_SET=fs node dist/src/cli/commands/container/record-goldens.js`): the requests docker
 * 28.2.2 sends (queries, the HEAD before a copy in, the tar it uploads, entry by entry) and what
 * it prints, against the fake daemon's archive, changes, export and commit routes.
 */
import type { OracleCase } from './oracle-cases.js';
import type { FakeContainer } from './fake-daemon.js';
import { tarOf } from './oracle-tar.js';

const ID = '3f1c0a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8';
const MTIME = '2026-11-29T17:59:01.123456789Z';
const DIR_MODE = 2 ** 31 + 0o755;
const stat = (name: string, mode: number, size: number, linkTarget = '') => ({ name, size, mode, mtime: MTIME, linkTarget });

const hostnameTar = tarOf([{ name: 'hostname', body: '3f1c0a2b4d5e\n' }]);
const etcTar = tarOf([
  { name: 'etc/', type: 'dir' },
  { name: 'etc/hostname', body: '3f1c0a2b4d5e\n' },
  { name: 'etc/hosts', body: '127.0.0.1\tlocalhost\n', mode: 0o600 },
  { name: 'etc/mtab', type: 'symlink', link: 'hostname' },
]);

const box = (over: Partial<FakeContainer> = {}): FakeContainer => ({
  id: ID,
  name: 'box',
  state: 'running',
  files: {
    '/etc': { stat: stat('etc', DIR_MODE, 4096), tar: etcTar },
    '/etc/hostname': { stat: stat('hostname', 0o644, 13), tar: hostnameTar },
    '/tmp': { stat: stat('tmp', 2 ** 31 + 0o1777 + 2 ** 20, 4096) },
    '/tmp/': { stat: stat('tmp', 2 ** 31 + 0o1777 + 2 ** 20, 4096) },
    '/link': { stat: stat('link', 2 ** 27 + 0o777, 13, '/etc/hostname') },
    '/dev/null': { stat: stat('null', 2 ** 26 + 2 ** 21 + 0o666, 0) },
  },
  changes: [
    { Path: '/etc', Kind: 0 },
    { Path: '/etc/group', Kind: 2 },
    { Path: '/tmp', Kind: 0 },
    { Path: '/tmp/new', Kind: 1 },
  ],
  exportTar: tarOf([{ name: 'bin/', type: 'dir' }, { name: 'bin/sh', type: 'symlink', link: 'busybox' }, { name: 'data', body: 'exported\n' }]),
  ...over,
});

const daemon = (over: Partial<FakeContainer> = {}) => ({ containers: [box(over)] });
const FILE = { 'file.txt': 'some content\n' };
const stdinTar = tarOf([{ name: 'in/', type: 'dir' }, { name: 'in/a.txt', body: 'from stdin\n' }]).toString('latin1');

export const FS_CASES: OracleCase[] = [
  // diff
  { name: 'fs diff', args: ['diff', 'box'], daemon: daemon() },
  { name: 'fs diff nothing changed', args: ['container', 'diff', 'box'], daemon: daemon({ changes: null }) },
  { name: 'fs diff no such container', args: ['diff', 'nosuch'], daemon: daemon() },
  { name: 'fs diff two arguments', args: ['diff', 'a', 'b'], daemon: daemon() },
  // commit
  {
    name: 'fs commit with every flag',
    args: ['commit', '-a', 'Jane <jane@example.com>', '-m', 'a message', '-c', 'ENV A=1', '--change', 'CMD ["sh", "-c", "echo hi"]', 'box', 'myrepo:v1'],
    daemon: daemon(),
  },
  { name: 'fs commit without pause, no reference', args: ['commit', '--pause=false', 'box'], daemon: daemon() },
  { name: 'fs commit to a registry name without tag', args: ['container', 'commit', '-p=false', 'box', 'localhost:5000/team/app'], daemon: daemon() },
  { name: 'fs commit invalid reference', args: ['commit', 'box', 'UPPER'], daemon: daemon() },
  { name: 'fs commit digest reference', args: ['commit', 'box', `app@sha256:${'a'.repeat(64)}`], daemon: daemon() },
  { name: 'fs commit no such container', args: ['commit', 'nosuch'], daemon: daemon() },
  { name: 'fs commit daemon error', args: ['commit', 'box', 'x'], daemon: { ...daemon(), errors: { 'POST commit box': [409, `You cannot commit container ${ID} which is Dead`] } } },
  // export
  { name: 'fs export to a file', args: ['export', '-o', '$DIR/out.tar', 'box'], daemon: daemon(), outputs: ['out.tar'] },
  { name: 'fs export to stdout', args: ['container', 'export', 'box'], daemon: daemon() },
  { name: 'fs export refuses a terminal', args: ['export', 'box'], daemon: daemon(), tty: true },
  { name: 'fs export no such container', args: ['export', '--output', '$DIR/x.tar', 'nosuch'], daemon: daemon(), outputs: ['x.tar'] },
  // cp out of the container
  { name: 'fs cp file to stdout', args: ['cp', 'box:/etc/hostname', '-'], daemon: daemon() },
  { name: 'fs cp directory out', args: ['cp', 'box:/etc', '$DIR/out'], daemon: daemon(), outputs: ['out/hostname', 'out/hosts', 'out/mtab'] },
  { name: 'fs cp file into a local directory', args: ['cp', 'box:/etc/hostname', '$DIR'], daemon: daemon(), outputs: ['hostname'] },
  { name: 'fs cp follow link out', args: ['cp', '-L', 'box:/link', '$DIR/followed'], daemon: daemon(), outputs: ['followed'] },
  { name: 'fs cp link out without -L', args: ['cp', 'box:/etc/hostname', '$DIR/renamed'], daemon: daemon(), outputs: ['renamed'] },
  { name: 'fs cp missing file out', args: ['cp', 'box:/nope', '$DIR/x'], daemon: daemon(), outputs: ['x'] },
  { name: 'fs cp out progress when not quiet', args: ['cp', '-q=false', 'box:/etc/hostname', '$DIR/h'], daemon: daemon(), outputs: ['h'] },
  // cp into the container
  { name: 'fs cp file in', args: ['cp', '$DIR/file.txt', 'box:/tmp'], daemon: daemon(), files: FILE },
  { name: 'fs cp file in renamed', args: ['cp', '$DIR/file.txt', 'box:/tmp/new.txt'], daemon: daemon(), files: FILE },
  { name: 'fs cp file in archive mode', args: ['cp', '-a', '$DIR/file.txt', 'box:/tmp/'], daemon: daemon(), files: FILE },
  { name: 'fs cp in progress when not quiet', args: ['container', 'cp', '--quiet=false', '$DIR/file.txt', 'box:/tmp'], daemon: daemon(), files: FILE },
  { name: 'fs cp in relative source', args: ['cp', 'file.txt', 'box:/tmp'], daemon: daemon(), files: FILE, cwd: true },
  { name: 'fs cp stdin tar', args: ['cp', '-', 'box:/tmp'], daemon: daemon(), stdin: stdinTar },
  { name: 'fs cp stdin to a file', args: ['cp', '-', 'box:/etc/hostname'], daemon: daemon(), stdin: stdinTar },
  { name: 'fs cp in to a device', args: ['cp', '$DIR/file.txt', 'box:/dev/null'], daemon: daemon(), files: FILE },
  { name: 'fs cp in missing source', args: ['cp', '$DIR/nope', 'box:/tmp'], daemon: daemon() },
  { name: 'fs cp in directory onto a file', args: ['cp', '$DIR/.', 'box:/etc/hostname'], daemon: daemon(), files: FILE },
  { name: 'fs cp in to a missing directory', args: ['cp', '$DIR/file.txt', 'box:/nodir/'], daemon: daemon(), files: FILE },
  { name: 'fs cp in daemon error', args: ['cp', '$DIR/file.txt', 'box:/tmp'], daemon: { ...daemon(), errors: { 'PUT archive box': [400, 'container rootfs is marked read-only'] } }, files: FILE },
  // argument errors
  { name: 'fs cp between containers', args: ['cp', 'box:/a', 'box:/b'], daemon: daemon() },
  { name: 'fs cp without container', args: ['cp', 'a', 'b'], daemon: daemon() },
  { name: 'fs cp one argument', args: ['cp', 'a'], daemon: daemon() },
  { name: 'fs cp empty source', args: ['cp', '', 'box:/tmp'], daemon: daemon() },
];
