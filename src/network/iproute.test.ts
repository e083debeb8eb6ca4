import { test } from 'node:test';
import assert from 'node:assert/strict';
import { background, createLogger, ExecError, nodeExec } from '../lib/index.js';
import { IpSession, parseLinks, parseRoutes } from './iproute.js';

const ctx = background(createLogger({ level: 'error' }));

test('ip session: requests answer in order, a failing line fails its request only, the session goes on', async () => {
  const s = new IpSession(nodeExec, 'ip');
  try {
    await s.run(ctx, ['link show dev lo']);
    const bad = s.run(ctx, ['link show dev lo', 'link del berthnosuch0']);
    const good = s.run(ctx, ['link show dev lo']);
    await assert.rejects(bad, (e: unknown) => e instanceof ExecError && /Cannot find device "berthnosuch0"/.test(e.stderr) && !/Command failed/.test(e.stderr));
    await good;
    await Promise.all([s.run(ctx, ['link show dev lo']), s.run(ctx, ['link show dev lo'])]);
  } finally {
    s.close();
  }
});

test('ip -json parsing: links with master and addresses, routes', () => {
  const links = parseLinks(
    '[{"ifindex":7,"ifname":"veth1","flags":["UP"],"mtu":1500,"master":"berth0","addr_info":[]},{"ifindex":3,"ifname":"berth0","mtu":1500,"addr_info":[{"family":"inet","local":"172.17.0.1","prefixlen":16},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]',
  );
  assert.deepEqual(links[0], { ifname: 'veth1', mtu: 1500, flags: ['UP'], address: undefined, master: 'berth0', addrs: [] });
  assert.deepEqual(links[1]!.addrs, [{ family: 'inet', local: '172.17.0.1', prefixlen: 16 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }]);
  assert.deepEqual(parseRoutes('[{"dst":"default","gateway":"192.0.2.1","dev":"eth0"},{"dst":"192.0.2.0/24","dev":"eth0"}]'), [
    { dst: 'default', dev: 'eth0' },
    { dst: '192.0.2.0/24', dev: 'eth0' },
  ]);
});
