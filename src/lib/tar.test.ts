import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack, type Header as Headers } from 'tar-stream';
import { TarChecker, cleanEntryName, decompressed, tarValidator } from './tar.js';
import { kindOf } from './errdefs.js';

type Entry = Partial<Headers> & { name: string; body?: string };

async function makeTar(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    const { body, ...h } = e;
    if (body !== undefined || !h.type || h.type === 'file') p.entry({ type: 'file', ...h } as Headers, body ?? '');
    else p.entry({ ...h } as Headers);
  }
  p.finalize();
  const out: Buffer[] = [];
  for await (const c of p) out.push(c as Buffer);
  return Buffer.concat(out);
}

async function validate(buf: Buffer): Promise<void> {
  const v = tarValidator();
  const input = decompressed(Readable.from([buf]));
  input.on('error', (e) => (v.sink as unknown as { destroy(e: Error): void }).destroy(e));
  input.pipe(v.sink as NodeJS.WritableStream);
  await v.done;
}

test('cleanEntryName', () => {
  assert.equal(cleanEntryName('./a/b/'), 'a/b');
  assert.throws(() => cleanEntryName('/etc/passwd'), /absolute/);
  assert.throws(() => cleanEntryName('a/../../b'), /escapes/);
});

const hostile: [string, Entry[], RegExp][] = [
  ['dot-dot', [{ name: '../evil', body: 'x' }], /escapes/],
  ['absolute', [{ name: '/etc/passwd', body: 'x' }], /absolute/],
  ['symlink out', [{ name: 'link', type: 'symlink', linkname: '../../../etc' }], /outside/],
  ['write through symlink', [{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/passwd', body: 'x' }], /through the symlink/],
  ['hardlink outside', [{ name: 'h', type: 'link', linkname: '../x' }], /outside/],
  ['hardlink absolute', [{ name: 'h', type: 'link', linkname: '/etc/shadow' }], /absolute/],
  ['hardlink to missing', [{ name: 'h', type: 'link', linkname: 'nothere' }], /not in the archive/],
  ['char device', [{ name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 }], /device nodes/],
  ['block device', [{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }], /device nodes/],
];

for (const [name, entries, msg] of hostile) {
  test(`refuses ${name}`, async () => {
    const tar = await makeTar(entries);
    await assert.rejects(validate(tar), (e) => kindOf(e) === 'invalidParameter' && msg.test((e as Error).message));
  });
}

test('accepts a normal rootfs with absolute symlinks and hardlinks', async () => {
  const tar = await makeTar([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', body: 'ELF' },
    { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
    { name: 'bin/ls', type: 'link', linkname: 'bin/busybox' },
    { name: 'usr/lib/x', type: 'symlink', linkname: '../../bin/busybox' },
  ]);
  await validate(tar);
  await validate(gzipSync(tar));
});

test('refuses truncated and corrupt archives', async () => {
  const tar = await makeTar([{ name: 'a', body: 'x'.repeat(5000) }]);
  await assert.rejects(validate(tar.subarray(0, 1000)), (e) => kindOf(e) === 'invalidParameter');
  const gz = gzipSync(tar);
  const bad = Buffer.from(gz);
  bad[20] ^= 0xff;
  bad[30] ^= 0xff;
  await assert.rejects(validate(bad.subarray(0, bad.length - 8)), (e) => kindOf(e) === 'invalidParameter');
  await assert.rejects(validate(Buffer.from('not a tar at all, just text')), (e) => kindOf(e) === 'invalidParameter');
});

test('a symlink replaced by a directory is no longer a symlink', () => {
  const c = new TarChecker();
  c.check({ name: 'a', type: 'symlink', linkname: 'b' } as Headers);
  c.check({ name: 'a', type: 'directory' } as Headers);
  c.check({ name: 'a/x', type: 'file' } as Headers);
});
