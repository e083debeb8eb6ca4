import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeExec, ExecError } from './exec.js';
import { background } from './context.js';

test('run returns stdout and stderr', async () => {
  const r = await nodeExec.run(background(), 'sh', ['-c', 'echo out; echo err >&2']);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
});

test('run passes input', async () => {
  const r = await nodeExec.run(background(), 'cat', [], { input: 'hello' });
  assert.equal(r.stdout, 'hello');
});

test('run throws ExecError with exit code and stderr tail', async () => {
  await assert.rejects(nodeExec.run(background(), 'sh', ['-c', 'echo boom >&2; exit 3']), (e: unknown) => {
    assert.ok(e instanceof ExecError);
    assert.equal(e.code, 3);
    assert.match(e.message, /exit status 3: boom/);
    return true;
  });
});

test('run honours the timeout', async () => {
  const t0 = Date.now();
  await assert.rejects(nodeExec.run(background(), 'sleep', ['5'], { timeoutMs: 100 }));
  assert.ok(Date.now() - t0 < 3000);
});

test('run of a missing binary rejects', async () => {
  await assert.rejects(nodeExec.run(background(), '/nonexistent/bin', []));
});

test('start reports the exit', async () => {
  const s = nodeExec.start(background(), 'sh', ['-c', 'exit 7']);
  assert.ok(s.pid > 0);
  assert.deepEqual(await s.exited, { code: 7, signal: null });
});
