/**
 * The network commands' oracle cases: each sets up the fake daemon's /networks routes and runs
 * one command line. record-goldens.ts runs them with the real docker CLI 28.2.2 and writes
 * what it printed and requested (bodies decoded) to testdata/oracle.golden; oracle.test.ts
 * runs them with berth in-process and compares.
 *
 * Fixtures follow api-traces/network-{create,ls,inspect,connect,disconnect,rm}.txt and
 * dockerd 28's answers (GET /networks lists in the daemon's order; the CLI sorts by name).
 */
import { createHash } from 'node:crypto';
import { testdataDir, type FakeEngine, type SeenRequest } from '../../test-helpers.js';

export const TESTDATA = testdataDir(import.meta.url);

export interface OracleCase {
  name: string;
  /** Arguments after the binary; `$DIR` stands for the case's temporary directory. */
  args: string[];
  /** Routes of the fake engine (default: installNetworks). */
  setup?: (e: FakeEngine) => void;
  /** The API version the fake daemon announces (default 1.44). */
  apiVersion?: string;
  files?: Record<string, string>;
  stdin?: string;
  env?: Record<string, string>;
  /** docker builds IPAM.Config from a Go map: its order on the wire is random (compared sorted). */
  unorderedConfig?: boolean;
  /** Output joining label maps (random order in docker): compared with each `k=v,k=v` run sorted. */
  unorderedLabels?: boolean;
}

export const ID_TRACENET = '5f9cbfd5ae1eb7b426c2d5a856aa546b7d30bfb12119205c28c4970564ad03c9';
const ID_BRIDGE = 'f1b0352b633115ce546ffa9580b29bff90281f26f2e03e1b0bf783a9660951b2';
const ID_HOST = '3c4d0b1e2a5f60718293a4b5c6d7e8f9012345678901234567890abcdef12345';
const ID_NONE = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d';
const ID_NET10 = 'aa00bb11cc22dd33ee44ff5566778899aabbccddeeff00112233445566778899';
const ID_NET2 = '0123456789ab';
const ID_WEB = '5fa78686aed6842a5a68848fdbe161ef69b1b45e870fdc83540baf445c73aee7';

const ipam = (config: unknown[], driver = 'default', options: unknown = {}) => ({ Driver: driver, Options: options, Config: config });

/** GET /networks/tracenet as dockerd 20.10 answered it (api-traces/network-inspect.txt). */
const TRACENET = {
  Name: 'tracenet',
  Id: ID_TRACENET,
  Created: '2026-11-29T17:59:16.42730127Z',
  Scope: 'local',
  Driver: 'bridge',
  EnableIPv6: false,
  IPAM: ipam([{ Subnet: '172.24.0.0/16', Gateway: '172.24.0.1' }]),
  Internal: false,
  Attachable: false,
  Ingress: false,
  ConfigFrom: { Network: '' },
  ConfigOnly: false,
  Containers: {},
  Options: {},
  Labels: {},
};

/** A network with everything set, as dockerd 28 (API 1.48+) writes it. */
const WEBNET = {
  Name: 'webnet',
  Id: ID_NET10,
  Created: '2026-11-29T18:20:01.000000001+02:00',
  Scope: 'local',
  Driver: 'bridge',
  EnableIPv4: true,
  EnableIPv6: true,
  IPAM: ipam(
    [
      { Subnet: '10.10.0.0/16', IPRange: '10.10.1.0/24', Gateway: '10.10.0.1', AuxiliaryAddresses: { host1: '10.10.0.5' } },
      { Subnet: 'fd00:10::/64', Gateway: 'fd00:10::1' },
    ],
    'default',
    { foo: 'bar' },
  ),
  Internal: true,
  Attachable: true,
  Ingress: false,
  ConfigFrom: { Network: '' },
  ConfigOnly: false,
  Containers: {
    [ID_WEB]: { Name: 'web', EndpointID: 'e1d2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a', MacAddress: '92:d0:c6:0a:29:33', IPv4Address: '10.10.1.2/16', IPv6Address: 'fd00:10::2/64' },
  },
  Options: { 'com.docker.network.bridge.name': 'br-webnet', 'com.docker.network.driver.mtu': '1400' },
  Labels: { 'com.example.tier': 'web' },
};

