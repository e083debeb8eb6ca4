import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, linkSync, rmSync, existsSync, readFileSync, lstatSync, readlinkSync, utimesSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack as tarPack, extract as tarExtract, type Header } from 'tar-stream';
import { ScopedRoot, errnoCode } from './scoped-fs.js';
import { GoMode, goFileMode, hasModeBit, packTree, rebaseArchive, rebaseName, rfc3339Nano } from './archive.js';
import { unpackTar } from './unpack.js';
import { kindOf } from './errdefs.js';

let base: string;

before(() => {
  base = mkdtempSync(join(tmpdir(), 'archive-'));
});
after(() => rmSync(base, { recursive: true, force: true }));

type Entry = Partial<Header> & { name: string; body?: string };

async function makeTar(entries: Entry[]): Promise<Buffer> {
  const p = tarPack();
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

async function listTar(chunks: AsyncIterable<unknown>): Promise<{ name: string; type: string; linkname: string | null; body: string; mode: number }[]> {
  const ex = tarExtract();
  const out: { name: string; type: string; linkname: string | null; body: string; mode: number }[] = [];
  const feed = (async () => {
    for await (const c of chunks) ex.write(c as Buffer);
    ex.end(undefined);
  })();
  for await (const e of ex) {
    const parts: Buffer[] = [];
    for await (const c of e as AsyncIterable<Buffer>) parts.push(c);
    out.push({ name: e.header.name, type: e.header.type, linkname: e.header.linkname || null, body: Buffer.concat(parts).toString(), mode: e.header.mode });
  }
  await feed;
  return out;
}

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

function tree(name: string): string {
  const t = join(base, name);
  mkdirSync(join(t, 'd', 'sub'), { recursive: true });
  writeFileSync(join(t, 'd', 'b.txt'), 'bee');
  writeFileSync(join(t, 'd', 'a.txt'), 'ay');
  chmodSync(join(t, 'd', 'a.txt'), 0o4755);
  linkSync(join(t, 'd', 'a.txt'), join(t, 'd', 'sub', 'hard'));
  symlinkSync('/etc/passwd', join(t, 'd', 'link'));
  writeFileSync(join(t, 'd', 'empty'), '');
  return t;
}

test('packTree: Docker names and order, hard links, symlinks not followed', async () => {
  const t = tree('pack');
  const root = await ScopedRoot.open(t);
  try {
    const r = await root.resolve('/d');
    const { stream, done } = packTree(root, r.dir, r.name, { start: 'd', prefix: 'd' });
    const entries = await listTar(stream);
    await done;
    assert.deepEqual(
      entries.map((e) => [e.name, e.type, e.linkname]),
      [
        ['d/', 'directory', null],
        ['d/a.txt', 'file', null],
        ['d/b.txt', 'file', null],
        ['d/empty', 'file', null],
        ['d/link', 'symlink', '/etc/passwd'],
        ['d/sub/', 'directory', null],
        ['d/sub/hard', 'link', 'd/a.txt'],
      ],
    );
    assert.equal(entries[1]!.body, 'ay');
    assert.equal(entries[1]!.mode, 0o4755);
    // the root of the tree: names start with `/` (rebase of "." to "")
    const top = await root.resolve('/');
    const all = packTree(root, top.dir, null, { start: '/', prefix: '' });
    const names = (await listTar(all.stream)).map((e) => e.name);
    assert.deepEqual(names.slice(0, 3), ['/', '/d/', '/d/a.txt']);
    // export: no entry for the start, bare relative names
    const exp = packTree(root, top.dir, null, { start: null, prefix: null });
    assert.deepEqual((await listTar(exp.stream)).map((e) => e.name).slice(0, 2), ['d/', 'd/a.txt']);
  } finally {
    await root.close();
  }
});

test('packTree: a failure reaches the reader and done, never as an uncaught error', async () => {
  const t = tree('packfail');
  const root = await ScopedRoot.open(t);
  try {
    const unread = packTree(root, root.top, 'missing', { start: 'missing', prefix: null });
    await assert.rejects(unread.done, (e: unknown) => errnoCode(e) === 'ENOENT');
    const read = packTree(root, root.top, 'missing', { start: 'missing', prefix: null });
    await assert.rejects(
      (async () => {
        for await (const _ of read.stream) void _;
      })(),
      /ENOENT/,
    );
  } finally {
    await root.close();
  }
});

test('unpackTar: files, dirs, links, modes and times', async () => {
  const dest = join(base, 'unpack');
  mkdirSync(dest);
  const mtime = new Date('2020-02-02T02:02:02Z');
  const tar = await makeTar([
    { name: 'top/', type: 'directory', mode: 0o750, mtime },
    { name: 'top/f', body: 'hello', mode: 0o640, mtime },
    { name: '/top/abs', body: 'leading slash dropped', mode: 0o644, mtime },
    { name: 'top/l', type: 'symlink', linkname: '../../../../etc', mtime },
    { name: 'top/h', type: 'link', linkname: '/top/f', mtime },
    { name: 'implied/dir/file', body: 'x', mtime },
  ]);
  const root = await ScopedRoot.open(dest);
  try {
    await unpackTar(once(tar), root, { noLchown: true, destName: '/dest' });
  } finally {
    await root.close();
  }
  assert.equal(readFileSync(join(dest, 'top', 'f'), 'utf8'), 'hello');
  assert.equal(lstatSync(join(dest, 'top', 'f')).mode & 0o7777, 0o640);
  assert.equal(lstatSync(join(dest, 'top')).mode & 0o7777, 0o750);
  assert.equal(lstatSync(join(dest, 'top')).mtime.toISOString(), mtime.toISOString());
  assert.equal(readFileSync(join(dest, 'top', 'abs'), 'utf8'), 'leading slash dropped');
  assert.equal(readlinkSync(join(dest, 'top', 'l')), '../../../../etc');
  assert.equal(lstatSync(join(dest, 'top', 'h')).ino, lstatSync(join(dest, 'top', 'f')).ino);
  assert.equal(readFileSync(join(dest, 'implied', 'dir', 'file'), 'utf8'), 'x');
});

test('unpackTar: hostile entries write nothing outside the directory', async () => {
  const outside = join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim'), 'intact');
  const dest = join(base, 'hostile');
  mkdirSync(dest);
  symlinkSync(outside, join(dest, 'evil'));
  const cases: [string, Entry[], RegExp | string][] = [
    ['dot-dot', [{ name: '../outside/pwned', body: 'x' }], /escapes/],
    ['through an archive symlink', [{ name: 'a', type: 'symlink', linkname: outside }, { name: 'a/pwned', body: 'x' }], /through the symlink/],
    ['through a climbing archive symlink', [{ name: 'b', type: 'symlink', linkname: '../outside' }, { name: 'b/pwned', body: 'x' }], /through the symlink/],
    ['hard link out', [{ name: 'hl', type: 'link', linkname: '../outside/victim' }], /outside the archive/],
    ['hard link to an absolute host file', [{ name: 'hl2', type: 'link', linkname: join(outside, 'victim') }], /not in the archive/],
    ['through an existing symlink', [{ name: 'evil/pwned', body: 'x' }], 'EXDEV'],
    ['device', [{ name: 'null', type: 'character-device', devmajor: 1, devminor: 3 }], /device/],
  ];
  for (const [label, entries, want] of cases) {
    const root = await ScopedRoot.open(dest);
    try {
      await assert.rejects(unpackTar(once(await makeTar(entries)), root, { noLchown: true }), (e: unknown) => {
        if (typeof want === 'string') assert.equal(errnoCode(e), want, label);
        else {
          assert.match((e as Error).message, want, label);
          assert.equal(kindOf(e), 'invalidParameter', label);
        }
        return true;
      });
    } finally {
      await root.close();
    }
  }
  assert.deepEqual(readdirSync(outside), ['victim']);
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'intact');
  // an entry named like the existing symlink replaces the link, not its target
  const root = await ScopedRoot.open(dest);
  try {
    await unpackTar(once(await makeTar([{ name: 'evil', body: 'replaced' }])), root, { noLchown: true });
  } finally {
    await root.close();
  }
  assert.ok(lstatSync(join(dest, 'evil')).isFile());
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'intact');
});

