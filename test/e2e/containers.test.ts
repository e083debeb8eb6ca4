/**
 * Issue 4 end to end: containers through the real docker CLI and berth on a real berthd
 * (busybox from Berth's own import path).
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startDaemon, CLIS, cliRun, TestDaemon, run, DOCKER, ok, sleep } from './harness.js';

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
  await d.importBusybox();
});
after(async () => {
  await d?.cleanup();
});



describe('run', () => {
  for (const cli of CLIS) {
    test(`${cli} run --rm prints the output and leaves nothing`, async () => {
      const r = await cliRun(d, cli, ['run', '--rm', 'busybox', 'echo', 'hi']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hi\n');
      assert.equal((await ok(d.docker(['ps', '-aq', '--filter', 'ancestor=busybox', '--filter', 'status=exited']))).trim(), '');
    });

    test(`${cli} run exit codes: the container's, 127, 125`, async () => {
      assert.equal((await cliRun(d, cli, ['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'])).code, 3);
      const nf = await cliRun(d, cli, ['run', '--rm', 'busybox', 'nosuchcommand']);
      assert.equal(nf.code, 127, nf.stderr);
      const ni = await cliRun(d, cli, ['run', '--rm', 'nosuchimage']);
      assert.equal(ni.code, 125);
      assert.match(ni.stderr, /Unable to find image 'nosuchimage:latest' locally/);
    });

    test(`${cli} run -i passes stdin and sees its end`, async () => {
      const r = await cliRun(d, cli, ['run', '-i', '--rm', 'busybox', 'sh', '-c', 'cat; echo end'], { input: 'line1\nline2\n' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'line1\nline2\nend\n');
    });
  }

  test('--init: a static init is PID 1 and the command its child', async () => {
    const out = await ok(d.docker(['run', '--rm', '--init', 'busybox', 'ps', '-o', 'pid,args']));
    assert.match(out, /^\s*1 \/sbin\/docker-init -- ps -o pid,args$/m);
  });

  test('run -it gets a terminal (under script)', async () => {
    const r = await run('script', ['-qec', `${DOCKER} run -it --rm busybox sh -c 'tty; echo done'`, '/dev/null'], { env: { DOCKER_HOST: d.host } });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /\/dev\/pts\/\d+\r?\n/);
    assert.match(r.stdout, /done/);
  });
});

describe('lifecycle', () => {
  for (const cli of CLIS) {
    test(`${cli}: run -d, ps, logs, exec, stop, start keeps files, rm`, async () => {
      const name = `life-${cli}`;
      const id = (await ok(cliRun(d, cli, ['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'trap "exit 0" TERM; echo started; while true; do sleep 0.1; done']))).trim();
      assert.match(id, /^[a-f0-9]{64}$/);
      const ps = await ok(cliRun(d, cli, ['ps', '--filter', `name=${name}`, '--format', '{{.Names}}|{{.Status}}|{{.Image}}']));
      assert.match(ps.trim(), new RegExp(`^${name}\\|Up (Less than a second|\\d+ seconds?)\\|busybox$`));
      await sleep(300);
      assert.equal(await ok(cliRun(d, cli, ['logs', name])), 'started\n');
      assert.equal(await ok(cliRun(d, cli, ['exec', name, 'sh', '-c', 'echo data > /keep; echo in-exec'])), 'in-exec\n');
      assert.equal((await cliRun(d, cli, ['exec', name, 'sh', '-c', 'exit 4'])).code, 4);
      assert.equal(await ok(cliRun(d, cli, ['exec', '-i', name, 'cat'], { input: 'via-stdin\n' })), 'via-stdin\n');
      assert.equal((await ok(cliRun(d, cli, ['inspect', '--format', '{{.State.Running}} {{.Config.Image}} {{.Name}}', name]))).trim(), `true busybox /${name}`);
      await ok(cliRun(d, cli, ['stop', name]));
      assert.equal((await ok(cliRun(d, cli, ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name]))).trim(), 'exited 0');
      await ok(cliRun(d, cli, ['start', name]));
      assert.equal(await ok(cliRun(d, cli, ['exec', name, 'cat', '/keep'])), 'data\n');
      const rm = await cliRun(d, cli, ['rm', name]);
      assert.equal(rm.code, 1);
      assert.match(rm.stderr, /You cannot remove a running container [a-f0-9]{64}\. Stop the container before attempting removal or force remove/);
      await ok(cliRun(d, cli, ['rm', '-f', name]));
      assert.equal((await cliRun(d, cli, ['inspect', name])).code, 1);
    });
  }

  test('stop of a PID 1 that ignores SIGTERM takes 10 s and ends Exited (137)', async () => {
    await ok(d.docker(['run', '-d', '--name', 'stubborn', 'busybox', 'sleep', '600']));
    const t0 = Date.now();
    await ok(d.docker(['stop', 'stubborn']));
    const took = Date.now() - t0;
    assert.ok(took >= 9500 && took < 14000, `stop took ${took} ms`);
    const st = await ok(d.docker(['ps', '-a', '--filter', 'name=stubborn', '--format', '{{.Status}}']));
    assert.match(st.trim(), /^Exited \(137\) /);
    await ok(d.docker(['rm', 'stubborn']));
  });

  test('pause, unpause, rename, wait, kill', async () => {
    await ok(d.docker(['run', '-d', '--name', 'p1', 'busybox', 'sleep', '600']));
    await ok(d.docker(['pause', 'p1']));
    assert.match((await ok(d.docker(['ps', '--filter', 'name=p1', '--format', '{{.Status}}']))).trim(), /\(Paused\)$/);
    await ok(d.docker(['unpause', 'p1']));
    await ok(d.docker(['rename', 'p1', 'p2']));
    const waiter = d.docker(['wait', 'p2']);
    await sleep(200);
    await ok(d.docker(['kill', 'p2']));
    assert.equal((await ok(waiter)).trim(), '137');
    await ok(d.docker(['rm', 'p2']));
    // kill (SIGKILL) returns once the container has stopped: rm right after it succeeds.
    await ok(d.docker(['run', '-d', '--name', 'p3', 'busybox', 'sleep', '600']));
    await ok(d.docker(['kill', 'p3']));
    await ok(d.docker(['rm', 'p3']));
  });
});

describe('exec', () => {
  test('a short exec is reported exited with its code, never left Running', async () => {
    await ok(d.docker(['run', '-d', '--name', 'short-exec', 'busybox', 'sleep', '600']));
    const json = { 'Content-Type': 'application/json' };
    for (let i = 0; i < 12; i++) {
      const code = i % 3;
      const c = await d.request('POST', '/v1.44/containers/short-exec/exec', JSON.stringify({ Cmd: ['sh', '-c', `exit ${code}`] }), json);
      assert.equal(c.status, 201, c.body);
      const id = JSON.parse(c.body).Id as string;
      assert.equal((await d.request('POST', `/v1.44/exec/${id}/start`, JSON.stringify({ Detach: true }), json)).status, 200);
      let st: { Running: boolean; ExitCode: number | null } = { Running: true, ExitCode: null };
      for (const until = Date.now() + 5000; Date.now() < until; await sleep(50)) {
        st = JSON.parse((await d.request('GET', `/v1.44/exec/${id}/json`)).body);
        if (!st.Running) break;
      }
      assert.deepEqual([st.Running, st.ExitCode], [false, code], `exec ${i}`);
    }
    await ok(d.docker(['rm', '-f', 'short-exec']));
  });
});

describe('sizes', () => {
  for (const cli of CLIS) {
    test(`${cli} ps -s and inspect -s: what the container wrote, and with the image`, async () => {
      const name = `sz-${cli}`;
      await ok(d.docker(['run', '--name', name, 'busybox', 'sh', '-c', 'head -c 100000 /dev/zero > /big']));
      try {
        const [rw, root] = (await ok(cliRun(d, cli, ['inspect', '-s', '-f', '{{.SizeRw}} {{.SizeRootFs}}', name]))).trim().split(' ').map(Number);
        assert.equal(rw, 100000);
        assert.ok(root! > 1_000_000 + rw!, `SizeRootFs ${root} includes the image`);
        assert.equal((await ok(cliRun(d, cli, ['inspect', '-f', '{{.SizeRw}}', name]))).trim(), '<nil>');
        const ps = await ok(cliRun(d, cli, ['ps', '-as', '--filter', `name=${name}`, '--format', '{{.Size}}']));
        assert.match(ps.trim(), /^100kB \(virtual \d+(\.\d+)?MB\)$/);
        const df = await ok(d.docker(['system', 'df', '-v', '--format', '{{range .Containers}}{{.Names}} {{.Size}}\n{{end}}']));
        assert.match(df, new RegExp(`^${name} 100kB$`, 'm'));
      } finally {
        await d.docker(['rm', name]);
      }
    });
  }
});

describe('restart policies', () => {
  test('on-failure:2 restarts twice, then stays Exited', async () => {
    await ok(d.docker(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']));
    let state = '';
    for (let i = 0; i < 50; i++) {
      state = (await ok(d.docker(['inspect', '--format', '{{.RestartCount}} {{.State.Status}}', 'flaky']))).trim();
      if (state === '2 exited') break;
      await sleep(100);
    }
    assert.equal(state, '2 exited');
    await ok(d.docker(['rm', 'flaky']));
  });

  test('always comes back after a daemon restart; a manually stopped unless-stopped does not', async () => {
    await ok(d.docker(['run', '-d', '--name', 'alw', '--restart', 'always', 'busybox', 'sleep', '600']));
    await ok(d.docker(['run', '-d', '--name', 'uls', '--restart', 'unless-stopped', 'busybox', 'sleep', '600']));
    await ok(d.docker(['stop', '-t', '0', 'alw']));
    await ok(d.docker(['stop', '-t', '0', 'uls']));
    await d.stop();
    await d.start();
    assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.Running}}', 'alw']))).trim(), 'true');
    assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.Running}}', 'uls']))).trim(), 'false');
    await ok(d.docker(['rm', '-f', 'alw', 'uls']));
  });
});

describe('restart', () => {
  // The exit of a restart's stop is reaped in the background; a start that created the next task
  // while that task delete was still in flight at containerd lost the new task's shim (compose's
  // parallel `restart` left a container Exited, or failed with "getwd: no such file or directory").
  test('concurrent restarts of several containers leave each one running its new process', async () => {
    const names = ['rs1', 'rs2', 'rs3'];
    for (const n of names) await ok(d.docker(['run', '-d', '--name', n, 'busybox', 'sh', '-c', 'exec sleep 3600']));
    for (let round = 0; round < 20; round++) {
      const rs = await Promise.all(names.map((n) => d.docker(['restart', '-t', '0', n])));
      for (const r of rs) assert.equal(r.code, 0, `round ${round}: ${r.stderr}`);
      const st = (await ok(d.docker(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', ...names]))).trim().split('\n');
      for (const line of st) {
        const [status, pid] = line.split(' ');
        assert.equal(status, 'running', `round ${round}: ${st.join(', ')}`);
        assert.ok(existsSync(`/proc/${pid}`), `round ${round}: pid ${pid} is gone`);
      }
    }
    await ok(d.docker(['rm', '-f', ...names]));
  });
});

describe('live restore', () => {
  test('kill -9 berthd: containers keep running, are re-adopted, exits meanwhile are recorded', async () => {
    await ok(d.docker(['run', '-d', '--name', 'tick', 'busybox', 'sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done']));
    await ok(d.docker(['run', '-d', '--name', 'brief', 'busybox', 'sh', '-c', 'sleep 1; exit 7']));
    const started = (await ok(d.docker(['inspect', '--format', '{{.State.StartedAt}}', 'tick']))).trim();
    await d.kill9();
    await sleep(1500);
    await d.start();
    assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.Running}} {{.State.StartedAt}}', 'tick']))).trim(), `true ${started}`);
    assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'brief']))).trim(), 'exited 7');
    const before = (await ok(d.docker(['logs', 'tick']))).trim().split('\n').length;
    await sleep(600);
    const after = (await ok(d.docker(['logs', 'tick']))).trim().split('\n');
    assert.ok(after.length > before, `logs keep flowing: ${before} -> ${after.length}`);
    assert.deepEqual(after.map((l, i) => l === `tick ${i}`).filter((x) => !x), [], 'no line lost or doubled');
    assert.equal(await ok(d.docker(['exec', 'tick', 'echo', 'ok'])), 'ok\n');
    await ok(d.docker(['rm', '-f', 'tick', 'brief']));
  });
});

describe('bad input', () => {
  test('Docker errors and statuses', async () => {
    const ni = await d.request('POST', '/v1.44/containers/create', JSON.stringify({ Image: 'nosuch' }), { 'Content-Type': 'application/json' });
    assert.equal(ni.status, 404);
    assert.match(JSON.parse(ni.body).message, /No such image: nosuch:latest/);
    const rp = await d.request('POST', '/v1.44/containers/create', JSON.stringify({ Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'sometimes' } } }), { 'Content-Type': 'application/json' });
    assert.equal(rp.status, 400);
    assert.match(JSON.parse(rp.body).message, /invalid restart policy/);
    const bad = await d.request('POST', '/v1.44/containers/create', '{"Image": ', { 'Content-Type': 'application/json' });
    assert.equal(bad.status, 400);
    await ok(d.docker(['create', '--name', 'stopped1', 'busybox', 'true']));
    const ex = await d.docker(['exec', 'stopped1', 'true']);
    assert.equal(ex.code, 1);
    assert.match(ex.stderr, /is not running/);
    const dup = await d.docker(['create', '--name', 'stopped1', 'busybox', 'true']);
    assert.match(dup.stderr, /Conflict\. The container name "\/stopped1" is already in use by container "[a-f0-9]{64}"/);
    assert.equal((await d.request('GET', '/v1.44/containers/nosuch/json')).status, 404);
    await ok(d.docker(['rm', 'stopped1']));
  });
});
