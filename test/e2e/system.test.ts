/**
 * Issue 2 end to end: a real berthd on its own containerd, driven by berth and the real docker
 * CLI 28: version, info, events, TLS, crash-restart, and bad input.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startDaemon, run, CLIS, cliRun, TestDaemon, BERTHD } from './harness.js';

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d?.cleanup();
});

async function toolVersions() {
  const cd = (await run('containerd', ['--version'])).stdout.trim().split(/\s+/);
  const runc = (await run('runc', ['--version'])).stdout;
  return { containerd: cd[2]!, containerdRev: cd[3]!, runc: /runc version (\S+)/.exec(runc)![1]! };
}

describe('version', () => {
  for (const cli of CLIS) {
    test(`${cli} version shows Berth's server block with real containerd and runc`, async () => {
      const r = await cliRun(d, cli, ['version']);
      assert.equal(r.code, 0, r.stderr);
      const tv = await toolVersions();
      assert.match(r.stdout, /Server: Berth Engine/);
      assert.match(r.stdout, /Engine:\s*\n\s*Version:\s+0\.1\.0/);
      assert.match(r.stdout, /API version:\s+1\.44 \(minimum version 1\.24\)/);
      assert.ok(r.stdout.includes(tv.containerd), `containerd ${tv.containerd} in\n${r.stdout}`);
      assert.ok(r.stdout.includes(tv.runc), `runc ${tv.runc} in\n${r.stdout}`);
      const f = await cliRun(d, cli, ['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}} {{.Client.APIVersion}}']);
      assert.equal(f.code, 0, f.stderr);
      assert.equal(f.stdout.trim(), '0.1.0 1.44 1.44');
    });

    test(`${cli} with DOCKER_API_VERSION=1.41 is served at 1.41`, async () => {
      const r = await cliRun(d, cli, ['version', '--format', '{{.Client.APIVersion}} {{.Server.Version}}'], {
        env: { DOCKER_API_VERSION: '1.41' },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), '1.41 0.1.0');
    });
  }
});

describe('info', () => {
  for (const cli of CLIS) {
    test(`${cli} info reports real figures`, async () => {
      const r = await cliRun(d, cli, ['info', '--format', '{{json .}}']);
      assert.equal(r.code, 0, r.stderr);
      const info = JSON.parse(r.stdout);
      assert.equal(info.NCPU, os.cpus().length);
      assert.equal(info.MemTotal, os.totalmem());
      assert.equal(info.ServerVersion, '0.1.0');
      assert.equal(info.Driver, 'overlay2');
      assert.equal(info.DockerRootDir, d.dataRoot);
      assert.equal(info.KernelVersion, os.release());
      assert.equal(info.OSType, 'linux');
      assert.equal(info.Containers, 0);
      assert.equal(info.Swarm.LocalNodeState, 'inactive');
      const tv = await toolVersions();
      assert.equal(info.ContainerdCommit.ID, tv.containerdRev);
      const plain = await cliRun(d, cli, ['info']);
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, /Server Version: 0\.1\.0/);
      assert.match(plain.stdout, /Storage Driver: overlay2/);
      assert.match(plain.stdout, new RegExp(`CPUs: ${os.cpus().length}`));
    });
  }
});

/** Starts `<cli> events ...`, collecting lines until `until` matches or the timeout passes. */
function watchEvents(cli: string, args: string[], until: (line: string) => boolean, timeoutMs = 8000) {
  const bin = cli === 'docker' ? '/usr/local/bin/docker' : join(process.cwd(), 'bin', 'berth');
  const child = spawn(bin, ['events', ...args], { env: { ...process.env, DOCKER_HOST: d.host } });
  const lines: string[] = [];
  let buf = '';
  const done = new Promise<string[]>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      resolve(lines);
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        if (until(l)) {
          clearTimeout(timer);
          child.kill('SIGINT');
          resolve(lines);
        }
      }
    });
  });
  return done;
}

