import { test } from 'node:test';
import assert from 'node:assert/strict';
import { background, createLogger, ExecError, kindOf, type Ctx } from '../lib/index.js';
import { checkMacvlanOptions, dummyName, ipReason, macvlanChildShell, MacvlanParents, parentLines, parseVlan } from './macvlan.js';
import { Cidr } from './ipnet.js';
import { DefaultIpam } from './ipam.js';
import { newEndpoint, kernelSpec } from './endpoint.js';
import { newNetworkRecord } from './network-config.js';
import type { MacvlanNet, Net } from './networks.js';

const ctx = background(createLogger({ level: 'error' }));
const ID = 'ab'.repeat(32);
const OTHER = 'cd'.repeat(32);

test("macvlan options: the default mode, Docker's messages for a bad mode, loopback, a parent in use", () => {
  assert.deepEqual(checkMacvlanOptions(ID, { parent: 'eth0' }, []), { parent: 'eth0', mode: 'bridge' });
  for (const mode of ['bridge', 'private', 'vepa', 'passthru']) assert.equal(checkMacvlanOptions(ID, { parent: 'eth0', macvlan_mode: mode }, []).mode, mode);
  assert.throws(() => checkMacvlanOptions(ID, { parent: 'eth0', macvlan_mode: 'Bridge' }, []), { message: "requested macvlan mode 'Bridge' is not valid, 'bridge' mode is the macvlan driver default" });
  assert.throws(() => checkMacvlanOptions(ID, { parent: 'lo' }, []), { message: 'loopback interface is not a valid macvlan parent link' });
  const e = (() => {
    try {
      checkMacvlanOptions(ID, { parent: 'eth0' }, [{ id: OTHER, parent: 'eth0' }]);
    } catch (err) {
      return err;
    }
  })();
  assert.equal((e as Error).message, 'network dm-cdcdcdcdcdcd is already using parent interface eth0');
  assert.equal(kindOf(e), 'system');
  // other VLANs of the same link are other parents; the network itself is no competitor
  assert.equal(checkMacvlanOptions(ID, { parent: 'eth0.20' }, [{ id: OTHER, parent: 'eth0.10' }]).parent, 'eth0.20');
  assert.equal(checkMacvlanOptions(ID, { parent: 'eth0' }, [{ id: ID, parent: 'eth0' }]).parent, 'eth0');
  // without a parent: the network's own dummy
  assert.deepEqual(checkMacvlanOptions(ID, {}, []), { parent: `dm-${ID.slice(0, 12)}`, mode: 'bridge' });
  assert.equal(dummyName(ID), 'dm-abababababab');
});

test("VLAN parents: Docker's parsing and its messages", () => {
  assert.deepEqual(parseVlan('eth0.10'), { link: 'eth0', vid: 10 });
  assert.throws(() => parseVlan('eth0.1.2'), { message: 'required interface name format is: name.vlan_id, ex. eth0.10 for vlan 10, instead received eth0.1.2' });
  assert.throws(() => parseVlan('eth0.ten'), { message: 'unable to parse a valid vlan id from: ten (ex. eth0.10 for vlan 10)' });
  assert.deepEqual(parentLines(ID, 'eth0.10'), { kind: 'vlan', lines: ['link add link eth0 name eth0.10 type vlan id 10', 'link set eth0.10 up'] });
  assert.deepEqual(parentLines(ID, dummyName(ID)), { kind: 'dummy', lines: ['link add dm-abababababab type dummy', 'link set dm-abababababab up'] });
  assert.throws(() => parentLines(ID, 'nosuch0'), { message: 'invalid subinterface vlan name nosuch0, example formatting is eth0.10' });
});

test('a macvlan child is made by ip in the host namespace, straight into the sandbox under its final name', () => {
  const line = macvlanChildShell({ ifName: 'eth1', parent: 'enp3s0', mode: 'vepa', mac: '02:42:c0:a8:01:05' }, { nsenter: '/usr/bin/nsenter', ip: '/usr/sbin/ip', hostPid: 42 });
  assert.equal(line, '/usr/bin/nsenter --net=/proc/42/ns/net /usr/sbin/ip link add link enp3s0 name eth1 address 02:42:c0:a8:01:05 netns $$ type macvlan mode vepa');
  const bins = { nsenter: 'nsenter', ip: 'ip', hostPid: 1 };
  assert.throws(() => macvlanChildShell({ ifName: 'eth1', parent: 'eth0; reboot', mode: 'bridge', mac: '02:42:00:00:00:01' }, bins), /invalid interface name/);
  assert.throws(() => macvlanChildShell({ ifName: 'eth1', parent: 'eth0', mode: 'bridge', mac: '$(x)' }, bins), /invalid MAC/);
});

test("ip's errors read as the kernel's reason", () => {
  assert.equal(ipReason(new ExecError(['ip'], 2, null, 'Error: Unknown device type.\n')), 'Unknown device type');
  assert.equal(ipReason(new ExecError(['ip'], 1, null, 'RTNETLINK answers: Device or resource busy\nCommand failed -:1\n')), 'Device or resource busy');
  assert.equal(ipReason('RTNETLINK answers: File exists'), 'File exists');
});

