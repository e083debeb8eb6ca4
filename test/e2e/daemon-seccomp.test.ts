/**
 * Issue 5, the daemon's `--seccomp-profile` (daemon.json `seccomp-profile`): containers that
 * name no profile get the daemon's, a container's own `--security-opt seccomp=…` still wins,
 * `docker info` names it, and an unreadable file stops berthd with moby's message.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, type TestDaemon, ok } from './harness.js';

let d: TestDaemon;
const dir = mkdtempSync(join(tmpdir(), 'berth-seccomp-'));
const profile = join(dir, 'no-mkdir.json');
// allow everything but mkdir/mkdirat (EPERM)
writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));

describe('berthd --seccomp-profile', () => {
  before(async () => {
    d = await startDaemon({ args: ['--seccomp-profile', profile] });
    await d.importBusybox();
  });
  after(async () => {
    await d?.cleanup();
  });

  test("containers without a profile of their own get the daemon's; their own still wins", async () => {
    const denied = await d.docker(['run', '--rm', 'busybox', 'mkdir', '/x']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr + denied.stdout, /Operation not permitted/);
    assert.match(await ok(d.docker(['run', '--rm', 'busybox', 'grep', 'Seccomp:', '/proc/self/status'])), /Seccomp:\s+2/);
    await ok(d.docker(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox', 'mkdir', '/x']));
    assert.match(await ok(d.docker(['info', '-f', '{{json .SecurityOptions}}'])), new RegExp(`name=seccomp,profile=${profile.replace(/[/.]/g, '\\$&')}`));
  });

  test("a profile that cannot be read stops berthd at once with moby's message", async () => {
    const root = join(dir, 'other');
    const s = await run(process.execPath, [join(process.cwd(), 'dist/src/cmd/berthd.js'), '--data-root', join(root, 'data'), '--exec-root', join(root, 'run'), '-H', `unix://${join(root, 'b.sock')}`, '--bridge', 'none', '--seccomp-profile', join(dir, 'missing.json')], { timeoutMs: 20_000 });
    assert.notEqual(s.code, 0);
    assert.match(s.stderr + s.stdout, /opening seccomp profile \(.*missing\.json\) failed/);
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));
