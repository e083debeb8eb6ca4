/**
 * Crash consistency: berthd is SIGKILLed while 20 create/run/start/stop/rm operations (real
 * docker CLI) are in flight, restarted on the same roots, and then every container must be in a
 * state that agrees with containerd, the kernel and the disk:
 *
 *   - every container `ps -a` lists can be inspected, names are unique;
 *   - containerd holds exactly the listed containers, their rw snapshots (Active), a task only
 *     for those running and no shim without a task; <data-root>/containers and
 *     <exec-root>/containers hold nothing else (a store's `.removing-`/`.creating-` directory
 *     only transiently: settle() looks again for a few seconds);
 *   - a Running one has its pid alive in /proc and takes an exec; any other can be started;
 *   - no --rm container survives unless it runs;
 *   - what the daemon acknowledged before the crash holds (created exists, started runs,
 *     stopped does not run, removed is gone);
 *   - `rm -f` of everything leaves containerd, the snapshotter and both roots empty.
 *
 * The kill lands at a different moment in each round, to hit different windows. Debugging:
 * CRASH_DEBUG=1 runs berthd with -D, CRASH_KEEP_LOGS=<dir> copies its and containerd's logs there.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, run, TestDaemon, ok, sleep } from './harness.js';

const CTR = '/usr/bin/ctr';
/**
 * When to kill berthd, one round each: a fixed time after the operations are launched (the
 * first requests are arriving), or once some of them have been acknowledged (so that others
 * are mid-way, however fast the machine is). CRASH_KILL_AT="200ms,3,10" overrides.
 */
type KillAt = { ms: number } | { acks: number };
const KILL_AT: KillAt[] = (process.env['CRASH_KILL_AT'] ?? '200ms,3,10')
  .split(',')
  .map((k) => (k.endsWith('ms') ? { ms: Number(k.slice(0, -2)) } : { acks: Number(k) }));
const describeKill = (k: KillAt) => ('ms' in k ? `${k.ms} ms into` : `after ${k.acks} acknowledged of`);

let d: TestDaemon;
before(async () => {
  assert.ok(existsSync(CTR), `${CTR} is needed (Debian package containerd)`);
  d = await startDaemon(process.env['CRASH_DEBUG'] ? { args: ['-D'] } : {});
  await d.importBusybox();
});
after(async () => {
  const keep = process.env['CRASH_KEEP_LOGS'];
  if (keep && d) await run('cp', [d.logPath, join(d.execRoot, 'containerd', 'containerd.log'), keep]);
  await d?.cleanup();
});



