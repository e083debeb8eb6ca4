import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../lib/index.js';
import { Cidr, formatIPv4, macFromIPv4, parseAddrCidr, parseIPv4 } from './ipnet.js';
import { DEFAULT_ADDRESS_POOLS, DefaultIpam, chooseSubnet, expandPools } from './ipam.js';

const ip = parseIPv4;

test('ipnet: parse, format, prefixes, MAC', () => {
  assert.equal(formatIPv4(ip('172.17.0.2')), '172.17.0.2');
  assert.equal(formatIPv4(ip('255.255.255.255')), '255.255.255.255');
  const c = Cidr.parse('172.17.3.4/16');
  assert.equal(c.toString(), '172.17.0.0/16');
  assert.equal(formatIPv4(c.last), '172.17.255.255');
  assert.ok(c.contains(ip('172.17.200.1')) && !c.contains(ip('172.18.0.1')));
  assert.ok(c.covers(Cidr.parse('172.17.5.0/24')) && !Cidr.parse('172.17.5.0/24').covers(c));
  assert.ok(Cidr.parse('172.16.0.0/12').overlaps(c) && !Cidr.parse('10.0.0.0/8').overlaps(c));
  assert.equal(Cidr.parse('0.0.0.0/0').size, 2 ** 32);
  const b = parseAddrCidr('192.168.5.1/24');
  assert.equal(formatIPv4(b.ip), '192.168.5.1');
  assert.equal(b.net.toString(), '192.168.5.0/24');
  assert.equal(macFromIPv4(ip('172.17.0.2')), '02:42:ac:11:00:02');
  for (const bad of ['1.2.3', '1.2.3.4/33', 'x/8', '300.1.1.1/8']) assert.equal(kindOf(catchErr(() => parseAddrCidr(bad))), 'invalidParameter');
});

function catchErr(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

test('ipam: lowest free address first, gateway/network/broadcast reserved, released ones reused', () => {
  const a = new DefaultIpam({ subnet: Cidr.parse('172.17.0.0/16'), gateway: ip('172.17.0.1') });
  assert.equal(formatIPv4(a.request()), '172.17.0.2');
  assert.equal(formatIPv4(a.request()), '172.17.0.3');
  assert.equal(formatIPv4(a.request()), '172.17.0.4');
  a.release(ip('172.17.0.3'));
  assert.equal(formatIPv4(a.request()), '172.17.0.3');
  assert.deepEqual(a.allocated().map(formatIPv4), ['172.17.0.2', '172.17.0.3', '172.17.0.4']);
  assert.equal(kindOf(catchErr(() => a.request(ip('172.17.0.2')))), 'conflict');
  // compat: the gateway, network and broadcast addresses are allocated bits in moby's bitmap
  assert.equal(kindOf(catchErr(() => a.request(ip('172.17.0.1')))), 'conflict');
  assert.equal(kindOf(catchErr(() => a.request(ip('172.17.255.255')))), 'conflict');
  assert.equal(kindOf(catchErr(() => a.request(ip('10.0.0.1')))), 'invalidParameter');
  assert.equal(formatIPv4(a.request(ip('172.17.9.9'))), '172.17.9.9');
});

test('ipam: --fixed-cidr restricts the range; a gateway elsewhere in the subnet is fine', () => {
  const a = new DefaultIpam({ subnet: Cidr.parse('10.20.0.0/16'), gateway: ip('10.20.0.1'), range: Cidr.parse('10.20.5.0/30') });
  const got = [a.request(), a.request(), a.request(), a.request()].map(formatIPv4);
  assert.deepEqual(got, ['10.20.5.0', '10.20.5.1', '10.20.5.2', '10.20.5.3']);
  const e = catchErr(() => a.request());
  assert.equal(kindOf(e), 'unavailable');
  // a chosen address may lie outside the range, in the subnet (moby getAddress)
  assert.equal(formatIPv4(a.request(ip('10.20.9.9'))), '10.20.9.9');
  assert.equal(kindOf(catchErr(() => new DefaultIpam({ subnet: Cidr.parse('10.20.0.0/16'), gateway: ip('10.21.0.1') }))), 'invalidParameter');
  assert.equal(kindOf(catchErr(() => new DefaultIpam({ subnet: Cidr.parse('10.20.0.0/16'), gateway: ip('10.20.0.1'), range: Cidr.parse('10.0.0.0/8') }))), 'invalidParameter');
});

test('ipam: a full small pool', () => {
  const a = new DefaultIpam({ subnet: Cidr.parse('192.168.9.0/30'), gateway: ip('192.168.9.1') });
  assert.equal(formatIPv4(a.request()), '192.168.9.2');
  assert.equal(kindOf(catchErr(() => a.request())), 'unavailable');
});

test('pools: Docker defaults expand in order; the first free one is chosen', () => {
  const all = expandPools(DEFAULT_ADDRESS_POOLS);
  assert.equal(all.length, 15 + 256 / 16);
  assert.deepEqual(all.slice(0, 4).map(String), ['172.17.0.0/16', '172.18.0.0/16', '172.19.0.0/16', '172.20.0.0/16']);
  assert.equal(all[14]!.toString(), '172.31.0.0/16');
  assert.equal(all[15]!.toString(), '192.168.0.0/20');
  assert.equal(chooseSubnet(all, []).toString(), '172.17.0.0/16');
  assert.equal(chooseSubnet(all, [Cidr.parse('172.17.0.0/16'), Cidr.parse('172.18.5.0/24'), Cidr.parse('10.0.0.0/8')]).toString(), '172.19.0.0/16');
  assert.equal(kindOf(catchErr(() => chooseSubnet(all.slice(0, 1), [Cidr.parse('172.16.0.0/12')]))), 'unavailable');
  assert.deepEqual(expandPools([{ base: '10.10.0.0/22', size: 24 }]).map(String), ['10.10.0.0/24', '10.10.1.0/24', '10.10.2.0/24', '10.10.3.0/24']);
  assert.equal(kindOf(catchErr(() => expandPools([{ base: '10.10.0.0/16', size: 8 }]))), 'invalidParameter');
});
