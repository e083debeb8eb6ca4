import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, existsSync, readFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScopedRoot, errnoCode, parseMountInfo } from './scoped-fs.js';

let base: string;
let top: string;
let secret: string;
let root: ScopedRoot;

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'scoped-'));
  top = join(base, 'root');
  secret = join(base, 'host-secret');
  mkdirSync(secret);
  writeFileSync(join(secret, 'secret'), 'host data');
  mkdirSync(join(top, 'etc'), { recursive: true });
  writeFileSync(join(top, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
  mkdirSync(join(top, 'd', 'sub'), { recursive: true });
  writeFileSync(join(top, 'd', 'sub', 'f'), 'f');
  symlinkSync('/etc', join(top, 'abs'));
  symlinkSync('../../../../../../etc', join(top, 'rel'));
  symlinkSync('loop', join(top, 'loop'));
  symlinkSync('d', join(top, 'dlink'));
  symlinkSync(secret, join(top, 'outside'));
  symlinkSync(join(secret, 'secret'), join(top, 'outside-file'));
  root = await ScopedRoot.open(top);
});

after(async () => {
  await root?.close();
  rmSync(base, { recursive: true, force: true });
});

async function read(path: string): Promise<string> {
  const r = await root.resolve(path, { followFinal: true });
  try {
    assert.ok(r.name !== null && r.stat?.isFile(), `${path} is a file`);
    const h = await root.openFile(r.dir, r.name!, 0);
    try {
      return (await h.readFile()).toString();
    } finally {
      await h.close();
    }
  } finally {
    await r.dir.close();
  }
}

const code = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return errnoCode(e);
  }
  return 'resolved';
};

test('absolute and climbing symlinks resolve inside the tree', async () => {
  assert.equal(await read('/abs/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  assert.equal(await read('rel/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  assert.equal(await read('/d/sub/../../../../etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  assert.equal(await root.realPath('/rel/passwd'), '/etc/passwd');
  assert.equal(await root.realPath('/dlink/sub/f'), '/d/sub/f');
});

test('symlinks to host paths never reach the host', async () => {
  assert.equal(await code(root.resolve('/outside/secret', { followFinal: true })), 'ENOENT');
  assert.equal(await code(root.resolve('/outside-file', { followFinal: true })), 'ENOENT');
  const r = await root.resolve('/outside-file');
  assert.ok(r.stat?.isSymbolicLink(), 'the link itself is there');
  await r.dir.close();
  // FollowSymlinkInScope keeps the missing tail lexically, inside the tree
  assert.equal(await root.realPath('/outside/secret'), `${secret}/secret`);
});

test('the last component is not followed unless asked; a trailing slash follows it', async () => {
  const r = await root.resolve('/abs');
  assert.equal(r.name, 'abs');
  assert.ok(r.stat?.isSymbolicLink());
  await r.dir.close();
  const d = await root.resolve('/abs/');
  assert.equal(d.name, null);
  assert.equal(d.path, '/etc');
  await d.dir.close();
});

test('beneath: leaving the tree fails with EXDEV', async () => {
  assert.equal(await code(root.resolve('/abs/passwd', { beneath: true })), 'EXDEV');
  assert.equal(await code(root.resolve('../x', { beneath: true })), 'EXDEV');
  assert.equal(await code(root.resolve('rel/passwd', { beneath: true })), 'EXDEV');
  const ok = await root.resolve('dlink/sub/f', { beneath: true });
  assert.equal(ok.path, '/d/sub/f');
  await ok.dir.close();
});

test('loops, missing and non-directory components', async () => {
  assert.equal(await code(root.resolve('/loop/x')), 'ELOOP');
  assert.equal(await code(root.resolve('/nope/x')), 'ENOENT');
  assert.equal(await code(root.resolve('/etc/passwd/x')), 'ENOTDIR');
  const missing = await root.resolve('/etc/nothing');
  assert.equal(missing.stat, undefined);
  assert.equal(missing.name, 'nothing');
  await missing.dir.close();
});

test('openDir refuses a symlink', async () => {
  assert.ok(['ELOOP', 'ENOTDIR'].includes((await code(root.openDir(root.top, 'abs')))!));
});

test('removeAll removes a symlink, not its target; mkdirAll makes parents', async () => {
  symlinkSync('/etc', join(top, 'gone'));
  await root.removeAll(root.top, 'gone');
  assert.ok(!existsSync(join(top, 'gone')));
  assert.ok(existsSync(join(top, 'etc', 'passwd')));
  const d = await root.mkdirAll('/new/a/b', 0o755);
  assert.equal(d.path, '/new/a/b');
  await d.close();
  assert.ok(lstatSync(join(top, 'new', 'a', 'b')).isDirectory());
  mkdirSync(join(top, 'tree', 'x', 'y'), { recursive: true });
  symlinkSync(secret, join(top, 'tree', 'x', 'host'));
  await root.removeAll(root.top, 'tree');
  assert.ok(!existsSync(join(top, 'tree')));
  assert.equal(readFileSync(join(secret, 'secret'), 'utf8'), 'host data');
});

test('subRoot confines to a directory of the tree', async () => {
  const d = await root.openDirPath('/d');
  const sub = root.subRoot(d);
  try {
    assert.equal(await code(sub.resolve('../etc/passwd', { beneath: true })), 'EXDEV');
    const r = await sub.resolve('sub/f', { beneath: true });
    assert.equal(r.path, '/sub/f');
    await r.dir.close();
  } finally {
    await sub.close();
  }
});

test('parseMountInfo', () => {
  const m = parseMountInfo(
    '600 500 0:60 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n' +
      '601 600 0:61 / /proc rw - proc proc rw\n' +
      '602 600 254:1 /data/c/hosts /etc/hosts rw - ext4 /dev/vda1 rw\n' +
      '603 600 0:62 / /with\\040space rw - tmpfs tmpfs rw\n',
  );
  assert.equal(m.length, 4);
  assert.deepEqual(m[0], { id: 600, parent: 500, root: '/', mountPoint: '/', fsType: 'overlay', source: 'overlay', superOptions: 'rw,lowerdir=/l,upperdir=/u,workdir=/w' });
  assert.equal(m[2]!.root, '/data/c/hosts');
  assert.equal(m[3]!.mountPoint, '/with space');
});