describe('events', () => {
  for (const cli of CLIS) {
    test(`${cli} events streams a daemon reload as it happens, and replays it with --since`, async () => {
      const t0 = Math.floor(Date.now() / 1000) - 1;
      const got = watchEvents(cli, ['--format', '{{json .}}'], (l) => l.includes('"reload"'));
      await new Promise((r) => setTimeout(r, 700));
      process.kill(d.pid!, 'SIGHUP');
      const lines = await got;
      const ev = lines.map((l) => JSON.parse(l)).find((e) => e.Action === 'reload');
      assert.ok(ev, `no reload event in ${lines.join('\n')}`);
      assert.equal(ev.Type, 'daemon');
      assert.equal(ev.Actor.Attributes.name, os.hostname());

      const now = Math.floor(Date.now() / 1000) + 1;
      const replay = await cliRun(d, cli, ['events', '--since', String(t0), '--until', String(now), '--format', '{{.Type}} {{.Action}}']);
      assert.equal(replay.code, 0, replay.stderr);
      assert.match(replay.stdout, /^daemon reload$/m);
      const filtered = await cliRun(d, cli, ['events', '--since', String(t0), '--until', String(now), '--filter', 'type=container']);
      assert.equal(filtered.code, 0, filtered.stderr);
      assert.equal(filtered.stdout, '');
      const plain = await cliRun(d, cli, ['events', '--since', String(t0), '--until', String(now)]);
      assert.match(plain.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z daemon reload \S+ \(.*name=/m);
    });
  }

  test('a bad events filter is a 400 with Docker wording', async () => {
    const r = await d.request('GET', '/v1.44/events?filters=' + encodeURIComponent('{"bogus":{"x":true}}') + '&until=1');
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body).message, /invalid filter 'bogus'/);
  });
});

describe('bad input', () => {
  const cases: [string, string, number, RegExp][] = [
    ['GET', '/v1.99/version', 400, /client version 1\.99 is too new\. Maximum supported API version is 1\.44/],
    ['GET', '/v1.12/version', 400, /client version 1\.12 is too old\. Minimum supported API version is 1\.24/],
    ['GET', '/v1.44/nonexistent', 404, /page not found/],
    ['GET', '/nonexistent', 404, /page not found/],
  ];
  for (const [method, path, status, msg] of cases) {
    test(`${method} ${path} -> ${status}`, async () => {
      const r = await d.request(method, path);
      assert.equal(r.status, status);
      assert.match(JSON.parse(r.body).message, msg);
      assert.equal(r.headers['api-version'], '1.44');
    });
  }

  test('the daemon keeps serving after bad requests', async () => {
    const r = await d.request('GET', '/_ping');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'OK');
    assert.equal(r.headers['builder-version'], '1');
    assert.equal(r.headers['swarm'], 'inactive');
  });

  test('an unknown daemon.json key stops berthd naming the key', async () => {
    const dir = d.dir;
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ debug: true, 'no-such-option': 1 }));
    const r = await run(process.execPath, [BERTHD, '--config-file', cfg, '--data-root', join(dir, 'x'), '--exec-root', join(dir, 'y')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /the following directives don't match any configuration option: no-such-option/);
  });

  test('a second berthd on the same data-root is refused', async () => {
    const r = await run(process.execPath, [BERTHD, '--data-root', d.dataRoot, '--exec-root', join(d.dir, 'other'), '-H', `unix://${join(d.dir, 'o.sock')}`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /pid file found/);
    assert.equal((await d.request('GET', '/_ping')).status, 200);
  });
});

describe('external containerd', () => {
  test('--containerd uses the given containerd and starts none of its own', async () => {
    const sock = join(d.execRoot, 'containerd', 'containerd.sock');
    const other = new TestDaemon({ args: ['--containerd', sock] });
    try {
      await other.start();
      const info = JSON.parse((await other.docker(['info', '--format', '{{json .}}'])).stdout);
      assert.equal(info.Containerd.Address, sock);
      assert.equal(other.containerdPid(), undefined);
      const v = await other.docker(['version', '--format', '{{range .Server.Components}}{{.Name}} {{end}}']);
      assert.match(v.stdout, /containerd/);
    } finally {
      await other.cleanup();
    }
    // the first daemon's containerd is untouched
    assert.equal((await d.docker(['version', '--format', '{{.Server.Version}}'])).code, 0);
  });
});

describe('crash and restart', () => {
  test('after kill -9 berthd comes back on the same containerd and answers within 2 s', async () => {
    const cpid = d.containerdPid();
    assert.ok(cpid, 'containerd pid recorded');
    await d.kill9();
    process.kill(cpid!, 0); // containerd survived the crash
    const t0 = Date.now();
    await d.start();
    const r = await d.docker(['version', '--format', '{{.Server.Version}}']);
    const elapsed = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0.1.0');
    assert.ok(elapsed < 2000, `answered after ${elapsed} ms`);
    assert.equal(d.containerdPid(), cpid);
  });
});
