/**
 * The image service against a real containerd: import, list, inspect, history, tag, rmi, prune,
 * save/load round trip, shared layers, hostile archives, and no leaks after cleanup.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack, extract, type Header } from 'tar-stream';
import { startTestContainerd, type TestContainerd } from '../../containerd/index.js';
import { ContainerdContentStore, ContainerdLeases } from '../../content/index.js';
import { ContainerdSnapshotter } from '../../snapshots/index.js';
import { ImageStore, busyboxRootfsTar } from '../../images/index.js';
import { EventBus } from '../../events/index.js';
import { background, Filters, kindOf, sha256 } from '../../lib/index.js';
import { ContainerdImageRecords } from './records.js';
import { ImagesService } from './images.js';

let cd: TestContainerd;
let svc: ImagesService;
let store: ImageStore;
let events: EventBus;
const ctx = background();
let rootfs: Buffer;

before(async () => {
  cd = await startTestContainerd('berth-images-test');
  events = new EventBus();
  store = new ImageStore({
    records: new ContainerdImageRecords(cd.client),
    content: new ContainerdContentStore(cd.client),
    snapshotter: new ContainerdSnapshotter(cd.client),
    leases: new ContainerdLeases(cd.client),
  });
  svc = new ImagesService({ store, events });
  rootfs = await busyboxRootfsTar();
});
after(async () => {
  await cd?.cleanup();
});

async function tarOf(entries: (Partial<Header> & { name: string; body?: Buffer | string })[]): Promise<Buffer> {
  const p = pack();
  const done = (async () => {
    const out: Buffer[] = [];
    for await (const c of p) out.push(c as Buffer);
    return Buffer.concat(out);
  })();
  for (const { body, ...h } of entries) {
    if (body !== undefined) p.entry({ type: 'file', ...h } as Header, body);
    else p.entry({ type: 'file', ...h } as Header);
  }
  p.finalize();
  return done;
}

async function collect(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(c as Buffer);
  return Buffer.concat(out);
}

async function listNames(): Promise<string[]> {
  return (await svc.list(ctx, { all: false, filters: new Filters(), apiVersion: '1.44' })).flatMap((i) => i.RepoTags).sort();
}

describe('images on containerd', () => {
  let id = '';

  test('import a busybox rootfs with changes', async () => {
    id = await svc.import(ctx, { source: Readable.from([rootfs]), repo: 'busybox', tag: 'latest', changes: ['CMD ["sh"]', 'ENV PATH=/bin'] });
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    const list = await svc.list(ctx, { all: false, filters: new Filters(), apiVersion: '1.44' });
    const img = list.find((i) => i.Id === id)!;
    assert.deepEqual(img.RepoTags, ['busybox:latest']);
    assert.ok(img.Size > 1_000_000, `size ${img.Size}`);
    assert.equal(img.VirtualSize, undefined);
    const ins = await svc.inspect(ctx, 'busybox', '1.44');
    assert.equal(ins.Id, id);
    assert.deepEqual(ins.Config!.Cmd, ['sh']);
    assert.deepEqual(ins.RootFS.Layers, [sha256(rootfs)]);
    assert.equal(ins.Comment, 'Imported from -');
    const h = await svc.history(ctx, id.slice(7, 19));
    assert.equal(h.length, 1);
    assert.equal(h[0]!.Id, id);
    assert.equal(h[0]!.Size, img.Size);
  });

  test('references resolve by name, ID and ID prefix; bad ones fail with Docker wording', async () => {
    assert.equal((await svc.inspect(ctx, 'docker.io/library/busybox:latest', '1.44')).Id, id);
    assert.equal((await svc.inspect(ctx, id, '1.44')).Id, id);
    assert.equal((await svc.inspect(ctx, id.slice(7, 15), '1.44')).Id, id);
    await assert.rejects(svc.inspect(ctx, 'nosuch', '1.44'), (e) => kindOf(e) === 'notFound' && /No such image: nosuch/.test(String(e)));
    await assert.rejects(svc.inspect(ctx, 'Bad:Ref', '1.44'), (e) => kindOf(e) === 'invalidParameter');
  });

  test('tag, untag with other tags, conflict on ID with several tags', async () => {
    await svc.tag(ctx, 'busybox', '127.0.0.1:5000/bb', 'v1');
    assert.deepEqual(await listNames(), ['127.0.0.1:5000/bb:v1', 'busybox:latest']);
    // Tagging the same image again moves its tag time (moby's SetLastUpdated), and leaves one name.
    const tagged = (await svc.inspect(ctx, '127.0.0.1:5000/bb:v1', '1.44')).Metadata.LastTagTime!;
    await new Promise((r) => setTimeout(r, 20));
    await svc.tag(ctx, id, '127.0.0.1:5000/bb', 'v1');
    assert.ok((await svc.inspect(ctx, '127.0.0.1:5000/bb:v1', '1.44')).Metadata.LastTagTime! > tagged);
    assert.deepEqual(await listNames(), ['127.0.0.1:5000/bb:v1', 'busybox:latest']);
    await assert.rejects(svc.remove(ctx, id, { force: false, noprune: false }), /unable to delete [a-f0-9]{12} \(must be forced\) - image is referenced in multiple repositories/);
    const out = await svc.remove(ctx, '127.0.0.1:5000/bb:v1', { force: false, noprune: false });
    assert.deepEqual(out, [{ Untagged: '127.0.0.1:5000/bb:v1' }]);
    assert.deepEqual(await listNames(), ['busybox:latest']);
  });

  test('save, rmi, load round-trips to the same ID', async () => {
    const archive = await collect(await svc.save(ctx, ['busybox:latest']));
    const names: string[] = [];
    const ex = extract();
    const listing = (async () => {
      for await (const e of ex) {
        names.push(e.header.name);
        e.resume();
      }
    })();
    Readable.from([archive]).pipe(ex);
    await listing;
    for (const n of ['manifest.json', 'index.json', 'oci-layout', 'repositories']) assert.ok(names.includes(n), n);
    const removed = await svc.remove(ctx, 'busybox', { force: false, noprune: false });
    assert.deepEqual(removed, [{ Untagged: 'busybox:latest' }, { Deleted: id }]);
    assert.deepEqual(await listNames(), []);
    const res = await svc.load(ctx, Readable.from([archive]));
    assert.deepEqual(res.messages, ['Loaded image: busybox:latest']);
    assert.equal(res.images[0]!.id, id);
    // gzip-compressed archives load too, and loading again is harmless
    const again = await svc.load(ctx, Readable.from([gzipSync(archive)]));
    assert.equal(again.images[0]!.id, id);
  });

  test('two images sharing a layer: deleting one leaves the other whole', async () => {
    const extra = await tarOf([{ name: 'hello.txt', body: 'hi\n' }]);
    // A second image: busybox layer + one more, built by loading a crafted docker-archive.
    const base = JSON.parse((await cd.client.content.readAll(ctx, id)).toString());
    const cfg = Buffer.from(
      JSON.stringify({ ...base, rootfs: { type: 'layers', diff_ids: [sha256(rootfs), sha256(extra)] }, history: [{ created: base.created }, { created: base.created, created_by: 'COPY hello.txt /' }] }),
    );
    const archive = await tarOf([
      { name: 'cfg.json', body: cfg },
      { name: 'l1/layer.tar', body: rootfs },
      { name: 'l2/layer.tar', body: extra },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'cfg.json', RepoTags: ['two:layers'], Layers: ['l1/layer.tar', 'l2/layer.tar'] }]) },
    ]);
    const res = await svc.load(ctx, Readable.from([archive]));
    assert.deepEqual(res.messages, ['Loaded image: two:layers']);
    const h = await svc.history(ctx, 'two:layers');
    assert.equal(h.length, 2);
    assert.equal(h[0]!.CreatedBy, 'COPY hello.txt /');
    await svc.remove(ctx, 'busybox:latest', { force: false, noprune: false });
    const ins = await svc.inspect(ctx, 'two:layers', '1.44');
    assert.equal(ins.RootFS.Layers!.length, 2);
    // its layers are still there: unpacked snapshots and blobs
    const snaps = await cd.client.snapshots.list(ctx, 'overlayfs');
    assert.equal(snaps.filter((s) => s.kind === 'COMMITTED').length, 2);
  });

  test('hostile and broken archives are refused and leave nothing behind', async () => {
    const before = (await cd.client.content.list(ctx)).length;
    const beforeImages = await listNames();
    const good = JSON.stringify([{ Config: 'c.json', RepoTags: ['evil:1'], Layers: ['l/layer.tar'] }]);
    const cfg = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(rootfs)] } });
    const cases: [string, Buffer, RegExp][] = [
      ['dot-dot outer entry', await tarOf([{ name: '../x', body: 'x' }]), /escapes/],
      ['absolute outer entry', await tarOf([{ name: '/etc/x', body: 'x' }]), /absolute/],
      ['symlink out', await tarOf([{ name: 'l', type: 'symlink', linkname: '../../etc' }]), /outside/],
      ['device node', await tarOf([{ name: 'null', type: 'character-device', devmajor: 1, devminor: 3 }]), /device/],
      ['hardlink outside', await tarOf([{ name: 'h', type: 'link', linkname: '../../etc/shadow' }]), /outside/],
      ['missing blob', await tarOf([{ name: 'c.json', body: cfg }, { name: 'manifest.json', body: good }]), /not in the archive/],
      ['wrong digest', await tarOf([{ name: 'c.json', body: cfg }, { name: 'l/layer.tar', body: await tarOf([{ name: 'other', body: 'x' }]) }, { name: 'manifest.json', body: good }]), /diff ID/],
      ['hostile layer', await tarOf([{ name: 'c.json', body: cfg }, { name: 'l/layer.tar', body: await tarOf([{ name: '../../evil', body: 'x' }]) }, { name: 'manifest.json', body: good }]), /escapes/],
      ['truncated', rootfs.subarray(0, 5000), /invalid|manifest/],
      ['corrupt gzip', gzipSync(rootfs).subarray(0, 3000), /invalid/],
      ['not a tar', Buffer.from('hello world, this is not an archive'), /invalid/],
      ['a rootfs tar, not an image archive', rootfs, /neither manifest.json nor index.json/],
    ];
    for (const [name, buf, msg] of cases) {
      await assert.rejects(svc.load(ctx, Readable.from([buf])), (e) => {
        assert.equal(kindOf(e), 'invalidParameter', `${name}: ${e}`);
        assert.match(String(e), msg, name);
        return true;
      });
    }
    const hostileImport = await tarOf([{ name: '../../etc/passwd', body: 'x' }]);
    await assert.rejects(svc.import(ctx, { source: Readable.from([hostileImport]), repo: 'evil', changes: [] }), /escapes/);
    assert.deepEqual(await listNames(), beforeImages);
    // leases are gone, so anything written during the failures has been collected
    assert.equal((await cd.client.leases.list(ctx)).length, 0);
    await cd.client.images.list(ctx); // a metadata write triggers GC
    assert.ok((await cd.client.content.list(ctx)).length <= before);
  });

  test('prune removes dangling images only; rmi of the rest leaves containerd empty', async () => {
    // retagging makes the old image dangling
    await svc.import(ctx, { source: Readable.from([rootfs]), repo: 'busybox', tag: 'x', changes: [] });
    await svc.import(ctx, { source: Readable.from([rootfs]), repo: 'busybox', tag: 'x', changes: ['CMD ["true"]'] });
    const dangling = await svc.list(ctx, { all: false, filters: Filters.fromEntries({ dangling: ['true'] }), apiVersion: '1.44' });
    assert.equal(dangling.length, 1);
    assert.deepEqual(dangling[0]!.RepoTags, ['<none>:<none>']);
    const report = await svc.prune(ctx, new Filters());
    assert.equal(report.ImagesDeleted!.filter((d) => d.Deleted).length, 1);
    assert.deepEqual(await listNames(), ['busybox:x', 'two:layers']);
    await svc.remove(ctx, 'busybox:x', { force: false, noprune: false });
    await svc.remove(ctx, 'two:layers', { force: false, noprune: false });
    assert.deepEqual(await cd.client.images.list(ctx), []);
    assert.deepEqual((await cd.client.content.list(ctx)).map((c) => c.digest), []);
    assert.deepEqual((await cd.client.snapshots.list(ctx, 'overlayfs')).map((s) => s.name), []);
    assert.ok(events);
  });

  test('a lease holds a layer snapshot it finds existing until released: a GC meanwhile does not take it', async () => {
    // A committed snapshot nothing references (the layer of an image just deleted).
    const snaps = store.snapshotter;
    await snaps.prepare(ctx, 'orphan-extract', '');
    await snaps.commit(ctx, 'orphan-chain', 'orphan-extract');
    const leased = await store.lease(ctx, 'test');
    await leased.hold(ctx, 'orphan-chain');
    const gc = async () => {
      const other = await store.lease(ctx, 'gc-trigger');
      await other.release(true);
    };
    await gc();
    assert.equal((await snaps.stat(ctx, 'orphan-chain')).name, 'orphan-chain');
    await leased.release(true);
    await gc();
    await assert.rejects(snaps.stat(ctx, 'orphan-chain'), (e: unknown) => kindOf(e) === 'notFound');
  });
});