test('unpackTar: noOverwriteDirNonDir', async () => {
  const dest = join(base, 'noover');
  mkdirSync(join(dest, 'dir'), { recursive: true });
  writeFileSync(join(dest, 'file'), '');
  const root = await ScopedRoot.open(dest);
  try {
    await assert.rejects(unpackTar(once(await makeTar([{ name: 'dir', body: 'x' }])), root, { noLchown: true, noOverwriteDirNonDir: true, destName: '/tmp' }), {
      message: 'cannot overwrite directory "/tmp/dir" with non-directory "/tmp"',
    });
    await assert.rejects(unpackTar(once(await makeTar([{ name: 'file/', type: 'directory' }])), root, { noLchown: true, noOverwriteDirNonDir: true, destName: '/tmp' }), {
      message: 'cannot overwrite non-directory "/tmp/file" with directory "/tmp"',
    });
    await unpackTar(once(await makeTar([{ name: 'dir', body: 'x' }])), root, { noLchown: true });
    assert.equal(readFileSync(join(dest, 'dir'), 'utf8'), 'x');
  } finally {
    await root.close();
  }
});

test('unpackTar: many small files of a directory, later entries replacing earlier ones', async () => {
  const dest = join(base, 'many');
  mkdirSync(dest);
  const files: Entry[] = Array.from({ length: 30 }, (_, i) => ({ name: `d/f${i}`, body: `file ${i}`, mode: 0o600 + (i % 2) * 0o44 }));
  const tar = await makeTar([
    { name: 'd/', type: 'directory' },
    ...files,
    { name: 'd/f3', body: 'again' },
    { name: 'd/x', body: 'a file first' },
    { name: 'd/x/', type: 'directory' },
    { name: 'd/sub/', type: 'directory' },
    { name: 'd/sub/k', body: 'k' },
    { name: 'd/sub', type: 'symlink', linkname: 'x' },
    { name: 'd/f29', body: 'last' },
  ]);
  const root = await ScopedRoot.open(dest);
  try {
    await unpackTar(once(tar), root, { noLchown: true });
  } finally {
    await root.close();
  }
  for (let i = 0; i < 30; i++) {
    if (i === 3 || i === 29) continue;
    assert.equal(readFileSync(join(dest, 'd', `f${i}`), 'utf8'), `file ${i}`);
    assert.equal(lstatSync(join(dest, 'd', `f${i}`)).mode & 0o7777, 0o600 + (i % 2) * 0o44);
  }
  assert.equal(readFileSync(join(dest, 'd', 'f3'), 'utf8'), 'again');
  assert.equal(readFileSync(join(dest, 'd', 'f29'), 'utf8'), 'last');
  assert.ok(lstatSync(join(dest, 'd', 'x')).isDirectory());
  assert.equal(readlinkSync(join(dest, 'd', 'sub')), 'x');
  // A file written ahead that cannot be written fails the extraction.
  const again = await ScopedRoot.open(dest);
  try {
    mkdirSync(join(dest, 'd', 'f7-dir'));
    const clash = await makeTar([{ name: 'd/f1', body: 'one' }, { name: 'd/f2', body: 'two' }, { name: 'd/f7-dir', body: 'x' }, { name: 'd/f8', body: 'y' }]);
    await assert.rejects(unpackTar(once(clash), again, { noLchown: true, noOverwriteDirNonDir: true, destName: '/tmp' }), {
      message: 'cannot overwrite directory "/tmp/d/f7-dir" with non-directory "/tmp"',
    });
  } finally {
    await again.close();
  }
});

