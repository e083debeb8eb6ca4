/**
 * Golden tests of generateSpec. Each testdata/<case>/ holds:
 *   case.json    the `docker run` recorded, the -u/--group-add given, and our SpecInput for it
 *   config.json  what generateSpec writes (BERTH_UPDATE_GOLDEN=1 rewrites these)
 *   docker.json  what Docker 20.10.24 (containerd 1.6.20, runc 1.1.5, cgroup v1) wrote for that
 *                run, captured by a runc wrapper; seccomp and the libnetwork hook removed, the
 *                rootfs path shown as `rootfs`, /tmp paths renamed to /var/lib/docker and /srv.
 *                Cases added after the recording (the seccomp ones) have none.
 * The second test of each case compares ours with Docker's after the documented differences.
 * Our seccomp profile is checked against moby's default.json in seccomp.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateSpec, type SpecInput } from './spec.js';
import { resolveUser } from './user.js';
import type { OciSpec } from './oci-spec.js';
import { fakeHost, testdataDir, TEST_HOST_CAPS } from './test-helpers.js';

const TESTDATA = testdataDir(import.meta.url);
const PASSWD = readFileSync(join(TESTDATA, 'rootfs-etc', 'passwd'), 'utf8');
const GROUP = readFileSync(join(TESTDATA, 'rootfs-etc', 'group'), 'utf8');
const UPDATE = process.env['BERTH_UPDATE_GOLDEN'] === '1';

interface Case {
  docker: string;
  user?: string;
  groupAdd?: string[];
  input: SpecInput;
}

const cases = readdirSync(TESTDATA)
  .filter((n) => existsSync(join(TESTDATA, n, 'case.json')))
  .sort();

function specOf(c: Case): OciSpec {
  const input: SpecInput = { ...c.input, user: resolveUser(c.user ?? '', PASSWD, GROUP, c.groupAdd ?? []) };
  return generateSpec(input, { host: fakeHost() });
}

/** Capabilities Docker 20.10 knew (up to CAP_AUDIT_READ, number 37). */
const DOCKER20_CAPS = TEST_HOST_CAPS.filter((c) => !['CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'].includes(c));

/**
 * Both specs with the differences we chose removed:
 * - resources: 20.10 writes zero values (cpu.shares 0, blockIO.weight 0); we omit them (Docker 25);
 * - maskedPaths: we add /sys/devices/virtual/powercap (Docker 23+);
 * - a non-root process: 20.10 gives only the bounding set; we give all three (Docker 25);
 * - privileged / --cap-add ALL: 20.10 asks for every capability up to 37 (and fails here:
 *   "unable to apply caps"); we give the host's (Docker 25), so compare within both lists;
 * - --network host: 20.10 joins /var/run/docker/netns/default; we leave the namespace out (25);
 * - privileged devices are the recording host's /dev; ours come from the fake host;
 * - linux.seccomp was removed from the recordings, so it is left out of ours too.
 */
function comparable(name: string, ours: OciSpec, docker: OciSpec): [OciSpec, OciSpec] {
  const o = structuredClone(ours);
  const d = structuredClone(docker);
  delete o.linux!.seccomp;
  const res = d.linux!.resources!;
  if (res.cpu?.shares === 0) delete res.cpu.shares;
  if (res.blockIO?.weight === 0) delete res.blockIO.weight;
  for (const k of ['cpu', 'blockIO'] as const) if (res[k] && Object.keys(res[k]!).length === 0) delete res[k];
  if (o.linux?.maskedPaths) o.linux.maskedPaths = o.linux.maskedPaths.filter((p) => p !== '/sys/devices/virtual/powercap');
  const dc = d.process!.capabilities!;
  if (!dc.effective && dc.bounding) {
    dc.effective = dc.bounding;
    dc.permitted = dc.bounding;
  }
  if (name === 'privileged' || name === 'capall') {
    for (const caps of [o.process!.capabilities!, dc]) {
      for (const k of ['bounding', 'effective', 'permitted'] as const) {
        caps[k] = caps[k]!.filter((c) => DOCKER20_CAPS.includes(c) && TEST_HOST_CAPS.includes(c));
      }
    }
    delete o.linux!.devices;
    delete d.linux!.devices;
  }
  d.linux!.namespaces = d.linux!.namespaces!.filter(
    (n) => !(n.type === 'network' && n.path === '/var/run/docker/netns/default'),
  );
  return [o, d];
}

for (const name of cases) {
  const dir = join(TESTDATA, name);
  const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Case;

  test(`golden config.json: ${name}`, () => {
    const got = `${JSON.stringify(specOf(c), null, 2)}\n`;
    const golden = join(dir, 'config.json');
    if (UPDATE) writeFileSync(golden, got);
    assert.equal(got, readFileSync(golden, 'utf8'));
  });

  if (!existsSync(join(dir, 'docker.json'))) continue;
  test(`same as Docker 20.10.24 but the documented differences: ${name} (${c.docker})`, () => {
    const docker = JSON.parse(readFileSync(join(dir, 'docker.json'), 'utf8')) as OciSpec;
    const [o, d] = comparable(name, specOf(c), docker);
    assert.deepStrictEqual(o, d);
  });
}

test('the golden cases are all there', () => {
  assert.ok(cases.length >= 20, `only ${cases.length} cases`);
});
