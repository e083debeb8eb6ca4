/**
 * Issue 5, filesystem operations end to end: docker cp (both directions, stdin/stdout tars, -a,
 * -L, running and stopped containers), diff, export and commit, through the real docker CLI and
 * berth on a real berthd. The hostile cases build their tars here with tar-stream and check that
 * nothing lands outside the container's root and nothing of the host comes out of it.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack, extract, type Header } from 'tar-stream';
import { startDaemon, CLIS, cliRun, TestDaemon, BERTH, DOCKER, type CliName, ok, sleep } from './harness.js';

let d: TestDaemon;
let work: string;
/** A host directory the containers' symlinks point at; nothing may be written there or read from it. */
let hostDir: string;
const SECRET = 'HOST-SECRET-DO-NOT-LEAK';

before(async () => {
  d = await startDaemon();
  await d.importBusybox();
  work = mkdtempSync('/tmp/be-fsops-');
  hostDir = join(work, 'host-only');
  mkdirSync(hostDir);
  writeFileSync(join(hostDir, 'secret.txt'), SECRET + '\n');
});
after(async () => {
  await d?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});


/** Runs a CLI with binary stdin and stdout. */
function runBin(cli: CliName, args: string[], input?: Buffer): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli === 'docker' ? DOCKER : BERTH, args, { env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(d.dir, 'cli') } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? Buffer.alloc(0));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
  });
}

type Entry = Partial<Header> & { name: string; body?: string };

async function makeTar(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    const { body, ...h } = e;
    if (body !== undefined || !h.type || h.type === 'file') p.entry({ type: 'file', ...h }, body ?? '');
    else p.entry({ ...h });
  }
  p.finalize();
  const out: Buffer[] = [];
  for await (const c of p) out.push(c as Buffer);
  return Buffer.concat(out);
}

async function listTar(buf: Buffer): Promise<{ name: string; type: string; linkname: string; body: string; uid: number }[]> {
  const ex = extract();
  const out: { name: string; type: string; linkname: string; body: string; uid: number }[] = [];
  ex.end(buf);
  for await (const e of ex) {
    const parts: Buffer[] = [];
    for await (const c of e as AsyncIterable<Buffer>) parts.push(c);
    out.push({ name: e.header.name, type: e.header.type, linkname: e.header.linkname ?? '', body: Buffer.concat(parts).toString(), uid: e.header.uid });
  }
  return out;
}


/** A running container (its main process prepares the filesystem) and a stopped one. */
async function containers(prefix: string, script = 'true'): Promise<{ running: string; stopped: string }> {
  const running = `${prefix}-run`;
  const stopped = `${prefix}-stop`;
  await ok(d.docker(['run', '-d', '--name', running, 'busybox', 'sh', '-c', `${script}; touch /ready; exec sleep 600`]));
  await ok(d.docker(['run', '--name', stopped, 'busybox', 'sh', '-c', script]));
  for (let i = 0; i < 100 && (await d.docker(['exec', running, 'test', '-e', '/ready'])).code !== 0; i++) await sleep(50);
  return { running, stopped };
}

