import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../lib/index.js';
import { PortAllocator, parseHostPort, parsePortRange, portMap, wantedBindings } from './portmap.js';

const v6 = { defaultHostIp: '0.0.0.0', ipv6: true };

test('bindings: an empty host address means 0.0.0.0 and ::, explicit ones bind their family only', () => {
  const { wanted, exposed } = wantedBindings(
    {
      bindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }], '443/tcp': [{ HostIp: '::1', HostPort: '' }] },
      exposed: ['80/tcp', '9000/tcp'],
      publishAll: false,
    },
    v6,
  );
  assert.deepEqual(
    wanted.map((w) => `${w.hostIp} ${w.hostPortStart}-${w.hostPortEnd} ${w.containerPort}/${w.proto}`),
    ['0.0.0.0 8080-8080 80/tcp', ':: 8080-8080 80/tcp', '127.0.0.1 5353-5353 53/udp', '::1 0-0 443/tcp'],
  );
  assert.deepEqual(exposed.map((e) => `${e.port}/${e.proto}`), ['80/tcp', '53/udp', '443/tcp', '9000/tcp']);
  // without IPv6 on the host: IPv4 only
  assert.deepEqual(
    wantedBindings({ bindings: { '80/tcp': [{ HostPort: '8080' }] }, exposed: [], publishAll: false }, { defaultHostIp: '0.0.0.0', ipv6: false }).wanted.map((w) => w.hostIp),
    ['0.0.0.0'],
  );
  // --ip 10.0.0.1: bindings without an address use it, IPv4 only
  assert.deepEqual(
    wantedBindings({ bindings: { '80/tcp': [{ HostPort: '' }] }, exposed: [], publishAll: false }, { defaultHostIp: '10.0.0.1', ipv6: true }).wanted.map((w) => w.hostIp),
    ['10.0.0.1'],
  );
});

test('bindings: -P publishes exposed ports without a binding, explicit host ports first', () => {
  const { wanted } = wantedBindings({ bindings: { '443/tcp': [{ HostPort: '8443' }] }, exposed: ['80/tcp', '443/tcp', '53/udp'], publishAll: true }, { defaultHostIp: '0.0.0.0', ipv6: false });
  assert.deepEqual(wanted.map((w) => `${w.containerPort}/${w.proto}:${w.hostPortStart}`), ['443/tcp:8443', '53/udp:0', '80/tcp:0']);
});

test('host ports: values, ranges, errors', () => {
  assert.deepEqual(parseHostPort(''), { start: 0, end: 0 });
  assert.deepEqual(parseHostPort('8000-8010'), { start: 8000, end: 8010 });
  for (const bad of ['x', '70000', '9-8']) assert.equal(kindOf(catchErr(() => parseHostPort(bad))), 'invalidParameter');
  assert.deepEqual(parsePortRange('32768\t60999\n'), { start: 32768, end: 60999 });
  assert.deepEqual(parsePortRange(undefined), { start: 49153, end: 65535 });
});

function catchErr(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

test('allocator: fixed ports conflict per address, random ones go up from the range start and wrap', () => {
  const a = new PortAllocator({ start: 40000, end: 40002 });
  assert.equal(a.request('0.0.0.0', 'tcp', 8080, 8080), 8080);
  const e = catchErr(() => a.request('0.0.0.0', 'tcp', 8080, 8080)) as Error;
  assert.equal(kindOf(e), 'conflict');
  assert.equal(e.message, 'Bind for 0.0.0.0:8080 failed: port is already allocated');
  assert.equal((catchErr(() => (a.request('::', 'tcp', 8080, 8080), a.request('::', 'tcp', 8080, 8080))) as Error).message, 'Bind for :::8080 failed: port is already allocated');
  assert.equal(a.request('127.0.0.1', 'tcp', 8080, 8080), 8080, 'another address is another allocator');
  assert.equal(a.request('0.0.0.0', 'udp', 8080, 8080), 8080, 'another protocol too');
  assert.deepEqual([a.request('0.0.0.0', 'tcp', 0, 0), a.request('0.0.0.0', 'tcp', 0, 0), a.request('0.0.0.0', 'tcp', 0, 0)], [40000, 40001, 40002]);
  assert.equal(kindOf(catchErr(() => a.request('0.0.0.0', 'tcp', 0, 0))), 'unavailable');
  a.release('0.0.0.0', 'tcp', 40001);
  assert.equal(a.request('0.0.0.0', 'tcp', 0, 0), 40001);
  assert.equal(a.request('::', 'tcp', 0, 0, 40002), 40002, 'an IPv6 twin takes the IPv4 port when free');
  assert.equal(a.request('0.0.0.0', 'tcp', 9000, 9001), 9000);
  assert.equal(a.request('0.0.0.0', 'tcp', 9000, 9001), 9001);
  assert.ok(!a.reserve('0.0.0.0', 'tcp', 9000));
});

test('NetworkSettings.Ports: exposed ports null, bound ones listed, keys sorted as Go does', () => {
  assert.deepEqual(
    JSON.stringify(
      portMap(
        [{ proto: 'tcp', port: 80 }, { proto: 'tcp', port: 443 }],
        [
          { proto: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostPort: 8080 },
          { proto: 'tcp', containerPort: 80, hostIp: '::', hostPort: 8080 },
        ],
      ),
    ),
    '{"443/tcp":null,"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"},{"HostIp":"::","HostPort":"8080"}]}',
  );
});
