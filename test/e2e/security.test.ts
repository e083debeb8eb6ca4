/**
 * Issue 5, the security half, end to end with the real docker CLI against berthd: what a default
 * container may not do (capabilities, seccomp, masked and read-only paths), what --privileged
 * gives back, seccomp profiles, and the flags that shape a container's isolation.
 *
 * Host-dependent facts are read from the host, not assumed: on the test machines the kernel has
 * no /proc/kcore, no /proc/sysrq-trigger and no module support, and root's bounding set lacks
 * CAP_SYS_RESOURCE. Nothing here can touch the host: every container has its own PID and network
 * namespace unless a test says otherwise, and `reboot -f` runs only where `$$` is 1.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startDaemon, TestDaemon, ok } from './harness.js';

let d: TestDaemon;
let tmp: string;
before(async () => {
  d = await startDaemon();
  await d.importBusybox();
  tmp = mkdtempSync('/tmp/be-sec-');
});
after(async () => {
  await d?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

type Result = { code: number; stdout: string; stderr: string };


/** `docker run --rm --network none <flags> busybox sh -c <script>`. */
function sh(flags: string[], script: string): Promise<Result> {
  return d.docker(['run', '--rm', '--network', 'none', ...flags, 'busybox', 'sh', '-c', script]);
}

/** A /proc/<pid>/status capability mask line value, e.g. `00000000a80425fb`. */
function capMask(status: string, key: string): string {
  return new RegExp(`^${key}:\\s*([0-9a-f]+)$`, 'm').exec(status)![1]!;
}

/** The capabilities berthd can grant: its effective set within its bounding set. */
function daemonCaps(): string {
  const status = readFileSync(`/proc/${d.pid}/status`, 'utf8');
  const mask = BigInt(`0x${capMask(status, 'CapEff')}`) & BigInt(`0x${capMask(status, 'CapBnd')}`);
  return mask.toString(16).padStart(16, '0');
}

/**
 * One line per attempt, `name:ok` or `name:fail` (insmod: the error, since without module
 * support a permitted init_module still fails, with ENOSYS rather than EPERM). The reboot probe
 * is for containers that must not be able to: a privileged one would end (see its own test).
 */
const PROBES_BUT_REBOOT = [
  'grep -E "^(CapEff|CapBnd|Seccomp|NoNewPrivs):" /proc/self/status',
  'mkdir -p /mnt; mount -t tmpfs x /mnt 2>/dev/null && echo mount:ok || echo mount:fail',
  'unshare -r true 2>/dev/null && echo unshare:ok || echo unshare:fail',
  'echo x > /tmp/x.ko; insmod /tmp/x.ko 2>&1 | grep -q "Operation not permitted" && echo insmod:eperm || echo insmod:other',
  'echo kcore:$(head -c1 /proc/kcore 2>/dev/null | wc -c)',
  'echo 65536 2>/dev/null > /sys/class/net/lo/mtu && echo sys:ok || echo sys:fail',
  'echo 0 2>/dev/null > /proc/sys/net/ipv4/ip_forward && echo procsys:ok || echo procsys:fail',
  'echo h 2>/dev/null > /proc/sysrq-trigger && echo sysrq:ok || echo sysrq:fail',
].join('; ');
const PROBES = `${PROBES_BUT_REBOOT}; (test $$ = 1 && reboot -f) 2>/dev/null; echo reboot:survived`;

function parseProbes(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const m = /^([A-Za-z]+):\s*(.*)$/.exec(line);
    if (m) r[m[1]!] = m[2]!;
  }
  return r;
}

