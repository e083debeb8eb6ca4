/**
 * Issue 6, the macvlan driver, end to end with the real docker CLI: a veth pair stands in for
 * the host's NIC (its host end is the parent, MTU 1400), its other end sits in a namespace
 * playing an outside host on the same L2 segment (192.168.213.254). Containers on a macvlan
 * network get a macvlan child of the parent as eth0, reach each other by name through the
 * embedded DNS (over their DNS link), and the outside host reaches them by address; Docker's
 * errors for bad parents and modes leave nothing half-made; the host end of a DNS link takes DNS
 * to its listener and nothing else, even from a container past its sandbox's own filter, and
 * never filters another daemon's links; connect/disconnect, berthd restarts (clean and kill -9,
 * the links' rules reconciled) and removal; no bridge, no iptables rule, no link left behind.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { startDaemon, run, type TestDaemon, ok, sleep } from './harness.js';

let d: TestDaemon;
let parent = '';
let outside = '';
let outsideNs = '';
const SUBNET = '192.168.213.0/24';
const GATEWAY = '192.168.213.1';
const OUTSIDE_IP = '192.168.213.254';

const inspect = async (ref: string, fmt: string) => (await ok(d.docker(['inspect', '-f', fmt, ref]))).trim();
const netInspect = async (ref: string) => JSON.parse(await ok(d.docker(['network', 'inspect', ref])))[0];

/** Runs `cmd` inside the outside host's namespace. */
const inOutside = (cmd: string[]) => run('ip', ['netns', 'exec', outsideNs, ...cmd]);

/** Host links (in berthd's namespace) of a kind, or named with a prefix. */
async function hostLinks(filter: { kind?: string; prefix?: string }): Promise<string[]> {
  const args = ['-d', '-json', 'link', 'show', ...(filter.kind ? ['type', filter.kind] : [])];
  const all = JSON.parse((await run('ip', args)).stdout || '[]') as { ifname: string }[];
  return all.map((l) => l.ifname).filter((n) => !filter.prefix || n.startsWith(filter.prefix));
}

/** Tries a docker command until it succeeds (a sibling may still be starting). */
async function eventually(args: string[], tries = 20): Promise<string> {
  let last = '';
  for (let i = 0; i < tries; i++) {
    const r = await d.docker(args);
    if (r.code === 0) return r.stdout;
    last = r.stderr + r.stdout;
    await sleep(150);
  }
  throw new Error(`${args.join(' ')}: ${last}`);
}

/** The daemon's DNS link filter as iptables-save shows it (its chain and the jumps to it), sorted. */
async function linkRules(daemon: TestDaemon = d): Promise<string[]> {
  return (await daemon.ownRules()).filter((l) => l.includes(`${daemon.chainPrefix}-DNS-LINKS`)).sort();
}

/** Polls `get` until it deep-equals `want` (background teardowns, boot's reconciliation), then asserts. */
async function settles<T>(get: () => Promise<T>, want: T, tries = 60): Promise<void> {
  let last = await get();
  for (let i = 0; i < tries && JSON.stringify(last) !== JSON.stringify(want); i++) {
    await sleep(100);
    last = await get();
  }
  assert.deepEqual(last, want);
}

/** The host end's address of a container's DNS link (the peer of its dns0). */
async function linkHostEnd(c: string, daemon: TestDaemon = d): Promise<string> {
  const out = await ok(daemon.docker(['exec', c, 'ip', '-4', '-o', 'addr', 'show', 'dns0']));
  const m = /peer (169\.254\.\d+\.\d+)/.exec(out);
  assert.ok(m, out);
  return m[1]!;
}

/** A TCP service on 0.0.0.0 (any port) that greets and records who connected. */
async function hostService(): Promise<{ port: number; peers: string[]; close: () => Promise<void> }> {
  const peers: string[] = [];
  const server = net.createServer((s) => {
    peers.push(s.remoteAddress ?? '');
    s.end('hello\n');
  });
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  return { port: (server.address() as net.AddressInfo).port, peers, close: () => new Promise((r) => server.close(() => r())) };
}

