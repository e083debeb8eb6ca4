import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { background, tarExtract, tarPack, type TarHeader } from '../lib/index.js';
import { receiveContext } from './context.js';
import { planContextCopy } from './copy-layer.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'berth-copy-layer-test-'));
}

/** A tar of `files` (name → content), as a client sends a context. */
async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const [name, body] of Object.entries(files)) {
    await new Promise<void>((res, rej) => pack.entry({ name, mode: 0o644 }, body, (err) => (err ? rej(err) : res())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The names and contents of a tar file's entries. */
async function entriesOf(file: string): Promise<[string, string][]> {
  const ex = tarExtract();
  const out: [string, string][] = [];
  const feeding = Readable.from([readFileSync(file)]).pipe(ex);
  for await (const item of ex as AsyncIterable<Readable & { header: TarHeader }>) {
    const chunks: Buffer[] = [];
    for await (const c of item) chunks.push(c as Buffer);
    out.push([item.header.name, Buffer.concat(chunks).toString()]);
  }
  void feeding;
  return out;
}

test('planContextCopy: the checksum follows content and metadata, not times', async () => {
  const dir = tmp();
  try {
    const ctx = { dir: join(dir, 'ctx') };
    mkdirSync(ctx.dir);
    writeFileSync(join(ctx.dir, 'f'), 'one');
    const opts = { mtime: new Date(0) };
    const a = await planContextCopy(ctx, ['f'], new Map(), '/f', false, opts);
    utimesSync(join(ctx.dir, 'f'), new Date(), new Date(Date.now() + 60_000));
    const b = await planContextCopy(ctx, ['f'], new Map(), '/f', false, opts);
    assert.equal(a.digestRef, b.digestRef);
    assert.match(a.digestRef, /^file:[0-9a-f]{64}$/);
    const chmod = await planContextCopy(ctx, ['f'], new Map(), '/f', false, { ...opts, chmod: 0o700 });
    assert.notEqual(chmod.digestRef, a.digestRef);
    const chown = await planContextCopy(ctx, ['f'], new Map(), '/f', false, { ...opts, chown: { uid: 1, gid: 1 } });
    assert.notEqual(chown.digestRef, a.digestRef);
    const elsewhere = await planContextCopy(ctx, ['f'], new Map(), '/g', false, opts);
    assert.notEqual(elsewhere.digestRef, a.digestRef);
    writeFileSync(join(ctx.dir, 'f'), 'two');
    const c = await planContextCopy(ctx, ['f'], new Map(), '/f', false, opts);
    assert.notEqual(c.digestRef, a.digestRef);
    const d = await planContextCopy(ctx, [''], new Map(), '/app/', true, opts);
    assert.match(d.digestRef, /^dir:/);
    const heredoc = new Map([['<<EOF', { base: 'EOF', body: Buffer.from('x'), size: 1, mode: 0o644 }]]);
    const m = await planContextCopy(ctx, ['<<EOF', 'f'], heredoc, '/app/', true, opts);
    assert.match(m.digestRef, /^multi:/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('planContextCopy: the sums kept at upload give the checksum of the files read, and only write() makes the layer', async () => {
  const root = tmp();
  try {
    const files = { 'app/a.txt': 'a', 'app/sub/b.txt': 'bb', 'top.txt': 'top' };
    const received = await receiveContext(background(), Readable.from([await tarOf(files)]), join(root, 'build'));
    assert.equal(received.sums?.size, 3);
    const opts = { mtime: new Date(0) };
    for (const [srcs, dest, destIsDir] of [[['app'], '/app/', true], [['top.txt'], '/t', false], [['app', 'top.txt'], '/x/', true]] as const) {
      const fromSums = await planContextCopy(received, [...srcs], new Map(), dest, destIsDir, opts);
      const fromFiles = await planContextCopy({ dir: received.dir }, [...srcs], new Map(), dest, destIsDir, opts);
      assert.equal(fromSums.digestRef, fromFiles.digestRef);
    }
    const plan = await planContextCopy(received, ['app'], new Map(), '/app/', true, opts);
    const out = join(root, 'layer.tar');
    await plan.write(out);
    assert.deepEqual(await entriesOf(out), [['app', ''], ['app/a.txt', 'a'], ['app/sub', ''], ['app/sub/b.txt', 'bb']]);
    // A sum that no longer fits the file (another size) is not used: the file is read.
    received.sums!.set('top.txt', { sha256: createHash('sha256').update('stale').digest('hex'), size: 5 });
    const read = await planContextCopy({ dir: received.dir }, ['top.txt'], new Map(), '/t', false, opts);
    assert.equal((await planContextCopy(received, ['top.txt'], new Map(), '/t', false, opts)).digestRef, read.digestRef);
    // A file changed after its checksum was taken does not become a layer under the old key.
    const stale = await planContextCopy(received, ['top.txt'], new Map(), '/t', false, opts);
    writeFileSync(join(received.dir, 'top.txt'), 'TOP');
    await assert.rejects(stale.write(join(root, 'stale.tar')), /changed while the build ran/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
