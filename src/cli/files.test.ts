import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AtomicFileWriter, openInput } from './files.js';

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-files-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('atomic writes: the target appears complete, with mode 0600, and no temporary file stays', withDir(async (dir) => {
  const target = join(dir, 'out.tar');
  writeFileSync(target, 'old');
  const w = await AtomicFileWriter.create(target);
  assert.equal(readFileSync(target, 'utf8'), 'old');
  await w.write(Readable.from([Buffer.from('new '), Buffer.from('contents')]));
  assert.equal(readFileSync(target, 'utf8'), 'old');
  await w.commit();
  assert.equal(readFileSync(target, 'utf8'), 'new contents');
  assert.deepEqual(readdirSync(dir), ['out.tar']);
}));

test('atomic writes: abort, or nothing written, keeps the old file', withDir(async (dir) => {
  const target = join(dir, 'out.tar');
  writeFileSync(target, 'old');
  const a = await AtomicFileWriter.create(target);
  await a.write(Readable.from([Buffer.from('partial')]));
  await a.abort();
  const b = await AtomicFileWriter.create(target);
  await b.commit();
  assert.equal(readFileSync(target, 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir), ['out.tar']);
}));

test("destination checks in moby's words", withDir(async (dir) => {
  await assert.rejects(AtomicFileWriter.create(''), { message: 'file name is empty' });
  await assert.rejects(AtomicFileWriter.create(join(dir, 'no', 'x')), { message: `invalid output path: stat ${join(dir, 'no')}: no such file or directory` });
  await assert.rejects(AtomicFileWriter.create(dir), { message: 'cannot write to a directory' });
  writeFileSync(join(dir, 'f'), '');
  await assert.rejects(AtomicFileWriter.create(join(dir, 'f', 'x')), { message: `invalid output path: stat ${join(dir, 'f')}: not a directory` });
  await assert.rejects(AtomicFileWriter.create('/dev/null'), { message: 'cannot write to a character device file' });
}));

test('openInput fails with Go\'s os.Open wording', withDir(async (dir) => {
  await assert.rejects(openInput(join(dir, 'none')), { message: `open ${join(dir, 'none')}: no such file or directory` });
  writeFileSync(join(dir, 'x'), 'abc');
  const chunks: Buffer[] = [];
  for await (const c of await openInput(join(dir, 'x'))) chunks.push(c as Buffer);
  assert.equal(Buffer.concat(chunks).toString(), 'abc');
}));