describe('cp', () => {
  for (const cli of CLIS) {
    test(`${cli}: files and directories both ways, running and stopped containers`, async () => {
      const { running, stopped } = await containers(`cp-${cli}`);
      const src = join(work, `src-${cli}`);
      mkdirSync(join(src, 'dir', 'sub'), { recursive: true });
      writeFileSync(join(src, 'file.txt'), 'file content\n');
      writeFileSync(join(src, 'dir', 'sub', 'deep.txt'), 'deep\n');
      for (const c of [running, stopped]) {
        await ok(cliRun(d, cli, ['cp', join(src, 'file.txt'), `${c}:/tmp/`]));
        await ok(cliRun(d, cli, ['cp', join(src, 'file.txt'), `${c}:/tmp/renamed.txt`]));
        await ok(cliRun(d, cli, ['cp', join(src, 'dir'), `${c}:/tmp/newdir`]));
        await ok(cliRun(d, cli, ['cp', `${join(src, 'dir')}/.`, `${c}:/root`]));
        const out = join(work, `out-${cli}-${c}`);
        await ok(cliRun(d, cli, ['cp', `${c}:/tmp`, out]));
        assert.equal(readFileSync(join(out, 'file.txt'), 'utf8'), 'file content\n');
        assert.equal(readFileSync(join(out, 'renamed.txt'), 'utf8'), 'file content\n');
        assert.equal(readFileSync(join(out, 'newdir', 'sub', 'deep.txt'), 'utf8'), 'deep\n');
        const single = join(work, `single-${cli}-${c}.txt`);
        await ok(cliRun(d, cli, ['cp', `${c}:/root/sub/deep.txt`, single]));
        assert.equal(readFileSync(single, 'utf8'), 'deep\n');
        // a missing source is Docker's 404
        const missing = await cliRun(d, cli, ['cp', `${c}:/nope`, join(work, 'nope')]);
        assert.equal(missing.code, 1);
        assert.equal(missing.stderr.trim(), `Error response from daemon: Could not find the file /nope in container ${c}`);
      }
      // the running container sees what was copied into it at once
      assert.equal(await ok(d.docker(['exec', running, 'cat', '/tmp/file.txt', '/root/sub/deep.txt'])), 'file content\ndeep\n');
      await ok(d.docker(['rm', '-f', running, stopped]));
    });

    test(`${cli}: tar streams on stdin and stdout`, async () => {
      const { running, stopped } = await containers(`stream-${cli}`, 'mkdir -p /data/d; echo one > /data/one; echo two > /data/d/two; ln -s one /data/link');
      for (const c of [running, stopped]) {
        const dir = await runBin(cli, ['cp', `${c}:/data`, '-']);
        assert.equal(dir.code, 0, dir.stderr);
        const entries = await listTar(dir.stdout);
        assert.deepEqual(
          entries.map((e) => [e.name, e.type, e.linkname]),
          [
            ['data/', 'directory', ''],
            ['data/d/', 'directory', ''],
            ['data/d/two', 'file', ''],
            ['data/link', 'symlink', 'one'],
            ['data/one', 'file', ''],
          ],
        );
        assert.equal(entries.find((e) => e.name === 'data/one')!.body, 'one\n');
        const file = await runBin(cli, ['cp', `${c}:/data/d/two`, '-']);
        assert.deepEqual((await listTar(file.stdout)).map((e) => [e.name, e.body]), [['two', 'two\n']]);
        const tar = await makeTar([{ name: 'in/', type: 'directory', mode: 0o755 }, { name: 'in/a.txt', body: 'from stdin\n', mode: 0o640, uid: 4321, gid: 4322 }]);
        const r = await runBin(cli, ['cp', '-', `${c}:/data/d`], tar);
        assert.equal(r.code, 0, r.stderr);
        const back = await listTar((await runBin(cli, ['cp', `${c}:/data/d/in/a.txt`, '-'])).stdout);
        assert.equal(back[0]!.body, 'from stdin\n');
        assert.equal(back[0]!.uid, 4321, 'ownership from the tar headers');
        // stdin needs an existing directory
        const nodir = await runBin(cli, ['cp', '-', `${c}:/data/one`], tar);
        assert.equal(nodir.code, 1);
        assert.equal(nodir.stderr.trim(), `destination "${c}:/data/one" must be a directory`);
      }
      await ok(d.docker(['rm', '-f', running, stopped]));
    });

    test(`${cli}: -a copies ownership as the container's user, -L follows a symlink source`, async () => {
      const name = `own-${cli}`;
      await ok(d.docker(['run', '-d', '--user', 'nobody', '--name', name, 'busybox', 'sh', '-c', 'ln -s /etc/passwd /tmp/pw; exec sleep 600']));
      const f = join(work, `owned-${cli}.txt`);
      writeFileSync(f, 'owned\n');
      chownSync(f, 1234, 2345);
      await ok(cliRun(d, cli, ['cp', f, `${name}:/tmp/plain.txt`]));
      await ok(cliRun(d, cli, ['cp', '-a', f, `${name}:/tmp/archived.txt`]));
      assert.equal(await ok(d.docker(['exec', name, 'stat', '-c', '%u:%g', '/tmp/plain.txt', '/tmp/archived.txt'])), '1234:2345\n65534:65534\n');
      const link = await runBin(cli, ['cp', `${name}:/tmp/pw`, '-']);
      assert.deepEqual((await listTar(link.stdout)).map((e) => [e.name, e.type, e.linkname]), [['pw', 'symlink', '/etc/passwd']]);
      const followed = join(work, `followed-${cli}`);
      await ok(cliRun(d, cli, ['cp', '-L', `${name}:/tmp/pw`, followed]));
      assert.match(readFileSync(followed, 'utf8'), /^root:x:0:0:/);
      const local = join(work, `local-link-${cli}`);
      symlinkSync(f, local);
      await ok(cliRun(d, cli, ['cp', local, `${name}:/tmp/as-link`]));
      await ok(cliRun(d, cli, ['cp', '-L', local, `${name}:/tmp/as-file`]));
      assert.equal(await ok(d.docker(['exec', name, 'sh', '-c', 'readlink /tmp/as-link; cat /tmp/as-file'])), `${f}\nowned\n`);
      await ok(d.docker(['rm', '-f', name]));
    });
  }

  test("a stopped container's /etc/hostname, /etc/hosts and /etc/resolv.conf are its own, as in Docker's cp view", async () => {
    await ok(d.docker(['run', '--name', 'netfiles', '--hostname', 'myhost', '--add-host', 'db:10.0.0.9', 'busybox', 'true']));
    for (const cli of CLIS) {
      const host = await listTar((await runBin(cli, ['cp', 'netfiles:/etc/hostname', '-'])).stdout);
      assert.equal(host[0]?.body, 'myhost\n');
      const hosts = await listTar((await runBin(cli, ['cp', 'netfiles:/etc/hosts', '-'])).stdout);
      assert.match(hosts[0]?.body ?? '', /10\.0\.0\.9\tdb/);
    }
    // the mount points it took are no change of the container's
    assert.equal(await ok(d.docker(['diff', 'netfiles'])), '');
    await ok(d.docker(['rm', 'netfiles']));
  });

  test('HEAD /containers/{id}/archive: the path stat header', async () => {
    await ok(d.docker(['run', '-d', '--name', 'stat1', 'busybox', 'sh', '-c', 'ln -s ../etc/passwd /tmp/rel; exec sleep 600']));
    const head = async (path: string) => d.request('HEAD', `/v1.44/containers/stat1/archive?path=${encodeURIComponent(path)}`);
    const decode = (h: string | string[] | undefined) => JSON.parse(Buffer.from(String(h), 'base64').toString()) as Record<string, unknown>;
    const etc = await head('/etc/');
    assert.equal(etc.status, 200);
    const st = decode(etc.headers['x-docker-container-path-stat']);
    assert.equal(st['name'], 'etc');
    assert.equal(st['mode'], 2 ** 31 + 0o755);
    assert.match(String(st['mtime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const rel = decode((await head('/tmp/rel')).headers['x-docker-container-path-stat']);
    assert.deepEqual([rel['name'], rel['mode'], rel['linkTarget']], ['rel', 2 ** 27 + 0o777, '/etc/passwd']);
    assert.equal((await head('/nope')).status, 404);
    const noPath = await d.request('GET', '/v1.44/containers/stat1/archive');
    assert.equal(noPath.status, 400);
    assert.equal(JSON.parse(noPath.body).message, 'bad parameter: path cannot be empty');
    await ok(d.docker(['rm', '-f', 'stat1']));
  });

  test('noOverwriteDirNonDir and a read-only root filesystem', async () => {
    await ok(d.docker(['run', '-d', '--name', 'over1', 'busybox', 'sh', '-c', 'mkdir /tmp/dir; touch /tmp/file; exec sleep 600']));
    for (const cli of CLIS) {
      const r = await runBin(cli, ['cp', '-', 'over1:/tmp'], await makeTar([{ name: 'dir', body: 'x' }]));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Error response from daemon: cannot overwrite directory "\/tmp\/dir" with non-directory "\/tmp"/);
      const r2 = await runBin(cli, ['cp', '-', 'over1:/tmp'], await makeTar([{ name: 'file/', type: 'directory' }]));
      assert.match(r2.stderr, /cannot overwrite non-directory "\/tmp\/file" with directory "\/tmp"/);
      const dirOnFile = await cliRun(d, cli, ['cp', work, 'over1:/tmp/file']);
      assert.match(dirOnFile.stderr, /^cannot copy directory$/m);
    }
    await ok(d.docker(['run', '-d', '--read-only', '--name', 'ro1', 'busybox', 'sleep', '600']));
    for (const cli of CLIS) {
      const r = await cliRun(d, cli, ['cp', join(hostDir, 'secret.txt'), 'ro1:/tmp/']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), 'Error response from daemon: container rootfs is marked read-only');
    }
    await ok(d.docker(['rm', '-f', 'over1', 'ro1']));
  });
});

describe('cp safety', () => {
  /** What must stay as it is: the host directory holds only its secret. */
  const hostIntact = () => {
    assert.deepEqual(readdirSync(hostDir), ['secret.txt']);
    assert.equal(readFileSync(join(hostDir, 'secret.txt'), 'utf8'), SECRET + '\n');
  };

  for (const cli of CLIS) {
    test(`${cli}: a hostile tar writes nothing outside the container`, async () => {
      // The containers' symlinks point at the host directory (absolute and climbing).
      const script = `ln -s ${hostDir} /hostlink; ln -s ../../../../../../../..${hostDir} /tmp/uplink`;
      const { running, stopped } = await containers(`hostile-${cli}`, script);
      const cases: [string, Entry[], RegExp | null][] = [
        ['dot-dot', [{ name: `../../../../../../..${hostDir}/pwned-dotdot`, body: 'x' }], /path escapes the archive root/],
        ['archive symlink, absolute', [{ name: 'evil', type: 'symlink', linkname: hostDir }, { name: 'evil/pwned-abs-link', body: 'x' }], /through the symlink evil/],
        ['archive symlink, climbing', [{ name: 'up', type: 'symlink', linkname: `../../../../../../..${hostDir}` }, { name: 'up/pwned-rel-link', body: 'x' }], /through the symlink up/],
        ['hard link to a host file', [{ name: 'hl', type: 'link', linkname: join(hostDir, 'secret.txt') }], /not in the archive/],
        ['hard link climbing out', [{ name: 'hl2', type: 'link', linkname: `../../../../..${hostDir}/secret.txt` }], /outside the archive/],
        ['through the container\'s absolute symlink', [{ name: 'hostlink/pwned-ctr-abs', body: 'x' }], /path escapes from parent/],
        ['through the container\'s climbing symlink', [{ name: 'tmp/uplink/pwned-ctr-rel', body: 'x' }], /path escapes from parent/],
        ['device node', [{ name: 'null', type: 'character-device', devmajor: 1, devminor: 3 }], /device nodes are not allowed/],
        // an absolute name is taken relative to the destination, inside the container
        ['absolute name', [{ name: `${hostDir}/pwned-absolute`, body: 'inside' }], null],
      ];
      for (const c of [running, stopped]) {
        for (const [label, entries, want] of cases) {
          const r = await runBin(cli, ['cp', '-', `${c}:/`], await makeTar(entries));
          if (want) {
            assert.equal(r.code, 1, `${label}: ${r.stderr}`);
            assert.match(r.stderr, want, label);
          } else assert.equal(r.code, 0, `${label}: ${r.stderr}`);
          hostIntact();
        }
        // a destination through the container's symlink is resolved in the container
        await cliRun(d, cli, ['cp', join(hostDir, 'secret.txt'), `${c}:/hostlink/`]);
        hostIntact();
        const abs = await runBin(cli, ['cp', `${c}:${hostDir}/pwned-absolute`, '-']);
        assert.equal((await listTar(abs.stdout))[0]?.body, 'inside', 'the absolute entry landed in the container');
      }
      await ok(d.docker(['rm', '-f', running, stopped]));
      hostIntact();
    });

    test(`${cli}: copying out through symlinks to host paths yields nothing of the host`, async () => {
      const script = `ln -s ${hostDir} /hostlink; ln -s ${hostDir}/secret.txt /secretlink; ln -s ../../../../../..${hostDir}/secret.txt /tmp/upsecret`;
      const { running, stopped } = await containers(`leak-${cli}`, script);
      for (const c of [running, stopped]) {
        for (const path of ['/hostlink/secret.txt', '/hostlink/', '/hostlink/.', '/tmp/upsecret/']) {
          const r = await runBin(cli, ['cp', `${c}:${path}`, '-']);
          assert.equal(r.code, 1, `${path}: ${r.stderr}`);
          assert.match(r.stderr, /Could not find the file/);
          assert.ok(!r.stdout.includes(SECRET));
        }
        for (const path of ['/secretlink', '/tmp/upsecret', '/hostlink']) {
          const r = await runBin(cli, ['cp', `${c}:${path}`, '-']);
          assert.equal(r.code, 0, r.stderr);
          const entries = await listTar(r.stdout);
          assert.equal(entries.length, 1);
          assert.equal(entries[0]!.type, 'symlink', `${path} comes out as the link itself`);
          const out = join(work, `leak-${cli}-${c}-${path.replace(/\//g, '_')}`);
          const followed = await cliRun(d, cli, ['cp', '-L', `${c}:${path}`, out]);
          assert.equal(followed.code, 1, `-L ${path}`);
          assert.ok(!existsSync(out) || !lstatSync(out).isFile() || !readFileSync(out, 'utf8').includes(SECRET));
        }
        // the whole root filesystem: links come out as links, the host's file never
        const all = await runBin(cli, ['cp', `${c}:/`, '-']);
        assert.equal(all.code, 0, all.stderr);
        assert.ok(!all.stdout.includes(SECRET));
        const names = (await listTar(all.stdout)).map((e) => e.name);
        assert.ok(names.includes('/bin/busybox'));
        assert.ok(names.includes('/proc/'), 'the mount point itself is there');
        const inside = names.filter((n) => /^\/(proc|sys|dev)\/./.test(n));
        assert.ok(inside.every((n) => ['/dev/console', '/dev/pts/', '/dev/shm/'].includes(n)), `no /proc, /sys or /dev contents but the init layer's: ${inside}`);
      }
      await ok(d.docker(['rm', '-f', running, stopped]));
      hostIntact();
    });
  }
});

describe('cp races', () => {
  test('a running container swapping a directory for a symlink to the host cannot redirect cp', async () => {
    const name = 'racer';
    // /tmp/race flips between a directory and a symlink to the host directory, as fast as it can
    await ok(d.docker(['run', '-d', '--name', name, 'busybox', 'sh', '-c', `while true; do mkdir /tmp/race.d 2>/dev/null; mv -T /tmp/race.d /tmp/race 2>/dev/null; ln -sfn ${hostDir} /tmp/race.l; mv -T /tmp/race.l /tmp/race; done`]));
    try {
      const tar = await makeTar([{ name: 'pwned-race', body: 'x' }]);
      const runs: Promise<unknown>[] = [];
      for (let i = 0; i < 12; i++) {
        runs.push(runBin('docker', ['cp', '-', `${name}:/tmp/race`], tar));
        runs.push(
          runBin('docker', ['cp', `${name}:/tmp/race/secret.txt`, '-']).then((r) => assert.ok(!r.stdout.includes(SECRET), 'nothing of the host comes out')),
        );
        runs.push(runBin('docker', ['cp', `${name}:/tmp/race/`, '-']).then((r) => assert.ok(!r.stdout.includes(SECRET))));
      }
      await Promise.all(runs);
      assert.deepEqual(readdirSync(hostDir), ['secret.txt']);
      assert.equal(readFileSync(join(hostDir, 'secret.txt'), 'utf8'), SECRET + '\n');
    } finally {
      await d.docker(['rm', '-f', name]);
    }
  });
});

describe('diff', () => {
  const script = [
    'echo x > /tmp/a',
    'mkdir -p /tmp/d/e',
    'echo y > /tmp/d/e/f',
    'rm /etc/group',
    'echo z >> /etc/passwd',
    'rm -rf /usr',
    'mkdir /usr',
    'touch /usr/new',
    'chmod 700 /root',
  ].join('; ');
  // Docker 20.10 on overlay2 gives this set (siblings in random order); Berth sorts them.
  const expected = ['C /etc', 'C /etc/passwd', 'D /etc/group', 'C /root', 'C /tmp', 'A /tmp/a', 'A /tmp/d', 'A /tmp/d/e', 'A /tmp/d/e/f', 'C /usr', 'A /usr/new', 'D /usr/bin', 'D /usr/sbin'];

  for (const cli of CLIS) {
    test(`${cli}: added, changed and deleted files, whiteouts and opaque directories`, async () => {
      const { running, stopped } = await containers(`diff-${cli}`, script);
      for (const c of [running, stopped]) {
        const out = (await ok(cliRun(d, cli, ['diff', c]))).trimEnd().split('\n');
        assert.deepEqual(out.filter((l) => l !== 'A /ready'), expected);
      }
      // a container that changed nothing has no changes (the runtime's mount points are not changes)
      await ok(d.docker(['run', '--name', `diff-none-${cli}`, 'busybox', 'true']));
      assert.equal(await ok(cliRun(d, cli, ['diff', `diff-none-${cli}`])), '');
      await ok(d.docker(['rm', '-f', running, stopped, `diff-none-${cli}`]));
    });
  }

  test('GET /containers/{id}/changes: kinds as numbers; null when nothing changed', async () => {
    await ok(d.docker(['run', '--name', 'diffapi', 'busybox', 'sh', '-c', 'touch /new; rm /bin/ls']));
    const r = await d.request('GET', '/v1.44/containers/diffapi/changes');
    assert.deepEqual(JSON.parse(r.body), [
      { Path: '/bin', Kind: 0 },
      { Path: '/bin/ls', Kind: 2 },
      { Path: '/new', Kind: 1 },
    ]);
    await ok(d.docker(['run', '--name', 'diffapi2', 'busybox', 'true']));
    assert.equal((await d.request('GET', '/v1.44/containers/diffapi2/changes')).body, 'null\n');
    await ok(d.docker(['rm', 'diffapi', 'diffapi2']));
  });
});

describe('export', () => {
  for (const cli of CLIS) {
    test(`${cli}: the merged root filesystem as a tar, to stdout or -o`, async () => {
      const { running, stopped } = await containers(`exp-${cli}`, 'echo data > /added; rm /etc/group; mkdir /newdir');
      for (const c of [running, stopped]) {
        const r = await runBin(cli, ['export', c]);
        assert.equal(r.code, 0, r.stderr);
        const entries = await listTar(r.stdout);
        const names = entries.map((e) => e.name);
        assert.deepEqual(names.slice(0, 2), ['.dockerenv', 'added'], 'relative names, no entry for the root; the init layer is part of it');
        assert.equal(entries.find((e) => e.name === 'etc/mtab')!.linkname, '/proc/mounts');
        assert.ok(names.includes('bin/busybox'));
        assert.ok(names.includes('newdir/'));
        assert.ok(names.includes('etc/passwd'));
        assert.ok(!names.includes('etc/group'), 'deleted files are gone');
        assert.deepEqual(names.filter((n) => /^(proc|sys|dev)\/./.test(n)), ['dev/console', 'dev/pts/', 'dev/shm/'], "the init layer's, and nothing mounted");
        assert.equal(entries.find((e) => e.name === 'added')!.body, 'data\n');
        assert.equal(entries.find((e) => e.name === 'bin/sh')!.linkname, 'busybox');
        const file = join(work, `export-${cli}-${c}.tar`);
        await ok(cliRun(d, cli, ['export', '-o', file, c]));
        assert.equal(statSync(file).mode & 0o777, 0o600);
        assert.deepEqual((await listTar(readFileSync(file))).map((e) => e.name), names);
      }
      await ok(d.docker(['rm', '-f', running, stopped]));
    });
  }
});

describe('init layer', () => {
  test('/.dockerenv and /etc/mtab as Docker puts them, replacing what the image has there, never following its symlinks', async () => {
    assert.equal(await ok(d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'test -f /.dockerenv && test ! -s /.dockerenv && readlink /etc/mtab'])), '/proc/mounts\n');
    // an image whose /etc/mtab is a file and /.dockerenv a symlink to a host file
    await ok(d.docker(['run', '--name', 'initsrc', 'busybox', 'sh', '-c', `rm -f /etc/mtab; echo junk > /etc/mtab; rm /.dockerenv; ln -s ${hostDir}/dockerenv /.dockerenv`]));
    await ok(d.docker(['commit', 'initsrc', 'init-img']));
    assert.equal(await ok(d.docker(['run', '--rm', 'init-img', 'sh', '-c', 'readlink /etc/mtab; test -f /.dockerenv && ! test -L /.dockerenv && wc -c < /.dockerenv'])), '/proc/mounts\n0\n');
    // an image whose /etc is a symlink to a host directory (busybox's files re-packed with
    // `etc` as that link): replaced by a directory, nothing lands on the host
    const exported = await runBin('docker', ['export', 'initsrc']);
    const ex = extract();
    const repacked = pack();
    ex.end(exported.stdout);
    const chunks: Buffer[] = [];
    const packed = (async () => {
      for await (const c of repacked as AsyncIterable<Buffer>) chunks.push(c);
    })();
    for await (const e of ex) {
      const body: Buffer[] = [];
      for await (const c of e as AsyncIterable<Buffer>) body.push(c);
      if (e.header.name === 'etc/' || e.header.name.startsWith('etc/')) continue;
      repacked.entry(e.header, Buffer.concat(body));
    }
    repacked.entry({ name: 'etc', type: 'symlink', linkname: hostDir });
    repacked.finalize();
    await packed;
    const imported = await runBin('docker', ['import', '-', 'init-img2'], Buffer.concat(chunks));
    assert.equal(imported.code, 0, imported.stderr);
    await ok(d.docker(['run', '--name', 'initsrc2', 'init-img2', 'sh', '-c', 'test -d /etc && ! test -L /etc && readlink /etc/mtab && ls /etc']));
    assert.equal(await ok(d.docker(['logs', 'initsrc2'])), '/proc/mounts\nhostname\nhosts\nmtab\nresolv.conf\n');
    assert.deepEqual(readdirSync(hostDir), ['secret.txt']);
    // diff and commit leave the init layer out
    assert.equal(await ok(d.docker(['diff', 'initsrc2'])), '');
    await ok(d.docker(['rm', 'initsrc', 'initsrc2']));
    await ok(d.docker(['rmi', 'init-img', 'init-img2']));
  });
});

