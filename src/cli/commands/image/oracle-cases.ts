/**
 * The image commands' oracle cases: each sets up a fake Engine API and runs one command line.
 * record-goldens.ts runs them with the real docker CLI 28.2.2 and writes what it printed and
 * requested to testdata/oracle.golden; oracle.test.ts runs them with berth, in-process, and
 * compares (stdout, stderr, exit code, and the requests with their bodies).
 *
 * Fixtures are from api-traces/{images,image-history,load,rmi,tag,save}.txt where the traces
 * have them, and made up (but shaped like dockerd's answers) where they do not.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { testdataDir, type FakeEngine, type SeenRequest } from '../../test-helpers.js';

export const TESTDATA = testdataDir(import.meta.url);
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(TESTDATA, name), 'utf8'));

export interface OracleCase {
  name: string;
  /** Arguments after the binary; `$DIR` stands for the case's temporary directory. */
  args: string[];
  /** Routes of the fake engine; `now` is the run's clock in ms (for progress start times). */
  setup?: (e: FakeEngine, now: number) => void;
  /** Files created in $DIR before the run. */
  files?: Record<string, string | Buffer>;
  /** Piped (non-terminal) stdin. */
  stdin?: string | Buffer;
  /** stdin and stdout are a terminal of 120 columns. */
  tty?: boolean;
  /** Output depends on the local time zone (recorded with TZ=UTC). */
  tz?: boolean;
  /** Files of $DIR to report after the run (name -> size and digest, or "absent"). */
  outputs?: string[];
}

/** A tar-ish payload: 3 blocks of a repeating pattern (the fake daemon does not parse it). */
export const TAR = Buffer.alloc(3 * 512, 'berth-image-tar:');

/** A JSON-message stream body, "\r\n"-terminated messages as dockerd writes them (strings are raw JSON). */
function jsonStream(res: ServerResponse, messages: unknown[], contentType = 'application/json'): void {
  res.setHeader('Content-Type', contentType);
  res.end(messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m)) + '\r\n').join(''));
}

/** The inspect document of busybox, as dockerd 28 encodes it (compact, no HTML escaping, plus one escaped string). */
export const INSPECT_BUSYBOX =
  '{"Id":"sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a","RepoTags":["busybox:latest"],"RepoDigests":[],"Parent":"","Comment":"busybox v1.35.0 \\u003cimported\\u003e","Created":"2026-11-29T17:51:25.123456789Z","DockerVersion":"","Author":"","Config":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{"org.opencontainers.image.description":"busybox v1.35.0 from Debian busybox-static, offline build"}},"Architecture":"amd64","Os":"linux","Size":1985968,"GraphDriver":{"Data":null,"Name":"overlayfs"},"RootFS":{"Type":"layers","Layers":["sha256:afe47add17f5fa47692a526e522a106b59bfc074741f5b75780529404d21cbed"]},"Metadata":{"LastTagTime":"0001-01-01T00:00:00Z"}}\n';

const INSPECT_ALPINE =
  '{"Id":"sha256:aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44","RepoTags":[],"RepoDigests":["alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"],"Parent":"","Comment":"","Created":"2026-11-29T16:33:20Z","DockerVersion":"","Author":"","Config":null,"Architecture":"arm64","Variant":"v8","Os":"linux","Size":999600,"GraphDriver":{"Data":{},"Name":"overlayfs"},"RootFS":{"Type":"layers"},"Metadata":{}}\n';

