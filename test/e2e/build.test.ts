/**
 * E2E of the classic builder (issue 8) with the real docker CLI (DOCKER_BUILDKIT=0) against
 * berthd, offline, on an imported busybox: the book's psweb-style app served on a published port,
 * a multi-stage build with COPY --from and --target, the cache (all steps `Using cache`, one
 * changed file invalidating from its COPY on), reproducible image IDs, hostile contexts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { ok, sleep, startDaemon, type TestDaemon } from './harness.js';

let d: TestDaemon;
const dirs: string[] = [];
const ENV = { DOCKER_BUILDKIT: '0' };

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-build-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const build = (args: string[]) => d.docker(['build', ...args], { env: ENV, timeoutMs: 180_000 });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '::', port: 0 }, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function get(url: string, tries = 50): Promise<string> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return await r.text();
    } catch (e) {
      last = e;
      await sleep(100);
    }
  }
  throw new Error(`GET ${url}: ${(last as Error)?.message}`);
}

/** The step lines of a build's output (`Step`, ` ---> …`, Removing …), ids replaced by <id>. */
const shape = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^(Step |\s--->|Removing|Successfully)/.test(l))
    .map((l) => l.replace(/\b[0-9a-f]{12}\b/g, '<id>'));

before(async () => {
  d = await startDaemon();
  await d.importBusybox();
});

after(async () => {
  await d?.cleanup();
  for (const x of dirs) rmSync(x, { recursive: true, force: true });
});

describe('docker build (classic builder)', () => {
  test('the trace build: COPY, RUN, CMD; the stream as dockerd writes it; a second build all from cache', async () => {
    const dir = context({
      Dockerfile: 'FROM busybox\nCOPY hello.txt /hello.txt\nRUN wc -c /hello.txt > /size.txt\nCMD ["cat", "/hello.txt", "/size.txt"]\n',
      'hello.txt': 'hello from the build context\n',
    });
    const r = await build(['-t', 'tracebuild:classic', dir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(shape(r.stdout), [
      'Step 1/4 : FROM busybox',
      ' ---> <id>',
      'Step 2/4 : COPY hello.txt /hello.txt',
      ' ---> <id>',
      'Step 3/4 : RUN wc -c /hello.txt > /size.txt',
      ' ---> Running in <id>',
      'Removing intermediate container <id>',
      ' ---> <id>',
      'Step 4/4 : CMD ["cat", "/hello.txt", "/size.txt"]',
      ' ---> Running in <id>',
      'Removing intermediate container <id>',
      ' ---> <id>',
      'Successfully built <id>',
      'Successfully tagged tracebuild:classic',
    ]);
    assert.equal(await ok(d.docker(['run', '--rm', 'tracebuild:classic'])), 'hello from the build context\n29 /hello.txt\n');
    const history = await ok(d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'tracebuild:classic']));
    assert.match(history.split('\n')[0]!, /^\/bin\/sh -c #\(nop\)  CMD \["cat" "\/hello.txt" "\/size.txt"\]$/);
    assert.match(history.split('\n')[1]!, /^\/bin\/sh -c wc -c \/hello.txt > \/size.txt$/);
    assert.match(history.split('\n')[2]!, /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/hello.txt $/);

    const again = await build(['-t', 'tracebuild:classic', dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(shape(again.stdout), [
      'Step 1/4 : FROM busybox',
      ' ---> <id>',
      'Step 2/4 : COPY hello.txt /hello.txt',
      ' ---> Using cache',
      ' ---> <id>',
      'Step 3/4 : RUN wc -c /hello.txt > /size.txt',
      ' ---> Using cache',
      ' ---> <id>',
      'Step 4/4 : CMD ["cat", "/hello.txt", "/size.txt"]',
      ' ---> Using cache',
      ' ---> <id>',
      'Successfully built <id>',
      'Successfully tagged tracebuild:classic',
    ]);
    const id1 = /Successfully built (\w+)/.exec(r.stdout)![1];
    const id2 = /Successfully built (\w+)/.exec(again.stdout)![1];
    assert.equal(id1, id2);
  });
});