describe('a default container', () => {
  test('cannot mount, unshare, load modules, reboot, read /proc/kcore, write /sys, /proc/sys or /proc/sysrq-trigger', async () => {
    const p = parseProbes(await ok(sh([], PROBES)));
    assert.deepEqual(p, {
      CapEff: '00000000a80425fb',
      CapBnd: '00000000a80425fb',
      Seccomp: '2',
      NoNewPrivs: '0',
      mount: 'fail',
      unshare: 'fail',
      insmod: 'eperm',
      kcore: '0',
      sys: 'fail',
      procsys: 'fail',
      sysrq: 'fail',
      reboot: 'survived',
    });
  });

  test("has Docker's default capabilities exactly, and Docker's masked and read-only paths", async () => {
    const out = await ok(sh([], 'grep -E "^Cap(Prm|Eff|Bnd|Inh|Amb):" /proc/self/status; grep -E " /proc/(sys|bus|fs|irq|asound|acpi|scsi) | /sys/firmware " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1 | sort'));
    assert.equal(
      out,
      'CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n' +
        ['/proc/acpi ro', '/proc/asound ro', '/proc/bus ro', '/proc/fs ro', '/proc/irq ro', '/proc/scsi ro', '/proc/sys ro', '/sys/firmware ro']
          .filter((l) => existsSync(l.split(' ')[0]!))
          .map((l) => `${l}\n`)
          .join(''),
    );
  });
});

describe('--privileged', () => {
  // On the test machines berthd's bounding set lacks CAP_SYS_RESOURCE (bit 24): Docker 20.10
  // asks runc for it anyway and fails ("unable to apply caps"); Berth asks only for what it holds.
  test('starts here, with the capabilities berthd holds, no seccomp, and does what a default container cannot', async () => {
    const p = parseProbes(await ok(sh(['--privileged'], PROBES_BUT_REBOOT)));
    const caps = daemonCaps();
    assert.deepEqual(p, {
      CapEff: caps,
      CapBnd: caps,
      Seccomp: '0',
      NoNewPrivs: '0',
      mount: 'ok',
      unshare: 'ok',
      insmod: 'other',
      kcore: existsSync('/proc/kcore') ? '1' : '0',
      sys: 'ok',
      procsys: 'ok',
      sysrq: existsSync('/proc/sysrq-trigger') ? 'ok' : 'fail',
    });
  });

  test('reboot -f ends the container (its PID namespace), not the host', async () => {
    const r = await sh(['--privileged'], 'test $$ = 1 && reboot -f; echo survived');
    assert.equal(r.stdout, '');
    assert.equal(r.code, 129); // the PID namespace's init is killed with SIGHUP
  });

  test('all host devices, /sys and /sys/fs/cgroup read-write, nothing masked', async () => {
    const out = await ok(sh(['--privileged'], 'test -c /dev/kmsg && echo kmsg; grep -E " /sys(/fs/cgroup)? " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1; grep -c " /proc/sys " /proc/mounts; true'));
    assert.equal(out, 'kmsg\n/sys rw\n/sys/fs/cgroup rw\n0\n');
  });
});

describe('seccomp', () => {
  test('the default profile blocks unshare; seccomp=unconfined does not, nor does --cap-add SYS_ADMIN', async () => {
    const probe = 'grep "^Seccomp:" /proc/self/status; unshare -r true 2>&1 && echo unshare:ok';
    assert.equal((await sh([], probe)).stdout, 'Seccomp:\t2\nunshare: unshare(0x10000000): Operation not permitted\n');
    assert.equal(await ok(sh(['--security-opt', 'seccomp=unconfined'], probe)), 'Seccomp:\t0\nunshare:ok\n');
    assert.equal(await ok(sh(['--security-opt', 'seccomp=builtin'], 'grep "^Seccomp:" /proc/self/status')), 'Seccomp:\t2\n');
    assert.equal(await ok(sh(['--cap-add', 'SYS_ADMIN'], probe)), 'Seccomp:\t2\nunshare:ok\n');
  });

  test('seccomp=<file>: the CLI inlines the profile, the daemon converts it; bad profiles are refused', async () => {
    const file = join(tmp, 'deny-mkdir.json');
    writeFileSync(file, JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        { names: ['unshare'], action: 'SCMP_ACT_ERRNO', includes: { caps: ['CAP_SYS_ADMIN'] } },
      ],
    }, null, 2));
    const probe = 'mkdir /x 2>&1; unshare -r true 2>&1 && echo unshare:ok';
    assert.equal(
      (await sh(['--security-opt', `seccomp=${file}`], probe)).stdout,
      "mkdir: can't create directory '/x': Permission denied\nunshare:ok\n",
    );
    assert.equal(
      (await sh(['--security-opt', `seccomp=${file}`, '--cap-add', 'SYS_ADMIN'], probe)).stdout,
      "mkdir: can't create directory '/x': Permission denied\nunshare: unshare(0x10000000): Operation not permitted\n",
    );
    // compat: Docker 23+ applies an explicit profile to a privileged container too.
    assert.equal((await sh(['--privileged', '--security-opt', `seccomp=${file}`], 'mkdir /x 2>&1')).stdout, "mkdir: can't create directory '/x': Permission denied\n");

    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ERRNO"}]}');
    const r = await sh(['--security-opt', `seccomp=${bad}`], 'true');
    assert.equal(r.code, 125);
    assert.match(r.stderr, /Error response from daemon: both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'/);
    const missing = await sh(['--security-opt', `seccomp=${join(tmp, 'nope.json')}`], 'true');
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /opening seccomp profile \(.*nope\.json\) failed/);
  });

  test('docker info lists the builtin seccomp profile', async () => {
    const out = await ok(d.docker(['info', '--format', '{{json .SecurityOptions}}']));
    assert.equal(out.trim(), '["name=seccomp,profile=builtin"]');
  });
});

