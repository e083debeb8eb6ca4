/** Issue 5 (health): HEALTHCHECK / --health-* through the real docker CLI. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, TestDaemon, ok, sleep } from './harness.js';

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
  await d.importBusybox();
});
after(async () => {
  await d?.cleanup();
});

const status = async (name: string) => (await ok(d.docker(['ps', '--filter', `name=${name}`, '--format', '{{.Status}}']))).trim();

test('a failing check turns the container unhealthy within the retries: ps, inspect, events', async () => {
  const since = Math.floor(Date.now() / 1000);
  await ok(d.docker(['run', '-d', '--name', 'hc', '--health-cmd', 'test -f /ok', '--health-interval', '1s', '--health-retries', '2', 'busybox', 'sh', '-c', 'touch /ok; sleep 3; rm /ok; sleep 100']));
  try {
    assert.match(await status('hc'), /\(health: starting\)$/);
    await sleep(2200);
    assert.match(await status('hc'), /\(healthy\)$/);
    await sleep(4000);
    assert.match(await status('hc'), /\(unhealthy\)$/);
    const [st, streak, n] = (await ok(d.docker(['inspect', '-f', '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{len .State.Health.Log}}', 'hc']))).trim().split(' ');
    assert.equal(st, 'unhealthy');
    assert.ok(Number(streak) >= 2);
    assert.ok(Number(n) <= 5);
    assert.equal((await ok(d.docker(['ps', '-q', '--filter', 'health=unhealthy']))).trim().length, 12);
    const ev = await ok(d.docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'container=hc', '--filter', 'event=health_status', '--format', '{{.Action}}']));
    assert.deepEqual(ev.trim().split('\n'), ['health_status: healthy', 'health_status: unhealthy']);
  } finally {
    await d.docker(['rm', '-f', 'hc']);
  }
});

test('a check over its timeout is killed and logged', async () => {
  await ok(d.docker(['run', '-d', '--name', 'slow', '--health-cmd', 'sleep 5', '--health-interval', '1s', '--health-timeout', '500ms', '--health-retries', '1', 'busybox', 'sleep', '100']));
  try {
    await sleep(2500);
    assert.match(await status('slow'), /\(unhealthy\)$/);
    const out = (await ok(d.docker(['inspect', '-f', '{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}|{{end}}', 'slow']))).trim();
    assert.match(out, /^-1 Health check exceeded timeout \(500ms\)\|/);
  } finally {
    await d.docker(['rm', '-f', 'slow']);
  }
});
