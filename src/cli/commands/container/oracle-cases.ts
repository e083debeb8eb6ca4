/**
 * The container commands' oracle cases: each sets up the fake daemon (fake-daemon.ts) and runs
 * one command line. record-goldens.ts runs them with the real docker CLI 28.2.2 and writes what
 * it printed and requested (create and exec bodies byte for byte) to testdata/oracle.golden;
 * oracle.test.ts runs them with berth in-process and compares.
 *
 * Fixtures follow api-traces/{run-rm-echo,run-d-publish,run-it,ps,ps-a-filter-exited,logs-*,
 * exec*,inspect,create,start-a,stop,rm,rm-f}.txt where those have them.
 */
import { createHash } from 'node:crypto';
import { testdataDir, type FakeEngine, type SeenRequest } from '../../test-helpers.js';
import { installFakeDaemon, type FakeContainer, type FakeDaemonOptions } from './fake-daemon.js';
import { describeTar } from './oracle-tar.js';

export const TESTDATA = testdataDir(import.meta.url);

export interface OracleCase {
  name: string;
  /** Arguments after the binary; `$DIR` stands for the case's temporary directory. */
  args: string[];
  daemon?: FakeDaemonOptions | (() => FakeDaemonOptions);
  /** Extra setup on the engine. */
  setup?: (e: FakeEngine) => void;
  files?: Record<string, string>;
  stdin?: string;
  /** stdin and stdout are a terminal of 120x40 (docker under script(1)). */
  tty?: boolean;
  /** Run in $DIR (relative paths). */
  cwd?: boolean;
  /** Environment additions. */
  env?: Record<string, string>;
  /** JSON body arrays docker builds from Go maps (random order): compared sorted. */
  unordered?: string[];
  /** Output lines whose order comes from a Go map: compared sorted. */
  unorderedOutput?: boolean;
  /** docker sends the requests in parallel: compared as a sorted list. */
  parallel?: boolean;
  /** Files of $DIR to report after the run. */
  outputs?: string[];
}

export const ID_WEB = '5fa78686aed6842a5a68848fdbe161ef69b1b45e870fdc83540baf445c73aee7';
export const ID_RUN = '99ee2f5522f0dc9989869d22a974e8065994ca6fda742bd1e77c1d3d418d6b23';
export const ID_TICKER = 'addaa50fd034a695c9f5de6c11b3563a93123823c1dce980540a1f2827455380';
export const ID_CREATED = '50a866f80c0d30ccbc7cbef77cc41c1df23b1ac64dfb42f34a8dbeea37188195';
export const ID_EXEC = '0c38ac625526ed88c5e27aef5908f1bdeb6591b46d2ca66b7ad57bc788096de2';
const IMAGE_ID = 'sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a';

const run = (over: Partial<FakeContainer> = {}): FakeContainer => ({ id: ID_RUN, name: 'tracerun', output: [[1, 'hi\n']], ...over });
const web = (over: Partial<FakeContainer> = {}): FakeContainer => ({
  id: ID_WEB,
  name: 'web',
  state: 'running',
  inspect: {
    NetworkSettings: {
      Ports: {
        '80/tcp': [
          { HostIp: '0.0.0.0', HostPort: '8080' },
          { HostIp: '::', HostPort: '8080' },
        ],
        '443/tcp': null,
        '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
        '9000/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }],
      },
    },
  },
  ...over,
});
const ticker = (over: Partial<FakeContainer> = {}): FakeContainer => ({
  id: ID_TICKER,
  name: 'ticker',
  state: 'running',
  logs: [
    [1, '2026-11-29T17:59:10.092458412Z out 9\n'],
    [2, '2026-11-29T17:59:10.092585341Z err 9\n'],
  ],
  ...over,
});
const created = (over: Partial<FakeContainer> = {}): FakeContainer => ({ id: ID_CREATED, name: 'created1', output: [[1, 'created-then-started\n']], ...over });

/** docker create: the body is what matters. */
const createCase = (name: string, flags: string[], extra: Partial<OracleCase> = {}): OracleCase => ({
  name: `create ${name}`,
  args: ['create', ...flags],
  daemon: { containers: [created()] },
  ...extra,
});

