import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket, { type DecodedPacket, type StringAnswer } from 'dns-packet';
import { background, ExecError, nodeExec, nopLogger, which, type Exec } from '../lib/index.js';
import { EmbeddedDns } from './dns.js';
import { applySandboxDns, applySandboxDnsArgv, sandboxDnsSetup } from './dns-sandbox.js';
import { NetnsStore } from './netns.js';

const spec = { gateway: '172.18.0.1', port: 41234, containerIp: '172.18.0.5', ifname: 'eth0' };

test('sandboxDnsSetup: DNAT of 127.0.0.11:53, SNAT to the container, the loopback guard, route_localnet on the interface', () => {
  const s = sandboxDnsSetup(spec);
  assert.equal(
    s.iptablesRestore,
    [
      '*raw',
      ':BERTH_DNS_PREROUTING - [0:0]',
      '-A BERTH_DNS_PREROUTING ! -i lo -j DROP',
      '-I PREROUTING 1 -d 127.0.0.0/8 -j BERTH_DNS_PREROUTING',
      'COMMIT',
      '*nat',
      ':BERTH_DNS_OUTPUT - [0:0]',
      ':BERTH_DNS_POSTROUTING - [0:0]',
      '-A BERTH_DNS_OUTPUT -p udp -m udp --dport 53 -j DNAT --to-destination 172.18.0.1:41234',
      '-A BERTH_DNS_OUTPUT -p tcp -m tcp --dport 53 -j DNAT --to-destination 172.18.0.1:41234',
      '-A BERTH_DNS_POSTROUTING -d 172.18.0.1/32 -p udp -m udp --dport 41234 -j SNAT --to-source 172.18.0.5',
      '-A BERTH_DNS_POSTROUTING -d 172.18.0.1/32 -p tcp -m tcp --dport 41234 -j SNAT --to-source 172.18.0.5',
      '-I OUTPUT 1 -d 127.0.0.11/32 -j BERTH_DNS_OUTPUT',
      '-I POSTROUTING 1 -s 127.0.0.0/8 -j BERTH_DNS_POSTROUTING',
      'COMMIT',
      '',
    ].join('\n'),
  );
  assert.deepEqual(s.sysctls, { '/proc/sys/net/ipv4/conf/eth0/route_localnet': '1' });
});

test('sandboxDnsSetup refuses what would not make a rule', () => {
  for (const bad of [{ gateway: 'gw' }, { gateway: '::1' }, { containerIp: '10.0.0.256' }, { port: 0 }, { port: 65536 }, { port: 1.5 }, { ifname: '' }, { ifname: 'eth0; reboot' }, { ifname: '../all' }, { ifname: 'a-very-long-interface' }]) {
    assert.throws(() => sandboxDnsSetup({ ...spec, ...bad }), /embedded DNS/, JSON.stringify(bad));
  }
});

