import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayablePorts, naturalLess, parsePortSpec, parsePortSpecs, addExposedPorts, convertToStandardNotation } from './ports.js';

test('parsePortSpec: nat.ParsePortSpec forms', () => {
  const one = (s: string) => parsePortSpec(s).map((m) => `${m.port} ${m.binding.HostIp}|${m.binding.HostPort}`);
  assert.deepEqual(one('80'), ['80/tcp |']);
  assert.deepEqual(one('8080:80'), ['80/tcp |8080']);
  assert.deepEqual(one('127.0.0.1:8000-8001:80-81/udp'), ['80/udp 127.0.0.1|8000', '81/udp 127.0.0.1|8001']);
  assert.deepEqual(one('[::1]:53:53/udp'), ['53/udp ::1|53']);
  assert.deepEqual(one('8000-8010:80'), ['80/tcp |8000-8010']);
  assert.deepEqual(one('0.0.0.0::443'), ['443/tcp 0.0.0.0|']);
  assert.deepEqual(one('80/SCTP'), ['80/sctp |']);
  assert.throws(() => parsePortSpec('99999:80'), /invalid hostPort: 99999/);
  assert.throws(() => parsePortSpec('80/xyz'), /invalid proto: xyz/);
  assert.throws(() => parsePortSpec('8000-8001:80-82'), /invalid ranges specified for container and host Ports: 80-82 and 8000-8001/);
  assert.throws(() => parsePortSpec('1.2.3:80:80'), /invalid IP address: 1.2.3/);
  assert.throws(() => parsePortSpec('8080:'), /no port specified: 8080:<empty>/);
});

test('parsePortSpecs + --expose: exposed set and bindings per port', () => {
  const { exposed, bindings } = parsePortSpecs(['8080:80', '8081:80', '9000']);
  addExposedPorts(exposed, ['7000-7001', '7002/udp']);
  assert.deepEqual([...exposed], ['80/tcp', '9000/tcp', '7000/tcp', '7001/tcp', '7002/udp']);
  assert.deepEqual(bindings.get('80/tcp'), [
    { HostIp: '', HostPort: '8080' },
    { HostIp: '', HostPort: '8081' },
  ]);
  assert.throws(() => addExposedPorts(new Set(), ['1:2']), /invalid port format for --expose: 1:2/);
  assert.throws(() => addExposedPorts(new Set(), ['x']), /invalid range format for --expose: x, error: strconv.ParseUint: parsing "x": invalid syntax/);
  assert.deepEqual(convertToStandardNotation(['published=8080,target=80', 'target=53,published=5353,protocol=udp', '1:2']), ['8080:80/tcp', '5353:53/udp', '1:2']);
});

test("displayablePorts: docker's PORTS column", () => {
  assert.equal(
    displayablePorts([
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    ]),
    '0.0.0.0:8080->80/tcp, [::]:8080->80/tcp',
  );
  assert.equal(
    displayablePorts([
      { PrivatePort: 6381, Type: 'tcp' },
      { PrivatePort: 6379, Type: 'tcp' },
      { PrivatePort: 6380, Type: 'tcp' },
      { PrivatePort: 9000, Type: 'sctp' },
      { IP: '0.0.0.0', PrivatePort: 7000, PublicPort: 7000, Type: 'udp' },
      { IP: '0.0.0.0', PrivatePort: 7001, PublicPort: 7001, Type: 'udp' },
    ]),
    '6379-6381/tcp, 0.0.0.0:7000-7001->7000-7001/udp, 9000/sctp',
  );
  // a gap closes a group; the key keeps its first place
  assert.equal(
    displayablePorts([
      { PrivatePort: 1, Type: 'tcp' },
      { PrivatePort: 2, Type: 'tcp' },
      { PrivatePort: 5, Type: 'tcp' },
      { PrivatePort: 3, Type: 'udp' },
    ]),
    '1-2/tcp, 5/tcp, 3/udp',
  );
  assert.equal(displayablePorts([{ IP: '::', PrivatePort: 80, PublicPort: 80, Type: 'tcp' }]), '[::]:80->80/tcp');
  assert.equal(displayablePorts([]), '');
});

test('naturalLess: digit runs as numbers', () => {
  const sorted = ['80/tcp -> 0.0.0.0:8080', '443/tcp -> 0.0.0.0:443', '9000/tcp -> 0.0.0.0:32768', '53/udp -> 127.0.0.1:5353'].sort((a, b) =>
    naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0,
  );
  assert.deepEqual(sorted, ['53/udp -> 127.0.0.1:5353', '80/tcp -> 0.0.0.0:8080', '443/tcp -> 0.0.0.0:443', '9000/tcp -> 0.0.0.0:32768']);
  assert.equal(naturalLess('a02', 'a2'), false);
  assert.equal(naturalLess('a2', 'a02'), true);
});