test('rebaseName and rebaseArchive', async () => {
  assert.equal(rebaseName('a', 'b')('a/x'), 'b/x');
  assert.equal(rebaseName('a', 'b')('a'), 'b');
  assert.equal(rebaseName('a', 'b')('ab/x'), 'ab/x');
  assert.equal(rebaseName('', 'b')('/x'), 'b/x');
  const tar = await makeTar([{ name: 'a/', type: 'directory' }, { name: 'a/f', body: 'z' }, { name: 'a/h', type: 'link', linkname: 'a/f' }]);
  const out = await listTar(rebaseArchive(once(tar), 'a', 'b'));
  assert.deepEqual(out.map((e) => [e.name, e.linkname, e.body]), [['b/', null, ''], ['b/f', null, 'z'], ['b/h', 'b/f', '']]);
});

test('goFileMode and rfc3339Nano', () => {
  const dir = goFileMode(0o40755);
  assert.ok(hasModeBit(dir, GoMode.Dir));
  assert.equal(dir % 2 ** 9, 0o755);
  assert.equal(goFileMode(0o120777), GoMode.Symlink + 0o777);
  assert.equal(goFileMode(0o104755), GoMode.Setuid + 0o755);
  assert.equal(goFileMode(0o20666), GoMode.Device + GoMode.CharDevice + 0o666);
  assert.equal(rfc3339Nano(1_700_000_000_123_400_000n), '2023-11-14T22:13:20.1234Z');
  assert.equal(rfc3339Nano(1_700_000_000_000_000_000n), '2023-11-14T22:13:20Z');
  utimesSync(base, new Date(), new Date());
  assert.ok(existsSync(base));
});
