import { test } from 'node:test';
import assert from 'node:assert/strict';
import { background, createLogger, ExecError, type Exec, type RunOptions } from '../lib/index.js';
import { BridgeDriver, type BridgeConfig } from './bridge.js';
import { IpRoute } from './iproute.js';
import { parseIPv4 } from './ipnet.js';

const ctx = background(createLogger({ level: 'error' }));

/** An Exec that answers `ip -json` queries from `state` and records every batch it is fed. */
function fakeIp(state: { addrs?: { local: string; prefixlen: number }[]; routes: { dst: string; dev: string }[] }) {
  const batches: string[][] = [];
  const exec: Exec = {
    async run(_ctx, bin, argv, opts: RunOptions = {}) {
      const a = argv.join(' ');
      if (a.startsWith('-json addr show dev')) {
        if (!state.addrs) throw new ExecError([bin, ...argv], 1, null, `Device "${argv[4]}" does not exist.\n`);
        return { stdout: JSON.stringify([{ ifname: argv[4], mtu: 1500, addr_info: state.addrs.map((x) => ({ family: 'inet', ...x })) }]), stderr: '' };
      }
      if (a === '-json -4 route show') return { stdout: JSON.stringify(state.routes), stderr: '' };
      if (a === '-batch -') {
        batches.push(String(opts.input).trim().split('\n'));
        return { stdout: '', stderr: '' };
      }
      throw new Error(`unexpected: ${bin} ${a}`);
    },
    start() {
      throw new Error('no start');
    },
  };
  return { exec, batches };
}

const cfg = (over: Partial<BridgeConfig> = {}): BridgeConfig => ({ name: 'berth0', mtu: 1500, bip: '', fixedCidr: '', pools: [], hairpin: false, ...over });

function driver(exec: Exec, c: BridgeConfig, files: Record<string, string> = {}) {
  return new BridgeDriver(
    {
      ip: new IpRoute(exec, 'ip'),
      log: createLogger({ level: 'error' }),
      readFile: async (p) => files[p],
      writeFile: async (p, d) => void (files[p] = d),
    },
    c,
  );
}

test('a new bridge takes the first default pool clear of the host routes and nameservers', async () => {
  const { exec, batches } = fakeIp({ routes: [{ dst: 'default', dev: 'eth0' }, { dst: '172.17.0.0/16', dev: 'docker0' }, { dst: '192.0.2.0/24', dev: 'eth0' }] });
  const st = await driver(exec, cfg(), { '/etc/resolv.conf': 'nameserver 172.18.0.53\n' }).ensure(ctx);
  assert.equal(st.subnet.toString(), '172.19.0.0/16');
  assert.equal(st.gateway, parseIPv4('172.19.0.1'));
  assert.equal(st.gatewayKnown, false, 'Docker shows no Gateway for a subnet it picked');
  assert.equal(batches.length, 1);
  assert.match(batches[0]![0]!, /^link add name berth0 mtu 1500 address [0-9a-f]{2}(:[0-9a-f]{2}){5} type bridge$/);
  assert.deepEqual(batches[0]!.slice(1), ['addr add 172.19.0.1/16 broadcast 172.19.255.255 dev berth0', 'link set berth0 up']);
});

test('--bip replaces another address; an existing address is kept without --bip; --fixed-cidr must lie inside', async () => {
  const a = fakeIp({ addrs: [{ local: '172.17.0.1', prefixlen: 16 }], routes: [] });
  const st = await driver(a.exec, cfg({ bip: '10.5.0.1/24', fixedCidr: '10.5.0.128/25' })).ensure(ctx);
  assert.equal(st.subnet.toString(), '10.5.0.0/24');
  assert.equal(st.range?.toString(), '10.5.0.128/25');
  assert.deepEqual(a.batches[0], ['addr del 172.17.0.1/16 dev berth0', 'addr add 10.5.0.1/24 broadcast 10.5.0.255 dev berth0', 'link set berth0 up']);
  const b = fakeIp({ addrs: [{ local: '172.20.0.1', prefixlen: 16 }], routes: [] });
  const st2 = await driver(b.exec, cfg()).ensure(ctx);
  assert.equal(st2.subnet.toString(), '172.20.0.0/16');
  assert.equal(st2.gatewayKnown, true);
  assert.deepEqual(b.batches[0], ['link set berth0 up']);
  await assert.rejects(driver(fakeIp({ routes: [] }).exec, cfg({ bip: '10.5.0.1/24', fixedCidr: '10.6.0.0/24' })).ensure(ctx), /fixed-cidr/);
});

test('hairpin mode (no userland proxy) turns route_localnet on for the bridge', async () => {
  const files: Record<string, string> = {};
  await driver(fakeIp({ addrs: [{ local: '172.20.0.1', prefixlen: 16 }], routes: [] }).exec, cfg({ hairpin: true }), files).ensure(ctx);
  assert.equal(files['/proc/sys/net/ipv4/conf/berth0/route_localnet'], '1\n');
});
