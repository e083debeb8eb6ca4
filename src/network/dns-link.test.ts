import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../lib/index.js';
import { Cidr, parseIPv4 } from './ipnet.js';
import { choosePair, DnsLinks, linkHostLines, linkHostSysctls, linkRedirect, linkSandboxLines } from './dns-link.js';

test('choosePair: a /31 pair from a random start, skipping used addresses, wrapping around; a full pool is unavailable', () => {
  const pool = Cidr.parse('169.254.64.0/29'); // 4 pairs
  assert.deepEqual(choosePair(pool, new Set(), () => 2), { hostIp: '169.254.64.4', ip: '169.254.64.5' });
  assert.deepEqual(choosePair(pool, new Set([parseIPv4('169.254.64.5')]), () => 2), { hostIp: '169.254.64.6', ip: '169.254.64.7' });
  const used = new Set(['169.254.64.5', '169.254.64.6'].map(parseIPv4));
  assert.deepEqual(choosePair(pool, used, () => 2), { hostIp: '169.254.64.0', ip: '169.254.64.1' });
  const all = new Set([0, 2, 4, 6].map((i) => parseIPv4(`169.254.64.${i}`)));
  let e: unknown;
  try {
    choosePair(pool, all, () => 0);
  } catch (err) {
    e = err;
  }
  assert.equal(kindOf(e), 'unavailable');
});

test('the link in the sandbox and on the host: a veth pair, point-to-point addresses, no IPv6 link-local, no forwarding, no IPv6 on the host end', () => {
  const link = { ifHost: 'bdns1234567', hostIp: '169.254.64.10', ip: '169.254.64.11' };
  assert.deepEqual(linkSandboxLines(link, 77, true), [
    'link add dns0 type veth peer name bdns1234567 netns 77',
    'link set dns0 addrgenmode none',
    'addr add 169.254.64.11 peer 169.254.64.10 dev dns0',
    'link set dns0 up',
  ]);
  assert.ok(!linkSandboxLines(link, 77, false).some((l) => l.includes('addrgenmode')));
  assert.deepEqual(linkHostLines(link, true), ['link set bdns1234567 addrgenmode none', 'addr add 169.254.64.10 peer 169.254.64.11 dev bdns1234567', 'link set bdns1234567 up']);
  assert.deepEqual(linkHostSysctls(link, true), { '/proc/sys/net/ipv4/conf/bdns1234567/forwarding': '0', '/proc/sys/net/ipv6/conf/bdns1234567/disable_ipv6': '1' });
  assert.deepEqual(linkHostSysctls(link, false), { '/proc/sys/net/ipv4/conf/bdns1234567/forwarding': '0' });
  assert.deepEqual(linkRedirect(link, 53), { gateway: '169.254.64.10', port: 53, containerIp: '169.254.64.11', ifName: 'dns0', onlyDns: true });
});

test('DnsLinks: addresses clear of the host and of each other; a listener per link on 53, else the recorded port, else any', async () => {
  const listening = new Map<string, number>();
  const busy53 = new Set<string>();
  const server = {
    listen: async (host: string, port = 0) => {
      if (port === 53 && busy53.has(host)) throw new Error('EADDRINUSE');
      const p = port || 40000 + listening.size;
      listening.set(host, p);
      return p;
    },
    close: (host: string) => void listening.delete(host),
  };
  const links = new DnsLinks({ server, hostAddresses: () => ['169.254.64.0', '10.0.0.1'] }, '169.254.64.0/30');
  const a = links.allocate();
  assert.deepEqual({ hostIp: a.hostIp, ip: a.ip }, { hostIp: '169.254.64.2', ip: '169.254.64.3' });
  assert.match(a.ifHost, /^bdns[0-9a-f]{7}$/);
  assert.throws(() => links.allocate(), /no free DNS link address left in 169\.254\.64\.0\/30/);
  assert.equal(links.port(a), undefined, 'not listening yet');
  assert.equal(await links.listen(a), 53);
  assert.equal(links.port(a), 53);
  await links.release(a);
  assert.equal(listening.size, 0);
  assert.equal(links.port(a), undefined);
  const b = links.allocate();
  assert.equal(b.hostIp, '169.254.64.2', 'released addresses are free again');
  busy53.add(b.hostIp);
  assert.equal(await links.listen(b), 40000);
  // a restored link asks for its recorded port first
  await links.release(b);
  links.reserve(b);
  assert.equal(await links.listen(b, 41000), 41000);
  assert.equal(links.port(b), 41000);
  await links.closeAll([b]);
  assert.equal(links.port(b), undefined, 'closed at shutdown');
  assert.throws(() => links.allocate(), /no free DNS link address/);
});
