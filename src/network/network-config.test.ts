import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cidr } from './ipnet.js';
import { bridgeSettings, newNetworkRecord, type CreateNetworkRequest } from './network-config.js';
import { builtinRules, ownChains, type BridgeFirewall } from './rules.js';

const ctx = (existing: { name: string; subnets: Cidr[] }[] = []) => ({ id: 'ab'.repeat(32), created: '2026-11-30T00:00:00Z', existing, routes: [Cidr.parse('172.17.0.0/16')], pools: [] });
const mk = (req: Partial<CreateNetworkRequest>, existing?: { name: string; subnets: Cidr[] }[]) => newNetworkRecord({ name: 'n1', ...req }, ctx(existing));

test('a new network takes the first default pool clear of host routes and other networks, with its gateway shown', () => {
  const r = mk({}, [{ name: 'x', subnets: [Cidr.parse('172.18.0.0/16')] }]);
  assert.deepEqual(r.ipam.config, [{ subnet: '172.19.0.0/16', gateway: '172.19.0.1' }]);
  assert.equal(r.driver, 'bridge');
  const s = bridgeSettings(r, { mtu: 1500, bindIp: '0.0.0.0' });
  assert.equal(s.bridge, 'br-abababababab');
  assert.equal(s.icc, true);
});

test("given pools are checked with Docker's messages", () => {
  assert.throws(() => mk({ ipam: { config: [{ subnet: '10.1.0.0/24' }] } }, [{ name: 'x', subnets: [Cidr.parse('10.1.0.0/16')] }]), /Pool overlaps with other one on this address space/);
  assert.throws(() => mk({ ipam: { config: [{ subnet: '10.2.0.0/24', gateway: '10.3.0.1' }] } }), /failed to allocate gateway \(10\.3\.0\.1\): Requested address is out of range/);
  assert.throws(() => mk({ ipam: { config: [{ subnet: 'bogus' }] } }), /Invalid subnet bogus : invalid CIDR address: bogus/);
  assert.throws(() => mk({ ipam: { config: [{ subnet: '10.2.0.0/24', auxAddresses: { a: '10.9.0.1' } }] } }), /Invalid address 10\.9\.0\.1: It does not belong/);
  assert.throws(() => mk({ driver: 'foo' }), /plugin "foo" not found/);
  assert.throws(() => mk({}, [{ name: 'n1', subnets: [] }]), /network with name n1 already exists/);
  assert.throws(() => mk({ name: '' }), /invalid name: /);
  assert.throws(() => mk({ ipv6: true }), /could not find an available, non-overlapping IPv6 address pool/);
  const r = mk({ ipam: { config: [{ subnet: '10.2.0.0/24', ipRange: '10.2.0.128/25', gateway: '10.2.0.254' }] }, options: { 'com.docker.network.bridge.enable_icc': 'false' } });
  assert.deepEqual(r.ipam.config, [{ subnet: '10.2.0.0/24', ipRange: '10.2.0.128/25', gateway: '10.2.0.254' }]);
  assert.equal(bridgeSettings(r, { mtu: 1500, bindIp: '0.0.0.0' }).icc, false);
});

test('rules of several bridges: isolation between them, internal networks closed to the outside', () => {
  const fw = (bridge: string, subnet: string, internal = false): BridgeFirewall => ({ prefix: 'BERTH', bridge, subnet, icc: true, ipMasq: true, userlandProxy: true, internal });
  const fws = [fw('berth0', '172.17.0.0/16'), fw('br-a', '172.18.0.0/16'), fw('br-i', '172.19.0.0/16', true)];
  const chains = Object.fromEntries(ownChains(fws).map((c) => [`${c.table} ${c.chain}`, c.head]));
  assert.deepEqual(chains['filter BERTH-ISOLATION-STAGE-1'], [
    '-i berth0 ! -o berth0 -j BERTH-ISOLATION-STAGE-2',
    '-i br-a ! -o br-a -j BERTH-ISOLATION-STAGE-2',
    '! -s 172.19.0.0/16 -o br-i -j DROP',
    '-i br-i ! -d 172.19.0.0/16 -j DROP',
    '-j RETURN',
  ]);
  assert.deepEqual(chains['filter BERTH-ISOLATION-STAGE-2'], ['-o berth0 -j DROP', '-o br-a -j DROP', '-j RETURN']);
  const rules = builtinRules(fws).map((r) => `${r.table} ${r.chain} ${r.spec}`);
  assert.ok(rules.includes('nat POSTROUTING -s 172.18.0.0/16 ! -o br-a -j MASQUERADE'));
  assert.ok(!rules.some((r) => r.includes('172.19.0.0/16 ! -o br-i -j MASQUERADE')), 'no masquerade for an internal network');
  assert.ok(!rules.includes('filter FORWARD -i br-i ! -o br-i -j ACCEPT'), 'nothing forwarded out of an internal network');
  assert.ok(rules.includes('filter FORWARD -i br-i -o br-i -j ACCEPT'));
});