async function ctr(args: string[]): Promise<string> {
  const r = await run(CTR, ['--address', join(d.execRoot, 'containerd', 'containerd.sock'), '-n', 'berth', ...args]);
  if (r.code !== 0) throw new Error(`ctr ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Rows of a ctr table (header dropped), split on whitespace. */
const rows = (out: string) => out.trim().split('\n').slice(1).filter(Boolean).map((l) => l.trim().split(/\s+/));

interface Inspect {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; Paused: boolean; Restarting: boolean; Pid: number };
  HostConfig: { AutoRemove: boolean };
}

interface World {
  containers: Inspect[];
  problems: string[];
}

/** One look at everything: the daemon's view, containerd's, the kernel's and the disk's. */
async function observe(): Promise<World> {
  const problems: string[] = [];
  const ids = (await ok(d.docker(['ps', '-aq', '--no-trunc']))).split('\n').filter(Boolean);
  let containers: Inspect[] = [];
  if (ids.length) {
    const r = await d.docker(['inspect', ...ids]);
    if (r.code !== 0) problems.push(`inspect of listed containers failed: ${r.stderr.trim()}`);
    containers = r.stdout.trim() ? (JSON.parse(r.stdout) as Inspect[]) : [];
  }
  const known = new Set(containers.map((c) => c.Id));
  const names = containers.map((c) => c.Name);
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  if (dup.length) problems.push(`duplicate names: ${dup.join(' ')}`);
  for (const c of containers) {
    if (c.HostConfig.AutoRemove && !c.State.Running) problems.push(`--rm container ${c.Name} survives in state ${c.State.Status}`);
    if (c.State.Running && !(c.State.Pid > 0 && existsSync(`/proc/${c.State.Pid}`))) {
      problems.push(`${c.Name} is Running with pid ${c.State.Pid}, which is not alive`);
    }
  }

  const inContainerd = new Set((await ctr(['containers', 'ls', '-q'])).split('\n').filter(Boolean));
  for (const id of inContainerd) if (!known.has(id)) problems.push(`containerd container without a record: ${id.slice(0, 12)}`);
  for (const id of known) if (!inContainerd.has(id)) problems.push(`record without a containerd container: ${id.slice(0, 12)}`);

  const active = rows(await ctr(['snapshots', '--snapshotter', 'overlayfs', 'ls'])).filter((r) => r[r.length - 1] === 'Active').map((r) => r[0]!);
  for (const key of active) if (!known.has(key)) problems.push(`active snapshot without a container: ${key.slice(0, 12)}`);
  for (const id of known) if (!active.includes(id)) problems.push(`container without its rw snapshot: ${id.slice(0, 12)}`);

  // ctr's columns: TASK PID STATUS
  const tasks = new Map(rows(await ctr(['tasks', 'ls'])).map((r) => [r[0]!, r[2]!]));
  for (const [id, status] of tasks) {
    const c = containers.find((x) => x.Id === id);
    if (!c) problems.push(`task without a container: ${id.slice(0, 12)} ${status}`);
    else if (!c.State.Running) problems.push(`${c.Name} is ${c.State.Status} but containerd has its task ${status}`);
  }
  for (const c of containers) {
    if (c.State.Running && !['RUNNING', 'PAUSED'].includes(tasks.get(c.Id) ?? '')) {
      problems.push(`${c.Name} is Running but its task is ${tasks.get(c.Id) ?? 'missing'}`);
    }
  }

  // containerd 1.6 can lose track of the shim of a task create cut short; berthd kills those at boot.
  for (const id of shimsOf(join(d.execRoot, 'containerd', 'containerd.sock'))) {
    if (!tasks.has(id)) problems.push(`shim without a task: ${id.slice(0, 12)}`);
  }

  const recordDirs = readdirSync(join(d.dataRoot, 'containers'));
  for (const e of recordDirs) if (!known.has(e)) problems.push(`unlisted entry in <data-root>/containers: ${e}`);
  const stateDir = join(d.execRoot, 'containers');
  const fifoDirs = existsSync(stateDir) ? readdirSync(stateDir).filter((e) => e !== '.fifo-pool') : [];
  for (const e of fifoDirs) if (!known.has(e)) problems.push(`FIFO directory of an unlisted container: ${e}`);
  return { containers, problems };
}

/** The container IDs of the live runtime v2 shims serving the containerd at `address`. */
function shimsOf(address: string): string[] {
  const ids: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) continue;
    } catch {
      continue;
    }
    const flag = (f: string) => argv[argv.indexOf(f) + 1];
    if (/containerd-shim/.test(argv[0] ?? '') && flag('-address') === address) ids.push(flag('-id') ?? '');
  }
  return ids;
}

/** observe() until it finds nothing wrong (background cleanup may lag a little), or give up. */
async function settle(ms = 6000): Promise<World> {
  const deadline = Date.now() + ms;
  for (;;) {
    const w = await observe();
    if (w.problems.length === 0 || Date.now() > deadline) return w;
    await sleep(250);
  }
}

type Expect = 'exists' | 'running' | 'stopped' | 'gone';
interface Op {
  args: string[];
  /** The container the operation is about (its name), and what must hold if it succeeded. */
  target: string;
  expect: Expect;
}

for (const [round, killAt] of KILL_AT.entries()) {
  test(`round ${round}: SIGKILL ${describeKill(killAt)} 20 concurrent operations leaves every container consistent`, async (t) => {
    const p = `r${round}`;
    // Start from nothing, whatever an earlier round left.
    const leftover = (await ok(d.docker(['ps', '-aq']))).split('\n').filter(Boolean);
    if (leftover.length) await ok(d.docker(['rm', '-f', ...leftover]));
    // The targets of start, stop and rm: 4 created, 5 running.
    await Promise.all([
      ...[0, 1, 2, 3].map((i) => ok(d.docker(['create', '--name', `${p}-pc${i}`, 'busybox', 'sleep', '600']))),
      ...[0, 1, 2, 3, 4].map((i) => ok(d.docker(['run', '-d', '--name', `${p}-pr${i}`, 'busybox', 'sleep', '600']))),
    ]);
    const ops: Op[] = [
      ...[0, 1, 2, 3].map((i): Op => ({ args: ['create', '--name', `${p}-c${i}`, 'busybox', 'sleep', '600'], target: `${p}-c${i}`, expect: 'exists' })),
      ...[0, 1, 2, 3].map((i): Op => ({ args: ['run', '-d', '--name', `${p}-d${i}`, 'busybox', 'sleep', '600'], target: `${p}-d${i}`, expect: 'running' })),
      ...[0, 1, 2].map((i): Op => ({ args: ['start', `${p}-pc${i}`], target: `${p}-pc${i}`, expect: 'running' })),
      ...[0, 1, 2].map((i): Op => ({ args: ['stop', '-t', '1', `${p}-pr${i}`], target: `${p}-pr${i}`, expect: 'stopped' })),
      ...[`${p}-pc3`, `${p}-pr3`, `${p}-pr4`].map((n): Op => ({ args: ['rm', '-f', n], target: n, expect: 'gone' })),
      ...[0, 1, 2].map((i): Op => ({ args: ['run', '--rm', '--name', `${p}-rm${i}`, 'busybox', 'true'], target: `${p}-rm${i}`, expect: 'gone' })),
    ];
    assert.equal(ops.length, 20);
    let acks = 0;
    let enough: () => void = () => {};
    const acked = new Promise<void>((r) => (enough = r));
    const results = ops.map((op) =>
      d.docker(op.args, { timeoutMs: 30_000 }).then((r) => {
        if (r.code === 0 && 'acks' in killAt && ++acks >= killAt.acks) enough();
        return r;
      }),
    );
    await ('ms' in killAt ? sleep(killAt.ms) : Promise.race([acked, sleep(5000)]));
    await d.kill9();
    const done = await Promise.all(results);
    const succeeded = ops.filter((_, i) => done[i]!.code === 0);
    t.diagnostic(`${succeeded.length}/20 operations acknowledged before the kill`);
    await d.start();

    const w = await settle();
    assert.deepEqual(w.problems, [], `after the restart (${succeeded.length} operations had succeeded)\n${d.logTail(30)}`);

    // What was acknowledged before the crash holds.
    const byName = new Map(w.containers.map((c) => [c.Name.replace(/^\//, ''), c]));
    for (const op of succeeded) {
      const c = byName.get(op.target);
      const what = `${op.args.join(' ')} succeeded before the crash, but ${op.target} is ${c ? c.State.Status : 'gone'}`;
      if (op.expect === 'gone') assert.equal(c, undefined, what);
      else assert.ok(c, what);
      if (op.expect === 'running') assert.equal(c!.State.Running, true, what);
      if (op.expect === 'stopped') assert.equal(c!.State.Running, false, what);
    }

    // Running ones take an exec; the others can be started (and then take one too).
    const stopped = w.containers.filter((c) => !c.State.Running).map((c) => c.Id);
    if (stopped.length) await ok(d.docker(['start', ...stopped]));
    const execs = await Promise.all(w.containers.map((c) => d.docker(['exec', c.Id, 'true'])));
    execs.forEach((r, i) => assert.equal(r.code, 0, `exec in ${w.containers[i]!.Name}: ${r.stderr}\n${d.logTail(30)}`));
    const again = await settle();
    assert.deepEqual(again.problems, [], 'after starting every container');
    assert.ok(again.containers.every((c) => c.State.Running), 'every container runs');

    // rm -f of everything works and leaves nothing behind.
    if (w.containers.length) await ok(d.docker(['rm', '-f', ...w.containers.map((c) => c.Id)]));
    const empty = await settle();
    assert.deepEqual(empty.problems, [], `after rm -f of everything\n${d.logTail(30)}`);
    assert.deepEqual(empty.containers, []);
    assert.deepEqual(readdirSync(join(d.dataRoot, 'containers')), [], '<data-root>/containers is empty');
    const left = readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(d.dir + '/') && l.includes('/rootfs'));
    assert.deepEqual(left, [], 'no container rootfs stays mounted');
  });
}
