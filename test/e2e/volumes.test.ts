/**
 * Issue 7, volumes and mounts end to end with the real docker CLI against berthd: the book's
 * chapter 13 walkthrough (a named volume outlives its containers, `volume rm` of a volume in use
 * fails with Docker's message, prune removes only what is unused), copy-up from the image,
 * binds (`-v` creates a missing host directory, `--mount` refuses it, read-only refuses
 * writes), Docker's errors for bad specs, a tmpfs volume mounted on first use and unmounted on
 * last, events, a kill -9 of berthd with volumes mounted, and a volume plugin. The real docker
 * CLI drives it by default; E2E_CLI=berth runs the same cases with ours.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, TestDaemon, ok, sleep } from './harness.js';
import { startTestVolumePlugin } from '../../src/volumes/testdriver.js';

let d: TestDaemon;
let work: string;

before(async () => {
  d = await startDaemon();
  await d.importBusybox();
  work = mkdtempSync('/tmp/be-vol-');
});
after(async () => {
  await d?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The CLI under test: the real docker CLI by default, ours with E2E_CLI=berth. */
const docker = (...args: string[]) => (process.env['E2E_CLI'] === 'berth' ? d.berth(args) : d.docker(args));
const must = (...args: string[]) => ok(docker(...args));
/** The host's mount table lines under this daemon's directory. */
const mountsUnder = (p: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(p));
const volumeNames = async () => (await must('volume', 'ls', '-q')).split('\n').filter(Boolean).sort();

