/**
 * Seccomp: our default profile against moby's default.json (testdata/seccomp/moby-default.json,
 * moby/profiles v0.2.3 as vendored by moby master; moby-20.10.24.json is Docker 20.10.24's), and
 * the resolution of Docker-format profiles as moby's setupSeccomp does it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kindOf } from '../lib/index.js';
import {
  DEFAULT_SECCOMP_PROFILE,
  containerSeccomp,
  loadSeccompProfile,
  nativeArch,
  resolveSeccompProfile,
  type DockerSeccompProfile,
  type SeccompTarget,
} from './seccomp.js';
import type { OciSeccomp } from './oci-spec.js';
import { DEFAULT_CAPABILITIES } from './spec-defaults.js';
import { KNOWN_CAPABILITIES } from './caps.js';
import { testdataDir, TEST_HOST_CAPS, TEST_KERNEL } from './test-helpers.js';

const DIR = join(testdataDir(import.meta.url), 'seccomp');
const MOBY = readFileSync(join(DIR, 'moby-default.json'), 'utf8');
const MOBY_20 = readFileSync(join(DIR, 'moby-20.10.24.json'), 'utf8');

const target = (t: Partial<SeccompTarget> = {}): SeccompTarget => ({
  capabilities: DEFAULT_CAPABILITIES,
  arch: 'amd64',
  kernelRelease: TEST_KERNEL,
  ...t,
});

/** Names within each rule sorted: the reference lists them in hand-kept order. */
function sortedNames<T extends { syscalls?: { names?: string[] }[] | null }>(p: T): T {
  const c = structuredClone(p);
  for (const r of c.syscalls ?? []) r.names?.sort();
  return c;
}

function throwsInvalid(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    assert.equal(kindOf(e), 'invalidParameter');
    return true;
  });
}

test('the default profile is moby default.json (profiles v0.2.3), rule for rule', () => {
  assert.deepEqual(sortedNames(structuredClone(DEFAULT_SECCOMP_PROFILE) as DockerSeccompProfile), sortedNames(JSON.parse(MOBY)));
});

test('no syscall is listed twice in the unconditional allow-list, which is sorted ignoring underscores', () => {
  const names = DEFAULT_SECCOMP_PROFILE.syscalls![0]!.names!;
  assert.equal(new Set(names).size, names.length);
  const key = (s: string) => s.replaceAll('_', '');
  assert.deepEqual([...names].sort((a, b) => (key(a) < key(b) ? -1 : 1)), names);
  assert.equal(names.length, 361);
});