/** A TCP connection from this (the host's) namespace; resolves to what the service said. */
function greet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host, port, timeout: 3000 }, () => c.setEncoding('utf8'));
    let got = '';
    c.on('data', (x) => (got += x));
    c.on('end', () => resolve(got));
    c.on('timeout', () => c.destroy(new Error('timeout')));
    c.on('error', reject);
  });
}

/** A create that must fail with `message`, leaving no network and no link named `leftover`. */
async function createFails(args: string[], message: string | RegExp, leftover?: string): Promise<void> {
  const r = await d.docker(['network', 'create', '-d', 'macvlan', ...args, 'bad']);
  assert.equal(r.code, 1, r.stdout);
  if (typeof message === 'string') assert.equal(r.stderr.trim(), `Error response from daemon: ${message}`);
  else assert.match(r.stderr, message);
  assert.equal(await ok(d.docker(['network', 'ls', '-q', '--filter', 'name=^bad$'])), '');
  if (leftover) assert.deepEqual(await hostLinks({ prefix: leftover }), []);
}

describe('macvlan networks', () => {
  before(async () => {
    d = await startDaemon();
    await d.importBusybox();
    parent = `${d.name}mv`;
    outside = `${d.name}mo`;
    outsideNs = `${d.name}out`;
    await ok(run('ip', ['netns', 'add', outsideNs]));
    await ok(run('ip', ['link', 'add', parent, 'mtu', '1400', 'type', 'veth', 'peer', 'name', outside, 'mtu', '1400', 'netns', outsideNs]));
    await ok(run('ip', ['link', 'set', parent, 'up']));
    await ok(inOutside(['ip', 'addr', 'add', `${OUTSIDE_IP}/24`, 'dev', outside]));
    await ok(inOutside(['ip', 'link', 'set', outside, 'up']));
    await ok(inOutside(['ip', 'link', 'set', 'lo', 'up']));
  });
  after(async () => {
    await d?.cleanup();
    await run('ip', ['link', 'del', parent]);
    await run('ip', ['netns', 'del', outsideNs]);
  });

  test('create: Docker\'s inspect (driver macvlan, options as given), no bridge, no iptables rule', async () => {
    const rulesBefore = await d.ownRules();
    const id = (await ok(d.docker(['network', 'create', '-d', 'macvlan', '--subnet', SUBNET, '--gateway', GATEWAY, '--ip-range', '192.168.213.64/26', '--aux-address', 'router=192.168.213.65', '-o', `parent=${parent}`, 'mv1']))).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const n = await netInspect('mv1');
    assert.equal(n.Driver, 'macvlan');
    assert.equal(n.Scope, 'local');
    assert.deepEqual(n.Options, { parent });
    assert.deepEqual(n.IPAM, { Driver: 'default', Options: {}, Config: [{ Subnet: SUBNET, IPRange: '192.168.213.64/26', Gateway: GATEWAY, AuxiliaryAddresses: { router: '192.168.213.65' } }] });
    assert.equal(n.Internal, false);
    assert.deepEqual(n.Containers, {});
    assert.deepEqual(await hostLinks({ prefix: `br-${id.slice(0, 12)}` }), []);
    assert.deepEqual(await d.ownRules(), rulesBefore);
    assert.equal(await ok(d.docker(['network', 'ls', '--filter', 'driver=macvlan', '--format', '{{.Name}} {{.Driver}}'])), 'mv1 macvlan\n');
  });

  test("bad input gets Docker's errors and leaves nothing half-made", async () => {
    await createFails(['-o', 'parent=nosuch0'], 'invalid subinterface vlan name nosuch0, example formatting is eth0.10');
    await createFails(['-o', 'parent=nosuch0.10'], '-o parent interface was not found on the host: nosuch0');
    await createFails(['-o', `parent=${parent}.x`], `unable to parse a valid vlan id from: x (ex. eth0.10 for vlan 10)`);
    await createFails(['-o', `parent=${parent}.5000`], 'vlan id must be between 1-4094, received: 5000');
    await createFails(['-o', 'parent=lo'], 'loopback interface is not a valid macvlan parent link');
    await createFails(['-o', `parent=${parent}`, '-o', 'macvlan_mode=bogus'], "requested macvlan mode 'bogus' is not valid, 'bridge' mode is the macvlan driver default");
    const mv1 = (await inspect('mv1', '{{.Id}}')).slice(0, 12);
    await createFails(['--subnet', '192.168.214.0/24', '-o', `parent=${parent}`], `network dm-${mv1} is already using parent interface ${parent}`);
    await createFails(['--subnet', '192.168.213.128/25', '-o', `parent=${parent}`], 'Pool overlaps with other one on this address space');
    // this kernel has neither 802.1q nor dummy links: the refusal is named, and nothing stays
    await createFails(['--subnet', '192.168.215.0/24', '-o', `parent=${parent}.100`], new RegExp(`failed to create ${parent}\\.100 vlan link: Unknown device type`), `${parent}.`);
    await createFails(['--subnet', '192.168.215.0/24'], /failed to create the dummy link dm-[0-9a-f]{12} that a macvlan network without -o parent uses as its parent: Unknown device type/, 'dm-');
    await createFails(['--subnet', '192.168.215.0/24', '--internal'], /dummy link dm-[0-9a-f]{12}/, 'dm-');
    // our CLI takes the same flags
    const r = await d.berth(['network', 'create', '-d', 'macvlan', '-o', 'parent=nosuch0', 'bad']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Error response from daemon: invalid subinterface vlan name nosuch0, example formatting is eth0.10');
  });

  test('containers: a macvlan eth0 with the IPAM address, Docker\'s MAC, the parent\'s MTU; by name to each other, by address from outside', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await ok(d.docker(['run', '-d', '--name', 'c1', '--network', 'mv1', 'busybox', 'sleep', '600']));
    const events = await ok(d.docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=network', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}']));
    assert.match(events, /^connect mv1 macvlan$/m);
    await ok(d.docker(['run', '-d', '--name', 'c2', '--network', 'mv1', '--ip', '192.168.213.20', 'busybox', 'sleep', '600']));
    await ok(d.docker(['run', '-d', '--name', 'c3', '--network', 'mv1', '--mac-address', '02:11:22:33:44:55', 'busybox', 'sleep', '600']));
    const c1ip = await inspect('c1', '{{.NetworkSettings.Networks.mv1.IPAddress}}');
    assert.match(c1ip, /^192\.168\.213\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])$/, 'in the ip range');
    assert.notEqual(c1ip, '192.168.213.65', 'not the aux address');
    const hex = c1ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join(':');
    assert.equal(await inspect('c1', '{{.NetworkSettings.Networks.mv1.MacAddress}}'), `02:42:${hex}`);
    assert.equal(await inspect('c1', '{{.NetworkSettings.Networks.mv1.Gateway}} {{.NetworkSettings.Networks.mv1.IPPrefixLen}}'), `${GATEWAY} 24`);
    assert.equal(await inspect('c2', '{{.NetworkSettings.Networks.mv1.IPAddress}}'), '192.168.213.20');
    assert.equal(await inspect('c3', '{{.NetworkSettings.Networks.mv1.MacAddress}}'), '02:11:22:33:44:55');
    const link = await ok(d.docker(['exec', 'c1', 'ip', '-o', 'link', 'show', 'eth0']));
    assert.match(link, /mtu 1400 /);
    assert.match(link, new RegExp(`link/ether 02:42:${hex}`));
    assert.match(await ok(run('nsenter', [`--net=${await inspect('c1', '{{.NetworkSettings.SandboxKey}}')}`, 'ip', '-d', 'link', 'show', 'eth0'])), /macvlan mode bridge/);
    assert.match(await ok(d.docker(['exec', 'c1', 'ip', 'route'])), new RegExp(`default via ${GATEWAY.replace(/\./g, '\\.')} dev eth0`));
    assert.equal(await ok(d.docker(['exec', 'c1', 'cat', '/etc/resolv.conf'])), 'nameserver 127.0.0.11\noptions ndots:0\n');
    // by name, through the embedded DNS, and by address from the outside host
    assert.match(await eventually(['exec', 'c1', 'ping', '-c', '1', '-W', '2', 'c2']), /1 packets received/);
    assert.match(await ok(d.docker(['exec', 'c2', 'ping', '-c', '1', '-W', '2', 'c1'])), /1 packets received/);
    assert.match(await ok(d.docker(['exec', 'c1', 'nslookup', 'c3'])), /Address( 1)?:\s+192\.168\.213\.\d+/);
    assert.match(await ok(inOutside(['busybox', 'ping', '-c', '1', '-W', '2', c1ip])), /1 (packets )?received/);
    assert.match(await ok(inOutside(['busybox', 'ping', '-c', '1', '-W', '2', '192.168.213.20'])), /1 (packets )?received/);
    assert.match(await ok(d.docker(['exec', 'c1', 'ping', '-c', '1', '-W', '2', OUTSIDE_IP])), /1 packets received/);
    // the DNS link carries DNS and nothing else
    const nohost = await d.docker(['exec', 'c1', 'sh', '-c', 'ip -4 -o addr show dns0 | sed "s/.*peer \\([0-9.]*\\).*/\\1/"']);
    const hostEnd = nohost.stdout.trim();
    assert.match(hostEnd, /^169\.254\.\d+\.\d+$/);
    assert.equal((await d.docker(['exec', 'c1', 'ping', '-c', '1', '-W', '1', hostEnd])).code, 1, 'the host end answers no ping');
    const n = await netInspect('mv1');
    assert.deepEqual(Object.values(n.Containers as Record<string, { Name: string }>).map((c) => c.Name).sort(), ['c1', 'c2', 'c3']);
    assert.equal((n.Containers as Record<string, { IPv4Address: string }>)[await inspect('c2', '{{.Id}}')]!.IPv4Address, '192.168.213.20/24');
    // in use: not removable
    const rm = await d.docker(['network', 'rm', 'mv1']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /has active endpoints/);
    await ok(d.docker(['rm', '-f', 'c3']));
  });

  test("the DNS link's host end: DNS to its listener and nothing else, even past the sandbox's own filter (CAP_NET_RAW); the rules come and go with the link", async () => {
    const svc = await hostService();
    try {
      await ok(d.docker(['run', '-d', '--name', 'r1', '--cap-add', 'NET_RAW', '--network', 'mv1', 'busybox', 'sleep', '600']));
      const hostEnd = await linkHostEnd('r1');
      const p = d.chainPrefix;
      const rules = await linkRules();
      const udp = new RegExp(`^-A ${p}-DNS-LINKS -d ${hostEnd.replace(/\./g, '\\.')}/32 -i (bdns[0-9a-f]{7}) -p udp -m udp --dport (\\d+) -j ACCEPT$`);
      const m = rules.map((l) => udp.exec(l)).find(Boolean);
      assert.ok(m, rules.join('\n'));
      const [, ifHost, port] = m;
      for (const l of [
        `-A INPUT -i bdns+ -j ${p}-DNS-LINKS`,
        `-A FORWARD -i bdns+ -j ${p}-DNS-LINKS`,
        `-A ${p}-DNS-LINKS -d ${hostEnd}/32 -i ${ifHost} -p tcp -m tcp --dport ${port} -j ACCEPT`,
        `-A ${p}-DNS-LINKS -i ${ifHost} -j DROP`,
      ]) {
        assert.ok(rules.includes(l), `${l} in\n${rules.join('\n')}`);
      }
      // the service answers on the link's address (from the host itself)...
      assert.equal(await greet(hostEnd, svc.port), 'hello\n');
      // ...but not to the container, even with the sandbox's own filter out of the way: what a
      // packet socket (CAP_NET_RAW, in Docker's default set) writes to dns0 skips it, and busybox
      // has no tool to write one, so the rule goes from outside. And not through another host
      // address either (the weak host model would take it in on the link).
      const key = await inspect('r1', '{{.NetworkSettings.SandboxKey}}');
      await ok(run('nsenter', [`--net=${key}`, 'iptables', '-w', '-D', 'OUTPUT', '-o', 'dns0', '-j', 'BERTH_DNS_FILTER']));
      const bridgeIp = (JSON.parse(await ok(run('ip', ['-json', '-4', 'addr', 'show', 'dev', d.bridge]))) as { addr_info: { local: string }[] }[])[0]!.addr_info[0]!.local;
      await ok(run('nsenter', [`--net=${key}`, 'ip', 'route', 'add', `${bridgeIp}/32`, 'dev', 'dns0']));
      for (const target of [hostEnd, bridgeIp]) {
        const r = await d.docker(['exec', 'r1', 'nc', '-w', '2', target, String(svc.port)]);
        assert.notEqual(r.code, 0, `reached ${target}:${svc.port} over the DNS link: ${r.stdout}`);
        assert.doesNotMatch(r.stdout, /hello/);
      }
      assert.equal((await d.docker(['exec', 'r1', 'ping', '-c', '1', '-W', '1', hostEnd])).code, 1);
      assert.deepEqual(svc.peers.filter((a) => a.includes('169.254.') && a !== hostEnd), [], 'no connection from the container');
      // names still resolve
      assert.match(await ok(d.docker(['exec', 'r1', 'nslookup', 'c2'])), /192\.168\.213\.20/);
      // its rules go with it; the other links' stay
      await ok(d.docker(['rm', '-f', 'r1']));
      await settles(async () => (await linkRules()).filter((l) => l.includes(ifHost!)), []);
      assert.ok((await linkRules()).some((l) => l.startsWith('-A INPUT ')), 'c1 and c2 keep theirs');
    } finally {
      await svc.close();
    }
  });

  test("a second daemon on the host: each one's DNS links pass the other's filter", async () => {
    const d2 = await startDaemon();
    try {
      await d2.importBusybox();
      await ok(d2.docker(['network', 'create', '-d', 'macvlan', '--subnet', '192.168.216.0/24', '-o', `parent=${parent}`, 'mvz']));
      await ok(d2.docker(['run', '-d', '--name', 'z1', '--network', 'mvz', 'busybox', 'sleep', '600']));
      await ok(d2.docker(['run', '-d', '--name', 'z2', '--network', 'mvz', '--ip', '192.168.216.20', 'busybox', 'sleep', '600']));
      /** The daemons' jumps in INPUT, in order. */
      const inputJumps = async () => (await ok(run('iptables', ['-w', '-S', 'INPUT']))).split('\n').flatMap((l) => /^-A INPUT -i bdns\+ -j (\S+)-DNS-LINKS$/.exec(l)?.[1] ?? []);
      // the second daemon's jump came last, so it is first: our links' traffic goes through its chain
      assert.deepEqual((await inputJumps()).filter((x) => x === d.chainPrefix || x === d2.chainPrefix), [d2.chainPrefix, d.chainPrefix]);
      assert.match(await ok(d.docker(['exec', 'c1', 'nslookup', 'c2'])), /192\.168\.213\.20/);
      assert.match(await ok(d2.docker(['exec', 'z1', 'nslookup', 'z2'])), /192\.168\.216\.20/);
      // and the other way round: our jump lost, the next link of ours puts it back at the top
      await ok(run('iptables', ['-w', '-D', 'INPUT', '-i', 'bdns+', '-j', `${d.chainPrefix}-DNS-LINKS`]));
      await ok(d.docker(['run', '-d', '--name', 'c9', '--network', 'mv1', 'busybox', 'sleep', '600']));
      assert.deepEqual((await inputJumps()).filter((x) => x === d.chainPrefix || x === d2.chainPrefix), [d.chainPrefix, d2.chainPrefix]);
      assert.match(await ok(d2.docker(['exec', 'z1', 'nslookup', 'z2'])), /192\.168\.216\.20/);
      assert.match(await ok(d.docker(['exec', 'c9', 'nslookup', 'c2'])), /192\.168\.213\.20/);
      await ok(d.docker(['rm', '-f', 'c9']));
      // and neither filter names the other's links
      const ours = (await linkRules()).join('\n');
      for (const c of ['z1', 'z2']) assert.ok(!ours.includes(await linkHostEnd(c, d2)));
    } finally {
      await d2.cleanup();
    }
    assert.deepEqual(await linkRules(d2), []);
    assert.match(await ok(d.docker(['exec', 'c1', 'nslookup', 'c2'])), /192\.168\.213\.20/);
  });

  test('connect and disconnect: a running container gains and loses a macvlan interface, names follow', async () => {
    await ok(d.docker(['network', 'create', 'brx']));
    await ok(d.docker(['run', '-d', '--name', 'c4', '--network', 'brx', 'busybox', 'sleep', '600']));
    await ok(d.docker(['network', 'connect', '--ip', '192.168.213.30', 'mv1', 'c4']));
    assert.match(await ok(d.docker(['exec', 'c4', 'ip', '-o', '-4', 'addr', 'show', 'eth1'])), /192\.168\.213\.30\/24/);
    assert.match(await eventually(['exec', 'c4', 'ping', '-c', '1', '-W', '2', 'c1']), /1 packets received/);
    assert.match(await ok(d.docker(['exec', 'c1', 'ping', '-c', '1', '-W', '2', 'c4'])), /1 packets received/);
    assert.match(await ok(inOutside(['busybox', 'ping', '-c', '1', '-W', '2', '192.168.213.30'])), /1 (packets )?received/);
    await ok(d.docker(['network', 'disconnect', 'mv1', 'c4']));
    assert.notEqual((await d.docker(['exec', 'c4', 'ip', 'link', 'show', 'eth1'])).code, 0);
    assert.equal(await inspect('c4', '{{len .NetworkSettings.Networks}}'), '1');
    // the bridge (and its DNS) goes while mv1 stays: a DNS link takes over
    await ok(d.docker(['run', '-d', '--name', 'c5', '--network', 'brx', 'busybox', 'sleep', '600']));
    await ok(d.docker(['network', 'connect', 'mv1', 'c5']));
    assert.match(await eventually(['exec', 'c5', 'ping', '-c', '1', '-W', '2', 'c2']), /1 packets received/);
    await ok(d.docker(['network', 'disconnect', 'brx', 'c5']));
    assert.match(await eventually(['exec', 'c5', 'nslookup', 'c2']), /192\.168\.213\.20/);
    // a macvlan container joining a bridge keeps its DNS link, and resolves the bridge's names
    await ok(d.docker(['run', '-d', '--name', 'c6', '--network', 'mv1', 'busybox', 'sleep', '600']));
    await ok(d.docker(['network', 'connect', 'brx', 'c6']));
    assert.match(await eventually(['exec', 'c6', 'ping', '-c', '1', '-W', '2', 'c4']), /1 packets received/);
    await ok(d.docker(['network', 'disconnect', 'mv1', 'c6']));
    assert.match(await eventually(['exec', 'c6', 'ping', '-c', '1', '-W', '2', 'c4']), /1 packets received/);
    await ok(d.docker(['rm', '-f', 'c4', 'c5', 'c6']));
    await ok(d.docker(['network', 'rm', 'brx']));
  });

  for (const how of ['stop', 'kill9'] as const) {
    test(`berthd restart (${how}): containers keep their interface, the daemon adopts them again`, async () => {
      const c1ip = await inspect('c1', '{{.NetworkSettings.Networks.mv1.IPAddress}}');
      // containers removed just before (c4-c6, the previous round's c7) tear their links down in
      // the background: wait until only c1's and c2's are left, or the restart would be blamed
      const drops = async () => (await linkRules()).filter((l) => l.startsWith(`-A ${d.chainPrefix}-DNS-LINKS -i `) && l.endsWith(' -j DROP')).length;
      await settles(drops, 2);
      const rules = await linkRules();
      assert.ok(rules.length >= 8, rules.join('\n'));
      if (how === 'stop') await d.stop();
      else await d.kill9();
      if (how === 'kill9') {
        // what a crash may leave: the rule of a link that is gone, a jump missing
        await ok(run('iptables', ['-w', '-A', `${d.chainPrefix}-DNS-LINKS`, '-i', 'bdnsdead000', '-j', 'DROP']));
        await ok(run('iptables', ['-w', '-D', 'INPUT', '-i', 'bdns+', '-j', `${d.chainPrefix}-DNS-LINKS`]));
      }
      // while berthd is down the L2 path stays up
      assert.match(await ok(inOutside(['busybox', 'ping', '-c', '1', '-W', '2', c1ip])), /1 (packets )?received/);
      await d.start();
      assert.match(await eventually(['exec', 'c1', 'ping', '-c', '1', '-W', '2', 'c2']), /1 packets received/);
      await settles(linkRules, rules);
      assert.equal(await inspect('c1', '{{.NetworkSettings.Networks.mv1.IPAddress}}'), c1ip);
      // the address is still taken: a new container gets another one
      await ok(d.docker(['run', '-d', '--name', 'c7', '--network', 'mv1', 'busybox', 'sleep', '600']));
      assert.notEqual(await inspect('c7', '{{.NetworkSettings.Networks.mv1.IPAddress}}'), c1ip);
      assert.match(await eventually(['exec', 'c7', 'ping', '-c', '1', '-W', '2', 'c1']), /1 packets received/);
      await ok(d.docker(['rm', '-f', 'c7']));
    });
  }

  test('removal leaves no macvlan child, DNS link or namespace behind; network rm', async () => {
    const all = (await ok(d.docker(['ps', '-aq']))).split('\n').filter(Boolean);
    assert.equal(all.length, 2, 'c1 and c2 are left');
    await ok(d.docker(['rm', '-f', ...all]));
    // (the teardown runs just after `rm` returns; the kernel deletes veths of a freed namespace on its own time)
    for (let i = 0; i < 60 && (readdirSync(join(d.execRoot, 'netns')).length || (await hostLinks({ prefix: 'bdns' })).length); i++) await sleep(50);
    assert.deepEqual(readdirSync(join(d.execRoot, 'netns')), []);
    assert.deepEqual(await hostLinks({ kind: 'macvlan' }), []);
    assert.deepEqual(await hostLinks({ prefix: 'bdns' }), []);
    await settles(linkRules, []);
    await ok(d.docker(['network', 'rm', 'mv1']));
    assert.equal(await ok(d.docker(['network', 'ls', '-q', '--filter', 'driver=macvlan'])), '');
    // the parent is the host's: it stays, and can take a new network
    assert.deepEqual(await hostLinks({ prefix: parent }), [parent]);
    // (our CLI, the same flags)
    assert.match(await ok(d.berth(['network', 'create', '-d', 'macvlan', '--subnet', SUBNET, '-o', `parent=${parent}`, '-o', 'macvlan_mode=private', 'mv2'])), /^[0-9a-f]{64}\n$/);
    assert.deepEqual((await netInspect('mv2')).Options, { parent, macvlan_mode: 'private' });
    // private mode: the children do not reach each other through the parent, the outside host reaches both
    await ok(d.docker(['run', '-d', '--name', 'p1', '--network', 'mv2', 'busybox', 'sleep', '600']));
    await ok(d.docker(['run', '-d', '--name', 'p2', '--network', 'mv2', 'busybox', 'sleep', '600']));
    assert.match(await ok(run('nsenter', [`--net=${await inspect('p1', '{{.NetworkSettings.SandboxKey}}')}`, 'ip', '-d', 'link', 'show', 'eth0'])), /macvlan mode private/);
    const p2ip = await inspect('p2', '{{.NetworkSettings.Networks.mv2.IPAddress}}');
    assert.match(await eventually(['exec', 'p1', 'nslookup', 'p2']), new RegExp(p2ip.replace(/\./g, '\\.')));
    assert.equal((await d.docker(['exec', 'p1', 'ping', '-c', '1', '-W', '1', p2ip])).code, 1);
    assert.match(await ok(inOutside(['busybox', 'ping', '-c', '1', '-W', '2', p2ip])), /1 (packets )?received/);
    await ok(d.docker(['rm', '-f', 'p1', 'p2']));
    await ok(d.docker(['network', 'rm', 'mv2']));
  });

  test('--internal with a parent: the segment but no gateway, no default route, nothing forwarded upstream', async () => {
    await ok(d.docker(['network', 'create', '-d', 'macvlan', '--internal', '--subnet', SUBNET, '-o', `parent=${parent}`, 'mvi']));
    assert.equal((await netInspect('mvi')).Internal, true);
    await ok(d.docker(['run', '-d', '--name', 'i1', '--network', 'mvi', 'busybox', 'sleep', '600']));
    await ok(d.docker(['run', '-d', '--name', 'i2', '--network', 'mvi', 'busybox', 'sleep', '600']));
    assert.equal(await inspect('i1', '{{.NetworkSettings.Networks.mvi.Gateway}}'), '');
    assert.doesNotMatch(await ok(d.docker(['exec', 'i1', 'ip', 'route'])), /default/);
    assert.match(await eventually(['exec', 'i1', 'ping', '-c', '1', '-W', '2', 'i2']), /1 packets received/);
    assert.match(await ok(inOutside(['busybox', 'ping', '-c', '1', '-W', '2', await inspect('i2', '{{.NetworkSettings.Networks.mvi.IPAddress}}')])), /1 (packets )?received/);
    const nx = await d.docker(['exec', 'i1', 'nslookup', 'example.com']);
    assert.notEqual(nx.code, 0, 'no upstream for an internal network');
    await ok(d.docker(['rm', '-f', 'i1', 'i2']));
    await ok(d.docker(['network', 'rm', 'mvi']));
  });

  test('--ipv6: macvlan endpoints get IPv6 addresses and the IPv6 default route; the embedded DNS answers AAAA over the DNS link', async () => {
    await ok(d.docker(['network', 'create', '-d', 'macvlan', '--ipv6', '--subnet', SUBNET, '--subnet', 'fd00:213::/64', '--gateway', 'fd00:213::fe', '-o', `parent=${parent}`, 'mv6']));
    assert.deepEqual((await netInspect('mv6')).IPAM.Config, [{ Subnet: SUBNET }, { Subnet: 'fd00:213::/64', Gateway: 'fd00:213::fe' }]);
    await ok(d.docker(['run', '-d', '--name', 'm1', '--network', 'mv6', 'busybox', 'sleep', '600']));
    await ok(d.docker(['run', '-d', '--name', 'm2', '--network', 'mv6', '--ip6', 'fd00:213::20', 'busybox', 'sleep', '600']));
    assert.equal(await inspect('m2', '{{with .NetworkSettings.Networks.mv6}}{{.GlobalIPv6Address}}/{{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}}{{end}}'), 'fd00:213::20/64 fd00:213::fe');
    const m1 = await ok(d.docker(['exec', 'm1', 'sh', '-c', 'ip -6 -o addr show eth0 scope global; ip -6 route show default']));
    assert.match(m1, /inet6 fd00:213::1\/64/);
    assert.match(m1, /default via fd00:213::fe dev eth0/);
    const aaaa = await eventually(['exec', 'm1', 'nslookup', '-type=AAAA', 'm2']);
    assert.match(aaaa, /Address:\s+fd00:213::20\n/);
    assert.match(await ok(d.docker(['exec', 'm1', 'nslookup', '-type=A', 'm2'])), /Address:\s+192\.168\.213\.\d+\n/);
    // and over the segment: the outside host reaches m2 by its IPv6 address
    await ok(inOutside(['ip', '-6', 'addr', 'add', 'fd00:213::fd/64', 'dev', outside, 'nodad']));
    assert.match(await ok(inOutside(['busybox', 'ping', '-6', '-c', '1', '-W', '2', 'fd00:213::20'])), /1 (packets )?received/);
    await ok(d.docker(['rm', '-f', 'm1', 'm2']));
    await ok(d.docker(['network', 'rm', 'mv6']));
  });
});