test('chapter 13: a named volume outlives its containers; rm of a volume in use fails; prune removes only what is unused', async () => {
  const since = Math.floor(Date.now() / 1000);
  assert.equal(await must('volume', 'create', 'myvol'), 'myvol\n');
  const inspect = JSON.parse(await must('volume', 'inspect', 'myvol')) as { Name: string; Driver: string; Mountpoint: string; Scope: string; Labels: unknown }[];
  assert.equal(inspect.length, 1);
  assert.deepEqual([inspect[0]!.Name, inspect[0]!.Driver, inspect[0]!.Scope], ['myvol', 'local', 'local']);
  assert.equal(inspect[0]!.Mountpoint, join(d.dataRoot, 'volumes', 'myvol', '_data'));

  await must('run', '--name', 'writer', '-v', 'myvol:/data', 'busybox', 'sh', '-c', 'echo hello > /data/greeting');
  assert.equal(readFileSync(join(inspect[0]!.Mountpoint, 'greeting'), 'utf8'), 'hello\n');
  assert.equal(await must('run', '--name', 'reader', '-v', 'myvol:/data:ro', 'busybox', 'cat', '/data/greeting'), 'hello\n');
  const mounts = JSON.parse(await must('inspect', '-f', '{{json .Mounts}}', 'writer'));
  assert.deepEqual(mounts, [{ Type: 'volume', Name: 'myvol', Source: inspect[0]!.Mountpoint, Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }]);
  const ro = JSON.parse(await must('inspect', '-f', '{{json .Mounts}}', 'reader'));
  assert.deepEqual([ro[0].Mode, ro[0].RW], ['ro', false]);

  // --volumes-from: the same volume, read-only with :ro
  const from = await docker('run', '--rm', '--volumes-from', 'writer:ro', 'busybox', 'sh', '-c', 'cat /data/greeting; touch /data/x');
  assert.equal(from.stdout, 'hello\n');
  assert.match(from.stderr, /Read-only file system/);
  assert.equal(await must('ps', '-a', '--filter', 'volume=myvol', '--format', '{{.Names}}'), 'reader\nwriter\n');

  const writer = (await must('inspect', '-f', '{{.Id}}', 'writer')).trim();
  const reader = (await must('inspect', '-f', '{{.Id}}', 'reader')).trim();
  const rm = await docker('volume', 'rm', 'myvol');
  assert.equal(rm.code, 1);
  const m = /^Error response from daemon: remove myvol: volume is in use - \[([0-9a-f]{64}), ([0-9a-f]{64})\]\n$/.exec(rm.stderr);
  assert.ok(m, rm.stderr);
  assert.deepEqual([m[1], m[2]].sort(), [writer, reader].sort());
  assert.deepEqual(JSON.parse(await must('volume', 'ls', '-f', 'dangling=false', '--format', '{{json .Name}}')), 'myvol');

  await must('rm', 'writer', 'reader');
  assert.equal(await must('run', '--rm', '-v', 'myvol:/data', 'busybox', 'cat', '/data/greeting'), 'hello\n');

  // prune: an anonymous volume nobody uses goes, a named one and one in use stay; -a takes the named ones too
  await must('volume', 'create', 'keep');
  await must('run', '--name', 'anonc', '-v', '/anon', 'busybox', 'true');
  const anon = JSON.parse(await must('inspect', '-f', '{{json .Mounts}}', 'anonc'))[0];
  assert.match(anon.Name, /^[0-9a-f]{64}$/);
  assert.deepEqual([anon.Type, anon.Mode, anon.Driver, anon.Destination], ['volume', '', 'local', '/anon']);
  const anonLabels = JSON.parse(await must('volume', 'inspect', '-f', '{{json .Labels}}', anon.Name));
  assert.deepEqual(anonLabels, { 'com.docker.volume.anonymous': '' });
  await must('rm', 'anonc');
  await must('create', '--name', 'holder', '-v', '/held', 'busybox', 'true');
  const held = JSON.parse(await must('inspect', '-f', '{{json .Mounts}}', 'holder'))[0].Name as string;
  const pruned = await must('volume', 'prune', '-f');
  assert.equal(pruned, `Deleted Volumes:\n${anon.Name}\n\nTotal reclaimed space: 0B\n`);
  assert.deepEqual(await volumeNames(), [held, 'keep', 'myvol'].sort());
  const all = await must('volume', 'prune', '-a', '-f');
  assert.match(all, /^Deleted Volumes:\n/);
  assert.deepEqual(all.split('\n').slice(1, 3).sort(), ['keep', 'myvol']);
  assert.deepEqual(await volumeNames(), [held]);
  // rm -v takes the container's anonymous volume with it
  await must('rm', '-v', 'holder');
  assert.deepEqual(await volumeNames(), []);

  const events = await must('events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=volume', '--filter', 'volume=myvol', '--format', '{{.Action}}');
  const actions = events.split('\n').filter(Boolean);
  assert.equal(actions[0], 'create');
  assert.ok(actions.includes('mount') && actions.includes('unmount'), actions.join(' '));
  assert.equal(actions[actions.length - 1], 'destroy');
});

test('copy-up: a named volume over a path the image fills shows its files, ownership and modes; a second container sees the first one’s changes', async () => {
  await must('run', '--name', 'base', 'busybox', 'sh', '-c', 'mkdir -p /data/sub && echo img > /data/file && chown 1000:2000 /data/file && chmod 640 /data/file && chmod 750 /data && chown 7:7 /data');
  await must('commit', 'base', 'withdata');
  await must('commit', '--change', 'VOLUME /data', 'base', 'withvol');
  await must('rm', 'base');
  const ls = await must('run', '--name', 'c1', '-v', 'pop:/data', 'withdata', 'sh', '-c', 'stat -c "%n %u:%g %a" /data /data/file; echo changed >> /data/file; rm -r /data/sub');
  assert.equal(ls, '/data 7:7 750\n/data/file 1000:2000 640\n');
  const host = join(d.dataRoot, 'volumes', 'pop', '_data');
  assert.equal(statSync(host).mode & 0o777, 0o750);
  assert.equal(await must('run', '--rm', '-v', 'pop:/data', 'withdata', 'sh', '-c', 'cat /data/file; ls /data'), 'img\nchanged\nfile\n');
  // nocopy: an empty volume stays empty
  assert.equal(await must('run', '--rm', '-v', 'pop2:/data:nocopy', 'withdata', 'ls', '-A', '/data'), '');
  assert.equal(await must('run', '--rm', '--mount', 'type=volume,src=pop3,dst=/data,volume-nocopy', 'withdata', 'ls', '-A', '/data'), '');
  // the image's VOLUME: an anonymous volume, filled from the image
  assert.equal(await must('run', '--name', 'iv', 'withvol', 'cat', '/data/file'), 'img\n');
  const mp = JSON.parse(await must('inspect', '-f', '{{json .Mounts}}', 'iv'));
  assert.equal(mp.length, 1);
  assert.deepEqual([mp[0].Type, mp[0].Destination, mp[0].Mode, mp[0].RW], ['volume', '/data', '', true]);
  await must('rm', '-v', 'c1', 'iv');
  await must('volume', 'rm', 'pop', 'pop2', 'pop3');
});

