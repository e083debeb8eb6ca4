import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cidr6, formatIPv6, Ipam6, parseIPv6 } from './ipnet6.js';

test('IPv6 parse and RFC 5952 format round trip', () => {
  for (const [inp, out] of [
    ['fd00:1::2', 'fd00:1::2'],
    ['FD00:0001:0000:0000:0000:0000:0000:0001', 'fd00:1::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
  ]) assert.equal(formatIPv6(parseIPv6(inp!)), out);
  assert.throws(() => parseIPv6('fd00::zz'), /invalid IPv6 address/);
});

test('IPv6 prefixes and the pool allocator', () => {
  const c = Cidr6.parse('fd00:1::5/64');
  assert.equal(c.toString(), 'fd00:1::/64');
  assert.ok(c.contains(parseIPv6('fd00:1::ffff')));
  assert.ok(!c.contains(parseIPv6('fd00:2::1')));
  assert.ok(c.overlaps(Cidr6.parse('fd00::/16')));
  assert.ok(!c.overlaps(Cidr6.parse('fd00::/32')));
  const ipam = new Ipam6(c, parseIPv6('fd00:1::1'));
  assert.equal(formatIPv6(ipam.request()), 'fd00:1::2');
  assert.equal(formatIPv6(ipam.request(parseIPv6('fd00:1::9'))), 'fd00:1::9');
  assert.throws(() => ipam.request(parseIPv6('fd00:1::9')), /Address already in use/);
  assert.throws(() => ipam.request(parseIPv6('fd00:9::9')), /does not belong/);
  ipam.release(parseIPv6('fd00:1::2'));
  assert.equal(formatIPv6(ipam.request()), 'fd00:1::2');
});