/** The verbose answer of an overlay network (Peers and Services). */
const OVERLAY_VERBOSE = {
  ...TRACENET,
  Name: 'ovl',
  Scope: 'swarm',
  Driver: 'overlay',
  Peers: [{ Name: 'node1', IP: '192.168.1.10' }],
  Services: { web: { VIP: '10.0.1.2', Ports: ['Target: 80, Publish: 8080'], LocalLBIndex: 257, Tasks: [{ Name: 'web.1', EndpointID: 'abc', EndpointIP: '10.0.1.3', Info: { 'Host IP': '192.168.1.10' } }] } },
};

const summary = (o: Record<string, unknown>) => ({
  Scope: 'local',
  EnableIPv6: false,
  IPAM: ipam([]),
  Internal: false,
  Attachable: false,
  Ingress: false,
  ConfigFrom: { Network: '' },
  ConfigOnly: false,
  Containers: {},
  Options: {},
  Labels: {},
  ...o,
});

/** GET /networks in the daemon's order (not sorted), names to sort naturally, one with labels. */
export const LIST = [
  summary({ Name: 'net10', Id: ID_NET10, Created: '2026-11-29T18:00:00.5Z', Driver: 'bridge', Labels: { 'com.example.tier': 'web', owner: 'ops' } }),
  summary({ Name: 'bridge', Id: ID_BRIDGE, Created: '2026-11-29T17:51:25.123456789Z', Driver: 'bridge', Options: { 'com.docker.network.bridge.default_bridge': 'true' } }),
  summary({ Name: 'host', Id: ID_HOST, Created: '2026-11-28T10:00:00Z', Driver: 'host', Labels: null }),
  summary({ Name: 'net2', Id: ID_NET2, Created: '2026-11-29T18:00:01+01:00', Driver: 'macvlan', Internal: true, EnableIPv4: true, EnableIPv6: true, Scope: 'swarm', Labels: { 'com.example.tier': 'db' } }),
  summary({ Name: 'none', Id: ID_NONE, Created: '2026-11-28T10:00:00Z', Driver: 'null' }),
  summary({ Name: 'tracenet', Id: ID_TRACENET, Created: TRACENET.Created, Driver: 'bridge' }),
];

function json(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body) + '\n');
}

const notFound = (name: string) => ({ message: `network ${name} not found` });

