import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { background, tarPack } from '../lib/index.js';
import { receiveContext, resolveSources } from './context.js';

async function tarOf(entries: { name: string; body?: string; type?: 'file' | 'symlink'; linkname?: string }[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const e of entries) {
    await new Promise<void>((res, rej) => pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname }, e.body ?? '', (err) => (err ? rej(err) : res())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'berth-context-test-'));
}

test('receiveContext: the tree is extracted; hostile entries are refused and nothing lands outside', async () => {
  const root = tmp();
  try {
    const ok = await receiveContext(background(), Readable.from([await tarOf([{ name: 'Dockerfile', body: 'FROM x' }, { name: './a/b.txt', body: 'b' }])]), join(root, 'ok'));
    assert.ok(existsSync(join(ok.dir, 'a', 'b.txt')));
    // The files' content checksums are kept as they arrive, by their path in the context.
    assert.deepEqual(ok.sums?.get('a/b.txt'), { sha256: createHash('sha256').update('b').digest('hex'), size: 1 });
    const victim = join(root, 'victim');
    const cases = [
      [{ name: `../../victim`, body: 'x' }],
      [{ name: victim, body: 'x' }],
      [{ name: 'l', type: 'symlink' as const, linkname: '../../..' }, { name: 'l/victim', body: 'x' }],
    ];
    for (const [i, entries] of cases.entries()) {
      await assert.rejects(receiveContext(background(), Readable.from([await tarOf(entries)]), join(root, `bad${i}`)), (e: Error & { kind?: string }) => /invalid tar entry/.test(e.message));
      assert.equal(existsSync(victim), false);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('resolveSources: wildcards, and paths outside the context (also through symlinks) refused', async () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'a.txt'), 'a');
    writeFileSync(join(dir, 'b.txt'), 'b');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'c.txt'), 'c');
    symlinkSync('/etc', join(dir, 'etc-link'));
    assert.deepEqual(await resolveSources(dir, ['*.txt'], 'COPY'), ['a.txt', 'b.txt']);
    assert.deepEqual(await resolveSources(dir, ['sub/*.txt', './a.txt'], 'COPY'), ['sub/c.txt', 'a.txt']);
    await assert.rejects(resolveSources(dir, ['../x'], 'COPY'), /COPY failed: forbidden path outside the build context: \.\.\/x \(\)/);
    await assert.rejects(resolveSources(dir, ['etc-link/passwd'], 'COPY'), /forbidden path outside the build context: etc-link\/passwd/);
    await assert.rejects(resolveSources(dir, ['nope'], 'ADD'), /ADD failed: file not found in build context/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
