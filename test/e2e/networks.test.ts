/**
 * Issue 6, user-defined networks, end to end with the real docker CLI (book chapter 11's
 * single-host walkthroughs): `network create`, containers on one bridge reaching each other by
 * name through the embedded DNS, isolation between bridges, connect/disconnect of running and
 * stopped containers (a default-bridge container connected to a user-defined network gets the
 * embedded DNS, and keeps it after the disconnect, as Docker's sandbox keeps its resolver),
 * published ports on a user-defined network, Docker's errors leaving
 * nothing half-made, network events, ls filters and prune, a kill -9 of berthd, and nothing
 * left behind (veth, netns, rules) once every container and network is gone.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { join } from 'node:path';
import { startDaemon, run, type TestDaemon, ok, sleep } from './harness.js';

let d: TestDaemon;

const inspect = async (ref: string, fmt: string) => (await ok(d.docker(['inspect', '-f', fmt, ref]))).trim();
const netInspect = async (ref: string) => JSON.parse(await ok(d.docker(['network', 'inspect', ref])))[0];

/** Host links whose name starts with `prefix`. */
async function links(prefix: string): Promise<string[]> {
  const all = JSON.parse((await run('ip', ['-json', 'link', 'show'])).stdout) as { ifname: string }[];
  return all.map((l) => l.ifname).filter((n) => n.startsWith(prefix));
}

/** iptables-save lines that name `word`. */
async function rulesNaming(word: string): Promise<string[]> {
  const s = await run('iptables-save', []);
  return s.stdout.split('\n').filter((l) => l.includes(word));
}

const bridgeOf = (n: { Id: string; Options: Record<string, string> }) => n.Options['com.docker.network.bridge.name'] || `br-${n.Id.slice(0, 12)}`;

/** Tries `cmd` in a container until it succeeds (a sibling may still be starting). */
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