/** The fake daemon's /networks routes. */
export function installNetworks(e: FakeEngine, opts: { ingress?: boolean } = {}): void {
  e.on('GET', '/networks', (_req, res) => json(res, 200, LIST));
  e.on('POST', '/networks/create', (req, res) => {
    const name = (JSON.parse(req.body.toString('utf8')) as { Name: string }).Name;
    if (name === 'dup') return json(res, 409, { message: 'network with name dup already exists' });
    if (name === 'boom') return json(res, 500, { message: 'failed to allocate gateway (10.10.0.1): Address already in use' });
    if (name === 'badopt') return json(res, 400, { message: 'invalid subnet 10.10.0.0/33 : invalid CIDR address: 10.10.0.0/33' });
    json(res, 201, { Id: ID_TRACENET, Warning: '' });
  });
  e.on('POST', '/networks/prune', (_req, res) => json(res, 200, { NetworksDeleted: ['net10', 'tracenet'] }));
  e.on('POST', '/networks/*', (req, res) => {
    const [name, verb] = req.path.slice('/networks/'.length).split('/');
    const { Container } = JSON.parse(req.body.toString('utf8')) as { Container: string };
    if (name === 'missing') return json(res, 404, notFound('missing'));
    if (Container === 'nosuch') return json(res, 404, { message: 'No such container: nosuch' });
    if (verb === 'connect' && Container === 'web' && name === 'webnet') {
      return json(res, 403, { message: `endpoint with name web already exists in network webnet` });
    }
    res.statusCode = 200;
    res.end();
  });
  e.on('GET', '/networks/*', (req, res) => {
    const name = req.path.slice('/networks/'.length);
    if (name === 'tracenet' || name === ID_TRACENET) return json(res, 200, TRACENET);
    if (name === 'webnet') return json(res, 200, WEBNET);
    if (name === 'ovl') return json(res, 200, req.query.get('verbose') === 'true' ? OVERLAY_VERBOSE : { ...OVERLAY_VERBOSE, Peers: undefined, Services: undefined });
    if (name === 'ingress') return json(res, 200, { ...TRACENET, Name: 'ingress', Driver: 'overlay', Scope: 'swarm', Ingress: opts.ingress ?? true });
    if (['a', 'b', 'inuse', 'boom'].includes(name)) return json(res, 200, { ...TRACENET, Name: name });
    json(res, 404, notFound(name));
  });
  e.on('DELETE', '/networks/*', (req, res) => {
    const name = req.path.slice('/networks/'.length);
    if (name === 'inuse') return json(res, 403, { message: `error while removing network: network inuse id ${ID_TRACENET} has active endpoints` });
    if (name === 'boom') return json(res, 500, { message: 'failed to remove bridge br-boom: device or resource busy' });
    if (!['tracenet', ID_TRACENET, 'webnet', 'ingress', 'a', 'b'].includes(name)) return json(res, 404, notFound(name));
    res.statusCode = 204;
    res.end();
  });
}

const create = (name: string, args: string[], over: Partial<OracleCase> = {}): OracleCase => ({ name: `create: ${name}`, args: ['network', 'create', ...args], ...over });
const ls = (name: string, args: string[], over: Partial<OracleCase> = {}): OracleCase => ({ name: `ls: ${name}`, args: ['network', 'ls', ...args], ...over });
const inspect = (name: string, args: string[], over: Partial<OracleCase> = {}): OracleCase => ({ name: `inspect: ${name}`, args: ['network', 'inspect', ...args], ...over });