const PS_LIST = [
  {
    Id: ID_TICKER,
    Names: ['/ticker'],
    Image: 'busybox',
    ImageID: IMAGE_ID,
    Command: "sh -c 'i=0; while :; do echo out $i; echo err $i >&2; i=$((i+1)); sleep 0.4; done'",
    Created: 1795975146,
    Ports: [],
    Labels: { 'org.opencontainers.image.description': 'busybox v1.35.0 from Debian busybox-static, offline build' },
    State: 'running',
    Status: 'Up Less than a second',
    HostConfig: { NetworkMode: 'default' },
    NetworkSettings: { Networks: { bridge: { NetworkID: 'f1b0352b633115ce546ffa9580b29bff90281f26f2e03e1b0bf783a9660951b2', IPAddress: '172.17.0.3' } } },
    Mounts: [],
  },
  {
    Id: ID_WEB,
    Names: ['/web'],
    Image: 'busybox',
    ImageID: IMAGE_ID,
    Command: 'httpd -f -p 80',
    Created: 1795975141,
    Ports: [
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    ],
    Labels: { 'org.opencontainers.image.description': 'busybox v1.35.0 from Debian busybox-static, offline build' },
    State: 'running',
    Status: 'Up 4 seconds',
    HostConfig: { NetworkMode: 'default' },
    NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2' } } },
    Mounts: [],
  },
  {
    Id: 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2',
    Names: ['/db', '/web/db'],
    Image: 'redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    ImageID: 'sha256:392945b4173788aaead8b053dbba67b6ed07aec9840542669c13ffd456351e19',
    Command: 'docker-entrypoint.sh redis-server --appendonly yes',
    Created: 1795900000,
    Ports: [
      { PrivatePort: 6379, Type: 'tcp' },
      { PrivatePort: 6380, Type: 'tcp' },
      { PrivatePort: 6381, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 7000, PublicPort: 7000, Type: 'udp' },
      { IP: '0.0.0.0', PrivatePort: 7001, PublicPort: 7001, Type: 'udp' },
      { PrivatePort: 9000, Type: 'sctp' },
    ],
    SizeRw: 12288,
    SizeRootFs: 117234567,
    Labels: { 'com.example.tier': 'cache', a: '1 & <2>' },
    State: 'exited',
    Status: 'Exited (0) 2 hours ago',
    HostConfig: { NetworkMode: 'mynet' },
    NetworkSettings: { Networks: { mynet: {} } },
    Mounts: [
      { Type: 'volume', Name: '0123456789abcdef0123456789abcdef', Source: '/var/lib/docker/volumes/x/_data', Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' },
      { Type: 'bind', Source: '/srv/config', Destination: '/etc/redis', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    ],
  },
  {
    Id: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
    Names: ['/imgid'],
    Image: 'sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a',
    ImageID: IMAGE_ID,
    Command: 'echo 日本語のコマンドはとても長いです',
    Created: 1795975000,
    Ports: [],
    Labels: {},
    State: 'created',
    Status: 'Created',
    HostConfig: { NetworkMode: 'none' },
    NetworkSettings: { Networks: { none: {} } },
    Mounts: [],
  },
  {
    Id: 'dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd',
    Names: ['/tagged'],
    Image: 'localhost:5000/app:v1.2',
    ImageID: 'sha256:aaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    Command: '',
    Created: 1790000000,
    Ports: [{ IP: '::', PrivatePort: 80, PublicPort: 80, Type: 'tcp' }, { IP: '::', PrivatePort: 81, PublicPort: 81, Type: 'tcp' }],
    Labels: null,
    State: 'paused',
    Status: 'Up 2 days (Paused)',
    HostConfig: { NetworkMode: 'default' },
    NetworkSettings: { Networks: { bridge: {} } },
    Mounts: [],
  },
];

const EXITED_LIST = [
  {
    Id: '710c47863dc5b1c4d1e1ee2a7c1f3dc6d2c45a4bd6ee3c1bb7a1c4e8a9f0d1e2',
    Names: ['/tracerun'],
    Image: 'busybox',
    ImageID: IMAGE_ID,
    Command: 'sh',
    Created: 1795975142,
    Ports: [],
    Labels: {},
    State: 'exited',
    Status: 'Exited (0) 2 seconds ago',
    HostConfig: { NetworkMode: 'default' },
    NetworkSettings: { Networks: { bridge: {} } },
    Mounts: [],
  },
];

const ENV_FILE = '# comment\nFROM_FILE=1\n  SPACED=a b \nHOME\nNOTSET\n\n';
const LABEL_FILE = 'team=core\nempty=\nbare\n';

export const CASES: OracleCase[] = [
  // ---- create: the body for many flag sets
  createCase('(trace)', ['--name', 'created1', 'busybox', 'echo', 'created-then-started']),
  createCase('a bare image', ['busybox']),
  createCase('publish and expose', ['-p', '8080:80', '-p', '127.0.0.1:8000-8002:80-82/udp', '-p', '9000', '-p', '[::1]:53:53/udp', '-P', '--expose', '7000-7001', '--expose', '7002/sctp', 'busybox']),
  createCase('a host port range for one port', ['-p', '8000-8010:80', '-p', '0.0.0.0::443', 'busybox']),
  createCase('publish in the long form', ['-p', 'published=8080,target=80', '-p', 'target=53,published=5353,protocol=udp', 'busybox']),
  createCase(
    'env, labels, user, workdir, entrypoint, hostname',
    ['-e', 'A=1', '--env-file', '$DIR/env', '-w', '/srv', '-u', '1000:1000', '--entrypoint', '/bin/sh', '-l', 'a=b', '--label-file', '$DIR/labels', '-h', 'myhost', '--domainname', 'example.com', 'busybox', '-c', 'true'],
    { files: { env: ENV_FILE, labels: LABEL_FILE }, env: { HOME: '/home/oracle' } },
  ),
  createCase('-e from the environment', ['-e', 'HOME', '-e', 'NOTSET', 'busybox'], { env: { HOME: '/home/oracle' }, unordered: ['Env'] }),
  createCase('an empty entrypoint', ['--entrypoint=', 'busybox']),
  createCase('restart, init, stop signal and timeout, cidfile', ['--restart', 'on-failure:3', '--init', '--stop-signal', 'SIGUSR1', '--stop-timeout', '30', '--cidfile', '$DIR/cid', 'busybox'], { outputs: ['cid'] }),
  createCase('--init=false and --restart unless-stopped', ['--init=false', '--restart', 'unless-stopped', '--stop-timeout', '0', 'busybox']),
  createCase('binds, volumes, tmpfs, read-only', ['-v', '/src:/dst:ro', '-v', 'vol:/data', '-v', '/anon', '--tmpfs', '/run:rw,size=64m', '--tmpfs', '/tmp', '--read-only', '--volumes-from', 'other:ro', '--volume-driver', 'local', 'busybox'], { unordered: ['Binds'] }),
  createCase('a relative bind', ['-v', './rel:/rel', '-v', './rel:/rel', 'busybox'], { cwd: true }),
  createCase(
    'mounts',
    [
      '--mount', 'type=bind,src=/a,dst=/b,readonly,bind-propagation=rshared',
      '--mount', 'type=volume,source=v,target=/v,volume-nocopy,volume-label=x=y,volume-driver=local,volume-opt=o=1,volume-subpath=sub',
      '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770',
      '--mount', 'type=image,src=busybox,dst=/img,image-subpath=/bin',
      '--mount', 'target=/anon',
      '--mount', 'type=bind,"src=/with,comma",dst=/c,bind-recursive=disabled',
      'busybox',
    ],
  ),
  createCase('security', ['--privileged', '--cap-add', 'net_admin', '--cap-add', 'SYS_TIME', '--cap-add', 'cap_net_admin', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--security-opt', 'label=disable', '--security-opt', 'systempaths=unconfined', '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor:unconfined', 'busybox']),
  createCase('a seccomp profile file', ['--security-opt', 'seccomp=$DIR/profile.json', 'busybox'], { files: { 'profile.json': '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [ ]\n}\n' } }),
  createCase('resources', [
    '--ulimit', 'nofile=1024:2048', '--ulimit', 'core=0', '--ulimit', 'nofile=10', '-m', '512m', '--memory-reservation', '256MiB', '--memory-swap', '-1', '--cpus', '1.5', '-c', '512',
    '--pids-limit', '100', '--memory-swappiness', '10', '--oom-kill-disable', '--oom-score-adj', '100', '--cpuset-cpus', '0-1', '--cpuset-mems', '0', '--cpu-period', '100000',
    '--cpu-quota', '50000', '--cpu-rt-period', '1000', '--cpu-rt-runtime', '500', '--shm-size', '128m', '--kernel-memory', '10m', '--blkio-weight', '300',
    '--blkio-weight-device', '/dev/sda:200', '--device-read-bps', '/dev/sda:1mb', '--device-write-bps', '/dev/sdb:2g', '--device-read-iops', '/dev/sda:1000', '--device-write-iops', '/dev/sda:100',
    'busybox',
  ]),
  createCase('sizes in odd spellings', ['-m', '1.5g', '--shm-size', '100 KiB', '--memory-swap', '2048', '--cpus', '0.001', 'busybox']),
  createCase('devices and gpus', ['--device', '/dev/fuse', '--device', '/dev/sda:/dev/xvda:rw', '--device', '/dev/null:r', '--device', '/dev/zero:/dev/z/../zz', '--device-cgroup-rule', 'c 1:3 mr', '--device', 'vendor.com/class=dev0', '--gpus', 'all', '--gpus', '"device=0,1",capabilities=compute', 'busybox']),
  createCase('sysctls, logging, annotations, storage', ['--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.shmmax=1', '--log-driver', 'json-file', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3', '--annotation', 'a=b', '--annotation', 'c', '--storage-opt', 'size=10G', 'busybox']),
  createCase('healthcheck', ['--health-cmd', 'curl -f http://localhost/ || exit 1', '--health-interval', '30s', '--health-timeout', '5s', '--health-retries', '3', '--health-start-period', '1m30s', '--health-start-interval', '2s', 'busybox']),
  createCase('a healthcheck without a command', ['--health-interval', '1h', 'busybox']),
  createCase('--no-healthcheck', ['--no-healthcheck', 'busybox']),
  createCase('dns, hosts, groups', ['--user', 'nobody', '--group-add', 'audio', '--group-add', '1001', '--dns', '8.8.8.8', '--dns', ' 2001:4860:4860:0:0:0:0:8888', '--dns-search', 'example.com.', '--dns-option', 'ndots:2', '--dns-opt', 'timeout:1', '--add-host', 'db:10.0.0.5', '--add-host', 'v6=[::1]', '--add-host', 'gw:host-gateway', 'busybox']),
  createCase('a localhost DNS server', ['--dns', '127.0.0.53', 'busybox']),
  createCase('--network none', ['--network', 'none', 'busybox']),
  createCase('--network host', ['--net', 'host', 'busybox']),
  createCase('a user-defined network with options', ['--network', 'mynet', '--network-alias', 'web', '--net-alias', 'www', '--ip', '172.20.0.5', '--ip6', '2001:db8::5', '--link-local-ip', '169.254.1.1', '--mac-address', '92:d0:c6:0a:29:33', '--link', 'db:database', 'busybox']),
  createCase('two networks in the long form', ['--network', 'name=mynet,alias=a,driver-opt=com.x=1,gw-priority=5', '--network', 'other', 'busybox']),
  createCase('a legacy link on the default bridge', ['--link', 'db:db', '--link', 'cache', 'busybox']),
  createCase('--network container:x', ['--network', 'container:web', 'busybox']),
  createCase('namespaces and runtime', ['--pid', 'host', '--ipc', 'shareable', '--uts', 'host', '--userns', 'host', '--cgroupns', 'private', '--cgroup-parent', '/my', '--isolation', 'default', '--runtime', 'runc', 'busybox']),
  createCase('--pid container:web', ['--pid', 'container:web', '--ipc', 'container:web', 'busybox']),
  createCase('-a and -i', ['-a', 'stdout', '-a', 'STDERR', '-i', 'busybox']),
  createCase('-it without a terminal', ['-it', 'busybox', 'sh']),
  createCase('-a stdin only', ['-a', 'stdin', 'busybox']),
  createCase('--platform', ['--platform', 'linux/arm64/v8', 'busybox']),
  createCase('--platform arm', ['--platform', 'linux/arm', 'busybox']),
  createCase('HTML characters and unicode', ['-e', 'X=<a&b>', '-l', 'html=<b>', '--name', 'x', 'busybox', 'echo', 'héllo <wörld> & \u2028'], { unordered: ['Env'] }),
  createCase('an image by ID', ['6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a']),
  createCase('a tagged image from a registry', ['--rm', 'localhost:5000/app:v1', 'run']),
  createCase('on a terminal', ['-t', 'busybox'], { tty: true }),
  createCase('--use-api-socket', ['--use-api-socket', '--mount', 'type=tmpfs,dst=/t', 'busybox']),
  // create: what the daemon says
  createCase('daemon warnings', ['busybox'], { daemon: { containers: [created()], create: { status: 201, body: { Id: ID_CREATED, Warnings: ['Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.'] } } } }),
  createCase('a missing image that cannot be pulled', ['busybox'], {
    daemon: { containers: [created()], create: { status: 404, body: { message: 'No such image: busybox:latest' } } },
  }),
  createCase('a missing image, -q', ['-q', 'busybox:1.36'], {
    daemon: { containers: [created()], create: { status: 404, body: { message: 'No such image: busybox:1.36' } } },
  }),
  createCase('a missing image pulled', ['localhost:5000/app'], {
    daemon: {
      containers: [created()],
      create: (_r, n) => (n === 1 ? { status: 404, body: { message: 'No such image: localhost:5000/app:latest' } } : { status: 201, body: { Id: ID_CREATED, Warnings: [] } }),
      pull: {
        status: 200,
        messages: [
          { status: 'Pulling from app', id: 'latest' },
          { status: 'Pulling fs layer', progressDetail: {}, id: 'afe47add17f5' },
          { status: 'Pull complete', progressDetail: {}, id: 'afe47add17f5' },
          { status: 'Digest: sha256:2f6a2b8e7e4a1cd1a6a3b0a0f2b5e6d7c8b9a0f1e2d3c4b5a697887766554433' },
          { status: 'Status: Downloaded newer image for localhost:5000/app:latest' },
        ],
      },
    },
  }),
  createCase('a pull that fails in the stream', ['--pull', 'always', 'busybox'], {
    daemon: { containers: [created()], pull: { status: 200, messages: [{ status: 'Pulling from library/busybox', id: 'latest' }, { errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' }] } },
  }),
  createCase('--pull never', ['--pull', 'never', 'busybox'], { daemon: { containers: [created()], create: { status: 404, body: { message: 'No such image: busybox:latest' } } } }),
  createCase('credentials for the pull', ['--pull=always', 'localhost:5000/app'], {
    files: { 'config.json': JSON.stringify({ auths: { 'localhost:5000': { auth: Buffer.from('user:secret').toString('base64') } } }) },
    env: { DOCKER_CONFIG: '$DIR' },
    daemon: { containers: [created()], pull: { status: 200, messages: [{ status: 'Status: Image is up to date for localhost:5000/app:latest' }] } },
  }),
  createCase('a name in use', ['--name', 'web', 'busybox'], {
    daemon: { containers: [created()], create: { status: 409, body: { message: `Conflict. The container name "/web" is already in use by container "${ID_WEB}". You have to remove (or rename) that container to be able to reuse that name.` } } },
  }),
  createCase('a cidfile that exists', ['--cidfile', '$DIR/cid', 'busybox'], { files: { cid: 'old' }, outputs: ['cid'] }),
  createCase('a cidfile when create fails', ['--cidfile', '$DIR/cid', 'busybox'], { outputs: ['cid'], daemon: { containers: [created()], create: { status: 500, body: { message: 'boom' } } } }),
  // create: flag and parse errors
  createCase('--rm with --restart', ['--rm', '--restart', 'always', 'busybox']),
  createCase('a bad host port', ['-p', '99999:80', 'busybox']),
  createCase('a bad protocol', ['-p', '80/xyz', 'busybox']),
  createCase('mismatched ranges', ['-p', '8000-8001:80-82', 'busybox']),
  createCase('--expose with a colon', ['--expose', '1:2', 'busybox']),
  createCase('a bad swappiness', ['--memory-swappiness', '200', 'busybox']),
  createCase('a bad pid mode', ['--pid', 'bad', 'busybox']),
  createCase('a bad security opt', ['--security-opt', 'bad', 'busybox']),
  createCase('a relative device', ['--device', 'dev/sda', 'busybox']),
  createCase('an empty volume section', ['-v', '/a::/b', 'busybox']),
  createCase('a bad restart policy', ['--restart', 'on-failure:x', 'busybox']),
  createCase('healthcheck conflicts', ['--no-healthcheck', '--health-cmd', 'true', 'busybox']),
  createCase('a bad ulimit', ['--ulimit', 'nofile=2:1', 'busybox']),
  createCase('too precise cpus', ['--cpus', '1.0000000001', 'busybox']),
  createCase('a mount mixing options', ['--mount', 'type=bind,dst=/x,volume-nocopy', 'busybox']),
  createCase('an empty env name', ['-e', '=x', 'busybox']),
  createCase('a bad memory size', ['-m', '12q', 'busybox']),
  createCase('a bad duration', ['--health-interval', '5', 'busybox']),
  createCase('a bad pull option', ['--pull', 'bogus', 'busybox']),
  createCase('a missing env file', ['--env-file', '$DIR/nofile', 'busybox']),
  createCase('a bad mac address', ['--mac-address', 'zz', 'busybox']),
  createCase('conflicting network options', ['--network', 'name=n1,alias=a', '--network-alias', 'b', 'busybox']),
  createCase('user-defined and host networks', ['--network', 'n1', '--network', 'host', 'busybox']),
  createCase('an alias on the default network', ['--network-alias', 'x', 'busybox']),
  createCase('an invalid reference', ['Busybox']),
  createCase('no image', []),
  createCase('an unknown flag', ['--nope', 'busybox']),

  // ---- run
  { name: 'run --rm (trace)', args: ['run', '--rm', 'busybox', 'echo', 'hi'], daemon: { containers: [run({ autoRemove: true })] } },
  { name: 'run: stdout and stderr, exit status', args: ['run', '--name', 'tracerun', 'busybox', 'sh', '-c', 'x'], daemon: { containers: [run({ output: [[1, 'out 1\n'], [2, 'err 1\n'], [1, 'out 2\n']], exitCode: 3 })] } },
  { name: 'run -d (trace)', args: ['run', '-d', '--name', 'web', '-p', '8080:80', 'busybox', 'httpd', '-f', '-p', '80'], daemon: { containers: [web({ state: 'created' })] } },
  { name: 'run -d --rm', args: ['run', '-d', '--rm', 'busybox'], daemon: { containers: [run()] } },
  { name: 'run -i with stdin', args: ['run', '-i', 'busybox', 'cat'], stdin: 'abc\ndef\n', daemon: { containers: [run({ output: [], echoStdin: true })] } },
  { name: 'run -a stdout', args: ['run', '-a', 'stdout', 'busybox'], daemon: { containers: [run({ output: [[1, 'seen\n'], [2, 'not seen\n']] })] } },
  { name: 'run -a stderr', args: ['run', '-a', 'stderr', 'busybox'], daemon: { containers: [run({ output: [[1, 'not seen\n'], [2, 'seen\n']] })] } },
  { name: 'run -t without a terminal', args: ['run', '-t', 'busybox'], daemon: { containers: [run({ tty: true, output: [[1, 'tty out\r\n']] })] } },
  { name: 'run -it without a terminal', args: ['run', '-it', 'busybox', 'sh'], daemon: { containers: [run()] } },
  { name: 'run -it on a terminal', args: ['run', '-it', '--name', 'tracerun', 'busybox', 'sh'], tty: true, daemon: { containers: [run({ tty: true, output: [[1, '/ # '], [1, 'exit\r\n']] })] } },
  { name: 'run --detach-keys on a terminal', args: ['run', '-it', '--detach-keys', 'ctrl-a,x', 'busybox'], tty: true, daemon: { containers: [run({ tty: true, output: [[1, 'bye\r\n']], exitCode: 2 })] } },
  { name: 'run -d with -a', args: ['run', '-d', '-a', 'stdout', 'busybox'], daemon: { containers: [run()] } },
  {
    name: 'run: command not found',
    args: ['run', 'busybox', 'nosuch'],
    daemon: { containers: [run({ startError: [400, 'failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown'] })] },
  },
  { name: 'run: permission denied', args: ['run', 'busybox', '/etc'], daemon: { containers: [run({ startError: [400, 'failed to create task for container: exec: "/etc": permission denied: unknown'] })] } },
  { name: 'run: another start error', args: ['run', '--rm', 'busybox'], daemon: { containers: [run({ autoRemove: true, startError: [500, 'driver failed programming external connectivity'] })] } },
  { name: 'run: a missing image', args: ['run', 'busybox'], daemon: { containers: [run()], create: { status: 404, body: { message: 'No such image: busybox:latest' } } } },
  { name: 'run: a parse error', args: ['run', '--memory-swappiness', '-2', 'busybox'] },
  { name: 'run: a flag error', args: ['run', '--cpus', 'x', 'busybox'] },
  { name: 'run: no image', args: ['run'] },
  { name: 'run: wait reports an error', args: ['run', 'busybox'], daemon: { containers: [run({ waitError: 'container exited in an unexpected way' })] } },
  { name: 'run: a daemon error in the stream', args: ['run', 'busybox'], daemon: { containers: [run({ output: [[1, 'partial\n'], [3, 'logging driver failed']] })] } },
  { name: 'run: the exit status 255', args: ['run', 'busybox'], daemon: { containers: [run({ exitCode: 255, output: [] })] } },

  // ---- start
  { name: 'start (no attach)', args: ['start', 'created1', 'web'], daemon: { containers: [created(), web({ state: 'exited' })] } },
  { name: 'start: failures at the end', args: ['container', 'start', 'missing', 'created1', 'gone'], daemon: { containers: [created()] } },
  { name: 'start -a (trace)', args: ['start', '-a', 'created1'], daemon: { containers: [created()] } },
  { name: 'start -ai with stdin', args: ['start', '-ai', 'created1'], stdin: 'to stdin\n', daemon: { containers: [created({ openStdin: true, echoStdin: true, output: [], exitCode: 4 })] } },
  { name: 'start -a of two', args: ['start', '-a', 'a', 'b'] },
  { name: 'start -a of a missing container', args: ['start', '-a', 'missing'] },

  // ---- attach
  { name: 'attach', args: ['attach', 'web'], daemon: { containers: [web({ output: [[1, 'GET /\n'], [2, 'warn\n']], exitCode: 137 })] } },
  { name: 'attach --no-stdin --sig-proxy=false', args: ['attach', '--no-stdin', '--sig-proxy=false', 'web'], daemon: { containers: [web({ openStdin: true, output: [[1, 'x\n']] })] } },
  { name: 'attach with stdin', args: ['attach', 'web'], stdin: 'hello\n', daemon: { containers: [web({ openStdin: true, echoStdin: true, output: [] })] } },
  { name: 'attach to a stopped container', args: ['attach', 'created1'], daemon: { containers: [created()] } },
  { name: 'attach to a paused container', args: ['attach', 'web'], daemon: { containers: [web({ state: 'paused' })] } },
  { name: 'attach to a missing container', args: ['attach', 'nosuch'] },

  // ---- exec
  { name: 'exec (trace)', args: ['exec', 'web', 'echo', 'hi-from-exec'], daemon: { containers: [web()], execs: [{ id: ID_EXEC, output: [[1, 'hi-from-exec\n']] }] } },
  { name: 'exec -i (trace)', args: ['exec', '-i', 'web', 'cat'], stdin: 'abc\n', daemon: { containers: [web()], execs: [{ id: ID_EXEC, echoStdin: true }] } },
  { name: 'exec: an exit code and stderr', args: ['container', 'exec', 'web', 'sh', '-c', 'exit 7'], daemon: { containers: [web()], execs: [{ id: ID_EXEC, output: [[2, 'oops\n']], exitCode: 7 }] } },
  {
    name: 'exec: options',
    args: ['exec', '-e', 'A=1', '-e', 'HOME', '--env-file', '$DIR/env', '-u', 'root', '-w', '/tmp', '--privileged', '--detach-keys', 'ctrl-x', 'web', 'env'],
    files: { env: 'B=2\n' },
    env: { HOME: '/home/oracle' },
    daemon: { containers: [web()], execs: [{ id: ID_EXEC, output: [[1, 'A=1\n']] }] },
  },
  { name: 'exec -d', args: ['exec', '-d', 'web', 'sleep', '10'], daemon: { containers: [web()], execs: [{ id: ID_EXEC }] } },
  { name: 'exec -t without a terminal', args: ['exec', '-t', 'web', 'ls'], daemon: { containers: [web()], execs: [{ id: ID_EXEC, output: [[1, 'bin\r\n']] }] } },
  { name: 'exec -it without a terminal', args: ['exec', '-it', 'web', 'sh'], daemon: { containers: [web()], execs: [{ id: ID_EXEC }] } },
  { name: 'exec -it on a terminal', args: ['exec', '-it', 'web', 'sh'], tty: true, daemon: { containers: [web()], execs: [{ id: ID_EXEC, output: [[1, '/ # exit\r\n']] }] } },
  { name: 'exec in a missing container', args: ['exec', 'nosuch', 'ls'] },
  { name: 'exec: no command', args: ['exec', 'web'] },

  // ---- logs
  { name: 'logs --tail 2 -t (trace)', args: ['logs', '--tail', '2', '-t', 'ticker'], daemon: { containers: [ticker()] } },
  { name: 'logs -f with since and until', args: ['container', 'logs', '-f', '--since', '2026-11-29T17:00:00Z', '--until', '1795975000.5', '--details', '-n', '10', 'ticker'], daemon: { containers: [ticker()] } },
  { name: 'logs of a tty container', args: ['logs', 'tty1'], daemon: { containers: [ticker({ name: 'tty1', tty: true, logs: [[1, 'raw\r\nbytes\r\n']] })] } },
  { name: 'logs: a bad --since', args: ['logs', '--since', 'yesterday', 'ticker'], daemon: { containers: [ticker()] } },
  { name: 'logs: a daemon error in the stream', args: ['logs', 'ticker'], daemon: { containers: [ticker({ logs: [[1, 'line\n'], [3, 'log file is corrupt']] })] } },
  { name: 'logs of a missing container', args: ['logs', 'nosuch'] },

  // ---- stop, kill, restart, pause, unpause, rm
  { name: 'stop (trace)', args: ['stop', 'web'], daemon: { containers: [web()] } },
  { parallel: true, name: 'stop -t -s, several, failures at the end', args: ['stop', '-t', '5', '-s', 'SIGKILL', 'web', 'missing', 'ticker', 'bad'], daemon: { containers: [web(), ticker()], errors: { 'POST stop bad': [500, 'cannot stop container: bad: tried to kill container, but did not receive an exit event'] } } },
  { name: 'stop --time (deprecated)', args: ['container', 'stop', '--time', '3', 'web'], daemon: { containers: [web()] } },
  { name: 'stop -t with --time', args: ['stop', '-t', '1', '--time', '2', 'web'], daemon: { containers: [web()] } },
  { parallel: true, name: 'stop: an empty name', args: ['stop', ' ', 'web'], daemon: { containers: [web()] } },
  { parallel: true, name: 'kill -s', args: ['kill', '-s', 'HUP', 'web', 'ticker'], daemon: { containers: [web(), ticker()] } },
  { parallel: true, name: 'kill: a missing container', args: ['kill', 'missing', 'web'], daemon: { containers: [web()] } },
  { name: 'restart -t 0', args: ['restart', '-t', '0', 'web', 'missing', 'ticker'], daemon: { containers: [web(), ticker()] } },
  { parallel: true, name: 'pause and failures', args: ['pause', 'web', 'missing'], daemon: { containers: [web()] } },
  { name: 'unpause', args: ['container', 'unpause', 'web'], daemon: { containers: [web()] } },
  { parallel: true, name: 'rm (trace)', args: ['rm', 'web', 'tracerun', 'created1'], daemon: { containers: [web(), run(), created()] } },
  { name: 'rm -f (trace)', args: ['rm', '-f', 'ticker'], daemon: { containers: [ticker()] } },
  { parallel: true, name: 'rm -f: missing names are not failures', args: ['container', 'rm', '-f', 'missing', 'ticker', 'busy'], daemon: { containers: [ticker()], errors: { 'DELETE rm busy': [409, 'cannot remove container "/busy": could not kill: tried to kill container, but did not receive an exit event'] } } },
  { parallel: true, name: 'rm -v -l and slashes', args: ['container', 'remove', '-v', '-l', '/ticker/', '/', 'nosuch'], daemon: { containers: [ticker()] } },
  { name: 'rename', args: ['rename', 'web', 'web2'], daemon: { containers: [web()] } },
  { name: 'rename: a missing container', args: ['rename', 'missing', 'x'] },
  { name: 'rename: a conflict', args: ['rename', 'web', 'ticker'], daemon: { containers: [web()], errors: { 'POST rename web': [409, `Conflict. The container name "/ticker" is already in use by container "${ID_TICKER}". You have to remove (or rename) that container to be able to reuse that name.`] } } },
  { name: 'rename: one argument', args: ['rename', 'web'] },
  { name: 'wait', args: ['wait', 'created1', 'missing', 'web'], daemon: { containers: [created({ state: 'exited', exitCode: 3 }), web({ state: 'exited', exitCode: 0 })] } },

  // ---- port, top, prune
  { name: 'port', args: ['port', 'web'], daemon: { containers: [web()] }, unorderedOutput: false },
  { name: 'port 80', args: ['port', 'web', '80'], daemon: { containers: [web()] } },
  { name: 'port 53/udp', args: ['container', 'port', 'web', '53/udp'], daemon: { containers: [web()] } },
  { name: 'port: not published', args: ['port', 'web', '443'], daemon: { containers: [web()] } },
  { name: 'port: a bad port', args: ['port', 'web', 'http'], daemon: { containers: [web()] } },
  { name: 'port: none', args: ['port', 'created1'], daemon: { containers: [created()] } },
  { name: 'port: an empty port lists all', args: ['port', 'web', ''], daemon: { containers: [web()] } },
  {
    name: 'top',
    args: ['top', 'web', '-o', 'pid,comm'],
    daemon: { containers: [web({ top: { Titles: ['PID', 'COMMAND'], Processes: [['4242', 'httpd'], ['4300', 'sh -c a very long command line that goes on']] } })] },
  },
  { name: 'top: no ps arguments', args: ['container', 'top', 'web'], daemon: { containers: [web({ top: { Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: [['root', '4242', '4220', '0', '17:59', '?', '00:00:00', 'httpd -f -p 80']] } })] } },
  { name: 'prune -f', args: ['container', 'prune', '-f'], daemon: { prune: { ContainersDeleted: [ID_CREATED, ID_RUN], SpaceReclaimed: 12345 } } },
  { name: 'prune -f --filter', args: ['container', 'prune', '-f', '--filter', 'until=24h', '--filter', 'label=a=b'], daemon: { prune: { ContainersDeleted: null, SpaceReclaimed: 0 } } },
  { name: 'prune: yes', args: ['container', 'prune'], stdin: 'y\n', daemon: { prune: { ContainersDeleted: [ID_CREATED], SpaceReclaimed: 0 } } },
  { name: 'prune: no', args: ['container', 'prune'], stdin: 'n\n', daemon: { prune: { ContainersDeleted: [ID_CREATED], SpaceReclaimed: 0 } } },

  // ---- inspect
  { name: 'inspect (trace)', args: ['inspect', 'web'], daemon: { containers: [web()] } },
  { name: 'container inspect -s -f', args: ['container', 'inspect', '-s', '-f', '{{.Name}} {{.State.Status}} {{.Config.Tty}} {{json .NetworkSettings.Ports}}', 'web', 'missing', 'ticker'], daemon: { containers: [web(), ticker()] } },
  {
    name: 'inspect: containers, then images, then the rest',
    args: ['inspect', '-f', '{{.Id}}', 'web', 'busybox', 'nothing'],
    daemon: {
      containers: [web()],
      extra: {
        'GET /images/busybox/json': [200, { Id: IMAGE_ID, RepoTags: ['busybox:latest'] }],
        'GET /info': [200, { Swarm: { ControlAvailable: false, LocalNodeState: 'inactive' } }],
      },
    },
  },
  {
    name: 'container inspect: nil pointers and absent fields',
    args: ['container', 'inspect', '-f', '{{.SizeRw}} {{.SizeRootFs}} {{.State.Health}} {{if .SizeRw}}yes{{else}}no{{end}} {{json .SizeRw}} {{json .State.Health}}', 'web'],
    daemon: { containers: [web()] },
  },
  { name: 'inspect --type image', args: ['inspect', '--type', 'image', 'web'], daemon: { containers: [web()] } },
  { name: 'inspect --type container -s', args: ['inspect', '--type', 'container', '-s', '-f', '{{.Id}}', 'web'], daemon: { containers: [web()] } },
  { name: 'inspect -s of an image', args: ['inspect', '-s', '-f', '{{.Id}}', 'busybox'], daemon: { extra: { 'GET /images/busybox/json': [200, { Id: IMAGE_ID }] } } },
  { name: 'inspect --type bogus', args: ['inspect', '--type', 'bogus', 'web'] },
  { name: 'inspect --type=', args: ['inspect', '--type=', 'web'] },

  // ---- ps
  { name: 'ps (fixture)', args: ['ps'], daemon: { list: PS_LIST } },
  { name: 'ps -a --filter status=exited (trace)', args: ['ps', '-a', '--filter', 'status=exited'], daemon: { list: EXITED_LIST } },
  { name: 'ps --no-trunc', args: ['container', 'ls', '--no-trunc'], daemon: { list: PS_LIST } },
  { name: 'ps -q', args: ['container', 'ps', '-q', '-a'], daemon: { list: PS_LIST } },
  { name: 'ps -s', args: ['ps', '-s'], daemon: { list: PS_LIST } },
  { name: 'ps -n 2 and -l', args: ['container', 'list', '-n', '2', '-l'], daemon: { list: PS_LIST } },
  { name: 'ps -l', args: ['ps', '-l', '-f', 'name=web', '-f', 'Label=a'], daemon: { list: PS_LIST } },
  { name: 'ps --format json', args: ['ps', '--format', 'json'], daemon: { list: PS_LIST } },
  { name: 'ps --format with .Size', args: ['ps', '--format', '{{.Names}}\t{{.Size}}'], daemon: { list: PS_LIST } },
  { name: 'ps --format with .Size, --size=false', args: ['ps', '--size=false', '--format', '{{.Names}} {{.Size}}'], daemon: { list: PS_LIST } },
  {
    name: 'ps: every field in a table',
    args: ['ps', '--format', 'table {{.ID}}\\t{{.Image}}\\t{{.Labels}}\\t{{.Label "a"}}\\t{{.Mounts}}\\t{{.Networks}}\\t{{.State}}\\t{{.LocalVolumes}}\\t{{.CreatedAt}}\\t{{.Command}}'],
    daemon: { list: PS_LIST },
  },
  { name: 'ps --format raw', args: ['ps', '--format', 'raw'], daemon: { list: PS_LIST.slice(0, 2) } },
  { name: 'ps --format raw -s -q', args: ['ps', '--format', 'raw', '-s'], daemon: { list: PS_LIST.slice(2, 3) } },
  { name: 'ps -q with a format', args: ['ps', '-q', '--format', '{{.Names}}'], daemon: { list: PS_LIST } },
  { name: 'ps: a bad template', args: ['ps', '--format', '{{.Nope}}'], daemon: { list: PS_LIST } },
  { name: 'ps: a template that does not parse', args: ['ps', '--format', '{{.ID'], daemon: { list: PS_LIST } },
  { name: 'ps: an empty list', args: ['ps'], daemon: { list: [] } },
  { name: 'ps: psFormat from the config', args: ['ps'], files: { 'config.json': '{"psFormat":"{{.Names}}: {{.Status}}"}' }, env: { DOCKER_CONFIG: '$DIR' }, daemon: { list: PS_LIST } },
  { name: 'ps: an argument', args: ['ps', 'x'] },

  // ---- help pages
  ...['run', 'create', 'exec', 'start', 'attach', 'logs', 'stop', 'rm', 'inspect', 'port', 'top', 'wait', 'kill', 'restart', 'pause', 'rename'].map((c) => ({ name: `${c} --help`, args: [c, '--help'] })),
  { name: 'container ls --help', args: ['container', 'ls', '--help'] },
  { name: 'container inspect --help', args: ['container', 'inspect', '--help'] },
  { name: 'container prune --help', args: ['container', 'prune', '--help'] },
  { name: 'ps --help', args: ['ps', '--help'] },
];

/** The text of a body for the golden (JSON bodies decoded and re-indented, others as length + digest). */
export function describeBody(body: Buffer, unordered: readonly string[] = [], norm: (s: string) => string = (s) => s): string {
  if (body.length === 0) return '';
  const tar = describeTar(body);
  if (tar !== undefined) return tar;
  const text = norm(body.toString('utf8'));
  let digestInput: Buffer = Buffer.from(text);
  let shown = text;
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (unordered.length) {
      const sortIn = (o: Record<string, unknown>) => {
        for (const k of unordered) if (Array.isArray(o[k])) (o[k] as string[]).sort();
      };
      sortIn(v);
      if (v['HostConfig'] && typeof v['HostConfig'] === 'object') sortIn(v['HostConfig'] as Record<string, unknown>);
      digestInput = Buffer.from(JSON.stringify(v));
    }
    shown = JSON.stringify(v, null, 1);
  } catch {
    shown = JSON.stringify(text);
  }
  const digest = createHash('sha256').update(digestInput).digest('hex').slice(0, 16);
  return ` body=${text.length}B sha256:${digest}\n${shown
    .split('\n')
    .map((l) => '    ' + l)
    .join('\n')}`;
}

/** One request as recorded in the golden. */
export function describeRequest(r: SeenRequest, unordered: readonly string[] = [], norm?: (s: string) => string): string {
  let s = `${r.method} ${r.url}`;
  const ct = r.headers['content-type'];
  if (ct) s += ` type=${ct}`;
  if (r.headers['transfer-encoding']) s += ` te=${r.headers['transfer-encoding']}`;
  if (r.headers['upgrade']) s += ` upgrade=${r.headers['upgrade']}`;
  const auth = r.headers['x-registry-auth'];
  if (auth) s += ` auth=${auth}`;
  if (r.requestBody !== undefined) {
    s += describeBody(r.requestBody, unordered, norm);
    s += `\n    stdin=${JSON.stringify(r.body.toString('utf8'))}`;
  } else s += describeBody(r.body, unordered, norm);
  return s;
}

/** The case's fake daemon on `engine`. */
export function setUpCase(c: OracleCase, engine: FakeEngine): void {
  const d = typeof c.daemon === 'function' ? c.daemon() : c.daemon;
  // fresh copies: the fake mutates container states
  installFakeDaemon(engine, { ...d, containers: d?.containers?.map((c) => ({ ...c })) });
  c.setup?.(engine);
}
