/**
 * Issue 6, first slice, end to end with the real docker CLI: the default bridge (addresses,
 * gateway, container to container), published ports (TCP, UDP, loopback-only, random, -P)
 * reached from the host, Docker's outputs (port, ps, inspect, network ls/inspect), the
 * iptables rules under the test's own chain prefix, host and none, and a kill -9 of berthd.
 * Traffic goes only to loopback, the test bridge and namespaces berthd made.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { startDaemon, run, type TestDaemon, ok, sleep, freePort } from './harness.js';

let d: TestDaemon;



const inspect = async (ref: string, fmt: string) => (await ok(d.docker(['inspect', '-f', fmt, ref]))).trim();


/** GETs a URL until it answers (the server in the container may still be starting). */
async function get(url: string, tries = 40): Promise<string> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return await r.text();
    } catch (e) {
      last = e;
      await sleep(100);
    }
  }
  throw new Error(`GET ${url}: ${(last as Error)?.message}`);
}

/** Whether a TCP connect is refused (nothing listens, no DNAT). */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ host, port });
    c.setTimeout(2000, () => {
      c.destroy();
      resolve(false);
    });
    c.on('connect', () => {
      c.destroy();
      resolve(false);
    });
    c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

const HTTPD = (text: string) => ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];

async function bridgeInfo(): Promise<{ subnet: string; gateway: string; id: string }> {
  const j = JSON.parse(await ok(d.docker(['network', 'inspect', 'bridge'])))[0];
  const link = JSON.parse((await run('ip', ['-json', '-4', 'addr', 'show', 'dev', d.bridge])).stdout)[0];
  const a = link.addr_info[0];
  return { subnet: j.IPAM.Config[0].Subnet, gateway: a.local, id: j.Id };
}

/** The host's own non-loopback IPv4 address (eth0 and the like), if any. */
async function hostAddress(): Promise<string | undefined> {
  const links = JSON.parse((await run('ip', ['-json', '-4', 'addr', 'show'])).stdout) as { ifname: string; addr_info: { local: string; scope: string }[] }[];
  for (const l of links) {
    if (l.ifname === 'lo' || l.ifname === d.bridge || l.ifname.startsWith('bt')) continue;
    const a = l.addr_info.find((x) => x.scope === 'global');
    if (a) return a.local;
  }
  return undefined;
}

const inSubnet = (ip: string, cidr: string) => {
  const [base, len] = cidr.split('/') as [string, string];
  const n = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
  const size = 2 ** (32 - Number(len));
  return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
};