function inspectRoutes(e: FakeEngine): void {
  e.on('GET', '/images/*', (req, res) => {
    const name = req.path.replace(/^\/images\//, '').replace(/\/json$/, '');
    res.setHeader('Content-Type', 'application/json');
    if (name === 'busybox' || name === 'busybox:latest') return void res.end(INSPECT_BUSYBOX);
    if (name === 'alpine') return void res.end(INSPECT_ALPINE);
    res.statusCode = 404;
    res.end(JSON.stringify({ message: `No such image: ${name.includes(':') ? name : name + ':latest'}` }) + '\n');
  });
}

const noSuchImage = (name: string) => ({ message: `No such image: ${name}` });

function rmiRoutes(e: FakeEngine): void {
  e.on('DELETE', '/images/*', (req, res) => {
    const name = req.path.slice('/images/'.length);
    res.setHeader('Content-Type', 'application/json');
    const answers: Record<string, [number, unknown]> = {
      'tracesave:copy': [200, [{ Untagged: 'tracesave:copy' }]],
      busybox: [
        200,
        [
          { Untagged: 'busybox:latest' },
          { Untagged: 'busybox@sha256:2f6a2b8e7e4a1cd1a6a3b0a0f2b5e6d7c8b9a0f1e2d3c4b5a697887766554433' },
          { Deleted: 'sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a' },
          { Deleted: 'sha256:afe47add17f5fa47692a526e522a106b59bfc074741f5b75780529404d21cbed' },
        ],
      ],
      inuse: [409, { message: 'conflict: unable to remove repository reference "inuse" (must force) - container 3e2967e23607 is using its referenced image 6b03d9d8398c' }],
    };
    const [status, body] = answers[name] ?? [404, noSuchImage(`${name}:latest`)];
    res.statusCode = status;
    res.end(JSON.stringify(body) + '\n');
  });
}

function tagRoutes(e: FakeEngine): void {
  e.on('POST', '/images/*', (req, res) => {
    const name = req.path.slice('/images/'.length).replace(/\/tag$/, '');
    if (name === 'missing') {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'application/json');
      return void res.end(JSON.stringify(noSuchImage('missing:latest')) + '\n');
    }
    res.statusCode = 201;
    res.end();
  });
}

const PRUNE_REPORT = {
  ImagesDeleted: [
    { Untagged: 'busybox:old' },
    { Untagged: 'busybox@sha256:2f6a2b8e7e4a1cd1a6a3b0a0f2b5e6d7c8b9a0f1e2d3c4b5a697887766554433' },
    { Deleted: 'sha256:9f8615ac786c60f5d9ca568397b3d6e298450535fa6419aae8b3d82daf94fd79' },
    { Deleted: 'sha256:d09056529c89848b2431895890924bb4d7e871423140b2170ce90109ac52a2e5' },
  ],
  SpaceReclaimed: 4264960,
};

const LOADED = [{ stream: 'Loaded image: busybox:latest\n' }];

/** A load answer with progress, as dockerd sends it for quiet=0. */
function loadProgress(now: number): unknown[] {
  const start = Math.floor(now / 1000) - 10;
  return [
    { status: 'Loading layer', progressDetail: { current: 32768, total: 2140160 }, progress: '[>                                                  ]  32.77kB/2.14MB', id: 'afe47add17f5' },
    { status: 'Loading layer', progressDetail: { current: 32768, total: 98304 }, id: 'b74968118f0b' },
    { status: 'Loading layer', progressDetail: { current: 1081344, total: 2140160, start }, id: 'afe47add17f5' },
    { status: 'Loading layer', progressDetail: { current: 2140160, total: 2140160 }, id: 'afe47add17f5' },
    { status: 'Loading layer', progressDetail: { current: 98304, total: 98304 }, id: 'b74968118f0b' },
    { status: 'Already exists', progressDetail: {}, id: '352fe2503571' },
    { status: 'Verifying', progressDetail: { current: 5, total: 0, units: 'layers' }, id: 'c1' },
    { status: 'Counting', progressDetail: { current: 7, total: 9, units: 'files', hidecounts: true }, id: 'c2' },
    { aux: { ID: 'sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a' } },
    { status: 'Digest: sha256:2f6a2b8e7e4a1cd1a6a3b0a0f2b5e6d7c8b9a0f1e2d3c4b5a697887766554433' },
    { stream: 'Loaded image: busybox:latest\n' },
  ];
}

const STREAM_ERROR = [
  { stream: 'Loading layer afe47add17f5\n' },
  { errorDetail: { message: 'invalid tar header: archive/tar: invalid tar header' }, error: 'invalid tar header: archive/tar: invalid tar header' },
  { stream: 'never printed\n' },
];

