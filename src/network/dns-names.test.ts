import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsNames } from './dns-names.js';
import type { SandboxRecord } from './sandbox-store.js';
import type { NetworkRecord } from './network-store.js';

const net = (id: string, driver: string, internal = false): NetworkRecord & { predefined: boolean } => ({ id, name: id, driver, created: '', internal, attachable: false, ipv6: false, labels: {}, options: {}, ipam: { driver: 'default', options: {}, config: [] }, predefined: false });
const ep = (networkId: string, ip: string) => ({ id: `e-${ip}`, networkId, networkName: networkId, ip, prefixLen: 24, gateway: '', mac: '', ports: [], exposed: [] });

test('a client known by its DNS link address gets the names of its networks; a stranger none', () => {
  const sandboxes: SandboxRecord[] = [
    { containerId: 'a', containerName: 'c1', sandboxId: 'a', netnsPath: '', endpoints: [ep('mv', '192.168.1.2')], dnsLink: { ifHost: 'bdns1', hostIp: '169.254.64.10', ip: '169.254.64.11' }, dnsServers: ['9.9.9.9'] },
    { containerId: 'b', containerName: 'c2', sandboxId: 'b', netnsPath: '', endpoints: [ep('mv', '192.168.1.3')], dnsLink: { ifHost: 'bdns2', hostIp: '169.254.64.12', ip: '169.254.64.13' } },
    { containerId: 'c', containerName: 'other', sandboxId: 'c', netnsPath: '', endpoints: [ep('br', '172.18.0.2')] },
  ];
  const nets = new Map([['mv', net('mv', 'macvlan')], ['br', net('br', 'bridge')]]);
  const names = new DnsNames(() => sandboxes, (id) => nets.get(id));
  assert.deepEqual(names.resolve('169.254.64.11', 'c2'), ['192.168.1.3']);
  assert.deepEqual(names.resolve('169.254.64.11', 'C2.mv.'), ['192.168.1.3']);
  assert.equal(names.resolve('169.254.64.11', 'other'), undefined, 'another network');
  assert.equal(names.reverse('169.254.64.13', '192.168.1.2'), 'c1.mv');
  assert.deepEqual(names.upstreams('169.254.64.11'), ['9.9.9.9']);
  assert.equal(names.resolve('169.254.64.99', 'c2'), undefined);
  assert.deepEqual(names.upstreams('169.254.64.99'), []);
  nets.set('mv', net('mv', 'macvlan', true));
  assert.deepEqual(names.upstreams('169.254.64.11'), [], 'internal only: nothing forwarded');
});

test('names resolve to IPv6 addresses too (--ipv6 networks), and an IPv6 address of ours has its PTR name', () => {
  const sandboxes: SandboxRecord[] = [
    { containerId: 'a', containerName: 'c1', sandboxId: 'a', netnsPath: '', endpoints: [{ ...ep('v6', '172.20.0.2'), ip6: 'fd00:db8::2', prefixLen6: 64 }] },
    { containerId: 'b', containerName: 'c2', sandboxId: 'b', netnsPath: '', endpoints: [{ ...ep('v6', '172.20.0.3'), ip6: 'fd00:db8::3', prefixLen6: 64, aliases: ['web'] }] },
  ];
  const nets = new Map([['v6', net('v6', 'bridge')]]);
  const names = new DnsNames(() => sandboxes, (id) => nets.get(id));
  assert.deepEqual(names.resolve('172.20.0.2', 'web'), ['172.20.0.3', 'fd00:db8::3']);
  assert.equal(names.reverse('172.20.0.2', 'fd00:db8:0:0::3'), 'c2.v6');
  assert.equal(names.reverse('172.20.0.2', 'fd00:db8::9'), undefined);
});
