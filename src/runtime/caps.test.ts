import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../lib/index.js';
import { capabilitiesFromMask, KNOWN_CAPABILITIES, normalizeCapabilities, tweakCapabilities, validateCapabilities } from './caps.js';
import { capabilitiesFromStatus } from './host.js';
import { DEFAULT_CAPABILITIES } from './spec-defaults.js';
import { TEST_HOST_CAPS } from './test-helpers.js';

test('Docker default capabilities: the 14, whose mask is CapEff 00000000a80425fb', () => {
  assert.equal(DEFAULT_CAPABILITIES.length, 14);
  let mask = 0n;
  for (const c of DEFAULT_CAPABILITIES) mask |= 1n << BigInt(KNOWN_CAPABILITIES.indexOf(c));
  assert.equal(mask.toString(16).padStart(16, '0'), '00000000a80425fb');
  assert.deepEqual(tweakCapabilities({}, TEST_HOST_CAPS), DEFAULT_CAPABILITIES);
});

test('capabilities from /proc/self/status: effective within bounding, in number order', () => {
  const status = 'Name:\tx\nCapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\nCapEff:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\n';
  assert.deepEqual(capabilitiesFromStatus(status), TEST_HOST_CAPS);
  assert.ok(!capabilitiesFromStatus(status).includes('CAP_SYS_RESOURCE'));
  const narrow = 'CapEff:\t00000000a80425fb\nCapBnd:\t0000000000000003\n';
  assert.deepEqual(capabilitiesFromStatus(narrow), ['CAP_CHOWN', 'CAP_DAC_OVERRIDE']);
  assert.deepEqual(capabilitiesFromMask(1n << 63n), []); // unknown bits are skipped
});

test('names: any case, with or without CAP_; ALL kept', () => {
  assert.deepEqual(normalizeCapabilities(['net_admin', 'CAP_SYS_TIME', 'Cap_Kill', 'all'], TEST_HOST_CAPS), [
    'CAP_NET_ADMIN', 'CAP_SYS_TIME', 'CAP_KILL', 'ALL',
  ]);
});

test('unknown and unavailable capabilities are invalidParameter with Docker texts', () => {
  const cases: [() => unknown, string][] = [
    [() => normalizeCapabilities(['foo'], TEST_HOST_CAPS), 'unknown capability: "CAP_FOO"'],
    [() => normalizeCapabilities(['CAP_FOO'], TEST_HOST_CAPS), 'unknown capability: "CAP_FOO"'],
    [
      () => normalizeCapabilities(['sys_resource'], TEST_HOST_CAPS),
      'capability not supported by your kernel or not available in the current environment: "CAP_SYS_RESOURCE"',
    ],
    [() => validateCapabilities(['foo'], [], TEST_HOST_CAPS), 'invalid CapAdd: unknown capability: "CAP_FOO"'],
    [() => validateCapabilities([], ['bar'], TEST_HOST_CAPS), 'invalid CapDrop: unknown capability: "CAP_BAR"'],
    [() => tweakCapabilities({ privileged: true, capAdd: ['foo'] }, TEST_HOST_CAPS), 'invalid CapAdd: unknown capability: "CAP_FOO"'],
  ];
  for (const [fn, message] of cases) {
    assert.throws(fn, (e: unknown) => {
      assert.equal((e as Error).message, message);
      assert.equal(kindOf(e), 'invalidParameter');
      return true;
    });
  }
});

test('tweak: drops, adds (duplicates kept), ALL on either side, privileged', () => {
  const t = (o: Parameters<typeof tweakCapabilities>[0]) => tweakCapabilities(o, TEST_HOST_CAPS);
  assert.deepEqual(t({ capDrop: ['chown', 'kill', 'audit_write'] }), DEFAULT_CAPABILITIES.filter(
    (c) => !['CAP_CHOWN', 'CAP_KILL', 'CAP_AUDIT_WRITE'].includes(c),
  ));
  assert.deepEqual(t({ capAdd: ['net_admin', 'chown'] }), [...DEFAULT_CAPABILITIES, 'CAP_NET_ADMIN', 'CAP_CHOWN']);
  assert.deepEqual(t({ capAdd: ['chown'], capDrop: ['chown'] }), [
    ...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN'), 'CAP_CHOWN',
  ]);
  assert.deepEqual(t({ capDrop: ['ALL'] }), []);
  assert.deepEqual(t({ capDrop: ['ALL'], capAdd: ['kill', 'chown'] }), ['CAP_KILL', 'CAP_CHOWN']);
  assert.deepEqual(t({ capAdd: ['ALL'], capDrop: ['net_admin'] }), TEST_HOST_CAPS.filter((c) => c !== 'CAP_NET_ADMIN'));
  assert.deepEqual(t({ capAdd: ['ALL'], capDrop: ['ALL'] }), TEST_HOST_CAPS);
  assert.deepEqual(t({ privileged: true, capDrop: ['chown'] }), TEST_HOST_CAPS);
  // Never more than the host has: no CAP_SYS_RESOURCE here, so runc can apply them.
  assert.ok(!t({ privileged: true }).includes('CAP_SYS_RESOURCE'));
});
