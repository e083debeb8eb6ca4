/**
 * Issue 3 end to end: images through the real docker CLI (and berth), on a real berthd.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { startDaemon, CLIS, cliRun, TestDaemon, busyboxTar, run, ok } from './harness.js';

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d?.cleanup();
});


describe('images with the docker CLI', () => {
  let id = '';
  test('import a busybox rootfs; ls, inspect, history', async () => {
    id = await d.importBusybox();
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    const ls = await ok(d.docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']));
    assert.equal(ls.trim(), `busybox:latest ${id.slice(7, 19)}`);
    const table = await ok(d.docker(['images']));
    assert.match(table, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\nbusybox\s+latest\s+[a-f0-9]{12}\s+.+\s+\d+(\.\d+)?MB\n$/);
    const ins = JSON.parse(await ok(d.docker(['image', 'inspect', 'busybox'])))[0];
    assert.equal(ins.Id, id);
    assert.deepEqual(ins.Config.Cmd, ['sh']);
    assert.deepEqual(ins.RepoTags, ['busybox:latest']);
    assert.equal(ins.RootFS.Layers.length, 1);
    const hist = await ok(d.docker(['history', '--format', '{{.ID}}|{{.Comment}}', 'busybox']));
    assert.equal(hist.trim(), `${id.slice(7, 19)}|Imported from -`);
    const info = JSON.parse(await ok(d.docker(['info', '--format', '{{json .}}'])));
    assert.equal(info.Images, 1);
  });

  test('tag, save, rmi, load round-trip to the same ID', async () => {
    await ok(d.docker(['tag', 'busybox', '127.0.0.1:5000/bb:v1']));
    const names = (await ok(d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']))).trim().split('\n').sort();
    assert.deepEqual(names, ['127.0.0.1:5000/bb:v1', 'busybox:latest']);
    const archive = join(d.dir, 'saved.tar');
    await ok(d.docker(['save', '-o', archive, 'busybox:latest', '127.0.0.1:5000/bb:v1']));
    const listing = (await run('tar', ['tf', archive])).stdout.split('\n');
    for (const f of ['manifest.json', 'index.json', 'oci-layout', 'repositories']) assert.ok(listing.includes(f), f);
    const manifest = JSON.parse((await run('tar', ['xOf', archive, 'manifest.json'])).stdout);
    assert.deepEqual(manifest[0].RepoTags.sort(), ['127.0.0.1:5000/bb:v1', 'busybox:latest']);
    const rmi = await ok(d.docker(['rmi', 'busybox', '127.0.0.1:5000/bb:v1']));
    assert.match(rmi, /Untagged: busybox:latest\nUntagged: 127\.0\.0\.1:5000\/bb:v1\nDeleted: sha256:/);
    assert.equal((await ok(d.docker(['images', '-q']))).trim(), '');
    const load = await ok(d.docker(['load', '-i', archive]));
    assert.match(load, /Loaded image: busybox:latest/);
    assert.match(load, /Loaded image: 127\.0\.0\.1:5000\/bb:v1/);
    const after = JSON.parse(await ok(d.docker(['image', 'inspect', 'busybox'])))[0];
    assert.equal(after.Id, id);
    // gzip'ed archive through stdin
    writeFileSync(archive + '.gz', gzipSync(readFileSync(archive)));
    const again = await ok(d.docker(['load', '-i', archive + '.gz']));
    assert.match(again, /Loaded image/);
  });

  test('rmi conflicts and errors use Docker wording', async () => {
    const r = await d.docker(['rmi', id.slice(7, 19)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error response from daemon: conflict: unable to delete [a-f0-9]{12} \(must be forced\) - image is referenced in multiple repositories/);
    const nf = await d.docker(['rmi', 'nosuchimage']);
    assert.equal(nf.code, 1);
    assert.match(nf.stderr, /No such image: nosuchimage/);
    const bad = await d.docker(['tag', 'busybox', 'Bad/Name']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid reference format/);
  });

  test('prune removes only dangling images', async () => {
    // re-importing under an existing tag leaves the old image dangling
    await ok(d.docker(['import', '-c', 'CMD ["echo"]', await busyboxTar(), 'dang:1']));
    await ok(d.docker(['import', '-c', 'CMD ["true"]', await busyboxTar(), 'dang:1']));
    const dangling = await ok(d.docker(['images', '-f', 'dangling=true', '--format', '{{.Repository}}:{{.Tag}}']));
    assert.equal(dangling.trim(), '<none>:<none>');
    const pr = await ok(d.docker(['image', 'prune', '-f']));
    assert.match(pr, /Deleted Images:\n(untagged: .*\n)*deleted: sha256:[a-f0-9]{64}\n/);
    assert.match(pr, /Total reclaimed space: /);
    const left = (await ok(d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']))).trim().split('\n').sort();
    assert.deepEqual(left, ['127.0.0.1:5000/bb:v1', 'busybox:latest', 'dang:1']);
  });

  test('system df counts shared layers once', async () => {
    const df = (await ok(d.docker(['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Size}}']))).trim().split('\n');
    const images = df.find((l) => l.startsWith('Images|'))!.split('|');
    const n = new Set((await ok(d.docker(['images', '-q']))).trim().split('\n')).size;
    assert.equal(Number(images[1]), n);
    const one = JSON.parse(await ok(d.docker(['image', 'inspect', 'busybox'])))[0].Size;
    // every image here holds the same busybox layer: the total is about one layer, not n of them
    const total = parseFloat(images[2]!) * (images[2]!.endsWith('MB') ? 1e6 : images[2]!.endsWith('kB') ? 1e3 : 1);
    assert.ok(total < one * 1.5, `total ${images[2]} for ${n} images of ${one} bytes`);
  });

  test('hostile archives are refused with a clear error and leave nothing', async () => {
    const before = (await ok(d.docker(['images', '-qa']))).trim();
    const evil = join(d.dir, 'evil');
    await run('sh', ['-ec', `mkdir -p ${evil}/in && cd ${evil} && echo x > in/f && tar -cf dotdot.tar --absolute-names -P in/f ../../../etc/hostname 2>/dev/null || tar -cf dotdot.tar -P in/f /etc/hostname`]);
    const r1 = await d.docker(['load', '-i', join(evil, 'dotdot.tar')]);
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, /invalid tar entry/);
    const r2 = await d.docker(['import', join(evil, 'dotdot.tar'), 'evil:1']);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /invalid tar entry/);
    writeFileSync(join(evil, 'trunc.tar'), readFileSync(await busyboxTar()).subarray(0, 100_000));
    const r3 = await d.docker(['import', join(evil, 'trunc.tar'), 'evil:2']);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /invalid archive|Unexpected end/i);
    assert.equal((await ok(d.docker(['images', '-qa']))).trim(), before);
  });

  test('kill -9 during a load leaves no partial image', async () => {
    const before = (await ok(d.docker(['images', '-qa']))).trim();
    // a slow client: send part of an archive, then kill berthd while it is reading
    const { request } = await import('node:http');
    const req = request({ socketPath: d.socket, method: 'POST', path: '/v1.44/images/load', headers: { 'Content-Type': 'application/x-tar', 'Transfer-Encoding': 'chunked' } });
    req.on('error', () => {});
    req.write(readFileSync(await busyboxTar()).subarray(0, 1_500_000));
    await new Promise((r) => setTimeout(r, 300));
    await d.kill9();
    req.destroy();
    await d.start();
    assert.equal((await ok(d.docker(['images', '-qa']))).trim(), before);
  });
});

describe('images with both CLIs', () => {
  for (const cli of CLIS) {
    test(`${cli} image ls/inspect/history/tag/rmi`, async () => {
      const name = `${cli}-img:1`;
      await ok(cliRun(d, cli, ['import', '-m', 'hello', await busyboxTar(), name]));
      const ls = await ok(cliRun(d, cli, ['image', 'ls', name, '--format', '{{json .}}']));
      const row = JSON.parse(ls.trim());
      assert.equal(row.Repository, `${cli}-img`);
      assert.equal(row.Tag, '1');
      const cmt = await ok(cliRun(d, cli, ['image', 'inspect', '--format', '{{.Comment}}', name]));
      assert.equal(cmt.trim(), 'hello');
      const h = await ok(cliRun(d, cli, ['image', 'history', '-q', name]));
      assert.match(h.trim(), /^[a-f0-9]{12}$/);
      await ok(cliRun(d, cli, ['image', 'tag', name, `${cli}-img:2`]));
      const rm = await ok(cliRun(d, cli, ['image', 'rm', `${cli}-img:2`]));
      assert.equal(rm.trim(), `Untagged: ${cli}-img:2`);
      const rm2 = await ok(cliRun(d, cli, ['rmi', name]));
      assert.match(rm2, /Deleted: sha256:/);
      const missing = await cliRun(d, cli, ['image', 'inspect', name]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /No such image/);
    });
  }
});