describe('capabilities', () => {
  const capEff = async (flags: string[]) => (await ok(sh(flags, 'grep ^CapEff: /proc/self/status'))).trim().split('\t')[1];

  test('--cap-add, --cap-drop, ALL both ways; unknown names refused', async () => {
    assert.equal(await capEff(['--cap-drop', 'chown', '--cap-drop', 'CAP_KILL', '--cap-add', 'net_admin']), '00000000a80435da');
    assert.equal(await capEff(['--cap-drop', 'ALL']), '0000000000000000');
    assert.equal(await capEff(['--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN']), '0000000000001000');
    assert.equal(await capEff(['--cap-add', 'ALL']), daemonCaps());
    assert.equal(await capEff(['--cap-add', 'ALL', '--cap-drop', 'SYS_ADMIN']), (BigInt(`0x${daemonCaps()}`) & ~(1n << 21n)).toString(16).padStart(16, '0'));
    const r = await sh(['--cap-add', 'FOO'], 'true');
    assert.equal(r.code, 125);
    assert.match(r.stderr, /invalid CapAdd: unknown capability: "CAP_FOO"/);
    const res = await sh(['--cap-add', 'SYS_RESOURCE'], 'true');
    if (!(BigInt(`0x${daemonCaps()}`) & (1n << 24n))) {
      assert.equal(res.code, 125);
      assert.match(res.stderr, /invalid CapAdd: capability not supported by your kernel or not available in the current environment: "CAP_SYS_RESOURCE"/);
    }
  });

  test('no-new-privileges', async () => {
    assert.equal(await ok(sh(['--security-opt', 'no-new-privileges'], 'grep ^NoNewPrivs: /proc/self/status')), 'NoNewPrivs:\t1\n');
    assert.equal(await ok(sh(['--security-opt', 'no-new-privileges=false'], 'grep ^NoNewPrivs: /proc/self/status')), 'NoNewPrivs:\t0\n');
  });
});