/** MacvlanParents over a fake host: links that exist, lines ip is asked to run, a kernel that may refuse. */
function fakeHost(links: string[], refuse?: RegExp) {
  const ran: string[][] = [];
  const have = new Set(links);
  const ip = {
    host: async (_c: Ctx, lines: readonly string[]) => {
      ran.push([...lines]);
      for (const l of lines) {
        if (refuse?.test(l)) throw new ExecError(['ip', '-batch', '-'], 1, null, 'Error: Unknown device type.\n');
        const add = /^link add (?:link \S+ name )?(\S+)/.exec(l);
        if (add) have.add(add[1]!);
        const del = /^link del (\S+)/.exec(l);
        if (del) have.delete(del[1]!);
      }
    },
  };
  return { ran, have, parents: new MacvlanParents({ ip, linkExists: async (n) => have.has(n) }) };
}

test("parents: a host link is used as is; the driver's own are checked, made, and gone again when the kernel refuses", async () => {
  const h = fakeHost(['eth0']);
  assert.equal(await h.parents.toCreate(ID, 'eth0'), undefined);
  assert.equal(await h.parents.toCreate(ID, 'eth0.10'), 'eth0.10');
  assert.equal(await h.parents.toCreate(ID, dummyName(ID)), dummyName(ID));
  await assert.rejects(h.parents.toCreate(ID, 'eth9.10'), { message: '-o parent interface was not found on the host: eth9' });
  await assert.rejects(h.parents.toCreate(ID, 'eth0.4095'), { message: 'vlan id must be between 1-4094, received: 4095' });
  await assert.rejects(h.parents.toCreate(ID, 'eth0.0'), { message: 'vlan id must be between 1-4094, received: 0' });
  await assert.rejects(h.parents.toCreate(ID, 'wlan0'), { message: 'invalid subinterface vlan name wlan0, example formatting is eth0.10' });
  await h.parents.create(ctx, ID, 'eth0.10');
  assert.ok(h.have.has('eth0.10'));
  await h.parents.remove(ctx, 'eth0.10');
  assert.ok(!h.have.has('eth0.10'));
  await h.parents.remove(ctx, 'eth0.10'); // gone already: fine

  const k = fakeHost(['eth0'], /type (vlan|dummy)/);
  await assert.rejects(k.parents.create(ctx, ID, 'eth0.10'), { message: 'failed to create eth0.10 vlan link: Unknown device type (the kernel refused an 802.1q link)' });
  await assert.rejects(k.parents.create(ctx, ID, dummyName(ID)), { message: /^failed to create the dummy link dm-abababababab that a macvlan network without -o parent uses as its parent: Unknown device type \(the kernel refused a dummy link\)$/ });
  assert.deepEqual([...k.have], ['eth0'], 'nothing is left');
});

test('macvlan endpoints: no host end, the MAC from the address, no gateway on an internal network; the kernel spec names parent and mode', () => {
  const rec = newNetworkRecord({ name: 'mv', driver: 'macvlan', options: { parent: 'eth0', 'com.docker.network.bridge.name': 'not checked' }, ipam: { config: [{ subnet: '192.168.1.0/24', gateway: '192.168.1.254' }] } }, { id: ID, created: '2026-11-30T00:00:00Z', existing: [], routes: [], pools: [] });
  assert.equal(rec.driver, 'macvlan');
  assert.deepEqual(rec.options, { parent: 'eth0', 'com.docker.network.bridge.name': 'not checked' });
  const mk = (internal: boolean): MacvlanNet => ({
    kind: 'macvlan',
    info: { ...rec, internal, predefined: false },
    parent: 'eth0',
    mode: 'private',
    subnet: Cidr.parse('192.168.1.0/24'),
    gateway: 0xc0a801fe,
    gatewayKnown: true,
    ipam: new DefaultIpam({ subnet: Cidr.parse('192.168.1.0/24'), gateway: 0xc0a801fe }),
  });
  const n = mk(false);
  const ep = newEndpoint(n, { network: 'mv' }, 'eth0');
  assert.equal(ep.ifHost, undefined);
  assert.equal(ep.ip, '192.168.1.1');
  assert.equal(ep.mac, '02:42:c0:a8:01:01');
  assert.equal(ep.gateway, '192.168.1.254');
  const nets = new Map<string, Net>([[ID, n]]);
  assert.deepEqual(kernelSpec(nets, ep, false), { kind: 'macvlan', ifName: 'eth0', ip: 0xc0a80101, prefixLen: 24, ip6: undefined, mac: '02:42:c0:a8:01:01', parent: 'eth0', mode: 'private' });
  assert.equal(newEndpoint(mk(true), { network: 'mv' }, 'eth0').gateway, '');
  assert.throws(() => newNetworkRecord({ name: 'mv', driver: 'macvlan', ipam: { config: [{ subnet: '10.0.0.0/24' }, { subnet: '10.0.1.0/24' }] } }, { id: ID, created: '', existing: [], routes: [], pools: [] }), { message: 'macvlan networks take one IPv4 subnet' });
});
