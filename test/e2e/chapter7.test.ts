/**
 * The book's chapter 7 (containers) walked through with the real docker CLI (and berth) on a real berthd:
 * E-4/E-9 on a Debian image made offline from Docker Hub (debootstrap, then `docker import`),
 * driven in a pseudo-terminal as a person would type it; the rest of the chapter on busybox.
 *
 *   docker run -it --name test debian bash      prompt root@<short id>, ps -elf: PID 1 is bash
 *   <Ctrl-P Ctrl-Q>                             detached, `docker ps` shows it Up
 *   docker exec -it test bash                   a second bash in the same container; exit
 *   docker stop test / docker start test        the file written inside survives
 *   docker rm -f test                           gone, and so is its rw layer
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, TestDaemon, DOCKER, BERTH, CLIS, cliRun, ok, sleep } from './harness.js';
import { debianTar } from './debian.js';
import { PtySession } from './pty.js';

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
  await d.importBusybox();
});
after(async () => {
  await d?.cleanup();
});


const env = () => ({ DOCKER_HOST: d.host, DOCKER_CONFIG: join(d.dir, 'cli') });

interface Proc {
  uid: string;
  pid: number;
  ppid: number;
  cmd: string;
}

/** `ps -elf` rows: F S UID PID PPID C PRI NI ADDR SZ WCHAN STIME TTY TIME CMD. */
function parsePsElf(out: string): Proc[] {
  const lines = out.trim().split('\n');
  assert.match(lines[0]!, /^F\s+S\s+UID\s+PID\s+PPID\s+C\s+PRI\s+NI\s+ADDR\s+SZ\s+WCHAN\s+STIME\s+TTY\s+TIME\s+CMD$/, out);
  return lines.slice(1).map((l) => {
    const f = l.trim().split(/\s+/);
    return { uid: f[2]!, pid: Number(f[3]), ppid: Number(f[4]), cmd: f.slice(14).join(' ') };
  });
}

/** Snapshot directories (containerd's snapshotter under Berth's data-root) holding `rel`. */
function snapshotsHolding(rel: string): string[] {
  const root = join(d.dataRoot, 'containerd', 'daemon');
  const found: string[] = [];
  for (const plugin of readdirSync(root).filter((p) => p.startsWith('io.containerd.snapshotter.v1.'))) {
    const snaps = join(root, plugin, 'snapshots');
    if (!existsSync(snaps)) continue;
    for (const s of readdirSync(snaps)) if (existsSync(join(snaps, s, 'fs', rel))) found.push(join(snaps, s));
  }
  return found;
}