describe('networking', () => {
  before(async () => {
    d = await startDaemon();
    await d.importBusybox();
  });
  after(async () => {
    await d?.cleanup();
  });

  describe('predefined networks', () => {
    test('network ls and inspect show bridge, host and none as Docker does', async () => {
      assert.equal(await ok(d.docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'])), 'bridge bridge local\nhost host local\nnone null local\n');
      const ids = (await ok(d.docker(['network', 'ls', '-q']))).trim().split('\n');
      assert.equal(ids.length, 3);
      for (const id of ids) assert.match(id, /^[0-9a-f]{12}$/);
      const [b] = JSON.parse(await ok(d.docker(['network', 'inspect', 'bridge'])));
      assert.deepEqual(Object.keys(b), ['Name', 'Id', 'Created', 'Scope', 'Driver', 'EnableIPv6', 'IPAM', 'Internal', 'Attachable', 'Ingress', 'ConfigFrom', 'ConfigOnly', 'Containers', 'Options', 'Labels']);
      assert.equal(b.Driver, 'bridge');
      assert.equal(b.IPAM.Driver, 'default');
      assert.deepEqual(b.Options, {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        'com.docker.network.bridge.name': d.bridge,
        'com.docker.network.driver.mtu': '1500',
      });
      const { gateway } = await bridgeInfo();
      assert.ok(inSubnet(gateway, b.IPAM.Config[0].Subnet), `${gateway} in ${b.IPAM.Config[0].Subnet}`);
      assert.equal((await ok(d.docker(['network', 'inspect', '-f', '{{.Name}} {{.Driver}}', 'none', 'host']))), 'none null\nhost host\n');
      assert.equal((await ok(d.docker(['network', 'inspect', '-f', '{{.Name}}', b.Id.slice(0, 12)]))), 'bridge\n');
      const missing = await d.docker(['network', 'inspect', 'nosuchnet']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /nosuchnet/);
      assert.equal(await ok(d.docker(['network', 'ls', '--filter', 'driver=null', '--format', '{{.Name}}'])), 'none\n');
      // compat: a 404 at create (the docker CLI then tries to pull the image, as with Docker)
      const unknown = await d.request('POST', '/v1.41/containers/create', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'nosuchnet' } }), { 'Content-Type': 'application/json' });
      assert.equal(unknown.status, 404);
      assert.deepEqual(JSON.parse(unknown.body), { message: 'network nosuchnet not found' });
    });
  });

  describe('default bridge', () => {
    test('a container gets an address on the test bridge, a route through the gateway, reaches it, and /etc/hosts names it', async () => {
      const { subnet, gateway } = await bridgeInfo();
      const out = await ok(
        d.docker(['run', '--rm', 'busybox', 'sh', '-c', `ip -4 -o addr show eth0; ip route; hostname; tail -n1 /etc/hosts; ip -o link show eth0; ping -c1 -W3 ${gateway} >/dev/null && echo gw-ok`]),
      );
      const [addrLine, ...rest] = out.trim().split('\n');
      const m = /inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(addrLine!);
      assert.ok(m, addrLine);
      assert.ok(inSubnet(m[1]!, subnet), `${m[1]} in ${subnet}`);
      assert.equal(`/${m[2]}`, `/${subnet.split('/')[1]}`);
      assert.ok(rest.includes(`default via ${gateway} dev eth0 `), out);
      const hostname = rest.find((l) => /^[0-9a-f]{12}$/.test(l))!;
      assert.ok(rest.includes(`${m[1]}\t${hostname}`), out);
      const mac = m[1]!.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join(':');
      assert.match(out, new RegExp(`mtu 1500 .*link/ether 02:42:${mac} `));
      assert.match(out, /gw-ok/);
    });

    test('network connect before start, disconnect after die (docker events)', async () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      const id = (await ok(d.docker(['run', '-d', 'busybox', 'true']))).trim();
      await ok(d.docker(['wait', id]));
      await ok(d.docker(['rm', id]));
      const { id: net } = await bridgeInfo();
      const all = await ok(d.docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.container}}']));
      const mine = all.split('\n').filter((l) => l.includes(id)).map((l) => l.split(' ').slice(0, 2).join(' '));
      assert.deepEqual(mine, ['container create', 'network connect', 'container start', 'container die', 'network disconnect', 'container destroy']);
      const nev = await ok(d.docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=network', '--format', '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.container}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}']));
      assert.ok(nev.includes(`connect ${net} ${id} bridge bridge\n`), nev);
      assert.ok(nev.includes(`disconnect ${net} ${id} bridge bridge\n`), nev);
    });

    test('two containers reach each other; inspect shows each one\'s endpoint as Docker does', async () => {
      const { subnet, gateway, id } = await bridgeInfo();
      await ok(d.docker(['run', '-d', '--name', 'peer-a', 'busybox', 'sleep', '60']));
      await ok(d.docker(['run', '-d', '--name', 'peer-b', 'busybox', 'sleep', '60']));
      try {
        const ipA = await inspect('peer-a', '{{.NetworkSettings.IPAddress}}');
        const ipB = await inspect('peer-b', '{{.NetworkSettings.Networks.bridge.IPAddress}}');
        assert.notEqual(ipA, ipB);
        assert.ok(inSubnet(ipA, subnet) && inSubnet(ipB, subnet));
        await ok(d.docker(['exec', 'peer-a', 'ping', '-c1', '-W3', ipB]));
        await ok(d.docker(['exec', 'peer-b', 'ping', '-c1', '-W3', ipA]));
        const c = JSON.parse((await d.request('GET', '/v1.41/containers/peer-a/json')).body);
        const ns = c.NetworkSettings;
        assert.deepEqual(Object.keys(ns), ['Bridge', 'SandboxID', 'HairpinMode', 'LinkLocalIPv6Address', 'LinkLocalIPv6PrefixLen', 'Ports', 'SandboxKey', 'SecondaryIPAddresses', 'SecondaryIPv6Addresses', 'EndpointID', 'Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'IPAddress', 'IPPrefixLen', 'IPv6Gateway', 'MacAddress', 'Networks']);
        assert.equal(ns.Gateway, gateway);
        assert.equal(ns.IPPrefixLen, Number(subnet.split('/')[1]));
        assert.equal(ns.MacAddress, '02:42:' + ipA.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join(':'));
        assert.match(ns.SandboxID, /^[0-9a-f]{64}$/);
        assert.equal(ns.SandboxKey, join(d.execRoot, 'netns', ns.SandboxID.slice(0, 12)));
        assert.ok(existsSync(ns.SandboxKey));
        assert.deepEqual(ns.Ports, {});
        assert.deepEqual(Object.keys(ns.Networks), ['bridge']);
        const ep = ns.Networks.bridge;
        assert.deepEqual(Object.keys(ep), ['IPAMConfig', 'Links', 'Aliases', 'NetworkID', 'EndpointID', 'Gateway', 'IPAddress', 'IPPrefixLen', 'IPv6Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'MacAddress', 'DriverOpts']);
        assert.equal(ep.NetworkID, id);
        assert.equal(ep.EndpointID, ns.EndpointID);
        assert.match(ep.EndpointID, /^[0-9a-f]{64}$/);
        assert.equal(ep.IPAddress, ipA);
        // the network's view
        const [n] = JSON.parse(await ok(d.docker(['network', 'inspect', 'bridge'])));
        assert.deepEqual(n.Containers[c.Id], { Name: 'peer-a', EndpointID: ep.EndpointID, MacAddress: ns.MacAddress, IPv4Address: `${ipA}/${ns.IPPrefixLen}`, IPv6Address: '' });
        // stopped: the endpoint's operational data goes (moby releaseNetwork), the network stays named
        await ok(d.docker(['stop', '-t', '0', 'peer-b']));
        const stopped = JSON.parse((await d.request('GET', '/v1.41/containers/peer-b/json')).body).NetworkSettings;
        assert.equal(stopped.IPAddress, '');
        assert.equal(stopped.Networks.bridge.NetworkID, id);
        assert.equal(stopped.Networks.bridge.EndpointID, '');
        assert.deepEqual(stopped.Ports, {});
      } finally {
        await d.docker(['rm', '-f', 'peer-a', 'peer-b']);
      }
    });
  });

  describe('published ports', () => {
    test('-p HOST:80: from the host on 127.0.0.1, the bridge address, the host address and [::1]; port, ps, inspect; rules come and go', async () => {
      const { gateway } = await bridgeInfo();
      const port = await freePort('::');
      await ok(d.docker(['run', '-d', '--name', 'web', '-p', `${port}:80`, 'busybox', ...HTTPD('hello-web')]));
      try {
        assert.equal(await get(`http://127.0.0.1:${port}/`), 'hello-web\n');
        assert.equal(await get(`http://${gateway}:${port}/`), 'hello-web\n');
        const host = await hostAddress();
        if (host) assert.equal(await get(`http://${host}:${port}/`), 'hello-web\n');
        assert.equal(await get(`http://[::1]:${port}/`), 'hello-web\n');
        assert.equal(await ok(d.docker(['port', 'web'])), `80/tcp -> 0.0.0.0:${port}\n80/tcp -> [::]:${port}\n`);
        assert.equal(await ok(d.docker(['port', 'web', '80'])), `0.0.0.0:${port}\n[::]:${port}\n`);
        assert.equal(await ok(d.docker(['ps', '--filter', 'name=web', '--format', '{{.Ports}}'])), `0.0.0.0:${port}->80/tcp, [::]:${port}->80/tcp\n`);
        assert.equal(await inspect('web', '{{json .NetworkSettings.Ports}}'), `{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"${port}"},{"HostIp":"::","HostPort":"${port}"}]}`);
        const ps = JSON.parse((await d.request('GET', '/v1.41/containers/json?filters=' + encodeURIComponent('{"name":["web"]}'))).body);
        assert.deepEqual(ps[0].Ports, [
          { IP: '0.0.0.0', PrivatePort: 80, PublicPort: port, Type: 'tcp' },
          { IP: '::', PrivatePort: 80, PublicPort: port, Type: 'tcp' },
        ]);
        const ip = await inspect('web', '{{.NetworkSettings.IPAddress}}');
        const P = d.chainPrefix;
        const B = d.bridge;
        const want = [
          `-A ${P} ! -i ${B} -p tcp -m tcp --dport ${port} -j DNAT --to-destination ${ip}:80`,
          `-A ${P} -d ${ip}/32 ! -i ${B} -o ${B} -p tcp -m tcp --dport 80 -j ACCEPT`,
        ];
        const rules = await d.ownRules();
        for (const w of want) assert.ok(rules.includes(w), `${w}\nin\n${rules.join('\n')}`);
        const nat = (await run('iptables-save', ['-t', 'nat'])).stdout;
        assert.ok(nat.includes(`-A POSTROUTING -s ${ip}/32 -d ${ip}/32 -p tcp -m tcp --dport 80 -j MASQUERADE\n`));

        // stop: the proxies are closed by the time stop returns, the rules go just after
        await ok(d.docker(['stop', '-t', '1', 'web']));
        assert.ok(await refused('127.0.0.1', port));
        const after = await eventually(() => d.ownRules(), (r) => !want.some((w) => r.includes(w)));
        for (const w of want) assert.ok(!after.includes(w), w);
        assert.ok(!(await run('iptables-save', ['-t', 'nat'])).stdout.includes(`-s ${ip}/32 -d ${ip}/32`));
        assert.equal(await ok(d.docker(['port', 'web'])), '');
        assert.equal(await ok(d.docker(['ps', '-a', '--filter', 'name=web', '--format', '{{.Ports}}'])), '\n');
        // start again: published again
        await ok(d.docker(['start', 'web']));
        assert.equal(await get(`http://127.0.0.1:${port}/`), 'hello-web\n');
      } finally {
        await d.docker(['rm', '-f', 'web']);
      }
      assert.ok(await refused('127.0.0.1', port));
      await eventually(() => d.ownRules(), (r) => !r.some((l) => l.includes(`--dport ${port} `)));
      // the sandbox goes too: no namespace, no veth on the bridge (the kernel deletes it just after)
      for (let i = 0; i < 50 && (readdirSync(join(d.execRoot, 'netns')).length || (await bridgePorts()).length); i++) await sleep(100);
      assert.deepEqual(readdirSync(join(d.execRoot, 'netns')), []);
      assert.deepEqual(await bridgePorts(), []);
    });

    test('-p HOST:80 answers an outside client (a namespace of the test behind its own veth)', async () => {
      const port = await freePort('::');
      await ok(d.docker(['run', '-d', '--name', 'web-out', '-p', `${port}:80`, 'busybox', ...HTTPD('hello-outside')]));
      const ns = join(d.dir, 'outside-ns');
      const [hostIf, nsIf] = [`${d.name}o0`, `${d.name}o1`];
      (await import('node:fs')).writeFileSync(ns, '');
      try {
        assert.equal(await get(`http://127.0.0.1:${port}/`), 'hello-outside\n');
        const must = async (bin: string, args: string[]) => {
          const r = await run(bin, args);
          assert.equal(r.code, 0, `${bin} ${args.join(' ')}: ${r.stderr}`);
          return r.stdout;
        };
        // 10.213.99.0/30 between the host and the "outside" namespace; the client only knows the host
        await must('unshare', [`--net=${ns}`, 'true']);
        await must('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns]);
        await must('ip', ['addr', 'add', '10.213.99.1/30', 'dev', hostIf]);
        await must('ip', ['link', 'set', hostIf, 'up']);
        await must('nsenter', [`--net=${ns}`, 'ip', 'addr', 'add', '10.213.99.2/30', 'dev', nsIf]);
        await must('nsenter', [`--net=${ns}`, 'ip', 'link', 'set', nsIf, 'up']);
        const script = `fetch('http://10.213.99.1:${port}/').then(r=>r.text()).then(t=>process.stdout.write(t),e=>{console.error(e.message);process.exit(1)})`;
        assert.equal(await must('nsenter', [`--net=${ns}`, process.execPath, '-e', script]), 'hello-outside\n');
      } finally {
        await run('ip', ['link', 'del', hostIf]);
        await run('umount', [ns]);
        await d.docker(['rm', '-f', 'web-out']);
      }
    });

    test('-p 127.0.0.1:HOST:80 publishes on loopback only', async () => {
      const { gateway } = await bridgeInfo();
      const port = await freePort('::');
      await ok(d.docker(['run', '-d', '--name', 'lo-web', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD('hello-lo')]));
      try {
        assert.equal(await get(`http://127.0.0.1:${port}/`), 'hello-lo\n');
        assert.ok(await refused(gateway, port));
        assert.equal(await ok(d.docker(['port', 'lo-web'])), `80/tcp -> 127.0.0.1:${port}\n`);
        assert.equal(await ok(d.docker(['ps', '--filter', 'name=lo-web', '--format', '{{.Ports}}'])), `127.0.0.1:${port}->80/tcp\n`);
        const ip = await inspect('lo-web', '{{.NetworkSettings.IPAddress}}');
        assert.ok((await d.ownRules()).includes(`-A ${d.chainPrefix} -d 127.0.0.1/32 ! -i ${d.bridge} -p tcp -m tcp --dport ${port} -j DNAT --to-destination ${ip}:80`));
      } finally {
        await d.docker(['rm', '-f', 'lo-web']);
      }
    });

    test('-p 80 takes a host port from the ephemeral range; -P publishes the exposed ports', async () => {
      const [lo, hi] = (await run('cat', ['/proc/sys/net/ipv4/ip_local_port_range'])).stdout.trim().split(/\s+/).map(Number) as [number, number];
      await ok(d.docker(['run', '-d', '--name', 'rnd', '-p', '80', '--expose', '8080', 'busybox', ...HTTPD('hello-rnd')]));
      await ok(d.docker(['run', '-d', '--name', 'all', '-P', '--expose', '80', '--expose', '9999/udp', 'busybox', ...HTTPD('hello-all')]));
      try {
        const ports = JSON.parse(await inspect('rnd', '{{json .NetworkSettings.Ports}}'));
        assert.deepEqual(Object.keys(ports), ['80/tcp', '8080/tcp']);
        assert.equal(ports['8080/tcp'], null);
        const p = Number(ports['80/tcp'][0].HostPort);
        assert.ok(p >= lo && p <= hi, `${p} in ${lo}-${hi}`);
        assert.deepEqual(ports['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: String(p) }, { HostIp: '::', HostPort: String(p) }]);
        assert.equal(await get(`http://127.0.0.1:${p}/`), 'hello-rnd\n');
        assert.equal(await ok(d.docker(['ps', '--filter', 'name=rnd', '--format', '{{.Ports}}'])), `8080/tcp, 0.0.0.0:${p}->80/tcp, [::]:${p}->80/tcp\n`);
        const all = JSON.parse(await inspect('all', '{{json .NetworkSettings.Ports}}'));
        assert.deepEqual(Object.keys(all), ['80/tcp', '9999/udp']);
        const pa = Number(all['80/tcp'][0].HostPort);
        assert.notEqual(pa, p);
        assert.equal(await get(`http://127.0.0.1:${pa}/`), 'hello-all\n');
        assert.equal(all['9999/udp'].length, 2);
      } finally {
        await d.docker(['rm', '-f', 'rnd', 'all']);
      }
    });

    test('-p HOST:53/udp relays datagrams into the container\'s namespace', async () => {
      const port = await freePort('::');
      await ok(d.docker(['run', '-d', '--name', 'udp', '-p', `${port}:53/udp`, 'busybox', 'sleep', '60']));
      // busybox has no UDP server: an echo server runs inside the container's network namespace
      const key = await inspect('udp', '{{.NetworkSettings.SandboxKey}}');
      const script = "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('echo:'+m,r.port,r.address));s.bind(53,()=>console.log('ready'));setTimeout(()=>process.exit(0),20000)";
      const { spawn } = await import('node:child_process');
      const server = spawn('nsenter', [`--net=${key}`, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        await new Promise<void>((resolve, reject) => {
          server.stdout!.once('data', () => resolve());
          server.once('exit', (c) => reject(new Error(`echo server exited ${c}`)));
        });
        assert.equal(await ok(d.docker(['port', 'udp'])), `53/udp -> 0.0.0.0:${port}\n53/udp -> [::]:${port}\n`);
        const { gateway } = await bridgeInfo();
        for (const host of ['127.0.0.1', gateway]) assert.equal(await udpAsk(host, port, 'hi'), 'echo:hi', host);
        const ip = await inspect('udp', '{{.NetworkSettings.IPAddress}}');
        assert.ok((await d.ownRules()).includes(`-A ${d.chainPrefix} ! -i ${d.bridge} -p udp -m udp --dport ${port} -j DNAT --to-destination ${ip}:53`));
      } finally {
        server.kill('SIGKILL');
        await d.docker(['rm', '-f', 'udp']);
      }
    });

    test('a port already taken: Docker\'s errors, the container stays created, nothing is left', async () => {
      const port = await freePort('::');
      await ok(d.docker(['run', '-d', '--name', 'first', '-p', `${port}:80`, 'busybox', 'sleep', '60']));
      const before = await d.ownRules();
      try {
        const r = await d.docker(['run', '-d', '--name', 'second', '-p', `${port}:80`, 'busybox', 'sleep', '60']);
        assert.equal(r.code, 125);
        assert.match(r.stderr, new RegExp(`driver failed programming external connectivity on endpoint second \\([0-9a-f]{64}\\): Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`));
        assert.equal(await inspect('second', '{{.State.Status}} {{.NetworkSettings.IPAddress}}'), 'created');
        // bound by another program
        const taken = net.createServer();
        const other = await freePort('::');
        await new Promise<void>((res) => taken.listen({ host: '0.0.0.0', port: other }, () => res()));
        try {
          const r2 = await d.docker(['run', '-d', '--name', 'third', '-p', `${other}:80`, 'busybox', 'sleep', '60']);
          assert.equal(r2.code, 125);
          assert.match(r2.stderr, new RegExp(`driver failed programming external connectivity on endpoint third \\([0-9a-f]{64}\\): Error starting userland proxy: listen tcp4 0\\.0\\.0\\.0:${other}: bind: address already in use`));
        } finally {
          taken.close();
        }
        assert.deepEqual(await d.ownRules(), before);
        for (let i = 0; i < 30 && readdirSync(join(d.execRoot, 'netns')).length > 1; i++) await sleep(100);
        assert.equal(readdirSync(join(d.execRoot, 'netns')).length, 1);
        // once `rm -f` returns, the port can be published again at once
        await ok(d.docker(['rm', '-f', 'first']));
        await ok(d.docker(['run', '-d', '--name', 'again', '-p', `${port}:80`, 'busybox', 'sleep', '60']));
        assert.equal(await inspect('again', '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}'), String(port));
      } finally {
        await d.docker(['rm', '-f', 'first', 'second', 'third', 'again']);
      }
    });
  });

  describe('host and none', () => {
    test('--network host: the host\'s interfaces and name; --network none: loopback only', async () => {
      const inHost = (await ok(d.docker(['run', '--rm', '--network', 'host', 'busybox', 'sh', '-c', "ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//'; echo; hostname"]))).split('\n\n');
      const links = inHost[0]!.trim().split('\n');
      assert.ok(links.includes(d.bridge) && links.includes('lo'), links.join(' '));
      assert.equal(inHost[1]!.trim(), (await run('hostname', [])).stdout.trim());
      assert.equal(await ok(d.docker(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', "ip -o link show | awk -F': ' '{print $2}'"])), 'lo\n');
      await ok(d.docker(['run', '-d', '--name', 'hosty', '--network', 'host', 'busybox', 'sleep', '30']));
      await ok(d.docker(['run', '-d', '--name', 'nonet', '--network', 'none', 'busybox', 'sleep', '30']));
      try {
        const hostNet = JSON.parse((await d.request('GET', '/v1.41/containers/hosty/json')).body).NetworkSettings;
        assert.deepEqual(Object.keys(hostNet.Networks), ['host']);
        assert.equal(hostNet.IPAddress, '');
        assert.match(hostNet.Networks.host.EndpointID, /^[0-9a-f]{64}$/);
        const noneNet = JSON.parse((await d.request('GET', '/v1.41/containers/nonet/json')).body).NetworkSettings;
        assert.deepEqual(Object.keys(noneNet.Networks), ['none']);
        assert.equal(await ok(d.docker(['ps', '--filter', 'name=hosty', '--format', '{{.Networks}}'])), 'host\n');
        const [h] = JSON.parse(await ok(d.docker(['network', 'inspect', 'host'])));
        assert.ok(Object.values(h.Containers as Record<string, { Name: string }>).some((c) => c.Name === 'hosty'));
      } finally {
        await d.docker(['rm', '-f', 'hosty', 'nonet']);
      }
    });
  });

  describe('daemon options', () => {
    test('--bip, --fixed-cidr, --icc=false, --userland-proxy=false (hairpin NAT for localhost)', async () => {
      const o = await startDaemon({ args: ['--bip', '10.213.47.1/24', '--fixed-cidr', '10.213.47.128/25', '--icc=false', '--userland-proxy=false'] });
      try {
        await o.importBusybox();
        const [b] = JSON.parse(await ok(o.docker(['network', 'inspect', 'bridge'])));
        assert.deepEqual(b.IPAM.Config, [{ Subnet: '10.213.47.0/24', IPRange: '10.213.47.128/25', Gateway: '10.213.47.1' }]);
        assert.equal(b.Options['com.docker.network.bridge.enable_icc'], 'false');
        const port = await freePort('::');
        await ok(o.docker(['run', '-d', '--name', 'hp-web', '-p', `${port}:80`, 'busybox', ...HTTPD('hello-hairpin')]));
        await ok(o.docker(['run', '-d', '--name', 'hp-x', 'busybox', 'sleep', '60']));
        const ipW = (await ok(o.docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'hp-web']))).trim();
        const ipX = (await ok(o.docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'hp-x']))).trim();
        assert.equal(ipW, '10.213.47.128');
        assert.equal(ipX, '10.213.47.129');
        // no proxy: the kernel alone serves localhost (route_localnet) and the bridge address
        assert.equal(await get(`http://127.0.0.1:${port}/`), 'hello-hairpin\n');
        assert.equal(await get(`http://10.213.47.1:${port}/`), 'hello-hairpin\n');
        assert.equal(await ok(o.docker(['port', 'hp-web'])), `80/tcp -> 0.0.0.0:${port}\n`);
        const rules = await o.ownRules();
        assert.ok(rules.includes(`-A FORWARD -i ${o.bridge} -o ${o.bridge} -j DROP`));
        assert.ok(rules.includes(`-A OUTPUT -m addrtype --dst-type LOCAL -j ${o.chainPrefix}`));
        assert.ok(rules.includes(`-A POSTROUTING -o ${o.bridge} -m addrtype --src-type LOCAL -j MASQUERADE`));
        // icc off: containers on the bridge cannot reach each other, the gateway still answers
        assert.notEqual((await o.docker(['exec', 'hp-x', 'ping', '-c1', '-W1', ipW])).code, 0);
        await ok(o.docker(['exec', 'hp-x', 'ping', '-c1', '-W2', '10.213.47.1']));
      } finally {
        await o.cleanup();
      }
    });
  });

  describe('berthd restarts', () => {
    test('kill -9 and restart: a published container stays reachable, rules match, stale ones go, missing ones come back', async () => {
      const port = await freePort('::');
      const gone = await freePort('::');
      await ok(d.docker(['run', '-d', '--name', 'keep', '-p', `${port}:80`, 'busybox', ...HTTPD('hello-keep')]));
      await ok(d.docker(['run', '-d', '--name', 'brief', '-p', `${gone}:80`, 'busybox', 'sleep', '2']));
      try {
        assert.equal(await get(`http://127.0.0.1:${port}/`), 'hello-keep\n');
        const ip = await inspect('keep', '{{.NetworkSettings.IPAddress}}');
        const briefIp = await inspect('brief', '{{.NetworkSettings.IPAddress}}');
        const briefKey = await inspect('brief', '{{.NetworkSettings.SandboxKey}}');
        // what should remain once 'brief' is gone
        const rulesBefore = (await d.ownRules()).filter((l) => !l.includes(`--dport ${gone} `) && !l.includes(`-d ${briefIp}/32 `));
        const { gateway } = await bridgeInfo();
        await d.kill9();
        // while berthd is away, DNAT keeps serving the host's own addresses
        assert.equal(await get(`http://${gateway}:${port}/`), 'hello-keep\n');
        // a crash's damage: one of our rules lost, a stale one added; the short-lived container exits meanwhile
        const P = d.chainPrefix;
        const dnat = `-A ${P} ! -i ${d.bridge} -p tcp -m tcp --dport ${port} -j DNAT --to-destination ${ip}:80`;
        await run('iptables', ['-w', '-t', 'nat', '-D', P, ...dnat.split(' ').slice(2)]);
        await run('iptables', ['-w', '-t', 'nat', '-A', P, '!', '-i', d.bridge, '-p', 'tcp', '-m', 'tcp', '--dport', '1', '-j', 'DNAT', '--to-destination', `${ip}:1`]);
        await sleep(2500);
        await d.start();
        assert.equal(await inspect('keep', '{{.State.Running}}'), 'true');
        assert.equal(await get(`http://127.0.0.1:${port}/`), 'hello-keep\n');
        assert.equal(await get(`http://${gateway}:${port}/`), 'hello-keep\n');
        assert.equal(await get(`http://[::1]:${port}/`), 'hello-keep\n');
        const rulesAfter = await d.ownRules();
        assert.deepEqual(rulesAfter, rulesBefore);
        assert.ok(rulesAfter.includes(dnat));
        assert.ok(!rulesAfter.some((l) => l.includes('--dport 1 ')));
        // the container that exited while berthd was away: its sandbox and rules are gone
        assert.equal(await inspect('brief', '{{.State.Status}} {{.NetworkSettings.IPAddress}}'), 'exited');
        assert.ok(!existsSync(briefKey));
        assert.ok(!rulesAfter.some((l) => l.includes(`--dport ${gone} `)));
        assert.ok(await refused('127.0.0.1', gone));
        assert.equal(await ok(d.docker(['port', 'keep'])), `80/tcp -> 0.0.0.0:${port}\n80/tcp -> [::]:${port}\n`);
        // a clean restart changes nothing either
        await d.stop();
        await d.start();
        assert.deepEqual(await d.ownRules(), rulesBefore);
        assert.equal(await get(`http://127.0.0.1:${port}/`), 'hello-keep\n');
        // and the restored endpoint is torn down normally
        await ok(d.docker(['rm', '-f', 'keep']));
        await eventually(() => d.ownRules(), (r) => !r.some((l) => l.includes(`--dport ${port} `)));
      } finally {
        await d.docker(['rm', '-f', 'keep', 'brief']);
      }
    });
  });
});

/** Polls `get` until `done` holds (2 s at most); returns the last value. */
async function eventually<T>(get: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  let v = await get();
  for (let i = 0; i < 40 && !done(v); i++) {
    await sleep(50);
    v = await get();
  }
  assert.ok(done(v), `still: ${JSON.stringify(v)}`);
  return v;
}

async function bridgePorts(): Promise<string[]> {
  const links = JSON.parse((await run('ip', ['-json', 'link', 'show', 'master', d.bridge])).stdout || '[]') as { ifname: string }[];
  return links.map((l) => l.ifname);
}

function udpAsk(host: string, port: number, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = dgram.createSocket('udp4');
    let tries = 0;
    const send = () => {
      if (tries++ > 10) {
        c.close();
        reject(new Error(`no UDP reply from ${host}:${port}`));
        return;
      }
      c.send(msg, port, host);
    };
    const t = setInterval(send, 300);
    c.on('message', (m) => {
      clearInterval(t);
      c.close();
      resolve(m.toString());
    });
    send();
  });
}
