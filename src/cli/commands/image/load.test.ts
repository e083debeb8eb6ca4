import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { FakeEngine, runCli } from '../../test-helpers.js';

const engine = new FakeEngine();
before(() => engine.listen());
after(() => engine.close());

/**
 * A stdin that sends its second half only after the daemon has received the first: a client
 * that buffered the body before sending it would never get there.
 */
function lockstepInput(firstReceived: Promise<void>): Readable {
  let step = 0;
  return new Readable({
    read() {
      if (step === 0) {
        step = 1;
        this.push(Buffer.alloc(64 * 1024, 'a'));
      } else if (step === 1) {
        step = 2;
        void firstReceived.then(() => {
          this.push(Buffer.alloc(64 * 1024, 'b'));
          this.push(null);
        });
      }
    },
  });
}

/** A route that watches the body arrive, then answers `answer`. */
function streamingRoute(method: string, path: string, answer: string): { firstReceived: Promise<void>; total: Promise<number> } {
  let onFirst!: () => void;
  let onTotal!: (n: number) => void;
  const firstReceived = new Promise<void>((r) => (onFirst = r));
  const total = new Promise<number>((r) => (onTotal = r));
  engine.reset();
  engine.onRaw(method, path, async (req, res) => {
    let n = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      n += c.length;
      if (n >= 64 * 1024) onFirst();
    }
    onTotal(n);
    res.setHeader('Content-Type', 'application/json');
    res.end(answer);
  });
  return { firstReceived, total };
}

test('load streams stdin to the daemon as it comes (no buffering)', { timeout: 10_000 }, async () => {
  const { firstReceived, total } = streamingRoute('POST', '/images/load', '{"stream":"Loaded image: busybox:latest\\n"}\r\n');
  const r = await runCli(['load'], { host: engine.host, stdin: lockstepInput(firstReceived) });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'Loaded image: busybox:latest\n');
  assert.equal(await total, 128 * 1024);
  const req = engine.seen.find((q) => q.path === '/images/load')!;
  assert.equal(req.headers['transfer-encoding'], 'chunked');
  assert.equal(req.headers['content-type'], 'application/x-tar');
  assert.equal(req.query.get('quiet'), '1');
});

test('import streams stdin the same way', { timeout: 10_000 }, async () => {
  const { firstReceived, total } = streamingRoute('POST', '/images/create', '{"status":"sha256:abc"}\r\n');
  const r = await runCli(['import', '-', 'x:1'], { host: engine.host, stdin: lockstepInput(firstReceived) });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'sha256:abc\n');
  assert.equal(await total, 128 * 1024);
});

test('load on a terminal asks for progress (quiet=0) unless -q', async () => {
  engine.reset();
  engine.on('POST', '/images/load', (_req, res) => (res.setHeader('Content-Type', 'application/json'), void res.end('{"stream":"ok\\n"}\r\n')));
  await runCli(['load'], { host: engine.host, stdin: 'x', stdoutTTY: true });
  await runCli(['load', '-q'], { host: engine.host, stdin: 'x', stdoutTTY: true });
  assert.deepEqual(
    engine.seen.filter((q) => q.path === '/images/load').map((q) => q.query.get('quiet')),
    ['0', '1'],
  );
});