export const CASES: OracleCase[] = [
  // ---- create
  create('the trace', ['tracenet']),
  create('an API 1.41 daemon gets CheckDuplicate', ['tracenet'], { apiVersion: '1.41' }),
  create('every IPAM flag on one subnet', [
    '-d', 'overlay', '--subnet', '10.10.0.0/16', '--ip-range', '10.10.1.0/24', '--gateway', '10.10.0.1',
    '--aux-address', 'host1=10.10.0.5', '--aux-address', 'host2=10.10.0.6', '--ipam-driver', 'myipam', '--ipam-opt', 'foo=bar', '--ipam-opt', 'zed=1', 'webnet',
  ]),
  create('the boolean and string options', ['--internal', '--attachable', '--ipv6', '--scope', 'swarm', '-o', 'com.docker.network.driver.mtu=1400', '--opt', 'encrypted', '--label', 'b=2', '--label', 'a=1', '--label', 'flag', 'webnet']),
  create('--ipv4=false --ipv6=false', ['--ipv4=false', '--ipv6=false', 'l2net']),
  create('--ipv4 alone', ['--ipv4', 'v4net']),
  create('--ingress', ['--ingress', '-d', 'overlay', 'ingress']),
  create('--config-only', ['--config-only', '--subnet', '192.168.5.0/24', '--gateway', '192.168.5.1', '-o', 'parent=eth0', 'cfg']),
  create('--config-from', ['--config-from', 'cfg', '--scope', 'swarm', '-d', 'macvlan', 'fromcfg']),
  create('IPv4 and IPv6 subnets', ['--ipv6', '--subnet', '10.20.0.0/16', '--gateway', '10.20.0.254', '--subnet', 'fd00:20::/64', '--gateway', 'fd00:20::1', '--ip-range', 'fd00:20::/80', 'dual'], { unorderedConfig: true }),
  create('comma-separated subnets', ['--subnet', '10.1.0.0/16,10.2.0.0/16', '--gateway=10.2.0.1', 'csv'], { unorderedConfig: true }),
  create('a gateway in CIDR form', ['--subnet', '10.3.0.0/16', '--gateway', '10.3.0.1/16', 'gwcidr']),
  create('a subnet with host bits', ['--subnet', '10.4.1.1/16', '--gateway', '10.4.200.1', 'hostbits']),
  create('the same aux-address name twice', ['--subnet', '10.5.0.0/16', '--aux-address', 'h=10.5.0.2', '--aux-address', 'h=10.5.0.3', 'auxdup']),
  create('an invalid subnet', ['--subnet', '10.0.0.0/33', 'x']),
  create('a subnet that is not CIDR', ['--subnet', 'nope', 'x']),
  create('a subnet with leading zeros', ['--subnet', '010.0.0.0/8', 'x']),
  create('a gateway without subnet', ['--gateway', '10.0.0.1', 'x']),
  create('an ip-range without subnet', ['--ip-range', '10.0.1.0/24', 'x']),
  create('overlapping subnets', ['--subnet', '10.0.0.0/8', '--subnet', '10.1.0.0/16', 'x']),
  create('the same subnet twice', ['--subnet', '10.0.0.0/8', '--subnet', '10.0.0.0/8', 'x']),
  create('a gateway outside the subnet', ['--subnet', '10.0.0.0/16', '--gateway', '10.1.0.1', 'x']),
  create('an invalid gateway', ['--subnet', '10.0.0.0/16', '--gateway', 'gw', 'x']),
  create('two gateways on one subnet', ['--subnet', '10.0.0.0/16', '--subnet', '10.9.0.0/16', '--gateway', '10.0.0.1', '--gateway', '10.0.0.2', 'x']),
  create('an ip-range outside the subnet', ['--subnet', '10.0.0.0/16', '--ip-range', '10.1.0.0/24', 'x']),
  create('an ip-range that is not CIDR', ['--subnet', '10.0.0.0/16', '--ip-range', '10.0.1.0', 'x']),
  create('two ranges on one subnet', ['--subnet', '10.0.0.0/16', '--subnet', '10.9.0.0/16', '--ip-range', '10.0.1.0/24', '--ip-range', '10.0.2.0/24', 'x']),
  create('an aux-address outside the subnet', ['--subnet', '10.0.0.0/16', '--aux-address', 'h=192.168.0.1', 'x']),
  create('an aux-address without subnet', ['--aux-address', 'h=10.0.0.1', 'x']),
  create('a label with an empty name', ['--label', '=x', 'x']),
  create('a label name with a space', ['--label', 'a b=c', 'x']),
  create('a bad CSV subnet', ['--subnet', '"10.0.0.0/8', 'x']),
  create('an IPv6 subnet with everything', ['--ipv6', '--subnet', 'fd00:30::/64', '--gateway', 'fd00:30::1', '--ip-range', 'fd00:30::8000/113', '--aux-address', 'router=fd00:30::2', 'v6net']),
  create('an IPv4 gateway for an IPv6 subnet', ['--subnet', 'fd00:30::/64', '--gateway', '10.0.0.1', 'x']),
  create('an IPv4-mapped subnet', ['--subnet', '::ffff:10.6.0.0/112', '--gateway', '10.6.0.1', 'mapped']),
  create('a gateway with a zone', ['--subnet', 'fe80::/64', '--gateway', 'fe80::1%eth0', 'x']),
  create('a gateway CIDR that does not parse', ['--subnet', '10.0.0.0/16', '--gateway', '10.0.0.1/40', 'x']),
  create('an invalid subnet with a gateway', ['--subnet', '10.0.0.0/33', '--gateway', '10.0.0.1', 'x']),
  create('a mask with leading zeros', ['--subnet', '10.7.0.0/016', '--gateway', '10.7.0.1', 'zeros']),
  create('a short IPv6 form', ['--subnet', '::/0', '--gateway', '::1', 'all6']),
  create('IPv6 with too many groups', ['--subnet', '1:2:3:4:5:6:7::8/64', '--gateway', '1:2:3:4::1', 'x']),
  create('an aux-address without a value', ['--subnet', '10.0.0.0/16', '--aux-address', 'h', 'x']),
  create('options without values', ['-o', 'a', '--ipam-opt', 'b=', '--label', 'c=', 'opts']),
  create('an empty --subnet', ['--subnet', '', 'x']),
  create('--scope against API 1.24', ['--scope', 'swarm', 'x'], { apiVersion: '1.24' }),
  create('--attachable against API 1.24', ['--attachable', 'x'], { apiVersion: '1.24' }),
  create('a name with spaces', [' my net ']),
  create('HTML and Unicode in labels and options', ['--label', 'note=<a & b>', '--label', 'ünï=日本', '-o', 'x=>', 'html']),
  create('the daemon: a name in use', ['dup']),
  create('the daemon: an internal error', ['boom']),
  create('the daemon: a bad request', ['badopt']),
  create('no name', []),
  create('two names', ['a', 'b']),
  create('an unknown flag', ['--nope', 'x']),
  create('a flag without its value', ['x', '--subnet']),
  { name: 'create --help', args: ['network', 'create', '--help'] },

  // ---- ls
  ls('the table', []),
  { name: 'ls: list -q', args: ['network', 'list', '-q'] },
  ls('--no-trunc', ['--no-trunc']),
  ls('-q --no-trunc', ['-q', '--no-trunc']),
  ls('filters', ['-f', 'driver=bridge', '--filter', 'Name = net ', '-f', 'label=com.example.tier=web', '-f', 'driver=macvlan']),
  ls('--format json', ['--format', 'json'], { unorderedLabels: true }),
  ls('a table of every field', ['--format', 'table {{.ID}}\\t{{.Name}}\\t{{.IPv4}}\\t{{.IPv6}}\\t{{.Internal}}\\t{{.CreatedAt}}']),
  ls('labels', ['--format', '{{.Name}}: {{.Labels}}'], { unorderedLabels: true }),
  ls('a label column', ['--format', 'table {{.Name}}\\t{{.Label "com.example.tier"}}\\t{{.Label "owner"}}']),
  ls('--format raw', ['--format', 'raw']),
  ls('-q --format raw', ['-q', '--format', 'raw']),
  ls('-q with a template', ['-q', '--format', '{{.Name}}']),
  ls('--format table', ['--format', 'table']),
  ls('networksFormat from the config', [], { files: { 'config.json': '{"networksFormat":"{{.Name}} ({{.Driver}})"}' }, env: { DOCKER_CONFIG: '$DIR' } }),
  ls('networksFormat and -q', ['-q'], { files: { 'config.json': '{"networksFormat":"{{.Name}} ({{.Driver}})"}' }, env: { DOCKER_CONFIG: '$DIR' } }),
  ls('fields the daemon left out', ['--format', '{{.ID}}|{{.Name}}|{{.CreatedAt}}|{{.Labels}}|{{.Label "x"}}|{{.IPv4}}'], { setup: (e) => e.json('GET', '/networks', [{ Name: 'bare' }, { Name: 'sha', Id: 'sha256:0123456789abcdef0123' }]) }),
  ls('an empty filter', ['--filter', '']),
  ls('against API 1.24', ['-f', 'type=custom'], { apiVersion: '1.24' }),
  ls('an empty list', [], { setup: (e) => e.json('GET', '/networks', []) }),
  ls('a null list', ['--format', 'json'], { setup: (e) => e.json('GET', '/networks', null) }),
  ls('a bad filter', ['-f', 'nokey']),
  ls('an unknown field', ['--format', '{{.Nope}}']),
  ls('a template that does not parse', ['--format', '{{.Name']),
  ls('a daemon error', [], { setup: (e) => e.error('GET', '/networks', 500, 'network controller is not available') }),
  ls('an argument', ['x']),
  { name: 'ls --help', args: ['network', 'ls', '--help'] },

  // ---- inspect
  inspect('the trace', ['tracenet']),
  inspect('two networks', ['tracenet', 'webnet']),
  inspect('a missing one among others', ['tracenet', 'missing', 'webnet']),
  inspect('only missing', ['missing']),
  inspect('--format json', ['--format', 'json', 'tracenet', 'webnet']),
  inspect('-f with typed fields', ['-f', '{{.Name}} {{.ID}} {{.Created}} {{.Scope}}/{{.Driver}} v4={{.EnableIPv4}} v6={{.EnableIPv6}}', 'tracenet', 'webnet']),
  inspect('-f over IPAM', ['-f', '{{.IPAM.Driver}} {{.IPAM.Options}} {{range .IPAM.Config}}{{.Subnet}} gw {{.Gateway}} range {{.IPRange}} aux {{.AuxAddress}}; {{end}}', 'webnet']),
  inspect('-f json of parts', ['-f', '{{json .IPAM}} {{json .Containers}} {{json .Labels}} {{json .Created}}', 'webnet', 'tracenet']),
  inspect('-f over containers', ['-f', '{{range $id, $c := .Containers}}{{$id}} {{$c.Name}} {{$c.IPv4Address}} {{$c.MacAddress}}{{end}}', 'webnet']),
  inspect('-f with a raw key', ['-f', '{{.Id}} {{.ConfigFrom.Network}}|{{.Options}}', 'webnet']),
  inspect('-f with a missing key', ['-f', '{{.Nope}}', 'tracenet']),
  inspect('-f of a whole struct', ['-f', '{{.IPAM}} {{.ConfigFrom}}', 'webnet']),
  inspect('-v', ['-v', 'ovl']),
  inspect('--verbose with a template', ['--verbose', '-f', '{{len .Services}} {{range .Peers}}{{.Name}}@{{.IP}}{{end}} {{json .Services}}', 'ovl']),
  inspect('Services without -v', ['-f', '{{json .Services}} {{.Peers}}', 'ovl']),
  inspect('a template that does not parse', ['-f', '{{.Name', 'tracenet']),
  inspect('-f on a missing network', ['-f', '{{.Name}}', 'missing']),
  inspect('an empty name', ['  ']),
  inspect('a name with spaces around', [' tracenet ']),
  inspect('no argument', []),
  { name: 'inspect --help', args: ['network', 'inspect', '--help'] },

  // ---- connect
  { name: 'connect: the trace', args: ['network', 'connect', 'tracenet', 'web'] },
  {
    name: 'connect: every option',
    args: [
      'network', 'connect', '--alias', 'a', '--alias', 'b,c', '--ip', '172.20.0.5', '--ip6', '2001:db8::5', '--link', 'db:database', '--link', 'cache',
      '--link-local-ip', '169.254.1.1', '--link-local-ip', 'fe80::1', '--driver-opt', 'com.x=1', '--driver-opt', ' k = v ', '--gw-priority', '-5', 'tracenet', 'web',
    ],
  },
  { name: 'connect: only --ip', args: ['network', 'connect', '--ip=172.20.0.9', 'tracenet', 'web'] },
  { name: 'connect: a driver option without value', args: ['network', 'connect', '--driver-opt', 'novalue', 'tracenet', 'web'] },
  { name: 'connect: a driver option without key', args: ['network', 'connect', '--driver-opt', ' =v', 'tracenet', 'web'] },
  { name: 'connect: a bad link', args: ['network', 'connect', '--link', 'a:b:c', 'tracenet', 'web'] },
  { name: 'connect: a bad --gw-priority', args: ['network', 'connect', '--gw-priority', 'high', 'tracenet', 'web'] },
  { name: 'connect: a missing network', args: ['network', 'connect', 'missing', 'web'] },
  { name: 'connect: a missing container', args: ['network', 'connect', 'tracenet', 'nosuch'] },
  { name: 'connect: already connected', args: ['network', 'connect', 'webnet', 'web'] },
  { name: 'connect: an empty network name', args: ['network', 'connect', ' ', 'web'] },
  { name: 'connect: an empty container name', args: ['network', 'connect', 'tracenet', ''] },
  { name: 'connect: names with spaces around', args: ['network', 'connect', ' tracenet', 'web '] },
  { name: 'connect: names to escape', args: ['network', 'connect', '--alias', '<web>&', 'my net', 'c#1'] },
  { name: 'connect: one argument', args: ['network', 'connect', 'tracenet'] },
  { name: 'connect --help', args: ['network', 'connect', '--help'] },

  // ---- disconnect
  { name: 'disconnect: the trace', args: ['network', 'disconnect', 'tracenet', 'web'] },
  { name: 'disconnect -f', args: ['network', 'disconnect', '-f', 'tracenet', 'web'] },
  { name: 'disconnect: a missing network', args: ['network', 'disconnect', '--force', 'missing', 'web'] },
  { name: 'disconnect: a missing container', args: ['network', 'disconnect', 'tracenet', 'nosuch'] },
  { name: 'disconnect: an empty container name', args: ['network', 'disconnect', 'tracenet', '  '] },
  { name: 'disconnect: three arguments', args: ['network', 'disconnect', 'a', 'b', 'c'] },
  { name: 'disconnect --help', args: ['network', 'disconnect', '--help'] },

  // ---- rm
  { name: 'rm: the trace', args: ['network', 'rm', 'tracenet'] },
  { name: 'rm: by ID', args: ['network', 'rm', ID_TRACENET] },
  { name: 'remove: several', args: ['network', 'remove', 'a', 'b'] },
  { name: 'rm: failures do not stop the others', args: ['network', 'rm', 'a', 'missing', 'inuse', 'boom', 'b'] },
  { name: 'rm -f: missing networks are not errors', args: ['network', 'rm', '-f', 'missing', 'a', 'gone'] },
  { name: 'rm -f: a network in use is', args: ['network', 'rm', '--force', 'missing', 'inuse'] },
  { name: 'rm: the ingress network, answered y', args: ['network', 'rm', 'ingress'], stdin: 'y\n' },
  { name: 'rm: the ingress network, answered n', args: ['network', 'rm', 'ingress', 'a'], stdin: 'n\n' },
  { name: 'rm: the ingress network, no answer', args: ['network', 'rm', 'ingress'] },
  { name: 'rm: an empty name', args: ['network', 'rm', ' ', 'a'] },
  { name: 'rm: names to escape', args: ['network', 'rm', 'a b', 'c#d?e', 'ü/x'] },
  { name: 'rm: no argument', args: ['network', 'rm'] },
  { name: 'rm --help', args: ['network', 'rm', '--help'] },

  // ---- prune
  { name: 'prune -f', args: ['network', 'prune', '-f'] },
  { name: 'prune -f: nothing removed', args: ['network', 'prune', '-f'], setup: (e) => e.json('POST', '/networks/prune', { NetworksDeleted: null }) },
  { name: 'prune: filters', args: ['network', 'prune', '--force', '--filter', 'until=24h', '--filter', 'label!=keep', '--filter', 'Label=a=b'] },
  {
    name: 'prune: pruneFilters from the config',
    args: ['network', 'prune', '-f', '--filter', 'label=keep'],
    files: { 'config.json': '{"pruneFilters":["label!=keep","until=1h"]}' },
    env: { DOCKER_CONFIG: '$DIR' },
  },
  { name: 'prune: answered y', args: ['network', 'prune'], stdin: 'y\n' },
  { name: 'prune: answered " Y "', args: ['network', 'prune'], stdin: ' Y \n' },
  { name: 'prune: answered n', args: ['network', 'prune'], stdin: 'n\n' },
  { name: 'prune: no answer', args: ['network', 'prune'] },
  { name: 'prune: against API 1.24', args: ['network', 'prune', '-f'], apiVersion: '1.24' },
  { name: 'prune: against API 1.24, with a prompt', args: ['network', 'prune'], stdin: 'y\n', apiVersion: '1.24' },
  { name: 'prune: a daemon error', args: ['network', 'prune', '-f'], setup: (e) => e.error('POST', '/networks/prune', 409, 'a prune operation is already running') },
  { name: 'prune: a bad filter', args: ['network', 'prune', '--filter', 'x'] },
  { name: 'prune: an argument', args: ['network', 'prune', 'x'] },
  { name: 'prune: -a is not a flag', args: ['network', 'prune', '-a'] },
  { name: 'prune --help', args: ['network', 'prune', '--help'] },

  // ---- the management command
  { name: 'network --help', args: ['network', '--help'] },
  { name: 'network alone', args: ['network'] },
  { name: 'network: an unknown subcommand', args: ['network', 'nope'] },
  { name: 'network: an unknown flag', args: ['network', '--nope'] },
  { name: 'help network', args: ['help', 'network'] },
  { name: 'help network ls', args: ['help', 'network', 'ls'] },
  { name: 'network list --help', args: ['network', 'list', '--help'] },
  { name: 'network remove -h', args: ['network', 'remove', '-h'] },
];