test('binds: -v creates a missing host directory, --mount refuses it; read-only refuses writes', async () => {
  const made = join(work, 'made', 'sub');
  assert.equal(await must('run', '--rm', '-v', `${made}:/x`, 'busybox', 'sh', '-c', 'echo hi > /x/f && cat /x/f'), 'hi\n');
  assert.ok(existsSync(join(made, 'f')));
  const missing = join(work, 'missing');
  const r = await docker('run', '--rm', '--mount', `type=bind,src=${missing},dst=/x`, 'busybox', 'true');
  assert.equal(r.code, 125);
  assert.match(r.stderr, new RegExp(`Error response from daemon: invalid mount config for type "bind": bind source path does not exist: ${missing}\\n`));
  assert.ok(!existsSync(missing));
  const w = await docker('run', '--rm', '-v', `${made}:/x:ro`, 'busybox', 'sh', '-c', 'echo no > /x/g');
  assert.notEqual(w.code, 0);
  assert.match(w.stderr, /Read-only file system/);
  const w2 = await docker('run', '--rm', '--mount', `type=bind,src=${made},dst=/x,readonly`, 'busybox', 'touch', '/x/g');
  assert.notEqual(w2.code, 0);
  assert.ok(!existsSync(join(made, 'g')));
  const mounts = JSON.parse(await must('inspect', '-f', '{{json .Mounts}}', (await must('create', '-v', `${made}:/x:ro`, 'busybox')).trim()));
  assert.deepEqual(mounts, [{ Type: 'bind', Source: made, Destination: '/x', Mode: 'ro', RW: false, Propagation: 'rprivate' }]);
  // --mount type=tmpfs with its size and mode; type=bind with a propagation
  const t = await must('run', '--name', 'tm', '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770', '--mount', `type=bind,src=${made},dst=/b,bind-propagation=rslave`, 'busybox', 'sh', '-c', 'stat -c %a /t; df -k /t | tail -1 | tr -s " " | cut -d" " -f2; cat /b/f');
  assert.equal(t, '1770\n1024\nhi\n');
  assert.deepEqual(JSON.parse(await must('inspect', '-f', '{{json .Mounts}}', 'tm')), [
    { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
    { Type: 'bind', Source: made, Destination: '/b', Mode: '', RW: true, Propagation: 'rslave' },
  ]);
  await must('rm', 'tm');
});

test("bad mount input gets Docker's errors", async () => {
  const cases: [string[], RegExp][] = [
    [['-v', 'rel/path:/x'], /create rel\/path: "rel\/path" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed. If you intended to pass a host directory, use absolute path/],
    [['-v', `${work}:/`], /invalid volume specification: '.*:\/': invalid mount config for type "bind": invalid specification: destination can't be '\/'/],
    [['-v', 'dup1:/x', '-v', 'dup2:/x'], /Duplicate mount point: \/x/],
    [['-v', `${work}:/x:bogus`], /invalid mode: bogus/],
    [['-v', 'b@d:/x'], /"b@d" includes invalid characters for a local volume name/],
    [['--mount', 'type=volume,dst=/'], /invalid mount config for type "volume": invalid specification: destination can't be '\/'/],
    [['--mount', 'type=bind,src=relpath,dst=/x'], /invalid mount config for type "bind": invalid mount path: 'relpath' mount path must be absolute/],
    [['--tmpfs', '/x', '-v', 'tv1:/x'], /Duplicate mount point: \/x/],
  ];
  for (const [flags, want] of cases) {
    const r = await docker('create', ...flags, 'busybox');
    assert.equal(r.code, 1, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want, flags.join(' '));
  }
  // a create that fails leaves no anonymous volume behind
  await must('create', '--name', 'taken', 'busybox');
  const before = await volumeNames();
  const dup = await docker('create', '--name', 'taken', '-v', '/leak', '-v', 'dupx:/a', '-v', 'dupy:/a', 'busybox');
  assert.match(dup.stderr, /Duplicate mount point: \/a/);
  const conflict = await docker('create', '--name', 'taken', '-v', '/leak', 'busybox');
  assert.match(conflict.stderr, /Conflict. The container name "\/taken" is already in use/);
  assert.deepEqual((await volumeNames()).filter((n) => !before.includes(n) && /^[0-9a-f]{64}$/.test(n)), []);
  await must('rm', 'taken');
  const bad = await docker('volume', 'create', 'x');
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'Error response from daemon: create x: volume name is too short, names should be at least two alphanumeric characters\n');
  // the named volumes of the failed creates stay, as in Docker
  await must('volume', 'prune', '-a', '-f');
});

test('a tmpfs volume is mounted on first use and unmounted after the last; kill -9 of berthd keeps volumes, data and counts', async () => {
  await must('volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=2m', '--label', 'kind=scratch', 'tvol');
  const path = join(d.dataRoot, 'volumes', 'tvol', '_data');
  assert.deepEqual(JSON.parse(await must('volume', 'inspect', '-f', '{{json .Options}}', 'tvol')), { device: 'tmpfs', o: 'size=2m', type: 'tmpfs' });
  assert.deepEqual(mountsUnder(path), []);
  await must('volume', 'create', 'pvol');
  await must('run', '-d', '--name', 't1', '-v', 'tvol:/t', '-v', 'pvol:/p', 'busybox', 'sh', '-c', 'echo one > /t/f; echo keep > /p/f; sleep 600');
  await must('run', '-d', '--name', 't2', '-v', 'tvol:/t', 'busybox', 'sleep', '600');
  assert.equal(mountsUnder(path).length, 1, 'mounted once for two containers');
  assert.match(await must('exec', 't2', 'sh', '-c', 'cat /t/f; grep " /t " /proc/mounts'), /^one\ntmpfs \/t tmpfs rw.*size=2048k/);

  await d.kill9();
  await d.start();
  assert.deepEqual(await volumeNames(), ['pvol', 'tvol']);
  assert.deepEqual(JSON.parse(await must('volume', 'inspect', '-f', '{{json .Labels}}', 'tvol')), { kind: 'scratch' });
  assert.equal(mountsUnder(path).length, 1, 'still mounted after the restart');
  assert.equal(await must('exec', 't1', 'cat', '/t/f', '/p/f'), 'one\nkeep\n');
  const rm = await docker('volume', 'rm', 'tvol');
  assert.match(rm.stderr, /remove tvol: volume is in use - \[/);

  await must('rm', '-f', 't1');
  assert.equal(mountsUnder(path).length, 1, 't2 still uses it');
  await must('rm', '-f', 't2');
  for (let i = 0; i < 50 && mountsUnder(path).length > 0; i++) await sleep(100);
  assert.deepEqual(mountsUnder(path), [], 'unmounted after the last user');
  assert.equal(await must('run', '--rm', '-v', 'pvol:/p', 'busybox', 'cat', '/p/f'), 'keep\n');
  await must('volume', 'rm', 'tvol', 'pvol');
  assert.deepEqual(mountsUnder(join(d.dataRoot, 'volumes')), []);
  assert.deepEqual(await volumeNames(), []);
});

test('a local volume binding an existing host directory (type=none, o=bind): mounted while used', async () => {
  const host = join(work, 'bound');
  mkdirSync(host);
  writeFileSync(join(host, 'seed'), 'from-host\n');
  await must('volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${host}`, 'bvol');
  assert.equal(await must('run', '--rm', '-v', 'bvol:/b', 'busybox', 'sh', '-c', 'cat /b/seed; echo from-ctr > /b/out'), 'from-host\n');
  assert.equal(readFileSync(join(host, 'out'), 'utf8'), 'from-ctr\n');
  const path = join(d.dataRoot, 'volumes', 'bvol', '_data');
  for (let i = 0; i < 50 && mountsUnder(path).length > 0; i++) await sleep(100);
  assert.deepEqual(mountsUnder(path), []);
  const bad = await docker('run', '--rm', '-v', 'badvol:/b', '--mount', 'type=volume,src=badvol2,dst=/c,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/nonexistent-berth', 'busybox', 'true');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /failed to mount local volume/);
  await must('volume', 'rm', 'bvol', 'badvol', 'badvol2');
  assert.ok(existsSync(join(host, 'seed')), 'removing the volume leaves the bound directory alone');
});

test('docker cp sees a stopped container\'s volumes and binds; read-only mount points refuse writes', async () => {
  const src = join(work, 'cp-src.txt');
  writeFileSync(src, 'copied\n');
  const bindDir = join(work, 'cp-bind');
  mkdirSync(bindDir);
  writeFileSync(join(bindDir, 'onhost'), 'host-side\n');
  await must('create', '--name', 'cpv', '-v', 'cpvol:/data', '-v', `${bindDir}:/hb`, 'busybox', 'true');
  await must('cp', src, 'cpv:/data/');
  assert.equal(readFileSync(join(d.dataRoot, 'volumes', 'cpvol', '_data', 'cp-src.txt'), 'utf8'), 'copied\n');
  const out = join(work, 'cp-out');
  await must('cp', 'cpv:/hb/onhost', out);
  assert.equal(readFileSync(out, 'utf8'), 'host-side\n');
  await must('create', '--name', 'cpro', '-v', 'cpvol:/data:ro', 'busybox', 'true');
  const ro = await docker('cp', src, 'cpro:/data/');
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /mounted volume is marked read-only/);
  await must('cp', 'cpro:/data/cp-src.txt', join(work, 'cp-out2'));
  assert.equal(readFileSync(join(work, 'cp-out2'), 'utf8'), 'copied\n');
  await must('create', '--name', 'cprr', '--read-only', '-v', 'cpvol:/data', 'busybox', 'true');
  await must('cp', src, 'cprr:/data/again.txt');
  assert.match((await docker('cp', src, 'cprr:/tmp/')).stderr, /container rootfs is marked read-only/);
  await must('rm', 'cpv', 'cpro', 'cprr');
  assert.deepEqual(mountsUnder(join(d.execRoot, 'containers', '.mnt')), [], 'cp leaves nothing mounted');
  await must('volume', 'rm', 'cpvol');
});

test('berth prints what docker prints for volumes on the same daemon', async () => {
  await must('volume', 'create', '--label', 'tier=db', 'pa');
  await must('volume', 'create', 'pb10');
  await must('volume', 'create', 'pb9');
  await must('run', '--name', 'sized', '-v', 'pa:/d', 'busybox', 'sh', '-c', 'head -c 5000 /dev/zero > /d/f');
  const cmds = [
    ['volume', 'ls'],
    ['volume', 'ls', '-q', '-f', 'dangling=true'],
    ['volume', 'ls', '--format', '{{json .}}', '-f', 'label=tier'],
    ['volume', 'inspect', 'pa', 'nope'],
    ['volume', 'inspect', '-f', '{{.Labels}} {{.Options}} {{json .Labels}} {{.Scope}}', 'pa', 'pb10'],
    ['inspect', '-f', '{{.Name}} {{.Labels}} {{.Options}}', 'pb9'],
    ['inspect', '--type', 'volume', 'pa'],
    ['volume', 'rm', 'pa'],
    ['system', 'df', '-v', '--format', '{{range .Volumes}}{{.Name}} {{.Links}} {{.Size}}\n{{end}}'],
    ['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}'],
  ];
  for (const args of cmds) {
    const want = await d.docker(args);
    const got = await d.berth(args);
    assert.equal(got.stdout, want.stdout, args.join(' '));
    assert.equal(got.stderr, want.stderr.replaceAll('docker', 'berth'), args.join(' '));
    assert.equal(got.code, want.code, args.join(' '));
  }
  assert.match(await must('system', 'df', '-v', '--format', '{{range .Volumes}}{{.Name}} {{.Links}} {{.Size}}\n{{end}}'), /^pa 1 5kB\npb10 0 0B\npb9 0 0B\n$/);
  await must('rm', 'sized');
  assert.equal(await ok(d.berth(['volume', 'prune', '-a', '-f'])).then((o) => o.split('\n').slice(1, 4).sort().join(' ')), 'pa pb10 pb9');
});

test('a volume plugin serves -d <name> over Docker\'s protocol', async () => {
  const root = join(work, 'plugin-data');
  const plugin = await startTestVolumePlugin(join(d.execRoot, 'plugins', 'testvol.sock'), root);
  try {
    assert.equal(await must('volume', 'create', '-d', 'testvol', '-o', 'speed=fast', 'pv'), 'pv\n');
    const v = JSON.parse(await must('volume', 'inspect', 'pv'))[0];
    assert.deepEqual([v.Driver, v.Scope, v.Mountpoint, v.Options], ['testvol', 'global', join(root, 'pv'), { speed: 'fast' }]);
    assert.match(await must('volume', 'ls', '-f', 'driver=testvol'), /^DRIVER +VOLUME NAME\ntestvol +pv\n$/);
    await must('run', '--name', 'pc', '-v', 'pv:/p', 'busybox', 'sh', '-c', 'echo via-plugin > /p/f');
    assert.equal(readFileSync(join(root, 'pv', 'f'), 'utf8'), 'via-plugin\n');
    const id = (await must('inspect', '-f', '{{.Id}}', 'pc')).trim();
    assert.deepEqual(plugin.calls.filter((c) => c.method === 'VolumeDriver.Mount' || c.method === 'VolumeDriver.Unmount').map((c) => `${c.method} ${String(c.body['Name'])} ${String(c.body['ID'])}`), [
      `VolumeDriver.Mount pv ${id}`,
      `VolumeDriver.Unmount pv ${id}`,
    ]);
    assert.equal(await must('run', '--rm', '--mount', 'type=volume,src=pv2,dst=/p,volume-driver=testvol', 'busybox', 'sh', '-c', 'ls /p; echo two > /p/g'), '');
    assert.equal(readFileSync(join(root, 'pv2', 'g'), 'utf8'), 'two\n');
    const unknown = await docker('volume', 'create', '-d', 'nosuchplugin', 'px');
    assert.equal(unknown.stderr, 'Error response from daemon: error looking up volume plugin nosuchplugin: plugin "nosuchplugin" not found\n');
    await must('rm', 'pc');
    await must('volume', 'rm', 'pv', 'pv2');
    assert.ok(!existsSync(join(root, 'pv')));
  } finally {
    await plugin.close();
  }
});