test('applySandboxDns: one process, nsenter -> sh running iptables-restore on the rules (a here-document), then writing the sysctls', async () => {
  const calls: { bin: string; argv: string[]; input?: string | Buffer }[] = [];
  const exec: Exec = {
    run: async (_ctx, bin, argv, opts) => {
      calls.push({ bin, argv, input: opts?.input });
      return { stdout: '', stderr: '' };
    },
    start: () => {
      throw new Error('not used');
    },
  };
  const s = sandboxDnsSetup(spec);
  await applySandboxDns(background(), exec, '/run/berth/netns/abc', s);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.bin, 'nsenter');
  assert.deepEqual(calls[0]!.argv.slice(0, 3), ['--net=/run/berth/netns/abc', 'sh', '-c']);
  assert.equal(calls[0]!.argv[3], ['set -e', "'iptables-restore' -w --noflush <<'BERTH_DNS_RULES'", s.iptablesRestore.trimEnd(), 'BERTH_DNS_RULES', "printf '%s\\n' '1' > '/proc/sys/net/ipv4/conf/eth0/route_localnet'"].join('\n'));
  const replace = applySandboxDnsArgv('/ns', s, { replace: true, bins: { nsenter: '/usr/bin/nsenter', iptables: '/sbin/iptables', iptablesRestore: '/sbin/iptables-restore' } });
  assert.equal(replace.bin, '/usr/bin/nsenter');
  const lines = replace.argv[3]!.split('\n');
  assert.equal(lines[1], "if '/sbin/iptables-restore' -w --noflush 2>/dev/null <<'BERTH_DNS_RULES'");
  const doc = lines.slice(2, lines.indexOf('BERTH_DNS_RULES'));
  assert.deepEqual(doc.filter((l) => /^-[DI] [A-Z]+ /.test(l)), [
    '-D PREROUTING -d 127.0.0.0/8 -j BERTH_DNS_PREROUTING',
    '-I PREROUTING 1 -d 127.0.0.0/8 -j BERTH_DNS_PREROUTING',
    '-D OUTPUT -d 127.0.0.11/32 -j BERTH_DNS_OUTPUT',
    '-I OUTPUT 1 -d 127.0.0.11/32 -j BERTH_DNS_OUTPUT',
    '-D POSTROUTING -s 127.0.0.0/8 -j BERTH_DNS_POSTROUTING',
    '-I POSTROUTING 1 -s 127.0.0.0/8 -j BERTH_DNS_POSTROUTING',
  ]);
  assert.equal(doc.length, s.iptablesRestore.trimEnd().split('\n').length + 3);
  assert.deepEqual(lines.slice(lines.indexOf('BERTH_DNS_RULES') + 1), [
    'then :',
    'else',
    "'/sbin/iptables' -w -t raw -D PREROUTING -d 127.0.0.0/8 -j BERTH_DNS_PREROUTING 2>/dev/null || true",
    "'/sbin/iptables' -w -t nat -D OUTPUT -d 127.0.0.11/32 -j BERTH_DNS_OUTPUT 2>/dev/null || true",
    "'/sbin/iptables' -w -t nat -D POSTROUTING -s 127.0.0.0/8 -j BERTH_DNS_POSTROUTING 2>/dev/null || true",
    "'/sbin/iptables-restore' -w --noflush <<'BERTH_DNS_RULES'",
    ...s.iptablesRestore.trimEnd().split('\n'),
    'BERTH_DNS_RULES',
    'fi',
    "printf '%s\\n' '1' > '/proc/sys/net/ipv4/conf/eth0/route_localnet'",
  ]);
  assert.throws(() => applySandboxDnsArgv('/ns', { iptablesRestore: '', sysctls: { '/etc/passwd': 'x' } }), /not a sysctl path/);
});

test('sandboxDnsSetup on a DNS link: only DNS to the listener may leave through it; replace deletes that jump too', () => {
  const s = sandboxDnsSetup({ gateway: '169.254.64.10', port: 53, containerIp: '169.254.64.11', ifname: 'dns0', onlyDns: true });
  const lines = s.iptablesRestore.split('\n');
  assert.deepEqual(lines.slice(0, lines.indexOf('*raw')), [
    '*filter',
    ':BERTH_DNS_FILTER - [0:0]',
    '-A BERTH_DNS_FILTER -d 169.254.64.10/32 -p udp -m udp --dport 53 -j ACCEPT',
    '-A BERTH_DNS_FILTER -d 169.254.64.10/32 -p tcp -m tcp --dport 53 -j ACCEPT',
    '-A BERTH_DNS_FILTER -j DROP',
    '-I OUTPUT 1 -o dns0 -j BERTH_DNS_FILTER',
    'COMMIT',
  ]);
  assert.deepEqual(s.sysctls, { '/proc/sys/net/ipv4/conf/dns0/route_localnet': '1' });
  const script = applySandboxDnsArgv('/ns', s, { replace: true }).argv[3]!;
  assert.match(script, /^-D OUTPUT -o dns0 -j BERTH_DNS_FILTER\n-I OUTPUT 1 -o dns0 -j BERTH_DNS_FILTER$/m);
  assert.match(script, /^'iptables' -w -t filter -D OUTPUT -o dns0 -j BERTH_DNS_FILTER 2>\/dev\/null \|\| true$/m);
  assert.ok(!sandboxDnsSetup(spec).iptablesRestore.includes('*filter'), 'none on a bridge');
});

// ---- integration: a real namespace, a veth pair, the server in this (the host) namespace ----

