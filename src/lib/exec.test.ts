import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { nodeExec, ExecError, type Exec } from './exec.js';
import { Spawner } from './spawner.js';
import { background } from './context.js';

const spawner = new Spawner();
after(() => spawner.close());

for (const [name, exec] of [['nodeExec', nodeExec], ['spawner', spawner]] as [string, Exec][]) {
  test(`${name}: run returns stdout and stderr`, async () => {
    const r = await exec.run(background(), 'sh', ['-c', 'echo out; echo err >&2']);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  test(`${name}: run passes input`, async () => {
    const r = await exec.run(background(), 'cat', [], { input: 'hello' });
    assert.equal(r.stdout, 'hello');
  });

  test(`${name}: run throws ExecError with exit code and stderr tail`, async () => {
    await assert.rejects(exec.run(background(), 'sh', ['-c', 'echo boom >&2; exit 3']), (e: unknown) => {
      assert.ok(e instanceof ExecError);
      assert.equal(e.code, 3);
      assert.match(e.message, /exit status 3: boom/);
      return true;
    });
  });

  test(`${name}: run honours the timeout`, async () => {
    const t0 = Date.now();
    await assert.rejects(exec.run(background(), 'sleep', ['5'], { timeoutMs: 100 }));
    assert.ok(Date.now() - t0 < 3000);
  });

  test(`${name}: run of a missing binary rejects`, async () => {
    await assert.rejects(exec.run(background(), '/nonexistent/bin', []));
  });

  test(`${name}: a cancelled context kills the program`, async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = exec.run({ ...background(), signal: ac.signal }, 'sleep', ['5']);
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(p, (e: unknown) => e instanceof ExecError && e.signal === 'SIGKILL');
    assert.ok(Date.now() - t0 < 3000);
  });

  test(`${name}: many at once, each with its own answer`, async () => {
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => exec.run(background(), 'sh', ['-c', `echo ${i}`])));
    assert.deepEqual(rs.map((r) => r.stdout), Array.from({ length: 20 }, (_, i) => `${i}\n`));
  });
}

test('spawner: a helper that dies fails what it held and is replaced for the next run', async () => {
  const s = new Spawner();
  try {
    const held = s.run(background(), 'sleep', ['5']);
    const helper = (s as unknown as { child: { pid: number } }).child;
    process.kill(helper.pid, 'SIGKILL');
    await assert.rejects(held, /spawner process exited/);
    assert.equal((await s.run(background(), 'echo', ['again'])).stdout, 'again\n');
  } finally {
    s.close();
  }
});

test('start reports the exit', async () => {
  const s = nodeExec.start(background(), 'sh', ['-c', 'exit 7']);
  assert.ok(s.pid > 0);
  assert.deepEqual(await s.exited, { code: 7, signal: null });
});
