/**
 * Issue 5 (resources): cgroup limits reach the container, OOM kills are reported, stats and
 * update work, through the real docker CLI.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, TestDaemon, ok } from './harness.js';

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
  await d.importBusybox();
});
after(async () => {
  await d?.cleanup();
});


test('--memory: allocating more is OOM-killed, exit 137, OOMKilled, an oom event', async () => {
  const events = d.docker(['events', '--since', '0', '--until', String(Math.floor(Date.now() / 1000) + 8), '--filter', 'event=oom', '--format', '{{.Actor.Attributes.name}}']);
  const r = await d.docker(['run', '--name', 'oom', '--memory', '32m', '--memory-swap', '32m', 'busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
  assert.equal(r.code, 137, r.stderr);
  assert.equal((await ok(d.docker(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'oom']))).trim(), 'true 137');
  assert.match(await ok(events), /^oom$/m);
  await ok(d.docker(['rm', 'oom']));
});

test('--pids-limit stops a fork bomb; stats shows the pids', async () => {
  await ok(d.docker(['run', '-d', '--name', 'bomb', '--pids-limit', '20', 'busybox', 'sleep', '600']));
  // A shell forking without end inside it: it fails once the cgroup holds 20 processes.
  const bomb = await d.docker(['exec', 'bomb', 'sh', '-c', 'for i in $(seq 1 60); do sleep 300 & done; wait']);
  assert.notEqual(bomb.code, 0);
  assert.match(bomb.stderr, /can't fork|Resource temporarily unavailable/);
  try {
    const top = (await ok(d.docker(['top', 'bomb']))).trim().split('\n').length - 1;
    assert.ok(top <= 20 && top >= 10, `processes: ${top}`);
    const pids = Number((await ok(d.docker(['stats', '--no-stream', '--format', '{{.PIDs}}', 'bomb']))).trim());
    assert.ok(pids <= 20 && pids >= 10, `stats PIDs: ${pids}`);
  } finally {
    await d.docker(['rm', '-f', 'bomb']);
  }
});

test('--cpus 0.5 holds a busy loop near 50 % in stats; update changes it live', async () => {
  await ok(d.docker(['run', '-d', '--name', 'spin', '--cpus', '0.5', '--memory', '64m', 'busybox', 'sh', '-c', 'while :; do :; done']));
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const [cpu, mem] = (await ok(d.docker(['stats', '--no-stream', '--format', '{{.CPUPerc}}|{{.MemUsage}}', 'spin']))).trim().split('|');
    assert.ok(Math.abs(parseFloat(cpu!) - 50) < 12, `CPU ${cpu}`);
    assert.match(mem!, / \/ 64MiB$/);
    assert.equal((await ok(d.docker(['update', '--cpus', '0.2', '--memory', '100m', '--memory-swap', '200m', 'spin']))).trim(), 'spin');
    await new Promise((r) => setTimeout(r, 1500));
    const [cpu2, mem2] = (await ok(d.docker(['stats', '--no-stream', '--format', '{{.CPUPerc}}|{{.MemUsage}}', 'spin']))).trim().split('|');
    assert.ok(Math.abs(parseFloat(cpu2!) - 20) < 8, `CPU after update ${cpu2}`);
    assert.match(mem2!, / \/ 100MiB$/);
    const bad = await d.docker(['update', '--memory', '300m', 'spin']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time/);
    // The stats stream of the API: one JSON object a second, with precpu filled from the second on.
    const stream = await ok(d.docker(['stats', '--no-stream', '--format', '{{json .}}', 'spin']));
    assert.match(stream, /"Name":"spin"/);
  } finally {
    await d.docker(['rm', '-f', 'spin']);
  }
});

test('stats of a stopped container is zero-valued', async () => {
  await ok(d.docker(['create', '--name', 'idle', 'busybox', 'true']));
  const out = (await ok(d.docker(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}', 'idle']))).trim();
  assert.equal(out, 'idle 0.00% 0B / 0B 0');
  await ok(d.docker(['rm', 'idle']));
});

test('berth stats and berth update answer as docker does', async () => {
  await ok(d.docker(['run', '-d', '--name', 'pair', '--cpus', '0.5', 'busybox', 'sleep', '100']));
  await ok(d.docker(['create', '--name', 'pair-idle', 'busybox', 'true']));
  try {
    // NET I/O is left out: the container's own traffic (IPv6 router solicitations) moves it between the two reads.
    const fmt = ['--format', '{{.Name}} {{.ID}} {{.MemPerc}} {{.BlockIO}} {{.PIDs}}'];
    for (const args of [['stats', '--no-stream', 'pair-idle', ...fmt], ['stats', '--no-stream', '-a', ...fmt], ['stats', '--no-stream', 'nosuch']]) {
      const [b, k] = await Promise.all([d.berth(args), d.docker(args)]);
      assert.equal(b.stdout, k.stdout, args.join(' '));
      assert.equal(b.code, k.code, args.join(' '));
      assert.equal(b.stderr, k.stderr, args.join(' '));
    }
    const table = await ok(d.berth(['stats', '--no-stream', 'pair']));
    assert.match(table, /^CONTAINER ID {3}NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS\n[0-9a-f]{12} {3}pair +\d+\.\d\d% /);
    for (const args of [['update', '--cpus', '0.4', '--restart', 'on-failure:2', 'pair', 'nosuch'], ['update', 'pair'], ['update', '--memory', '1m', 'pair']]) {
      const [b, k] = await Promise.all([d.berth(args), d.docker(args)]);
      assert.equal(b.stdout, k.stdout, args.join(' '));
      assert.equal(b.code, k.code, args.join(' '));
    }
    assert.equal((await ok(d.docker(['inspect', '-f', '{{.HostConfig.NanoCpus}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'pair']))).trim(), '400000000 on-failure:2');
  } finally {
    await d.docker(['rm', '-f', 'pair', 'pair-idle']);
  }
});