describe('commit', () => {
  for (const cli of CLIS) {
    test(`${cli}: -c, -m, -a; the image runs and has the files; history as Docker writes it`, async () => {
      const name = `commit-${cli}`;
      const since = String(Math.floor(Date.now() / 1000) - 1);
      await ok(d.docker(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'echo committed > /data.txt; rm /etc/group; exec sleep 600']));
      await sleep(300);
      const id = (await ok(cliRun(d, cli, ['commit', '-c', 'ENV FOO=bar', '-c', 'CMD ["cat", "/data.txt"]', '-m', 'a message', '-a', 'An Author', name, `committed-${cli}:v1`]))).trim();
      assert.match(id, /^sha256:[a-f0-9]{64}$/);
      assert.equal(await ok(d.docker(['run', '--rm', `committed-${cli}:v1`])), 'committed\n');
      assert.equal(await ok(d.docker(['run', '--rm', `committed-${cli}:v1`, 'sh', '-c', 'echo $FOO; test -e /etc/group || echo no-group'])), 'bar\nno-group\n');
      const insp = JSON.parse(await ok(d.docker(['image', 'inspect', `committed-${cli}:v1`])))[0];
      assert.equal(insp.Author, 'An Author');
      assert.deepEqual(insp.Config.Cmd, ['cat', '/data.txt']);
      assert.ok(insp.Config.Env.includes('FOO=bar'));
      assert.equal(insp.RootFS.Layers.length, 2);
      const hist = (await ok(d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}|{{.Size}}', `committed-${cli}:v1`]))).trim().split('\n');
      assert.match(hist[0]!, /^sh -c echo committed > \/data.txt; rm \/etc\/group; exec sleep 600\|a message\|\d+B$/);
      // pause by default: the container is paused while its layer is read, running after
      const events = (await ok(d.docker(['events', '--since', since, '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', `container=${name}`, '--format', '{{.Action}}']))).split('\n');
      assert.deepEqual(events.filter((e) => ['pause', 'unpause', 'commit'].includes(e)), ['pause', 'unpause', 'commit']);
      assert.equal((await ok(d.docker(['inspect', '-f', '{{.State.Status}}', name]))).trim(), 'running');
      await ok(cliRun(d, cli, ['commit', '--pause=false', name, `committed-${cli}:nopause`]));
      await ok(d.docker(['rm', '-f', name]));
    });
  }

  test('a container without changes commits an empty layer; a stopped one commits; errors', async () => {
    await ok(d.docker(['run', '--name', 'nochange', 'busybox', 'true']));
    const id = (await ok(d.docker(['commit', 'nochange']))).trim();
    const insp = JSON.parse(await ok(d.docker(['image', 'inspect', id])))[0];
    assert.equal(insp.RootFS.Layers.length, 1, 'no layer added');
    assert.equal(insp.RepoTags.length, 0);
    assert.match((await ok(d.docker(['history', '--format', '{{.Size}}', id]))).split('\n')[0]!, /^0B$/);
    const missing = await d.docker(['commit', 'no-such-container']);
    assert.equal(missing.stderr.trim(), 'Error response from daemon: No such container: no-such-container');
    await ok(d.docker(['rm', 'nochange']));
    await ok(d.docker(['rmi', id]));
  });
});

describe('docker and berth agree', () => {
  test('diff and cp output are the same through both CLIs', async () => {
    await ok(d.docker(['run', '--name', 'agree', 'busybox', 'sh', '-c', 'mkdir -p /x/y; echo 1 > /x/y/z; rm /bin/cat']));
    assert.equal(await ok(d.berth(['diff', 'agree'])), await ok(d.docker(['diff', 'agree'])));
    const a = await runBin('docker', ['cp', 'agree:/x', '-']);
    const b = await runBin('berth', ['cp', 'agree:/x', '-']);
    assert.deepEqual(await listTar(b.stdout), await listTar(a.stdout));
    for (const cli of CLIS) {
      const out = join(work, `agree-${cli}`);
      await ok(cliRun(d, cli, ['cp', 'agree:/x/', out]));
      assert.equal(readFileSync(join(out, 'y', 'z'), 'utf8'), '1\n');
      assert.ok(lstatSync(join(out, 'y')).isDirectory());
    }
    await ok(d.docker(['rm', 'agree']));
  });
});
