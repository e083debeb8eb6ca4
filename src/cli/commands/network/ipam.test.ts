import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIPAMConfig, type IpamOptions } from './ipam.js';

const opts = (o: Partial<IpamOptions>): IpamOptions => ({ driver: 'default', subnets: [], ipRanges: [], gateways: [], auxAddresses: [], driverOpts: new Map(), ...o });

test('createIPAMConfig: each range, gateway and aux-address joins the subnet holding it', () => {
  const ipam = createIPAMConfig(
    opts({
      subnets: ['10.0.0.0/16', 'fd00::/64'],
      ipRanges: ['fd00::8000/113'],
      gateways: ['10.0.0.1', 'fd00::1'],
      auxAddresses: [
        ['a', '10.0.0.5'],
        ['b', 'fd00::5'],
      ],
    }),
  );
  assert.deepEqual(ipam.Config, [
    { Subnet: '10.0.0.0/16', Gateway: '10.0.0.1', AuxiliaryAddresses: new Map([['a', '10.0.0.5']]) },
    { Subnet: 'fd00::/64', IPRange: 'fd00::8000/113', Gateway: 'fd00::1', AuxiliaryAddresses: new Map([['b', 'fd00::5']]) },
  ]);
});

test('createIPAMConfig: Go net parsing (v4-in-v6, host bits, leading zeros, zones, embedded IPv4)', () => {
  assert.equal(createIPAMConfig(opts({ subnets: ['::ffff:10.6.0.0/112'], gateways: ['10.6.0.1'] })).Config[0]!.Gateway, '10.6.0.1');
  assert.equal(createIPAMConfig(opts({ subnets: ['10.4.1.1/16'], gateways: ['10.4.200.1'] })).Config[0]!.Gateway, '10.4.200.1');
  assert.equal(createIPAMConfig(opts({ subnets: ['64:ff9b::/96'], gateways: ['64:ff9b::192.0.2.1'] })).Config[0]!.Gateway, '64:ff9b::192.0.2.1');
  assert.throws(() => createIPAMConfig(opts({ subnets: ['010.0.0.0/8'], gateways: ['10.0.0.1'] })), /^Error: invalid subnet: invalid CIDR address: 010.0.0.0\/8$/);
  assert.throws(() => createIPAMConfig(opts({ subnets: ['fe80::/64'], gateways: ['fe80::1%eth0'] })), /^Error: no matching subnet for gateway fe80::1%eth0$/);
  assert.throws(() => createIPAMConfig(opts({ subnets: ['1:2:3:4:5:6:7::8/64'], gateways: ['1::1'] })), /invalid CIDR address/);
});

test('createIPAMConfig: the errors docker reports', () => {
  assert.throws(() => createIPAMConfig(opts({ gateways: ['10.0.0.1'] })), /^Error: every ip-range or gateway must have a corresponding subnet$/);
  assert.throws(() => createIPAMConfig(opts({ subnets: ['10.0.0.0/8', '10.1.0.0/16'] })), /multiple overlapping subnet/);
  assert.throws(
    () => createIPAMConfig(opts({ subnets: ['10.0.0.0/16'], ipRanges: ['10.0.1.0/24', '10.0.2.0/24'], gateways: [] })),
    /every ip-range or gateway must have a corresponding subnet/,
  );
  assert.throws(
    () => createIPAMConfig(opts({ subnets: ['10.0.0.0/16', '10.9.0.0/16'], ipRanges: ['10.0.1.0/24', '10.0.2.0/24'] })),
    /^Error: cannot configure multiple ranges \(10\.0\.2\.0\/24, 10\.0\.1\.0\/24\) on the same subnet \(10\.0\.0\.0\/16\)$/,
  );
  assert.throws(() => createIPAMConfig(opts({ subnets: ['10.0.0.0/16'], ipRanges: ['10.0.1.0'] })), /^Error: invalid CIDR address: 10\.0\.1\.0$/);
  assert.throws(() => createIPAMConfig(opts({ subnets: ['10.0.0.0/16'], auxAddresses: [['h', '192.168.0.1']] })), /^Error: no matching subnet for aux-address 192\.168\.0\.1$/);
});