async function statusOf(name: string): Promise<string> {
  return (await ok(d.docker(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Status}}']))).trim();
}

describe('chapter 7 on Debian (E-4, E-9)', () => {
  before(async () => {
    const t0 = Date.now();
    const tar = await debianTar();
    const t1 = Date.now();
    await ok(d.docker(['import', '-c', 'CMD ["bash"]', tar, 'debian'], { timeoutMs: 300_000 }));
    process.stderr.write(`debian: tarball ${t1 - t0} ms, docker import ${Date.now() - t1} ms\n`);
  });

  for (const cli of CLIS) {
    test(`${cli}: run -it, ps -elf, Ctrl-PQ, exec -it, stop/start keep the file, rm -f removes the rw layer`, async () => {
      const bin = cli === 'docker' ? DOCKER : BERTH;
      // §7.2.5/§7.2.6: an interactive shell as PID 1, its hostname the short container ID.
      const s = PtySession.start([bin, 'run', '-it', '--name', 'test', 'debian', 'bash'], env());
      try {
        const prompt = await s.expect(/root@([0-9a-f]{12}):\/# /, 60_000);
        const id = (await ok(cliRun(d, cli, ['inspect', '--format', '{{.Id}}', 'test']))).trim();
        assert.equal(prompt[1], id.slice(0, 12), 'prompt shows the short container ID');

        const procs = parsePsElf(await s.run('ps -elf'));
        const pid1 = procs.find((p) => p.pid === 1);
        assert.equal(pid1?.cmd, 'bash', `PID 1 is bash:\n${JSON.stringify(procs)}`);
        assert.equal(pid1?.uid, 'root');
        assert.deepEqual(
          procs.filter((p) => p.pid !== 1).map((p) => [p.cmd, p.ppid]),
          [['ps -elf', 1]],
          'besides bash, only the transient ps (its own PID namespace)',
        );
        // F-105: a minimal image with the usual top-level directories, and no ping.
        const root = (await s.run('ls /')).split(/\s+/);
        for (const dir of ['bin', 'etc', 'proc', 'sys', 'tmp', 'usr', 'var']) assert.ok(root.includes(dir), `${dir} in ${root}`);
        assert.match(await s.run('ping www.docker.com; echo "rc=$?"'), /bash: ping: command not found\nrc=127/);
        // E-9: write a file in the container's writable layer.
        await s.run('echo "DevOps FTW" > /tmp/newfile');
        assert.equal(await s.run('cat /tmp/newfile'), 'DevOps FTW\n');

        // F-107: Ctrl-P Ctrl-Q detaches; the client returns and the container keeps running.
        s.send('\x10\x11');
        const { code } = await s.exited;
        assert.equal(code, 0, s.output);
        assert.match(await statusOf('test'), /^Up /);
        const ls = (await ok(cliRun(d, cli, ['ps']))).split('\n');
        assert.match(ls[0]!, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
        assert.ok(ls.some((l) => new RegExp(`^${id.slice(0, 12)}\\s+debian\\s+"bash"\\s+.+\\s+Up .+\\s+test$`).test(l)), ls.join('\n'));
        assert.equal(snapshotsHolding('tmp/newfile').length, 1, 'the file lives in one snapshot (the rw layer)');

        // F-108: exec -it starts a second bash in the same container (same PID namespace, same files).
        const e = PtySession.start([bin, 'exec', '-it', 'test', 'bash'], env());
        try {
          const p2 = await e.expect(/root@([0-9a-f]{12}):\/# /, 30_000);
          assert.equal(p2[1], id.slice(0, 12));
          const seen = parsePsElf(await e.run('ps -elf'));
          assert.equal(seen.find((p) => p.pid === 1)?.cmd, 'bash', JSON.stringify(seen));
          const bashes = seen.filter((p) => p.cmd === 'bash');
          assert.equal(bashes.length, 2, `two bash processes: ${JSON.stringify(seen)}`);
          assert.notEqual(bashes[1]!.pid, 1, 'the exec shell is not PID 1');
          assert.equal(await e.run('cat /tmp/newfile'), 'DevOps FTW\n');
          // Leaving the exec'd shell does not stop the container.
          e.send('exit\r');
          assert.equal((await e.exited).code, 0, e.output);
        } finally {
          e.kill();
        }
        assert.match(await statusOf('test'), /^Up /);
        const top = (await ok(cliRun(d, cli, ['top', 'test', '-eo', 'pid,comm']))).trim().split('\n').slice(1);
        assert.equal(top.filter((l) => / bash$/.test(l)).length, 1, `the exec shell is gone: ${top}`);
      } finally {
        s.kill();
      }

      // §7.2.7/§7.2.8: stop sends SIGTERM to PID 1; an interactive bash ignores it, so SIGKILL
      // follows after 10 s: Exited (137). The container and its data stay.
      const t0 = Date.now();
      assert.equal(await ok(cliRun(d, cli, ['stop', 'test'])), 'test\n');
      const took = Date.now() - t0;
      assert.ok(took >= 9500 && took < 15_000, `stop took ${took} ms`);
      assert.match(await statusOf('test'), /^Exited \(137\) /);
      assert.equal((await ok(d.docker(['ps', '-q', '--filter', 'name=^test$']))).trim(), '', 'not in ps');

      assert.equal(await ok(cliRun(d, cli, ['start', 'test'])), 'test\n');
      assert.match(await statusOf('test'), /^Up /);
      assert.equal(await ok(cliRun(d, cli, ['exec', 'test', 'cat', '/tmp/newfile'])), 'DevOps FTW\n');

      // F-110: rm -f removes the running container in one step, with its rw layer.
      assert.equal(snapshotsHolding('tmp/newfile').length, 1);
      assert.equal(await ok(cliRun(d, cli, ['rm', '-f', 'test'])), 'test\n');
      const gone = await cliRun(d, cli, ['inspect', 'test']);
      assert.equal(gone.code, 1);
      assert.equal(gone.stderr, 'Error: No such object: test\n');
      // rm answers once the container is gone for clients; containerd's side follows at once, in the background.
      for (let i = 0; i < 50 && snapshotsHolding('tmp/newfile').length > 0; i++) await sleep(100);
      assert.deepEqual(snapshotsHolding('tmp/newfile'), [], 'the rw layer is removed');
      assert.equal(await ok(d.docker(['ps', '-a', '--format', '{{.Names}}', '--filter', 'ancestor=debian'])), '');
    });
  }
});

describe('chapter 7 on busybox', () => {
  test('F-100: a container exits when its app exits; run returns then', async () => {
    const t0 = Date.now();
    const r = await d.docker(['run', '--name', 'sleeper', 'busybox', 'sleep', '1']);
    const took = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(took >= 1000 && took < 5000, `run took ${took} ms`);
    assert.match(await statusOf('sleeper'), /^Exited \(0\) /);
    await ok(d.docker(['rm', 'sleeper']));
  });

  test('F-119/F-123: run -d prints the full ID; rm $(ls -aq) -f clears every container', async () => {
    const ids: string[] = [];
    for (const name of ['web1', 'web2']) {
      const out = await ok(d.docker(['container', 'run', '-d', '--name', name, 'busybox', 'sleep', '600']));
      assert.match(out, /^[0-9a-f]{64}\n$/);
      ids.push(out.trim());
    }
    await ok(d.docker(['container', 'create', '--name', 'idle', 'busybox', 'true']));
    const all = (await ok(d.docker(['container', 'ls', '-aq']))).trim().split('\n');
    assert.equal(all.length, 3);
    for (const id of ids) assert.ok(all.includes(id.slice(0, 12)), `${id.slice(0, 12)} in ${all}`);
    const t0 = Date.now();
    const rm = await ok(d.docker(['container', 'rm', ...all, '-f']));
    assert.ok(Date.now() - t0 < 5000, 'rm -f kills without the 10 s grace period');
    assert.deepEqual(rm.trim().split('\n').sort(), [...all].sort(), 'prints each removed ID as given');
    assert.equal(await ok(d.docker(['container', 'ls', '-a'])), 'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n');
  });

  test('F-111: stop, start, pause, restart many times, quickly', async () => {
    await ok(d.docker(['run', '-d', '--name', 'yoyo', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done']));
    for (let i = 0; i < 3; i++) {
      await ok(d.docker(['stop', 'yoyo']));
      assert.match(await statusOf('yoyo'), /^Exited \(0\) /);
      await ok(d.docker(['start', 'yoyo']));
      await ok(d.docker(['pause', 'yoyo']));
      assert.match(await statusOf('yoyo'), /\(Paused\)$/);
      await ok(d.docker(['unpause', 'yoyo']));
      await ok(d.docker(['restart', 'yoyo']));
      assert.match(await statusOf('yoyo'), /^Up /);
    }
    await ok(d.docker(['rm', '-f', 'yoyo']));
  });
});
