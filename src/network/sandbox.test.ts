import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { background, createLogger, ExecError, nodeExec, type Ctx, type Exec } from '../lib/index.js';
import { SandboxKernel, type SandboxKernelDeps } from './sandbox.js';

const ctx = background(createLogger({ level: 'error' }));
const link = { ifHost: 'bdns1234567', hostIp: '169.254.64.10', ip: '169.254.64.11' };
const macvlan = { kind: 'macvlan' as const, ifName: 'eth0', ip: 0xc0a80105, prefixLen: 24, mac: '02:42:c0:a8:01:05', parent: 'enp3s0', mode: 'bridge' as const };
const veth = { ifName: 'eth1', ifHost: 'veth1234567', bridge: 'br-x', ip: 0xac120002, prefixLen: 16, mac: '02:42:ac:12:00:02', mtu: 1500, hairpin: false };

/** A SandboxKernel whose processes, host batches and sysctl writes are recorded. */
function recorder(over: Partial<SandboxKernelDeps> = {}) {
  const calls: { bin: string; argv: string[]; input?: string }[] = [];
  const host: string[][] = [];
  const writes: [string, string][] = [];
  const exec: Exec = {
    run: async (_c, bin, argv, opts) => {
      calls.push({ bin, argv: [...argv], input: opts?.input?.toString() });
      return { stdout: '', stderr: '' };
    },
    start: () => {
      throw new Error('not used');
    },
  };
  const k = new SandboxKernel({
    ip: { bin: 'ip', host: async (_c: Ctx, lines: readonly string[]) => void host.push([...lines]) },
    netns: {
      path: (key: string) => `/run/netns/${key}`,
      create: async (c: Ctx, key: string, argv: readonly string[], input: string) => {
        await exec.run(c, 'unshare', [`--net=/run/netns/${key}`, ...argv], { input });
        return `/run/netns/${key}`;
      },
      adopt: async () => '',
      remove: async () => {},
    },
    exec,
    hostPid: 42,
    nsenter: 'nsenter',
    sh: 'sh',
    mount: 'mount',
    dnsScript: (r) => `# dns ${r.gateway}:${r.port} ${r.containerIp} ${r.ifName}${r.onlyDns ? ' only' : ''}${r.replace ? ' replace' : ''}`,
    writeFile: async (p, d) => void writes.push([p, d]),
    linkExists: async () => false,
    ipv6: true,
    ...over,
  });
  return { k, calls, host, writes };
}

test('a sandbox with a macvlan endpoint and a DNS link: one process makes the child from the host namespace, then configures everything', async () => {
  const { k, calls, host, writes } = recorder();
  const dns = { gateway: link.hostIp, port: 53, containerIp: link.ip, ifName: 'dns0', onlyDns: true };
  await k.create(ctx, 'abc', [macvlan, veth], { gateway: { ip: '192.168.1.1', ifName: 'eth0' }, dns, link });
  assert.equal(calls.length, 1);
  const [c] = calls;
  assert.equal(c!.bin, 'unshare');
  assert.deepEqual(c!.argv.slice(0, 3), ['--net=/run/netns/abc', 'sh', '-ec']);
  assert.equal(
    c!.argv[3],
    [
      "if ! out=$(nsenter --net=/proc/42/ns/net ip link add link enp3s0 name eth0 address 02:42:c0:a8:01:05 netns $$ type macvlan mode bridge 2>&1); then printf 'failed to create the macvlan port: %s\\n' \"$out\" >&2; exit 1; fi",
      'ip -batch -',
      '# dns 169.254.64.10:53 169.254.64.11 dns0 only',
    ].join('\n'),
  );
  assert.deepEqual(c!.input!.split('\n'), [
    'link set lo up',
    'addr add 192.168.1.5/24 broadcast 192.168.1.255 dev eth0',
    'link set eth0 up',
    'link add eth1 mtu 1500 address 02:42:ac:12:00:02 type veth peer name veth1234567 mtu 1500 netns 42',
    'addr add 172.18.0.2/16 broadcast 172.18.255.255 dev eth1',
    'link set eth1 up',
    'link add dns0 type veth peer name bdns1234567 netns 42',
    'link set dns0 addrgenmode none',
    'addr add 169.254.64.11 peer 169.254.64.10 dev dns0',
    'link set dns0 up',
    'route add default via 192.168.1.1 dev eth0',
    '',
  ]);
  assert.deepEqual(host, [['link set veth1234567 master br-x up', 'link set bdns1234567 addrgenmode none', 'addr add 169.254.64.10 peer 169.254.64.11 dev bdns1234567', 'link set bdns1234567 up']]);
  assert.deepEqual(writes, [
    ['/proc/sys/net/ipv4/conf/bdns1234567/forwarding', '0\n'],
    ['/proc/sys/net/ipv6/conf/bdns1234567/disable_ipv6', '1\n'],
  ]);
});

test('leaving a macvlan network deletes the child from inside the namespace (it has no host end); a veth goes by its host end', async () => {
  const { k, calls, host } = recorder();
  await k.leave(ctx, '/run/netns/abc', { ifName: 'eth1', kind: 'macvlan' }, {});
  assert.deepEqual(host, []);
  assert.deepEqual(calls.map((c) => [c.bin, c.argv[0], c.input]), [['nsenter', '--net=/run/netns/abc', 'link del eth1\n']]);
  const v = recorder();
  await v.k.leave(ctx, '/run/netns/abc', { ifName: 'eth1', ifHost: 'veth1234567' }, {});
  assert.deepEqual(v.host, [['link del veth1234567']]);
  assert.deepEqual(v.calls, []);
  // the last bridge with DNS leaves: a DNS link comes in the same process
  const l = recorder();
  await l.k.leave(ctx, '/run/netns/abc', { ifName: 'eth1', ifHost: 'veth1234567' }, { dns: { gateway: link.hostIp, port: 53, containerIp: link.ip, ifName: 'dns0', onlyDns: true }, link });
  assert.match(l.calls[0]!.argv.at(-1)!, /# dns 169\.254\.64\.10:53 169\.254\.64\.11 dns0 only replace$/);
  assert.match(l.calls[0]!.input!, /^link add dns0 type veth peer name bdns1234567 netns 42\n/);
  assert.deepEqual(l.host[1], ['link set bdns1234567 addrgenmode none', 'addr add 169.254.64.10 peer 169.254.64.11 dev bdns1234567', 'link set bdns1234567 up']);
});

test("a macvlan child the kernel refuses: the script stops with Docker's message and ip's reason", async () => {
  const dir = await fs.mkdtemp(join(tmpdir(), 'berth-mv-'));
  const fakeNsenter = join(dir, 'nsenter');
  await fs.writeFile(fakeNsenter, '#!/bin/sh\necho "RTNETLINK answers: Device or resource busy" >&2\nexit 2\n', { mode: 0o755 });
  try {
    const { k } = recorder({
      nsenter: fakeNsenter,
      exec: nodeExec,
      netns: {
        path: (key: string) => join(dir, key),
        // no namespace: the script runs right here (it stops before changing anything)
        create: async (c: Ctx, _key: string, argv: readonly string[], input: string) => (await nodeExec.run(c, argv[0]!, argv.slice(1), { input }), ''),
        adopt: async () => '',
        remove: async () => {},
      },
    });
    await assert.rejects(k.create(ctx, 'abc', [macvlan], {}), (e: unknown) => e instanceof ExecError && e.stderr.trim() === 'failed to create the macvlan port: RTNETLINK answers: Device or resource busy');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