const missing = ['ip', 'nsenter', 'unshare', 'iptables', 'iptables-restore', 'iptables-save', 'busybox', 'umount'].filter((b) => !which(b));
const skip = process.getuid?.() !== 0 ? 'needs root (network namespaces, iptables)' : missing.length ? `missing ${missing.join(', ')}` : false;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Runs inside the namespace: `n` UDP queries to 127.0.0.11:53 one after the other, then one over TCP. */
const CLIENT = `
const dgram = require('node:dgram'), net = require('node:net');
const q = Buffer.from(process.argv[1], 'hex'), n = Number(process.argv[2]);
const s = dgram.createSocket('udp4');
const lat = [];
let first;
const one = () => new Promise((res, rej) => {
  const t0 = process.hrtime.bigint();
  const to = setTimeout(() => rej(new Error('udp timeout')), 2000);
  s.once('message', (m) => { clearTimeout(to); lat.push(Number(process.hrtime.bigint() - t0) / 1e6); first ??= m.toString('hex'); res(); });
  s.send(q, 53, '127.0.0.11');
});
(async () => {
  for (let i = 0; i < n; i++) await one();
  s.close();
  const len = Buffer.alloc(2); len.writeUInt16BE(q.length);
  const c = net.connect(53, '127.0.0.11', () => c.write(Buffer.concat([len, q])));
  let buf = Buffer.alloc(0);
  c.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { c.destroy(); process.stdout.write(JSON.stringify({ lat, first, tcp: buf.subarray(2).toString('hex') })); } });
  c.on('error', (e) => { console.error(e.message); process.exit(1); });
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

test('integration: 127.0.0.11 inside a namespace reaches the server on the gateway (UDP and TCP), names and forwarding', { skip, timeout: 120_000 }, async (t) => {
  const ctx = background();
  const exec = nodeExec;
  const run = (bin: string, argv: string[], input?: string) => exec.run(ctx, bin, argv, { input, timeoutMs: 20_000 });
  const dir = await fs.mkdtemp(join(tmpdir(), 'berth-dns-'));
  const netns = new NetnsStore(exec, { dir: join(dir, 'netns') });
  const suffix = randomBytes(3).toString('hex');
  const hostEnd = `bdns${suffix}`;
  const paths: string[] = [];
  const dns = new EmbeddedDns({
    log: nopLogger,
    resolve: (client, name) => {
      seen.add(client);
      return name === 'web' ? [`${net3}.50`, `${net3}.51`] : undefined;
    },
    reverse: (_c, ip) => (ip === `${net3}.50` ? 'web.testnet' : undefined),
    upstreams: () => [`127.0.0.1:${upPort}`],
  });
  const seen = new Set<string>();
  // a fake upstream on the host's loopback (as systemd-resolved's 127.0.0.53 would be)
  const up = dgram.createSocket('udp4');
  await new Promise<void>((r) => up.bind(0, '127.0.0.1', r));
  const upPort = up.address().port;
  up.on('message', (m, ri) => {
    const q = dnsPacket.decode(m);
    up.send(dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers: [{ type: 'A', name: q.questions![0]!.name, ttl: 60, data: '192.0.2.99' }] }), ri.port, ri.address);
  });
  t.after(async () => {
    await dns.closeAll();
    up.close();
    for (const p of paths) await netns.remove(ctx, p).catch(() => {});
    await run('ip', ['link', 'del', hostEnd]).catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
  });

  // a /24 under 10.213/16 that nothing on this host uses
  let net3 = '';
  for (let i = 0; i < 50 && !net3; i++) {
    const cand = `10.213.${Math.floor(Math.random() * 256)}`;
    const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'to', `${cand}.0/24`]);
    if (!stdout.trim() && !(await run('ip', ['-4', 'route', 'show', `${cand}.0/24`])).stdout.trim()) net3 = cand;
  }
  assert.ok(net3, 'no free 10.213.x.0/24');
  const gw = `${net3}.1`;
  const cip = `${net3}.2`;

  const nsPath = await netns.create(ctx, `dns-${suffix}`, ['ip', '-batch', '-'], [
    'link set lo up',
    `link add eth0 type veth peer name ${hostEnd} netns ${process.pid}`,
    `addr add ${cip}/24 dev eth0`,
    'link set eth0 up',
    `route add default via ${gw} dev eth0`,
    '',
  ].join('\n'));
  paths.push(nsPath);
  await run('ip', ['-batch', '-'], `addr add ${gw}/24 dev ${hostEnd}\nlink set ${hostEnd} up\n`);

  const port = await dns.listen(gw);
  await applySandboxDns(ctx, exec, nsPath, sandboxDnsSetup({ gateway: gw, port, containerIp: cip, ifname: 'eth0' }));

  // busybox nslookup (A and AAAA) as a container would run it
  const { stdout: ns } = await run('nsenter', [`--net=${nsPath}`, 'busybox', 'nslookup', 'web', '127.0.0.11']);
  assert.match(ns, /Server:\s+127\.0\.0\.11/);
  assert.ok(ns.includes(`Address: ${net3}.50`) && ns.includes(`Address: ${net3}.51`), ns);
  assert.deepEqual([...seen], [cip], 'the server sees the container address (SNAT)');
  const { stdout: ptr } = await run('nsenter', [`--net=${nsPath}`, 'busybox', 'nslookup', `${net3}.50`, '127.0.0.11']);
  assert.match(ptr, /name = web\.testnet/);

  // 100 UDP queries through the DNAT path, then one over TCP
  const ask = async (name: string, n: number) => {
    const q = dnsPacket.encode({ id: 0x5151, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
    const { stdout } = await run('nsenter', [`--net=${nsPath}`, process.execPath, '-e', CLIENT, q.toString('hex'), String(n)]);
    const r = JSON.parse(stdout) as { lat: number[]; first: string; tcp: string };
    return { lat: r.lat, udp: dnsPacket.decode(Buffer.from(r.first, 'hex')), tcp: dnsPacket.decode(Buffer.from(r.tcp, 'hex')) };
  };
  const data = (m: DecodedPacket) => (m.answers ?? []).map((a) => (a as StringAnswer).data).sort();
  const own = await ask('web', 100);
  assert.deepEqual(data(own.udp), [`${net3}.50`, `${net3}.51`]);
  assert.deepEqual(data(own.tcp), [`${net3}.50`, `${net3}.51`]);
  assert.equal(own.udp.id, 0x5151);
  const fwd = await ask('example.org', 5);
  assert.deepEqual(data(fwd.udp), ['192.0.2.99'], 'forwarded to an upstream on the host loopback');
  assert.deepEqual(data(fwd.tcp), [], 'the fake upstream has no TCP: SERVFAIL');
  assert.equal((fwd.tcp.flags ?? 0) & 0xf, 2);
  t.diagnostic(`query latency through the DNAT path: median ${median(own.lat).toFixed(3)} ms over ${own.lat.length} UDP queries (min ${Math.min(...own.lat).toFixed(3)}, max ${Math.max(...own.lat).toFixed(3)})`);

  // a new port (berthd restarted and could not have the old one): apply again with replace
  await dns.close(gw);
  const port2 = await dns.listen(gw);
  const r0 = process.hrtime.bigint();
  await applySandboxDns(ctx, exec, nsPath, sandboxDnsSetup({ gateway: gw, port: port2, containerIp: cip, ifname: 'eth0' }), { replace: true });
  t.diagnostic(`setup again with replace (one transaction): ${(Number(process.hrtime.bigint() - r0) / 1e6).toFixed(1)} ms`);
  assert.deepEqual(data((await ask('web', 1)).udp), [`${net3}.50`, `${net3}.51`]);
  const { stdout: rules } = await run('nsenter', [`--net=${nsPath}`, 'iptables-save']);
  for (const jump of ['-j BERTH_DNS_PREROUTING', '-j BERTH_DNS_OUTPUT', '-j BERTH_DNS_POSTROUTING']) {
    assert.equal(rules.split('\n').filter((l) => l.endsWith(jump)).length, 1, `${jump} once:\n${rules}`);
  }
  assert.ok(rules.includes(`--to-destination ${gw}:${port2}`) && (port2 === port || !rules.includes(`${gw}:${port}\n`)), rules);
  // replace when a jump has gone missing: the one-transaction try fails, the jumps are deleted one by one
  await run('nsenter', [`--net=${nsPath}`, 'iptables', '-t', 'nat', '-D', 'OUTPUT', '-d', '127.0.0.11/32', '-j', 'BERTH_DNS_OUTPUT']);
  const r1 = process.hrtime.bigint();
  await applySandboxDns(ctx, exec, nsPath, sandboxDnsSetup({ gateway: gw, port: port2, containerIp: cip, ifname: 'eth0' }), { replace: true });
  t.diagnostic(`setup again with replace, slow path (a jump was missing): ${(Number(process.hrtime.bigint() - r1) / 1e6).toFixed(1)} ms`);
  const { stdout: rules2 } = await run('nsenter', [`--net=${nsPath}`, 'iptables-save']);
  for (const jump of ['-j BERTH_DNS_PREROUTING', '-j BERTH_DNS_OUTPUT', '-j BERTH_DNS_POSTROUTING']) {
    assert.equal(rules2.split('\n').filter((l) => l.endsWith(jump)).length, 1, `${jump} once:\n${rules2}`);
  }
  assert.deepEqual(data((await ask('web', 1)).udp), [`${net3}.50`, `${net3}.51`]);

  // setup time in fresh namespaces (an eth0 of their own: a veth pair inside)
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const p = await netns.create(ctx, `dns-${suffix}-${i}`, ['ip', '-batch', '-'], 'link set lo up\nlink add eth0 type veth peer name eth1\nlink set eth0 up\n');
    paths.push(p);
    const t0 = process.hrtime.bigint();
    await applySandboxDns(ctx, exec, p, sandboxDnsSetup({ gateway: gw, port: port2, containerIp: cip, ifname: 'eth0' }));
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.diagnostic(`in-namespace setup (nsenter + sh + iptables-restore): median ${median(times).toFixed(1)} ms of 10 (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})`);

  // a namespace without the interface: the ExecError names the failing write
  const bare = await netns.create(ctx, `dns-${suffix}-bare`, ['ip', '-batch', '-'], 'link set lo up\n');
  paths.push(bare);
  await assert.rejects(applySandboxDns(ctx, exec, bare, sandboxDnsSetup({ gateway: gw, port: port2, containerIp: cip, ifname: 'eth0' })), (e: unknown) => e instanceof ExecError && /route_localnet/.test(e.stderr));
  // rules iptables refuses: nothing applied, and route_localnet stays off
  const refused = { iptablesRestore: '*nat\n-A NO_SUCH_CHAIN -j ACCEPT\nCOMMIT\n', sysctls: { '/proc/sys/net/ipv4/conf/eth0/route_localnet': '1' } };
  const p0 = paths[paths.length - 2]!;
  await run('nsenter', [`--net=${p0}`, 'sh', '-c', 'echo 0 > /proc/sys/net/ipv4/conf/eth0/route_localnet']);
  await assert.rejects(applySandboxDns(ctx, exec, p0, refused), ExecError);
  assert.equal((await run('nsenter', [`--net=${p0}`, 'cat', '/proc/sys/net/ipv4/conf/eth0/route_localnet'])).stdout, '0\n');
});

test('integration: route_localnet alone exposes 127.0.0.1 of the namespace to its neighbours; the guard drops that', { skip, timeout: 60_000 }, async (t) => {
  const ctx = background();
  const exec = nodeExec;
  const run = (bin: string, argv: string[], input?: string) => exec.run(ctx, bin, argv, { input, timeoutMs: 20_000 });
  const dir = await fs.mkdtemp(join(tmpdir(), 'berth-dns-'));
  const netns = new NetnsStore(exec, { dir: join(dir, 'netns') });
  const suffix = randomBytes(3).toString('hex');
  const paths: string[] = [];
  let listener: ReturnType<Exec['start']> | undefined;
  t.after(async () => {
    listener?.kill('SIGKILL');
    await listener?.exited;
    for (const p of paths) await netns.remove(ctx, p).catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
  });
  // the neighbour: a namespace on the victim's link that routes 127.0.0.1 out of its eth0
  const nb = await netns.create(ctx, `nb-${suffix}`, ['ip', '-batch', '-'], 'link set lo up\n');
  paths.push(nb);
  const victim = await netns.create(ctx, `v-${suffix}`, ['ip', '-batch', '-'], `link set lo up\nlink add eth0 type veth peer name eth0 netns ${nb}\naddr add 10.213.0.2/24 dev eth0\nlink set eth0 up\n`);
  paths.push(victim);
  await run('nsenter', [`--net=${nb}`, 'ip', '-batch', '-'], [
    'addr add 10.213.0.3/24 dev eth0',
    'link set eth0 up',
    'rule del pref 0 lookup local',
    'rule add pref 1000 lookup local',
    'rule add pref 10 to 127.0.0.1 lookup 100',
    'route add 127.0.0.1/32 via 10.213.0.2 dev eth0 table 100',
    '',
  ].join('\n'));
  await run('nsenter', [`--net=${nb}`, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet']);
  // something the victim serves on its loopback only
  listener = exec.start(ctx, 'nsenter', [`--net=${victim}`, process.execPath, '-e', "require('node:net').createServer((c) => c.end('secret')).listen(9999, '127.0.0.1'); setTimeout(() => process.exit(0), 30000)"]);
  const probe = () => run('nsenter', [`--net=${nb}`, 'busybox', 'nc', '-w', '1', '127.0.0.1', '9999']).then((r) => r.stdout, () => 'refused or dropped');
  // default: the victim's kernel drops the martian packet
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await probe(), 'refused or dropped');
  // route_localnet=1 (what the DNAT path needs) without the guard: reachable
  await run('nsenter', [`--net=${victim}`, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet']);
  assert.equal(await probe(), 'secret');
  // the full setup: dropped again
  await applySandboxDns(ctx, exec, victim, sandboxDnsSetup({ gateway: '10.213.0.3', port: 5353, containerIp: '10.213.0.2', ifname: 'eth0' }));
  assert.equal(await probe(), 'refused or dropped');
});
