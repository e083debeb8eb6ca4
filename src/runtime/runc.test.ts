/**
 * The generated spec runs: a busybox bundle (the host's busybox-static) started with
 * `runc run` (/usr/sbin/runc, as root) from generateSpec's config.json on the real host.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { background, nodeExec } from '../lib/index.js';
import { generateSpec, type SpecInput } from './spec.js';
import { nodeSpecHost, type SpecHost } from './host.js';
import { KNOWN_CAPABILITIES } from './caps.js';
import { resolveUser } from './user.js';

const RUNC = '/usr/sbin/runc';
const BUSYBOX = '/bin/busybox';
const INIT = '/usr/bin/docker-init';
const CGROUP_PARENT = `berth-test-${process.pid}`;
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
const GROUP = 'root:x:0:\ntty:x:5:\nwheel:x:10:root\naudio:x:29:nobody\nnogroup:x:65534:\n';

let tmp = '';
let host: SpecHost;

before(async () => {
  tmp = mkdtempSync('/tmp/berth-runc-');
  host = nodeSpecHost();
  const rootfs = join(tmp, 'bundle', 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'run']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  const { stdout } = await nodeExec.run(background(), BUSYBOX, ['--list']);
  for (const applet of stdout.split('\n')) {
    if (applet && applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
  writeFileSync(join(rootfs, 'etc', 'passwd'), PASSWD);
  writeFileSync(join(rootfs, 'etc', 'group'), GROUP);
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  // runc removes each container's cgroup; the test parent is ours to remove (empty by now).
  for (const ctrl of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', ctrl, CGROUP_PARENT);
    if (existsSync(dir)) rmdirSync(dir);
  }
});

/** Run one container from the spec of `input` and return its output (stdout + stderr). */
async function runSpec(input: Omit<SpecInput, 'id'>, userSpec = '', groupAdd: string[] = []): Promise<string> {
  const id = `berth-spec-${randomBytes(6).toString('hex')}`;
  const spec = generateSpec(
    { id, defaultCgroupParent: `/${CGROUP_PARENT}`, user: resolveUser(userSpec, PASSWD, GROUP, groupAdd), ...input },
    { host },
  );
  const bundle = join(tmp, 'bundle');
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  const state = join(tmp, 'state');
  try {
    const { stdout, stderr } = await nodeExec.run(background(), RUNC, ['--root', state, 'run', '--bundle', bundle, id], {
      timeoutMs: 30_000,
    });
    return stdout + stderr;
  } finally {
    await nodeExec.run(background(), RUNC, ['--root', state, 'delete', '--force', id]).catch(() => undefined);
  }
}

const SCRIPT = 'id; grep CapEff /proc/self/status; echo ok';

test('runc runs the default spec: root with wheel, Docker\'s default capability mask', async () => {
  const out = await runSpec({ args: ['sh', '-c', SCRIPT] });
  assert.equal(out, 'uid=0(root) gid=0(root) groups=0(root),10(wheel)\nCapEff:\t00000000a80425fb\nok\n');
});

test('runc runs -u nobody --group-add 4242: no effective capabilities', async () => {
  const out = await runSpec({ args: ['sh', '-c', SCRIPT] }, 'nobody', ['4242']);
  assert.equal(out, 'uid=65534(nobody) gid=65534(nogroup) groups=29(audio),4242,65534(nogroup)\nCapEff:\t0000000000000000\nok\n');
});

test('runc runs --privileged: every capability the host has, host devices, writable /sys', async () => {
  const out = await runSpec({
    args: ['sh', '-c', 'grep CapEff /proc/self/status; test -c /dev/kmsg && echo kmsg; grep " /sys " /proc/mounts | grep -q "rw," && echo sys-rw'],
    privileged: true,
  });
  let mask = 0n;
  for (const c of host.capabilities()) mask |= 1n << BigInt(KNOWN_CAPABILITIES.indexOf(c));
  assert.equal(out, `CapEff:\t${mask.toString(16).padStart(16, '0')}\nkmsg\nsys-rw\n`);
});

test('runc runs --init, --read-only with --tmpfs, env, workdir, ulimit, cap-drop ALL', async () => {
  const out = await runSpec({
    args: [
      'sh', '-c',
      'echo "$FOO $HOSTNAME"; pwd; tr "\\0" " " </proc/1/cmdline; echo; touch /x 2>/dev/null || echo ro; ' +
        'touch /run/y && echo run-rw; ulimit -n; grep CapEff /proc/self/status',
    ],
    env: ['FOO=bar'],
    hostname: 'box',
    workingDir: '/tmp',
    initPath: INIT,
    readonlyRootfs: true,
    tmpfs: { '/run': 'size=1m' },
    ulimits: [{ name: 'nofile', soft: 512, hard: 1024 }],
    capDrop: ['ALL'],
  });
  assert.equal(
    out,
    'bar box\n/tmp\n/sbin/docker-init -- sh -c ' +
      'echo "$FOO $HOSTNAME"; pwd; tr "\\0" " " </proc/1/cmdline; echo; touch /x 2>/dev/null || echo ro; ' +
      'touch /run/y && echo run-rw; ulimit -n; grep CapEff /proc/self/status \nro\nrun-rw\n512\nCapEff:\t0000000000000000\n',
  );
});

test('runc applies the default seccomp profile: unshare and mount refused, allowed syscalls fine; unconfined has none', async () => {
  const script = 'grep "^Seccomp:" /proc/self/status; unshare -r true 2>/dev/null && echo unshare-ok || echo unshare-refused; ' +
    'mkdir /tmp/d && rmdir /tmp/d && echo mkdir-ok';
  assert.equal(await runSpec({ args: ['sh', '-c', script] }), 'Seccomp:\t2\nunshare-refused\nmkdir-ok\n');
  assert.equal(await runSpec({ args: ['sh', '-c', script], seccompProfile: 'unconfined' }), 'Seccomp:\t0\nunshare-ok\nmkdir-ok\n');
  const denyMkdir = '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}';
  assert.equal(
    await runSpec({ args: ['sh', '-c', 'mkdir /tmp/d 2>&1; grep "^Seccomp:" /proc/self/status'], seccompProfile: denyMkdir }),
    "mkdir: can't create directory '/tmp/d': Permission denied\nSeccomp:\t2\n",
  );
});