test('resolved for many containers and hosts, ours and moby default.json give the same OCI profile', () => {
  const targets: SeccompTarget[] = [
    target(),
    target({ capabilities: TEST_HOST_CAPS }),
    target({ capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE'] }),
    target({ capabilities: [] }),
    target({ kernelRelease: '4.4.0-210-generic' }),
    target({ arch: 'arm64' }),
    target({ arch: 's390x', capabilities: ['CAP_SYS_ADMIN'] }),
    target({ arch: 's390x' }),
    target({ arch: 'riscv64', capabilities: KNOWN_CAPABILITIES }),
    target({ arch: 'ppc64le' }),
    target({ arch: 'x86' }),
    target({ arch: 'sparc' }),
  ];
  for (const t of targets) {
    const ours = resolveSeccompProfile(DEFAULT_SECCOMP_PROFILE, t)!;
    const moby = loadSeccompProfile(MOBY, t)!;
    assert.deepEqual(sortedNames(ours), sortedNames(moby), JSON.stringify(t));
  }
});

test('the default profile of a default amd64 container', () => {
  const p = containerSeccomp(undefined, false, target())!;
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(p.defaultErrnoRet, 1);
  assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(Object.keys(p), ['defaultAction', 'defaultErrnoRet', 'architectures', 'syscalls']);
  const rules = p.syscalls!;
  assert.deepEqual(
    rules.slice(1).map((r) => [r.names.join(' '), r.action, r.errnoRet ?? null, r.args?.map((a) => `${a.index} ${a.op} ${a.value}`).join() ?? '']),
    [
      ['process_vm_readv process_vm_writev ptrace', 'SCMP_ACT_ALLOW', null, ''],
      ['socket', 'SCMP_ACT_ALLOW', null, '0 SCMP_CMP_LT 38'],
      ['socket', 'SCMP_ACT_ALLOW', null, '0 SCMP_CMP_EQ 39'],
      ['socket', 'SCMP_ACT_ALLOW', null, '0 SCMP_CMP_GT 40'],
      ['personality', 'SCMP_ACT_ALLOW', null, '0 SCMP_CMP_EQ 0'],
      ['personality', 'SCMP_ACT_ALLOW', null, '0 SCMP_CMP_EQ 8'],
      ['personality', 'SCMP_ACT_ALLOW', null, '0 SCMP_CMP_EQ 131072'],
      ['personality', 'SCMP_ACT_ALLOW', null, '0 SCMP_CMP_EQ 131080'],
      ['personality', 'SCMP_ACT_ALLOW', null, '0 SCMP_CMP_EQ 4294967295'],
      ['arch_prctl', 'SCMP_ACT_ALLOW', null, ''],
      ['modify_ldt', 'SCMP_ACT_ALLOW', null, ''],
      ['clone', 'SCMP_ACT_ALLOW', null, '0 SCMP_CMP_MASKED_EQ 2114060288'],
      ['clone3', 'SCMP_ACT_ERRNO', 38, ''],
      ['chroot', 'SCMP_ACT_ALLOW', null, ''],
    ],
  );
  const all = new Set(rules.flatMap((r) => r.names));
  for (const blocked of ['mount', 'umount2', 'unshare', 'setns', 'init_module', 'finit_module', 'reboot', 'keyctl', 'add_key', 'request_key', 'bpf', 'kexec_load', 'open_by_handle_at', 'io_uring_setup', 'swapon']) {
    assert.ok(!all.has(blocked), blocked);
  }
  assert.ok(rules[0]!.names.includes('_llseek'));
});

test('capabilities widen the profile: SYS_ADMIN drops the clone filter, others allow their syscalls', () => {
  const names = (p: OciSeccomp | undefined) => p!.syscalls!.flatMap((r) => r.names);
  const admin = containerSeccomp(undefined, false, target({ capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'] }))!;
  assert.ok(names(admin).includes('mount') && names(admin).includes('unshare') && names(admin).includes('clone3'));
  assert.ok(!admin.syscalls!.some((r) => r.names[0] === 'clone' && r.args));
  assert.ok(!admin.syscalls!.some((r) => r.action === 'SCMP_ACT_ERRNO'));
  const noChroot = containerSeccomp(undefined, false, target({ capabilities: ['CAP_CHOWN'] }));
  assert.ok(!names(noChroot).includes('chroot'));
  const boot = containerSeccomp(undefined, false, target({ capabilities: ['CAP_SYS_BOOT', 'CAP_SYS_MODULE'] }));
  assert.ok(names(boot).includes('reboot') && names(boot).includes('finit_module'));
});

test('the reference rules on other hosts: old kernels, arm64, s390x clone order', () => {
  const old = containerSeccomp(undefined, false, target({ kernelRelease: '4.4.0' }))!;
  assert.ok(!old.syscalls!.some((r) => r.names.includes('ptrace')));
  const arm = containerSeccomp(undefined, false, target({ arch: 'arm64' }))!;
  assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.ok(arm.syscalls!.some((r) => r.names.includes('set_tls')));
  assert.ok(!arm.syscalls!.some((r) => r.names.includes('arch_prctl')));
  const s390 = containerSeccomp(undefined, false, target({ arch: 's390x' }))!;
  assert.deepEqual(s390.syscalls!.find((r) => r.names[0] === 'clone')!.args, [{ index: 1, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }]);
  const riscv = containerSeccomp(undefined, false, target({ arch: 'riscv64' }))!;
  assert.deepEqual(riscv.architectures, ['SCMP_ARCH_RISCV64']);
  assert.equal(containerSeccomp(undefined, false, target({ arch: 'sparc' }))!.architectures, undefined);
});

test('node arch names map to libseccomp names', () => {
  assert.equal(nativeArch('x64'), 'amd64');
  assert.equal(nativeArch('arm64'), 'arm64');
  assert.equal(nativeArch('ia32'), 'x86');
  assert.equal(nativeArch('ppc64'), 'ppc64le');
  assert.equal(nativeArch('sparc'), 'sparc');
});

test('unconfined, privileged and builtin', () => {
  assert.equal(containerSeccomp('unconfined', false, target()), undefined);
  assert.equal(containerSeccomp(undefined, true, target({ capabilities: TEST_HOST_CAPS })), undefined);
  assert.equal(containerSeccomp('', true, target()), undefined);
  assert.deepEqual(containerSeccomp('builtin', false, target()), containerSeccomp(undefined, false, target()));
  // compat: Docker 23+ applies an explicit profile to a privileged container (20.10 ignored it).
  const custom = containerSeccomp('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}', true, target());
  assert.deepEqual(custom, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
  assert.ok(containerSeccomp('builtin', true, target({ capabilities: TEST_HOST_CAPS })));
});

test('custom profiles: Docker 20.10 default.json, its empty filters and null args', () => {
  const p = loadSeccompProfile(MOBY_20, target())!;
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(p.defaultErrnoRet, undefined);
  assert.ok(p.syscalls![0]!.names.includes('io_uring_setup'));
  assert.deepEqual(p.syscalls![1], { names: ['ptrace'], action: 'SCMP_ACT_ALLOW' });
});

test('custom profiles: the single-name form, architectures as is, valueTwo, flags, keys in any case', () => {
  const p = loadSeccompProfile(
    JSON.stringify({
      DefaultAction: 'SCMP_ACT_LOG',
      architectures: ['SCMP_ARCH_X86_64'],
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [
        { name: 'kill', action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, value: 9, valueTwo: 9, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['read'], Action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['write'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '3.0' } },
        { names: ['open'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '99.1' } },
        { names: ['close'], action: 'SCMP_ACT_ALLOW', includes: {}, excludes: { arches: ['arm64'] } },
      ],
    }),
    target(),
  );
  assert.deepEqual(p, {
    defaultAction: 'SCMP_ACT_LOG',
    architectures: ['SCMP_ARCH_X86_64'],
    flags: ['SECCOMP_FILTER_FLAG_LOG'],
    syscalls: [
      { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, value: 9, valueTwo: 9, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['close'], action: 'SCMP_ACT_ALLOW' },
    ],
  });
});

test('custom profiles: an empty one means no seccomp, as in Docker', () => {
  assert.equal(loadSeccompProfile('{}', target()), undefined);
  assert.equal(loadSeccompProfile('{"syscalls":null}', target()), undefined);
});

test('custom profiles: refused with moby\'s texts', () => {
  throwsInvalid(() => loadSeccompProfile('{', target()), /^Decoding seccomp profile failed: /);
  throwsInvalid(() => loadSeccompProfile('[]', target()), 'Decoding seccomp profile failed: json: cannot unmarshal array into Go value of type seccomp.Seccomp');
  throwsInvalid(
    () => loadSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":"mkdir","action":"SCMP_ACT_ERRNO"}]}', target()),
    'Decoding seccomp profile failed: json: cannot unmarshal string into Go struct field syscalls.names of type []string',
  );
  throwsInvalid(
    () => loadSeccompProfile('{"defaultAction":1}', target()),
    'Decoding seccomp profile failed: json: cannot unmarshal number into Go struct field defaultAction of type string',
  );
  throwsInvalid(
    () => loadSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}', target()),
    "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
  );
  throwsInvalid(
    () => loadSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ERRNO"}]}', target()),
    "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'",
  );
  throwsInvalid(
    () => loadSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","includes":{"minKernel":"4"}}]}', target()),
    'invalid kernel version: "4", expected "<kernel>.<major>"',
  );
  throwsInvalid(
    () => loadSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","includes":{"minKernel":"0.0"}}]}', target()),
    'invalid kernel version: "0.0", expected "<kernel>.<major>": version cannot be 0.0',
  );
  throwsInvalid(
    () => loadSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}', target()),
    /^seccomp: argument value 18446744073709552000 is not an integer/,
  );
});