describe('filesystem, limits and identity', () => {
  test('--read-only with --tmpfs', async () => {
    const out = await ok(sh(['--read-only', '--tmpfs', '/run:size=1m,mode=1770', '--tmpfs', '/data'],
      'touch /x 2>&1; touch /run/a /data/b && echo tmpfs-rw; stat -c "%a" /run; df -k /run | tail -1 | tr -s " " | cut -d" " -f2'));
    assert.equal(out, "touch: /x: Read-only file system\ntmpfs-rw\n1770\n1024\n");
  });

  test('--sysctl reaches the container; sysctls outside its namespaces are refused', async () => {
    assert.equal(
      await ok(sh(['--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.shmmax=123456', '--sysctl', 'net.core.somaxconn=77'],
        'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/net/core/somaxconn')),
      '1\n123456\n77\n',
    );
    const r = await sh(['--sysctl', 'kernel.foo=1'], 'true'); // refused by the CLI itself
    assert.equal(r.code, 125);
    assert.match(r.stderr, /sysctl 'kernel\.foo=1' is not allowed/);
    const api = await d.request('POST', '/v1.44/containers/create', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { Sysctls: { 'kernel.foo': '1' } } }), { 'Content-Type': 'application/json' });
    const id = JSON.parse(api.body).Id as string;
    const start = await d.docker(['start', id]);
    assert.match(start.stderr, /sysctl "kernel\.foo" is not in a separate kernel namespace/);
    await ok(d.docker(['rm', id]));
    const host = await d.docker(['run', '--rm', '--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'true']);
    assert.equal(host.code, 125);
    assert.match(host.stderr, /sysctl "net\.ipv4\.ip_forward" not allowed in host network namespace/);
  });

  test('--ulimit, --oom-score-adj, --shm-size', async () => {
    assert.equal(
      await ok(sh(['--ulimit', 'nofile=100:200', '--ulimit', 'nproc=50', '--oom-score-adj', '500', '--shm-size', '10m'],
        'ulimit -n; ulimit -Hn; ulimit -u; cat /proc/self/oom_score_adj; df -k /dev/shm | tail -1 | tr -s " " | cut -d" " -f2')),
      '100\n200\n50\n500\n10240\n',
    );
    const r = await sh(['--oom-score-adj', '1001'], 'true');
    assert.equal(r.code, 125);
    assert.match(r.stderr, /Invalid value 1001, range for oom score adj is \[-1000, 1000\]/);
  });

  test('--group-add by number and by name (from the image\'s /etc/group)', async () => {
    assert.equal(await ok(sh(['--group-add', '123', '--group-add', 'nogroup'], 'id')), 'uid=0(root) gid=0(root) groups=0(root),123,65534(nogroup)\n');
    const r = await sh(['--group-add', 'nosuchgroup'], 'true');
    assert.equal(r.code, 125);
    assert.match(r.stderr, /Unable to find group nosuchgroup/);
  });

  test('--device, with its cgroup permissions', async () => {
    // /dev/full (1:7) is not in the default allow-list, so `r` is all the container may do with it.
    const out = await ok(sh(['--device', '/dev/full:/dev/myfull:r', '--device', '/dev/zero'],
      'stat -c "%F %t:%T" /dev/myfull /dev/zero; head -c1 /dev/myfull | wc -c; echo x 2>/dev/null > /dev/myfull || echo write-refused'));
    assert.equal(out, 'character special file 1:7\ncharacter special file 1:5\n1\nwrite-refused\n');
    const r = await sh(['--device', '/dev/nonexistent'], 'true');
    assert.equal(r.code, 127); // compat: the docker CLI exits 127 for a start error naming a missing file
    assert.match(r.stderr, /error gathering device information while adding custom device "\/dev\/nonexistent": no such file or directory/);
  });
});