describe('user-defined networks', () => {
  before(async () => {
    d = await startDaemon();
    await d.importBusybox();
  });
  after(async () => {
    await d?.cleanup();
  });

  test('the book: containers on one bridge ping each other by name; another bridge cannot reach them', async () => {
    const id = (await ok(d.docker(['network', 'create', '-d', 'bridge', 'localnet']))).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const n = await netInspect('localnet');
    assert.equal(n.Driver, 'bridge');
    assert.equal(n.Scope, 'local');
    assert.deepEqual(n.IPAM.Options, {});
    assert.match(n.IPAM.Config[0].Subnet, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
    assert.match(n.IPAM.Config[0].Gateway, /^\d+\.\d+\.\d+\.1$/);
    assert.deepEqual(await links(bridgeOf(n)), [bridgeOf(n)]);
    await ok(d.docker(['run', '-d', '--name', 'c1', '--network', 'localnet', 'busybox', 'sleep', '600']));
    await ok(d.docker(['run', '-d', '--name', 'c2', '--network', 'localnet', '--network-alias', 'web', 'busybox', 'sleep', '600']));
    assert.equal(await ok(d.docker(['exec', 'c1', 'cat', '/etc/resolv.conf'])), 'nameserver 127.0.0.11\noptions ndots:0\n');
    const c2ip = await inspect('c2', '{{.NetworkSettings.Networks.localnet.IPAddress}}');
    const c1id = await inspect('c1', '{{.Id}}');
    assert.equal(await inspect('c1', '{{json .NetworkSettings.Networks.localnet.Aliases}}'), JSON.stringify([c1id.slice(0, 12)]));
    assert.equal(await inspect('c2', '{{json .NetworkSettings.Networks.localnet.Aliases}}'), JSON.stringify(['web', (await inspect('c2', '{{.Id}}')).slice(0, 12)]));
    // by name, by alias, by short ID, by name.network: all through the embedded DNS
    assert.match(await eventually(['exec', 'c1', 'ping', '-c', '1', '-W', '2', 'c2']), /1 packets received/);
    for (const name of ['c2', 'web', 'C2', 'c2.localnet']) {
      const out = await ok(d.docker(['exec', 'c1', 'nslookup', name]));
      assert.match(out, new RegExp(`Address( 1)?:\\s+${c2ip.replace(/\./g, '\\.')}`), `${name}: ${out}`);
    }
    const nx = await d.docker(['exec', 'c1', 'nslookup', 'nosuchcontainer.invalid']);
    assert.notEqual(nx.code, 0);
    // the network lists its containers
    const withC = await netInspect('localnet');
    assert.deepEqual(Object.values(withC.Containers as Record<string, { Name: string }>).map((c) => c.Name).sort(), ['c1', 'c2']);

    // another bridge: no route between them, no name either
    await ok(d.docker(['network', 'create', '--subnet', '10.123.45.0/24', '--gateway', '10.123.45.254', 'othernet']));
    await ok(d.docker(['run', '-d', '--name', 'o1', '--network', 'othernet', '--ip', '10.123.45.7', 'busybox', 'sleep', '600']));
    assert.equal(await inspect('o1', '{{.NetworkSettings.Networks.othernet.IPAddress}} {{.NetworkSettings.Networks.othernet.Gateway}}'), '10.123.45.7 10.123.45.254');
    const blocked = await d.docker(['exec', 'o1', 'ping', '-c', '1', '-W', '1', c2ip]);
    assert.notEqual(blocked.code, 0, 'othernet reached localnet');
    assert.notEqual((await d.docker(['exec', 'o1', 'nslookup', 'c2'])).code, 0, 'othernet resolved a localnet name');
    // the host still reaches both gateways' containers
    assert.equal((await run('busybox', ['ping', '-c', '1', '-W', '2', '10.123.45.7'])).code, 0);
  });

  test('connect and disconnect a running container: an interface comes and goes, names follow', async () => {
    await ok(d.docker(['network', 'connect', '--alias', 'bridged', 'othernet', 'c1']));
    const ips = (await ok(d.docker(['exec', 'c1', 'ip', '-4', '-o', 'addr', 'show']))).trim().split('\n').map((l) => l.split(/\s+/)[1]);
    assert.deepEqual(ips, ['lo', 'eth0', 'eth1']);
    assert.match(await ok(d.docker(['exec', 'o1', 'ping', '-c', '1', '-W', '2', 'c1'])), /1 packets received/);
    assert.match(await ok(d.docker(['exec', 'o1', 'nslookup', 'bridged'])), /10\.123\.45\./);
    const again = await d.docker(['network', 'connect', 'othernet', 'c1']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /endpoint with name c1 already exists in network othernet/);
    await ok(d.docker(['network', 'disconnect', 'othernet', 'c1']));
    const after = (await ok(d.docker(['exec', 'c1', 'ip', '-4', '-o', 'addr', 'show']))).trim().split('\n').map((l) => l.split(/\s+/)[1]);
    assert.deepEqual(after, ['lo', 'eth0']);
    assert.equal(await inspect('c1', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}'), 'localnet');
    const not = await d.docker(['network', 'disconnect', 'othernet', 'c1']);
    assert.match(not.stderr, /is not connected to network othernet/);
    // a stopped container: the settings change now, the endpoint comes at start
    await ok(d.docker(['create', '--name', 's1', 'busybox', 'sleep', '600']));
    await ok(d.docker(['network', 'connect', '--ip', '10.123.45.99', 'othernet', 's1']));
    assert.equal(await inspect('s1', '{{.NetworkSettings.Networks.othernet.IPAMConfig.IPv4Address}}'), '10.123.45.99');
    await ok(d.docker(['start', 's1']));
    assert.equal(await inspect('s1', '{{.NetworkSettings.Networks.othernet.IPAddress}}'), '10.123.45.99');
    assert.match(await inspect('s1', '{{.NetworkSettings.Networks.bridge.IPAddress}}'), /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(await ok(d.docker(['exec', 'o1', 'ping', '-c', '1', '-W', '2', 's1'])), /1 packets received/);
    await ok(d.docker(['rm', '-f', 's1']));
  });

  test("a default-bridge container connected to a user-defined network: Docker's resolver start (127.0.0.11, names resolve); kept after disconnect", async () => {
    await ok(d.docker(['network', 'create', 'joinnet']));
    await ok(d.docker(['run', '-d', '--name', 'jb', '--network', 'joinnet', 'busybox', 'sleep', '600']));
    const jbip = new RegExp(`Address( 1)?:\\s+${(await inspect('jb', '{{.NetworkSettings.Networks.joinnet.IPAddress}}')).replace(/\./g, '\\.')}\\n`);
    await ok(d.docker(['run', '-d', '--name', 'ja', 'busybox', 'sleep', '600']));
    const hostView = await ok(d.docker(['exec', 'ja', 'cat', '/etc/resolv.conf']));
    assert.doesNotMatch(hostView, /127\.0\.0\.11/);
    await ok(d.docker(['network', 'connect', 'joinnet', 'ja']));
    // moby startResolver -> rebuildDNS: what a container started on the network shows
    const view = await ok(d.docker(['exec', 'ja', 'cat', '/etc/resolv.conf']));
    assert.equal(view, await ok(d.docker(['run', '--rm', '--network', 'joinnet', 'busybox', 'cat', '/etc/resolv.conf'])));
    assert.match(view, /^nameserver 127\.0\.0\.11\n(search .*\n)?options (.* )?ndots:0\n$/);
    assert.match(await ok(d.docker(['exec', 'ja', 'nslookup', 'jb'])), jbip);
    assert.match(await ok(d.docker(['exec', 'ja', 'ping', '-c', '1', '-W', '2', 'jb'])), /1 packets received/);
    assert.match(await ok(d.docker(['exec', 'jb', 'ping', '-c', '1', '-W', '2', 'ja'])), /1 packets received/);
    // disconnect: Docker's sandbox keeps its resolver and the file stays; 127.0.0.11 answers on
    // (through a DNS link of the sandbox's own now), with no name of joinnet any more
    await ok(d.docker(['network', 'disconnect', 'joinnet', 'ja']));
    assert.equal(await ok(d.docker(['exec', 'ja', 'cat', '/etc/resolv.conf'])), view);
    await ok(d.docker(['exec', 'ja', 'ip', 'link', 'show', 'dns0']));
    const linkEnds = (await d.ownRules()).flatMap((l) => /-i (bdns[0-9a-f]{7}) -j DROP$/.exec(l)?.[1] ?? []);
    assert.equal(linkEnds.length, 1, 'the link filtered on the host');
    const gone = await d.docker(['exec', 'ja', 'nslookup', 'jb']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stdout + gone.stderr, /can't find jb/);
    assert.doesNotMatch(gone.stdout + gone.stderr, /timed out|no servers/);
    // and again: the link stays, the names come back
    await ok(d.docker(['network', 'connect', 'joinnet', 'ja']));
    assert.match(await ok(d.docker(['exec', 'ja', 'nslookup', 'jb'])), jbip);
    // a stopped container connected, then started: the resolver starts with it
    await ok(d.docker(['create', '--name', 'js', 'busybox', 'sleep', '600']));
    await ok(d.docker(['network', 'connect', 'joinnet', 'js']));
    await ok(d.docker(['start', 'js']));
    assert.equal(await ok(d.docker(['exec', 'js', 'cat', '/etc/resolv.conf'])), view);
    assert.match(await ok(d.docker(['exec', 'js', 'nslookup', 'jb'])), jbip);
    await ok(d.docker(['rm', '-f', 'ja', 'jb', 'js']));
    await ok(d.docker(['network', 'rm', 'joinnet']));
    const left = async () => [...(await links(linkEnds[0]!)), ...(await d.ownRules()).filter((l) => l.includes('DNS-LINKS'))];
    for (let i = 0; i < 60 && (await left()).length; i++) await sleep(50);
    assert.deepEqual(await left(), [], 'no link, no rule of it left');
  });

  test('DNS forwards other names to the --dns servers; --mac-address; --add-host host-gateway', async () => {
    // a fake upstream on a loopback address of its own (the first whose port 53 is free): the
    // forwarder runs in the host namespace
    let upstream: dgram.Socket | undefined;
    let addr = '';
    for (let i = 77; i < 127 && !upstream; i++) {
      const sock = dgram.createSocket('udp4');
      const a = `127.0.0.${i}`;
      const bound = await new Promise<boolean>((resolve) => {
        sock.once('error', () => resolve(false));
        sock.bind(53, a, () => resolve(true));
      });
      if (bound) [upstream, addr] = [sock, a];
      else sock.close();
    }
    assert.ok(upstream, 'no loopback address with port 53 free for the fake upstream');
    const asked: string[] = [];
    upstream.on('message', (msg, rinfo) => {
      const q = dnsPacket.decode(msg);
      const name = q.questions?.[0]?.name ?? '';
      asked.push(name);
      const answers = name === 'outside.test' ? [{ type: 'A' as const, name, ttl: 60, data: '192.0.2.10' }] : [];
      upstream.send(dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.RECURSION_AVAILABLE | (answers.length ? 0 : 3), questions: q.questions, answers }), rinfo.port, rinfo.address);
    });
    try {
      const out = await ok(d.docker(['run', '--rm', '--network', 'localnet', '--dns', addr, 'busybox', 'sh', '-c', 'cat /etc/resolv.conf; nslookup -type=a outside.test']));
      assert.match(out, /^nameserver 127\.0\.0\.11\noptions ndots:0\n/);
      assert.match(out, /Address( 1)?:\s+192\.0\.2\.10/);
      assert.ok(asked.includes('outside.test'), `upstream asked for ${asked.join(', ')}`);
      // container names never leave the host
      await ok(d.docker(['run', '--rm', '--network', 'localnet', '--dns', addr, 'busybox', 'nslookup', 'c2']));
      assert.ok(!asked.includes('c2'));
    } finally {
      upstream.close();
    }
    assert.equal(await ok(d.docker(['run', '--rm', '--network', 'localnet', '--mac-address', '02:42:de:ad:be:ef', 'busybox', 'cat', '/sys/class/net/eth0/address'])), '02:42:de:ad:be:ef\n');
    const gw = JSON.parse(await ok(d.docker(['network', 'inspect', 'bridge'])))[0].IPAM.Config[0].Gateway ?? '';
    const hosts = await ok(d.docker(['run', '--rm', '--add-host', 'gw:host-gateway', 'busybox', 'grep', 'gw', '/etc/hosts']));
    assert.match(hosts, /^\d+\.\d+\.\d+\.\d+\tgw\n$/);
    if (gw) assert.equal(hosts, `${gw}\tgw\n`);
  });

  test('a published port on a user-defined network answers on localhost', async () => {
    await ok(d.docker(['run', '-d', '--name', 'web1', '--network', 'localnet', '-p', '127.0.0.1::80', 'busybox', 'sh', '-c', 'mkdir /www && echo hello-user-net > /www/index.html && exec httpd -f -p 80 -h /www']));
    const port = (await ok(d.docker(['port', 'web1', '80']))).trim().split(':').pop();
    let body = '';
    for (let i = 0; i < 40 && !body; i++) {
      body = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text(), () => '');
      if (!body) await sleep(100);
    }
    assert.equal(body.trim(), 'hello-user-net');
    assert.match(await ok(d.docker(['exec', 'c1', 'wget', '-qO-', 'http://web1/'])), /hello-user-net/);
    await ok(d.docker(['rm', '-f', 'web1']));
  });

  test("bad input gets Docker's errors and leaves nothing half-made", async () => {
    const before = await ok(d.docker(['network', 'ls', '-q']));
    const bridgesBefore = (await links('br-')).sort();
    const cases: [string[], RegExp][] = [
      [['network', 'create', '--subnet', '10.123.45.128/25', 'overlap'], /Pool overlaps with other one on this address space/],
      [['network', 'create', 'localnet'], /network with name localnet already exists/],
      [['network', 'create', '-d', 'nosuchdriver', 'x1'], /plugin "nosuchdriver" not found/],
      [['network', 'create', '--subnet', '10.124.0.0/24', '--gateway', '10.125.0.1', 'x2'], /no matching subnet for gateway 10\.125\.0\.1/],
    ];
    for (const [args, re] of cases) {
      const r = await d.docker(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
    }
    const api = await d.request('POST', '/v1.41/networks/create', JSON.stringify({ Name: 'x3', IPAM: { Config: [{ Subnet: '10.126.0.0/24', Gateway: '10.127.0.1' }] } }), { 'Content-Type': 'application/json' });
    assert.equal(api.status, 500);
    assert.deepEqual(JSON.parse(api.body), { message: 'failed to allocate gateway (10.127.0.1): Requested address is out of range' });
    const outside = await d.docker(['run', '--rm', '--network', 'othernet', '--ip', '10.9.9.9', 'busybox', 'true']);
    assert.match(outside.stderr, /Invalid address 10\.9\.9\.9: It does not belong to any of this network's subnets/);
    const taken = await d.docker(['run', '--rm', '--network', 'othernet', '--ip', '10.123.45.7', 'busybox', 'true']);
    assert.match(taken.stderr, /Address already in use/);
    const onDefault = await d.docker(['run', '--rm', '--ip', '172.17.0.99', 'busybox', 'true']);
    assert.match(onDefault.stderr, /user specified IP address is supported on user defined networks only/);
    const inUse = await d.docker(['network', 'rm', 'othernet']);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /error while removing network: network othernet id [0-9a-f]{64} has active endpoints/);
    const predefined = await d.docker(['network', 'rm', 'bridge']);
    assert.match(predefined.stderr, /bridge is a pre-defined network and cannot be removed/);
    assert.equal(await ok(d.docker(['network', 'ls', '-q'])), before);
    assert.deepEqual((await links('br-')).sort(), bridgesBefore);
    // the failed runs left no container behind
    assert.equal((await ok(d.docker(['ps', '-aq', '--filter', 'network=othernet']))).trim().split('\n').length, 1);
  });

  test('internal networks: containers reach each other, never the outside', async () => {
    await ok(d.docker(['network', 'create', '--internal', '--label', 'tier=back', 'backnet']));
    const n = await netInspect('backnet');
    assert.equal(n.Internal, true);
    assert.deepEqual(n.Labels, { tier: 'back' });
    await ok(d.docker(['run', '-d', '--name', 'i1', '--network', 'backnet', 'busybox', 'sleep', '600']));
    assert.match(await eventually(['run', '--rm', '--network', 'backnet', 'busybox', 'ping', '-c', '1', '-W', '2', 'i1']), /1 packets received/);
    assert.equal(await ok(d.docker(['exec', 'i1', 'ip', 'route'])), `${n.IPAM.Config[0].Subnet} dev eth0 scope link  src ${await inspect('i1', '{{.NetworkSettings.Networks.backnet.IPAddress}}')} \n`);
    assert.notEqual((await d.docker(['exec', 'i1', 'ping', '-c', '1', '-W', '1', '10.123.45.7'])).code, 0);
    assert.equal(await ok(d.docker(['network', 'ls', '--filter', 'label=tier=back', '--format', '{{.Name}}'])), 'backnet\n');
    await ok(d.docker(['rm', '-f', 'i1']));
  });

  test('IPv6: --ipv6 networks give addresses, a default route and --ip6; a pool without --ipv6 gives none', async () => {
    await ok(d.docker(['network', 'create', '--ipv6', '--subnet', 'fd00:b7::/64', 'v6net']));
    const n = await netInspect('v6net');
    assert.equal(n.EnableIPv6, true);
    assert.deepEqual(n.IPAM.Config[1], { Subnet: 'fd00:b7::/64' });
    await ok(d.docker(['run', '-d', '--name', 'v6a', '--network', 'v6net', 'busybox', 'sleep', '600']));
    assert.equal(await inspect('v6a', '{{with .NetworkSettings.Networks.v6net}}{{.GlobalIPv6Address}}/{{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}}{{end}}'), 'fd00:b7::2/64 fd00:b7::1');
    const out = await ok(d.docker(['run', '--rm', '--network', 'v6net', '--ip6', 'fd00:b7::99', 'busybox', 'sh', '-c', 'ip -6 -o addr show eth0 scope global; ip -6 route show default; ping -c1 -W2 fd00:b7::2 >/dev/null && echo peer-ok; tail -n1 /etc/hosts']));
    assert.match(out, /inet6 fd00:b7::99\/64/);
    assert.match(out, /default via fd00:b7::1 dev eth0/);
    assert.match(out, /peer-ok/);
    assert.match(out, /fd00:b7::99\t[0-9a-f]{12}\n$/);
    // the embedded DNS answers AAAA with the IPv6 addresses of our names
    const aaaa = await ok(d.docker(['run', '--rm', '--network', 'v6net', 'busybox', 'nslookup', '-type=AAAA', 'v6a']));
    assert.match(aaaa, /Address:\s+fd00:b7::2\n/);
    assert.doesNotMatch(aaaa, /Address:\s+\d+\.\d+\.\d+\.\d+\n(?![\s\S]*Non-authoritative)/);
    const taken = await d.docker(['run', '--rm', '--network', 'v6net', '--ip6', 'fd00:b7::2', 'busybox', 'true']);
    assert.match(taken.stderr, /Address already in use/);
    assert.match((await d.docker(['network', 'create', '--ipv6', 'v6none'])).stderr, /could not find an available, non-overlapping IPv6 address pool/);
    await ok(d.docker(['network', 'create', '--subnet', 'fd00:b8::/64', 'v6off']));
    assert.equal((await netInspect('v6off')).EnableIPv6, false);
    assert.equal(await ok(d.docker(['run', '--rm', '--network', 'v6off', 'busybox', 'sh', '-c', 'ip -6 -o addr show scope global | wc -l'])), '0\n');
    await ok(d.docker(['rm', '-f', 'v6a']));
    await ok(d.docker(['network', 'rm', 'v6net', 'v6off']));
  });

  test('network events, ls filters, prune', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await ok(d.docker(['network', 'create', 'evnet']));
    await ok(d.docker(['run', '--rm', '--network', 'evnet', 'busybox', 'true']));
    await ok(d.docker(['network', 'rm', 'evnet']));
    const ev = await ok(d.docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=network', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}']));
    assert.deepEqual(ev.trim().split('\n').filter((l) => l.includes('evnet')), ['create evnet bridge', 'connect evnet bridge', 'disconnect evnet bridge', 'destroy evnet bridge']);
    // (the docker CLI sorts by name)
    assert.equal(await ok(d.docker(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}'])), 'backnet\nlocalnet\nothernet\n');
    assert.equal(await ok(d.docker(['network', 'ls', '--filter', 'dangling=true', '--format', '{{.Name}}'])), 'backnet\n');
    await ok(d.docker(['network', 'create', 'prunable']));
    const pruned = await ok(d.docker(['network', 'prune', '-f']));
    assert.equal(pruned, 'Deleted Networks:\nbacknet\nprunable\n\n');
    assert.equal(await ok(d.docker(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}'])), 'localnet\nothernet\n');
  });

  test('kill -9 and restart: networks, addresses, names and rules come back', async () => {
    const c2ip = await inspect('c2', '{{.NetworkSettings.Networks.localnet.IPAddress}}');
    const rulesBefore = (await rulesNaming(bridgeOf(await netInspect('localnet')))).sort();
    process.kill(d.pid!, 'SIGKILL');
    await sleep(200);
    await d.start();
    assert.equal(await ok(d.docker(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}'])), 'localnet\nothernet\n');
    assert.equal(await inspect('c2', '{{.State.Running}} {{.NetworkSettings.Networks.localnet.IPAddress}}'), `true ${c2ip}`);
    assert.match(await eventually(['exec', 'c1', 'ping', '-c', '1', '-W', '2', 'web']), /1 packets received/);
    assert.deepEqual((await rulesNaming(bridgeOf(await netInspect('localnet')))).sort(), rulesBefore);
    // a clean restart (live restore) too: names and published ports answer again
    await d.stop();
    await d.start();
    assert.match(await eventually(['exec', 'c2', 'nslookup', 'c1']), /Address/);
    // a new container gets a fresh address, not one in use
    await ok(d.docker(['run', '-d', '--name', 'c3', '--network', 'localnet', 'busybox', 'sleep', '600']));
    const ips = new Set(await Promise.all(['c1', 'c2', 'c3'].map((c) => inspect(c, '{{.NetworkSettings.Networks.localnet.IPAddress}}'))));
    assert.equal(ips.size, 3);
  });

  test('removing every container and network leaves no veth, no namespace and no rule behind', async () => {
    const bridges = [bridgeOf(await netInspect('localnet')), bridgeOf(await netInspect('othernet'))];
    const ids = (await ok(d.docker(['ps', '-aq']))).trim().split('\n').filter(Boolean);
    await ok(d.docker(['rm', '-f', ...ids]));
    await ok(d.docker(['network', 'rm', 'localnet', 'othernet']));
    for (let i = 0; i < 40 && readdirSync(join(d.execRoot, 'netns')).length; i++) await sleep(50);
    assert.deepEqual(readdirSync(join(d.execRoot, 'netns')), []);
    for (const b of bridges) {
      assert.deepEqual(await links(b), [], `${b} still there`);
      assert.deepEqual(await rulesNaming(b), [], `rules of ${b} still there`);
    }
    const veths = JSON.parse((await run('ip', ['-json', 'link', 'show', 'master', d.bridge])).stdout || '[]');
    assert.deepEqual(veths, []);
    assert.equal(await ok(d.docker(['network', 'ls', '--format', '{{.Name}}'])), 'bridge\nhost\nnone\n');
  });
});
