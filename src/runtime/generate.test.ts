/** generateSpec behaviour beyond the golden cases: options one by one, and the errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, kindOf } from '../lib/index.js';
import { cgroupsPath, containerEnv, generateSpec, type SpecInput } from './spec.js';
import { buildDevices, devicesFromPath, deviceCgroupRules, hostDevices } from './devices.js';
import { buildNamespaces, validateSysctls } from './namespaces.js';
import { buildRlimits } from './resources.js';
import { parseSecurityOpt } from './security-opt.js';
import { splitDev } from './host.js';
import { fakeHost } from './test-helpers.js';

const ID = 'a'.repeat(12) + 'b'.repeat(52);
const gen = (input: Partial<SpecInput>) => generateSpec({ id: ID, args: ['sh'], ...input }, { host: fakeHost() });

function throwsInvalid(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.equal((e as Error).message, message);
    assert.equal(kindOf(e), 'invalidParameter');
    return true;
  });
}

test('env: PATH and HOSTNAME first, TERM with a tty, later values replace in place, bare keys unset', () => {
  assert.deepEqual(containerEnv([], 'h', false), [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=h',
  ]);
  assert.deepEqual(containerEnv(['A=1', 'TERM=vt100', 'PATH=/bin', 'A=2', 'HOSTNAME', 'B'], 'h', true), [
    'PATH=/bin', 'TERM=vt100', 'A=1', 'A=2',
  ]);
  assert.deepEqual(gen({ hostname: 'web' }).process!.env, [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=web',
  ]);
});

test('defaults: hostname from the ID, cwd /, root uid 0, cgroups under /berth', () => {
  const s = gen({});
  assert.equal(s.hostname, 'aaaaaaaaaaaa');
  assert.equal(s.process!.cwd, '/');
  assert.deepEqual(s.process!.user, { uid: 0, gid: 0, additionalGids: [0] });
  assert.equal(s.linux!.cgroupsPath, `/berth/${ID}`);
  assert.deepEqual(s.root, { path: 'rootfs' });
  assert.equal(s.process!.terminal, undefined);
  assert.equal(s.process!.rlimits, undefined);
  assert.equal(s.process!.apparmorProfile, undefined);
  assert.equal(s.linux!.seccomp!.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s.annotations, undefined);
  assert.deepEqual(Object.keys(s), ['ociVersion', 'process', 'root', 'hostname', 'mounts', 'linux']);
});

test('cgroupsPath: container parent, then daemon parent, then /berth', () => {
  assert.equal(cgroupsPath('x'), '/berth/x');
  assert.equal(cgroupsPath('x', 'custom'), 'custom/x');
  assert.equal(cgroupsPath('x', '/a/b/'), '/a/b/x');
  assert.equal(gen({ cgroupParent: '/mine', defaultCgroupParent: '/d' }).linux!.cgroupsPath, `/mine/${ID}`);
  assert.equal(gen({ defaultCgroupParent: '/d' }).linux!.cgroupsPath, `/d/${ID}`);
});

test('--init wraps the command only with a private PID namespace', () => {
  assert.deepEqual(gen({ initPath: '/usr/bin/tini', args: ['sleep', '1'] }).process!.args, [
    '/sbin/docker-init', '--', 'sleep', '1',
  ]);
  const host = gen({ initPath: '/usr/bin/tini', namespaces: { pid: { mode: 'host' } } });
  assert.deepEqual(host.process!.args, ['sh']);
  assert.ok(!host.mounts!.some((m) => m.destination === '/sbin/docker-init'));
});

test('tty: terminal and the console size (API 1.42+)', () => {
  const s = gen({ tty: true, consoleSize: [40, 120] });
  assert.equal(s.process!.terminal, true);
  assert.deepEqual(s.process!.consoleSize, { height: 40, width: 120 });
  assert.equal(gen({ consoleSize: [40, 120] }).process!.consoleSize, undefined);
  assert.equal(gen({ tty: true, consoleSize: [0, 0] }).process!.consoleSize, undefined);
});

test('privileged: all host devices and caps, no masked paths unless given, seccomp only when given', () => {
  const s = gen({ privileged: true });
  assert.equal(s.linux!.maskedPaths, undefined);
  assert.equal(s.linux!.readonlyPaths, undefined);
  assert.deepEqual(s.linux!.resources!.devices, [{ allow: true, access: 'rwm' }]);
  assert.equal(s.linux!.seccomp, undefined);
  const custom = gen({ privileged: true, seccompProfile: '{"defaultAction":"SCMP_ACT_ALLOW"}' });
  assert.deepEqual(custom.linux!.seccomp, { defaultAction: 'SCMP_ACT_ALLOW' });
  const explicit = gen({ privileged: true, maskedPaths: ['/proc/kcore'], readonlyPaths: [] });
  assert.deepEqual(explicit.linux!.maskedPaths, ['/proc/kcore']);
  assert.equal(explicit.linux!.readonlyPaths, undefined);
  assert.equal(gen({ maskedPaths: null }).linux!.maskedPaths!.length, 11);
});

test('seccomp: the default profile for the container\'s capabilities, unconfined, a custom profile', () => {
  const names = (input: Partial<SpecInput>) => new Set(gen(input).linux!.seccomp!.syscalls!.flatMap((r) => r.names));
  assert.ok(!names({}).has('unshare'));
  assert.ok(names({ capAdd: ['SYS_ADMIN'] }).has('unshare'));
  assert.ok(!names({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] }).has('unshare'));
  assert.ok(names({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] }).has('init_module'));
  assert.ok(!names({ capDrop: ['SYS_CHROOT'] }).has('chroot'));
  assert.equal(gen({ seccompProfile: 'unconfined' }).linux!.seccomp, undefined);
  assert.deepEqual(Object.keys(gen({}).linux!), ['sysctl', 'resources', 'cgroupsPath', 'namespaces', 'seccomp', 'maskedPaths', 'readonlyPaths']);
  throwsInvalid(() => gen({ seccompProfile: '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"x"}]}' }),
    "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'");
});

test('annotations are written sorted; hooks pass through', () => {
  const s = gen({ annotations: { b: '2', a: '1' }, hooks: { prestart: [{ path: '/bin/true' }] } });
  assert.deepEqual(Object.keys(s.annotations!), ['a', 'b']);
  assert.deepEqual(s.hooks, { prestart: [{ path: '/bin/true' }] });
});

test('namespaces: modes applied in place, host removed, cgroup appended, bad modes refused', () => {
  assert.deepEqual(buildNamespaces({}), [
    { type: 'mount' }, { type: 'network' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' },
  ]);
  assert.deepEqual(
    buildNamespaces({
      network: { mode: 'private', path: '/var/run/netns/x' },
      pid: { mode: 'host' },
      ipc: { mode: 'shareable' },
      uts: { mode: 'host' },
      cgroup: 'private',
    }),
    [{ type: 'mount' }, { type: 'network', path: '/var/run/netns/x' }, { type: 'ipc' }, { type: 'cgroup' }],
  );
  throwsInvalid(() => buildNamespaces({ pid: { mode: 'shareable' } }), 'invalid PID mode: shareable');
  throwsInvalid(() => buildNamespaces({ uts: { mode: 'none' } }), 'invalid UTS mode: none');
  throwsInvalid(
    () => buildNamespaces({ ipc: { mode: 'container' } }),
    'invalid IPC mode: container without a namespace path',
  );
  const s = gen({ namespaces: { uts: { mode: 'host' }, network: { mode: 'host' } } });
  assert.equal(s.hostname, undefined);
  assert.equal(s.linux!.sysctl, undefined); // no network sysctls with the host's network
});

test('network sysctls only for a private network namespace that has them', () => {
  const sys = (input: Partial<SpecInput>, sysctls = true) =>
    generateSpec({ id: ID, args: ['sh'], ...input }, { host: fakeHost({ sysctls }) }).linux!.sysctl;
  assert.deepEqual(sys({ namespaces: { network: { mode: 'private', path: '/run/netns/x' } } }), {
    'net.ipv4.ip_unprivileged_port_start': '0',
    'net.ipv4.ping_group_range': '0 2147483647',
  });
  assert.equal(sys({ namespaces: { network: { mode: 'container', path: '/proc/1/ns/net' } } }), undefined);
  assert.equal(sys({}, false), undefined);
  assert.deepEqual(sys({ sysctls: { 'net.ipv4.ping_group_range': '1 1' }, domainname: 'd' }, true), {
    'kernel.domainname': 'd',
    'net.ipv4.ip_unprivileged_port_start': '0',
    'net.ipv4.ping_group_range': '1 1',
  });
});

test('sysctls are checked as runc checks them', () => {
  const all = buildNamespaces({});
  validateSysctls({ 'kernel.shmmax': '1', 'fs.mqueue.msg_max': '1', 'net.core.somaxconn': '1', 'net/ipv4/ip_forward': '1', 'kernel.domainname': 'x' }, all);
  throwsInvalid(() => validateSysctls({ 'kernel.foo': '1' }, all), 'sysctl "kernel.foo" is not in a separate kernel namespace');
  throwsInvalid(
    () => validateSysctls({ 'kernel.hostname': 'x' }, all),
    'sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field',
  );
  throwsInvalid(
    () => gen({ namespaces: { network: { mode: 'host' } }, sysctls: { 'net.ipv4.ip_forward': '1' } }),
    'sysctl "net.ipv4.ip_forward" not allowed in host network namespace',
  );
  throwsInvalid(
    () => gen({ namespaces: { ipc: { mode: 'host' } }, sysctls: { 'kernel.shmmax': '1' } }),
    'sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace',
  );
  throwsInvalid(
    () => gen({ namespaces: { uts: { mode: 'host' } }, domainname: 'example.com' }),
    'sysctl "kernel.domainname" is not in a separate kernel namespace',
  );
});

test('ulimits become rlimits; bad ones are refused with go-units texts', () => {
  assert.deepEqual(buildRlimits([{ name: 'nofile', soft: 1, hard: 2 }]), [{ type: 'RLIMIT_NOFILE', hard: 2, soft: 1 }]);
  throwsInvalid(() => buildRlimits([{ name: 'files', soft: 1, hard: 2 }]), 'invalid ulimit type: files');
  throwsInvalid(
    () => buildRlimits([{ name: 'nproc', soft: 3, hard: 2 }]),
    'ulimit soft limit must be less than or equal to hard limit: 3 > 2',
  );
});

test('resources: Docker 25 shapes, NanoCPUs period/quota, explicit period/quota win, pids > 0 only', () => {
  const r = (resources: SpecInput['resources']) => {
    const { devices: _d, ...rest } = gen({ resources }).linux!.resources!;
    return rest;
  };
  assert.deepEqual(r({}), {});
  assert.deepEqual(r({ nanoCpus: 1, memorySwap: -1, memorySwappiness: -1, pidsLimit: 0 }), { cpu: { quota: 0, period: 100000 } });
  assert.deepEqual(r({ nanoCpus: 2_500_000_000, cpuPeriod: 50000 }), { cpu: { quota: 250000, period: 50000 } });
  assert.deepEqual(r({ cpuQuota: -1, cpuRealtimeRuntime: 950000, cpuRealtimePeriod: 1000000 }), {
    cpu: { quota: -1, realtimeRuntime: 950000, realtimePeriod: 1000000 },
  });
  assert.deepEqual(r({ blkioWeight: 300, blkioWeightDevice: [{ path: '/dev/sda', weight: 200 }], blkioDeviceReadBps: [{ path: '/dev/disk/root', rate: 1024 }] }), {
    blockIO: { weight: 300, weightDevice: [{ major: 8, minor: 0, weight: 200 }], throttleReadBpsDevice: [{ major: 8, minor: 1, rate: 1024 }] },
  });
  throwsInvalid(() => gen({ resources: { cpuShares: -1 } }), 'shares: invalid argument');
  throwsInvalid(() => gen({ resources: { blkioDeviceWriteIOps: [{ path: '/dev/sdz', rate: 1 }] } }), 'stat /dev/sdz: no such file or directory');
});

test('devices: mappings read from the host, symlinks followed, directories walked, errors as Docker', () => {
  const host = fakeHost();
  assert.deepEqual(devicesFromPath(host, '/dev/sda', '/dev/xvda', 'rw'), {
    devices: [{ path: '/dev/xvda', type: 'b', major: 8, minor: 0, fileMode: 0o660, uid: 0, gid: 6 }],
    cgroup: [{ allow: true, type: 'b', major: 8, minor: 0, access: 'rw' }],
  });
  assert.equal(devicesFromPath(host, '/dev/disk/root', '/dev/root', 'rwm').devices[0]!.minor, 1);
  assert.deepEqual(devicesFromPath(host, '/dev/snd', '/dev/sound', 'rwm').devices.map((d) => d.path), [
    '/dev/sound/seq', '/dev/sound/timer',
  ]);
  throwsInvalid(
    () => devicesFromPath(host, '/dev/nonexist', '/dev/nonexist', 'rwm'),
    'error gathering device information while adding custom device "/dev/nonexist": no such file or directory',
  );
  throwsInvalid(
    () => devicesFromPath(host, '/etc/passwd', '/etc/passwd', 'rwm'),
    'error gathering device information while adding custom device "/etc/passwd": not a device node',
  );
  throwsInvalid(
    () => devicesFromPath(host, '/dev/disk', '/dev/disk', 'rwm'),
    'error gathering device information while adding custom device "/dev/disk": not a device node',
  );
});

test('host devices: /dev walked like libcontainer (pts, shm, mqueue, console and fifos skipped)', () => {
  assert.deepEqual(hostDevices(fakeHost()).map((d) => d.path), [
    '/dev/full', '/dev/fuse', '/dev/kmsg', '/dev/net/tun', '/dev/null', '/dev/ptmx', '/dev/random', '/dev/sda',
    '/dev/sda1', '/dev/snd/seq', '/dev/snd/timer', '/dev/tty', '/dev/urandom', '/dev/zero',
  ]);
});

test('privileged device mappings: other paths added, same path skipped, permissions ignored with a warning', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'warn', json: true, write: (l) => lines.push(l) });
  const r = buildDevices(
    { privileged: true, deviceCgroupRules: ['bad rule'], devices: [
      { pathOnHost: '/dev/sda', pathInContainer: '/dev/xvda', cgroupPermissions: 'r' },
      { pathOnHost: '/dev/null' },
    ] },
    fakeHost(),
    log,
  );
  assert.equal(r.devices.at(-1)!.path, '/dev/xvda');
  assert.equal(r.devices.length, 15);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /custom r permissions for device \/dev\/sda are ignored in privileged mode/);
  assert.match(lines[1]!, /path in container \/dev\/null already exists in privileged mode/);
});

test('device cgroup rules', () => {
  assert.deepEqual(deviceCgroupRules(['c 42:* rmw', 'b *:7 r', 'a 1:2 w']), [
    { allow: true, type: 'c', major: 42, minor: -1, access: 'rmw' },
    { allow: true, type: 'b', major: -1, minor: 7, access: 'r' },
    { allow: true, type: 'a', major: 1, minor: 2, access: 'w' },
  ]);
  throwsInvalid(() => deviceCgroupRules(['c 42:* rwmx']), "invalid device cgroup rule format: 'c 42:* rwmx'");
  throwsInvalid(() => gen({ deviceCgroupRules: ['a'] }), "invalid device cgroup rule format: 'a'");
});

test('dev_t splits into major and minor as glibc does', () => {
  const makedev = (major: bigint, minor: bigint) =>
    ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
  assert.deepEqual(splitDev(0x0103n), { major: 1, minor: 3 });
  for (const [major, minor] of [[1n, 3n], [259n, 5n], [0x1234001n, 0xab07n], [4095n, 1048575n], [0xfffffffn, 0xfffffn]]) {
    assert.deepEqual(splitDev(makedev(major!, minor!)), { major: Number(major), minor: Number(minor) });
  }
});

test('security-opt as the daemon parses it', () => {
  assert.deepEqual(parseSecurityOpt([]), { noNewPrivileges: false, labelOpts: [] });
  assert.deepEqual(parseSecurityOpt([], true), { noNewPrivileges: true, labelOpts: [] });
  assert.deepEqual(
    parseSecurityOpt(['no-new-privileges', 'seccomp=unconfined', 'apparmor:foo', 'label=disable', 'disable']),
    { noNewPrivileges: true, seccompProfile: 'unconfined', apparmorProfile: 'foo', labelOpts: ['disable', 'disable'] },
  );
  assert.equal(parseSecurityOpt(['no-new-privileges=false'], true).noNewPrivileges, false);
  assert.equal(parseSecurityOpt(['no-new-privileges=T']).noNewPrivileges, true);
  throwsInvalid(() => parseSecurityOpt(['foo']), 'invalid --security-opt 1: "foo"');
  throwsInvalid(() => parseSecurityOpt(['foo=bar']), 'invalid --security-opt 2: "foo=bar"');
  throwsInvalid(() => parseSecurityOpt(['no-new-privileges=maybe']), 'invalid --security-opt 2: "no-new-privileges=maybe"');
  throwsInvalid(() => parseSecurityOpt(['systempaths=unconfined']), 'invalid --security-opt 2: "systempaths=unconfined"');
});

test('errors from the parts surface from generateSpec as invalidParameter', () => {
  throwsInvalid(() => gen({ capAdd: ['CAP_FOO'] }), 'invalid CapAdd: unknown capability: "CAP_FOO"');
  throwsInvalid(() => gen({ tmpfs: { '/x': 'foo=1' } }), 'invalid tmpfs option ["foo" "1"]');
  throwsInvalid(() => gen({ devices: [{ pathOnHost: '/dev/nope' }] }),
    'error gathering device information while adding custom device "/dev/nope": no such file or directory');
  throwsInvalid(() => gen({ ulimits: [{ name: 'x', soft: 1, hard: 1 }] }), 'invalid ulimit type: x');
});