export const CASES: OracleCase[] = [
  // ---- image ls
  { name: 'images (trace)', args: ['images'], setup: (e) => e.json('GET', '/images/json', fixture('images-trace.json')) },
  { name: 'images -q', args: ['images', '-q'], setup: (e) => e.json('GET', '/images/json', fixture('images-trace.json')) },
  { name: 'image ls --no-trunc', args: ['image', 'ls', '--no-trunc'], setup: (e) => e.json('GET', '/images/json', fixture('images-trace.json')) },
  { name: 'images --format json', tz: true, args: ['images', '--format', 'json'], setup: (e) => e.json('GET', '/images/json', fixture('images-digests.json')) },
  {
    name: 'images: every field in a table',
    tz: true,
    args: ['image', 'list', '--format', 'table {{.ID}}\\t{{.Containers}}\\t{{.SharedSize}}\\t{{.UniqueSize}}\\t{{.VirtualSize}}\\t{{.CreatedAt}}\\t{{.Size}}'],
    setup: (e) => e.json('GET', '/images/json', fixture('images-digests.json')),
  },
  { name: 'images --format raw', tz: true, args: ['images', '--format', 'raw'], setup: (e) => e.json('GET', '/images/json', fixture('images-trace.json')) },
  { name: 'images --digests', args: ['images', '--digests'], setup: (e) => e.json('GET', '/images/json', fixture('images-digests.json')) },
  { name: 'images (digest fixture)', args: ['images'], setup: (e) => e.json('GET', '/images/json', fixture('images-digests.json')) },
  {
    name: 'images: a template naming .Digest',
    args: ['images', '--format', '{{.Repository}}|{{.Tag}}|{{.Digest}}'],
    setup: (e) => e.json('GET', '/images/json', fixture('images-digests.json')),
  },
  {
    name: 'images --digests with a custom table',
    args: ['images', '--digests', '--format', 'table {{.ID}}\\t{{.Repository}}'],
    setup: (e) => e.json('GET', '/images/json', fixture('images-digests.json')),
  },
  { name: 'images --digests -q', args: ['images', '--digests', '-q', '--no-trunc'], setup: (e) => e.json('GET', '/images/json', fixture('images-digests.json')) },
  {
    name: 'images: -a, filters and a reference',
    args: ['images', '-a', '-f', 'dangling=true', '--filter', 'label=a=b', 'busybox:*'],
    setup: (e) => e.json('GET', '/images/json', []),
  },
  { name: 'images ls: the hint', args: ['images', 'ls'], setup: (e) => e.json('GET', '/images/json', []) },
  { name: 'image ls ls: no hint', args: ['image', 'ls', 'ls'], setup: (e) => e.json('GET', '/images/json', []) },
  { name: 'images: empty list', args: ['images'], setup: (e) => e.json('GET', '/images/json', []) },
  { name: 'images: a bad template field', args: ['images', '--format', '{{.Nope}}'], setup: (e) => e.json('GET', '/images/json', fixture('images-trace.json')) },
  { name: 'images: a daemon error', args: ['images'], setup: (e) => e.error('GET', '/images/json', 500, 'boom: store unavailable') },
  { name: 'images: too many arguments', args: ['images', 'a', 'b'] },
  { name: 'images: a bad filter', args: ['images', '--filter', 'nokey'] },

  // ---- image history
  { name: 'history (trace)', args: ['history', 'tracebuild:classic'], setup: (e) => e.json('GET', '/images/tracebuild:classic/history', fixture('history.json')) },
  { name: 'image history --no-trunc', args: ['image', 'history', '--no-trunc', 'x'], setup: (e) => e.json('GET', '/images/x/history', fixture('history.json')) },
  { name: 'history -H=false', tz: true, args: ['history', '-H=false', 'x'], setup: (e) => e.json('GET', '/images/x/history', fixture('history.json')) },
  { name: 'history -q', args: ['history', '-q', 'x'], setup: (e) => e.json('GET', '/images/x/history', fixture('history.json')) },
  { name: 'history --format json', tz: true, args: ['history', '--format', 'json', 'x'], setup: (e) => e.json('GET', '/images/x/history', fixture('history.json')) },
  { name: 'history of a missing image', args: ['history', 'missing'], setup: (e) => e.error('GET', '/images/missing/history', 404, 'No such image: missing:latest') },
  { name: 'history --platform', args: ['history', '--platform', 'linux/arm64', 'x'], setup: (e) => e.json('GET', '/images/x/history', []) },
  { name: 'history: a bad --platform', args: ['history', '--platform', 'nosuch', 'x'] },
  { name: 'history: no argument', args: ['history'] },

  // ---- image inspect
  { name: 'image inspect', args: ['image', 'inspect', 'busybox'], setup: inspectRoutes },
  { name: 'image inspect: two images', args: ['image', 'inspect', 'busybox', 'alpine'], setup: inspectRoutes },
  { name: 'image inspect: a missing one among others', args: ['image', 'inspect', 'busybox', 'missing', 'nosuch:1'], setup: inspectRoutes },
  { name: 'image inspect: only missing', args: ['image', 'inspect', 'missing'], setup: inspectRoutes },
  { name: 'image inspect --format json', args: ['image', 'inspect', '--format', 'json', 'busybox', 'alpine'], setup: inspectRoutes },
  {
    name: 'image inspect -f',
    args: ['image', 'inspect', '-f', '{{.ID}} {{.Os}}/{{.Architecture}} {{.Variant}} {{json .Config.Cmd}} {{len .RootFS.Layers}}', 'busybox', 'missing', 'alpine'],
    setup: inspectRoutes,
  },
  { name: 'image inspect -f with a missing key', args: ['image', 'inspect', '-f', '{{.Nope}}', 'busybox'], setup: inspectRoutes },
  { name: 'image inspect -f on a missing image', args: ['image', 'inspect', '-f', '{{.Id}}', 'missing'], setup: inspectRoutes },
  { name: 'image inspect: a template that does not parse', args: ['image', 'inspect', '-f', '{{.Id', 'busybox'], setup: inspectRoutes },

  // ---- tag
  { name: 'tag (trace)', args: ['tag', 'tracebuild:classic', '127.0.0.1:5000/tracebuild:v1'], setup: tagRoutes },
  { name: 'tag: a familiar target', args: ['image', 'tag', 'busybox', 'myimg'], setup: tagRoutes },
  { name: 'tag: an ID source, a namespaced target', args: ['tag', '6b03d9d8398c', 'myorg/app:1.0'], setup: tagRoutes },
  { name: 'tag: an uppercase target', args: ['tag', 'busybox', 'Bad:tag'], setup: tagRoutes },
  { name: 'tag: an invalid target', args: ['tag', 'busybox', 'bad:t@g'], setup: tagRoutes },
  {
    name: 'tag: a digest target',
    args: ['tag', 'busybox', 'x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'],
    setup: tagRoutes,
  },
  { name: 'tag: an invalid source', args: ['tag', 'bad source', 'x'], setup: tagRoutes },
  { name: 'tag: a missing source', args: ['tag', 'missing', 'x'], setup: tagRoutes },
  { name: 'tag: one argument', args: ['tag', 'x'] },

  // ---- rmi
  { name: 'rmi (trace)', args: ['rmi', 'tracesave:copy'], setup: rmiRoutes },
  { name: 'image rm -f --no-prune', args: ['image', 'rm', '-f', '--no-prune', 'busybox'], setup: rmiRoutes },
  { name: 'image remove: failures at the end', args: ['image', 'remove', 'tracesave:copy', 'missing', 'inuse', 'busybox'], setup: rmiRoutes },
  { name: 'rmi -f: missing names are not fatal', args: ['rmi', '-f', 'missing', 'tracesave:copy', 'gone'], setup: rmiRoutes },
  { name: 'rmi -f: a conflict is', args: ['rmi', '-f', 'missing', 'inuse'], setup: rmiRoutes },
  { name: 'rmi: no argument', args: ['rmi'] },

  // ---- prune
  { name: 'image prune -f', args: ['image', 'prune', '-f'], setup: (e) => e.json('POST', '/images/prune', PRUNE_REPORT) },
  {
    name: 'image prune -a -f --filter',
    args: ['image', 'prune', '-a', '-f', '--filter', 'until=24h', '--filter', 'label!=keep'],
    setup: (e) => e.json('POST', '/images/prune', { ImagesDeleted: null, SpaceReclaimed: 0 }),
  },
  { name: 'image prune: yes', args: ['image', 'prune'], stdin: 'y\n', setup: (e) => e.json('POST', '/images/prune', PRUNE_REPORT) },
  { name: 'image prune -a: " Y "', args: ['image', 'prune', '-a'], stdin: ' Y \n', setup: (e) => e.json('POST', '/images/prune', PRUNE_REPORT) },
  { name: 'image prune: no', args: ['image', 'prune'], stdin: 'n\n', setup: (e) => e.json('POST', '/images/prune', PRUNE_REPORT) },
  { name: 'image prune: end of input', args: ['image', 'prune'], setup: (e) => e.json('POST', '/images/prune', PRUNE_REPORT) },
  { name: 'image prune: a daemon error', args: ['image', 'prune', '-f'], setup: (e) => e.error('POST', '/images/prune', 409, 'a prune operation is already running') },

  // ---- save
  {
    name: 'save -o',
    args: ['save', '-o', '$DIR/bb.tar', 'busybox:latest'],
    outputs: ['bb.tar'],
    setup: (e) => e.on('GET', '/images/get', (_req, res) => void (res.setHeader('Content-Type', 'application/x-tar'), res.end(TAR))),
  },
  {
    name: 'image save to stdout, several names',
    args: ['image', 'save', 'busybox', 'alpine:3'],
    setup: (e) => e.on('GET', '/images/get', (_req, res) => void (res.setHeader('Content-Type', 'application/x-tar'), res.end(TAR))),
  },
  { name: 'save to a terminal', tty: true, args: ['save', 'busybox'] },
  { name: 'save -o into a missing directory', args: ['save', '-o', '$DIR/nodir/bb.tar', 'busybox'] },
  { name: 'save -o to a directory', args: ['save', '-o', '$DIR', 'busybox'] },
  {
    name: 'save -o of a missing image',
    args: ['save', '-o', '$DIR/bb.tar', 'missing'],
    outputs: ['bb.tar'],
    setup: (e) => e.error('GET', '/images/get', 404, 'reference does not exist'),
  },
  {
    name: 'save -o keeps an old file when the save fails',
    args: ['save', '-o', '$DIR/bb.tar', 'missing'],
    files: { 'bb.tar': 'old contents' },
    outputs: ['bb.tar'],
    setup: (e) => e.error('GET', '/images/get', 404, 'reference does not exist'),
  },

  // ---- load
  { name: 'load -i (trace)', args: ['load', '-i', '$DIR/bb.tar'], files: { 'bb.tar': TAR }, setup: (e) => e.on('POST', '/images/load', (_q, r) => jsonStream(r, LOADED)) },
  { name: 'load from stdin', args: ['load'], stdin: TAR, setup: (e) => e.on('POST', '/images/load', (_q, r) => jsonStream(r, LOADED)) },
  { name: 'image load -q', args: ['image', 'load', '-q', '--input', '$DIR/bb.tar'], files: { 'bb.tar': TAR }, setup: (e) => e.on('POST', '/images/load', (_q, r) => jsonStream(r, LOADED)) },
  {
    name: 'load: progress off a terminal',
    args: ['load', '-i', '$DIR/bb.tar'],
    files: { 'bb.tar': TAR },
    setup: (e, now) => e.on('POST', '/images/load', (_q, r) => jsonStream(r, loadProgress(now))),
  },
  {
    name: 'load: progress on a terminal',
    tty: true,
    args: ['load', '-i', '$DIR/bb.tar'],
    files: { 'bb.tar': TAR },
    setup: (e, now) => e.on('POST', '/images/load', (_q, r) => jsonStream(r, loadProgress(now))),
  },
  {
    name: 'load: timestamps and ids',
    tz: true,
    args: ['load', '-i', '$DIR/bb.tar'],
    files: { 'bb.tar': TAR },
    setup: (e) =>
      e.on('POST', '/images/load', (_q, r) =>
        jsonStream(r, [
          { status: 'a', id: 'x1', time: 1795975163 },
          '{"status":"b","id":"x2","timeNano":1795975163495882078,"from":"busybox"}',
          { status: 'c', progress: 'legacy', progressDetail: {} },
          { stream: 'done\n' },
        ]),
      ),
  },
  { name: 'load: an error in the stream', args: ['load', '-i', '$DIR/bb.tar'], files: { 'bb.tar': TAR }, setup: (e) => e.on('POST', '/images/load', (_q, r) => jsonStream(r, STREAM_ERROR)) },
  {
    name: 'load: a plain-text answer',
    args: ['load', '-i', '$DIR/bb.tar'],
    files: { 'bb.tar': TAR },
    setup: (e) => e.on('POST', '/images/load', (_q, r) => void (r.setHeader('Content-Type', 'text/plain'), r.end('{"stream":"as is"}\nplain\n'))),
  },
  { name: 'load: a daemon error', args: ['load', '-i', '$DIR/bb.tar'], files: { 'bb.tar': TAR }, setup: (e) => e.error('POST', '/images/load', 400, 'unexpected EOF') },
  { name: 'load -i of a missing file', args: ['load', '-i', '$DIR/nofile.tar'] },
  { name: 'load from a terminal', tty: true, args: ['load'] },
  { name: 'load: an argument', args: ['load', 'x'] },

  // ---- import
  {
    name: 'import a file with changes',
    args: ['import', '-c', 'ENV A=1', '--change', 'CMD ["sh"]', '-m', 'imported by test', '$DIR/rootfs.tar', 'myimg:v1'],
    files: { 'rootfs.tar': TAR },
    setup: (e) => e.on('POST', '/images/create', (_q, r) => jsonStream(r, [{ status: 'sha256:5f0a3c6f1d5e4b3a291807f6e5d4c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3a2' }])),
  },
  {
    name: 'image import from stdin',
    args: ['image', 'import', '--platform', 'Linux/AMD64', '-', 'local/app'],
    stdin: TAR,
    setup: (e) => e.on('POST', '/images/create', (_q, r) => jsonStream(r, [{ status: 'sha256:5f0a3c6f1d5e4b3a291807f6e5d4c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3a2' }])),
  },
  {
    name: 'import a URL',
    args: ['import', 'http://example.com/rootfs.tar'],
    setup: (e) => e.on('POST', '/images/create', (_q, r) => jsonStream(r, [{ status: 'Downloading', progressDetail: { current: 512, total: 1536 }, id: 'rootfs' }, { status: 'sha256:5f0a3c6f1d5e4b3a291807f6e5d4c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3a2' }])),
  },
  { name: 'import: an invalid reference', args: ['import', '$DIR/rootfs.tar', 'Bad:Ref'], files: { 'rootfs.tar': TAR } },
  { name: 'import of a missing file', args: ['import', '$DIR/nofile.tar'] },
  {
    name: 'import: an error in the stream',
    args: ['import', '$DIR/rootfs.tar'],
    files: { 'rootfs.tar': TAR },
    setup: (e) => e.on('POST', '/images/create', (_q, r) => jsonStream(r, [{ errorDetail: { message: 'archive/tar: invalid tar header' }, error: 'archive/tar: invalid tar header' }])),
  },
  { name: 'import: a daemon error', args: ['import', '$DIR/rootfs.tar'], files: { 'rootfs.tar': TAR }, setup: (e) => e.error('POST', '/images/create', 500, 'failed to register layer') },
];

/** One request as recorded in the golden: the target, then the body's type, framing and digest. */
export function describeRequest(r: SeenRequest): string {
  let s = `${r.method} ${r.url}`;
  const ct = r.headers['content-type'];
  if (ct) s += ` type=${ct}`;
  if (r.headers['transfer-encoding']) s += ` te=${r.headers['transfer-encoding']}`;
  if (r.body.length) s += ` body=${r.body.length}B sha256:${createHash('sha256').update(r.body).digest('hex').slice(0, 12)}`;
  return s;
}