/** The canonical form of a JSON body for the golden: IPAM.Config sorted when docker's order is random. */
function canonicalBody(text: string, c: OracleCase): string {
  if (!c.unorderedConfig) return text;
  const v = JSON.parse(text) as { IPAM?: { Config?: unknown[] } };
  v.IPAM?.Config?.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return JSON.stringify(v);
}

/** One request as recorded in the golden: target, type, and the body (length, digest, indented JSON). */
export function describeRequest(r: SeenRequest, c: OracleCase): string {
  let s = `${r.method} ${r.url}`;
  const ct = r.headers['content-type'];
  if (ct) s += ` type=${ct}`;
  if (r.headers['transfer-encoding']) s += ` te=${r.headers['transfer-encoding']}`;
  if (r.body.length === 0) return s;
  const raw = r.body.toString('utf8');
  let shown: string;
  let canonical = raw;
  try {
    canonical = canonicalBody(raw, c);
    shown = JSON.stringify(JSON.parse(canonical), null, 1);
  } catch {
    shown = JSON.stringify(raw);
  }
  const digest = createHash('sha256').update(c.unorderedConfig ? canonical : raw).digest('hex').slice(0, 16);
  return `${s} body=${r.body.length}B sha256:${digest}\n${shown
    .split('\n')
    .map((l) => '    ' + l)
    .join('\n')}`;
}

/** Output made comparable: label runs (`k=v,k=v`, Go map order in docker) sorted when asked. */
export function normalizeLabels(text: string, c: OracleCase): string {
  if (!c.unorderedLabels) return text;
  return text.replace(/[\w.-]+=[^\s,"]*(?:,[\w.-]+=[^\s,"]*)+/g, (run) => run.split(',').sort().join(','));
}

/** Sets up the case's fake daemon. */
export function setUpCase(c: OracleCase, e: FakeEngine): void {
  e.apiVersion = c.apiVersion ?? '1.44';
  if (c.setup) c.setup(e);
  installNetworks(e);
}