describe('namespaces', () => {
  /** The host's namespaces: this test runs in them (the host's PID 1 is not readable here). */
  const ns = (type: string) => readlinkSync(`/proc/self/ns/${type}`);

  test('--pid, --ipc, --uts host share the host\'s', async () => {
    assert.equal(
      await ok(sh(['--pid', 'host', '--ipc', 'host', '--uts', 'host'], `readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts; hostname; test -d /proc/${process.pid} && echo sees-us`)),
      `${ns('pid')}\n${ns('ipc')}\n${ns('uts')}\n${hostname()}\nsees-us\n`,
    );
    const own = await ok(sh([], 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts'));
    for (const [i, type] of ['pid', 'ipc', 'uts'].entries()) assert.notEqual(own.split('\n')[i], ns(type));
  });

  test('--ipc none has no /dev/shm; private has its own', async () => {
    assert.equal(await ok(sh(['--ipc', 'none'], 'test -e /dev/shm || echo no-shm')), 'no-shm\n');
    assert.equal(await ok(sh(['--ipc', 'private'], 'grep -c " /dev/shm tmpfs" /proc/mounts')), '1\n');
  });

  test('--ipc shareable and --pid/--ipc container:<name> join the other container\'s namespaces and /dev/shm', async () => {
    await ok(d.docker(['run', '-d', '--name', 'donor', '--network', 'none', '--ipc', 'shareable', '--shm-size', '8m', 'busybox', 'sh', '-c', 'echo shared > /dev/shm/x; sleep 300']));
    try {
      const donor = await ok(d.docker(['exec', 'donor', 'sh', '-c', 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc']));
      const out = await ok(sh(['--pid', 'container:donor', '--ipc', 'container:donor'],
        'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; cat /dev/shm/x; df -k /dev/shm | tail -1 | tr -s " " | cut -d" " -f2; ps -o comm | grep -c sleep'));
      assert.equal(out, `${donor}shared\n8192\n1\n`);
      const id = (await ok(d.docker(['inspect', '-f', '{{.Id}}', 'donor']))).trim();
      const joiner = await ok(d.docker(['create', '--pid', 'container:donor', '--ipc', 'container:donor', 'busybox', 'true']));
      // compat: the name is replaced by the ID at create (moby adaptSharedNamespaceContainer).
      assert.equal(
        (await ok(d.docker(['inspect', '-f', '{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}}', joiner.trim()]))).trim(),
        `container:${id} container:${id}`,
      );
      await ok(d.docker(['rm', joiner.trim()]));
    } finally {
      await d.docker(['rm', '-f', 'donor']);
    }
  });

  test('joining a container that is not running, not shareable or missing: Docker\'s errors', async () => {
    const stopped = (await ok(d.docker(['create', '--name', 'stopped', 'busybox', 'true']))).trim();
    await ok(d.docker(['run', '-d', '--name', 'private', '--network', 'none', 'busybox', 'sleep', '300']));
    const priv = (await ok(d.docker(['inspect', '-f', '{{.Id}}', 'private']))).trim();
    try {
      const cases: [string[], RegExp][] = [
        [['--pid', 'container:stopped'], new RegExp(`failed to join PID namespace: container ${stopped} is not running`)],
        [['--ipc', 'container:stopped'], new RegExp(`failed to join IPC namespace: container ${stopped} is not running`)],
        [['--ipc', 'container:private'], new RegExp(`failed to join IPC namespace: container ${priv}: non-shareable IPC \\(hint: use IpcMode:shareable for the donor container\\)`)],
        [['--pid', 'container:nosuch'], /failed to join PID namespace: No such container: nosuch/],
      ];
      for (const [flags, msg] of cases) {
        const r = await sh(flags, 'true');
        assert.equal(r.code, 125, flags.join(' '));
        assert.match(r.stderr, msg);
      }
      assert.equal(await ok(sh(['--pid', 'container:private'], 'ps -o comm | grep -c sleep')), '1\n');
      const uts = await d.docker(['run', '--rm', '--uts', 'container:private', 'busybox', 'true']);
      assert.equal(uts.code, 125);
      assert.match(uts.stderr, /--uts: invalid UTS mode/);
      const api = await d.request('POST', '/v1.44/containers/create', JSON.stringify({ Image: 'busybox', HostConfig: { UTSMode: 'container:private' } }), { 'Content-Type': 'application/json' });
      assert.equal(api.status, 400);
      assert.equal(JSON.parse(api.body).message, 'invalid UTS mode: container:private');
    } finally {
      await d.docker(['rm', '-f', 'stopped', 'private']);
    }
  });

  test('a shareable container\'s /dev/shm tmpfs is unmounted when it stops', async () => {
    const id = (await ok(d.docker(['run', '-d', '--network', 'none', '--ipc', 'shareable', 'busybox', 'sleep', '300']))).trim();
    const shm = join(d.dataRoot, 'containers', id, 'mounts', 'shm');
    const mounted = () => readFileSync('/proc/mounts', 'utf8').includes(` ${shm} tmpfs `);
    assert.ok(mounted());
    await ok(d.docker(['kill', id]));
    assert.ok(!mounted());
    await ok(d.docker(['start', id]));
    assert.ok(mounted());
    await ok(d.docker(['rm', '-f', id]));
    assert.ok(!mounted());
  });
});
