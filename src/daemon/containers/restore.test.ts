import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newState, setRunning, setStopped, type StateRecord } from '../../containers/index.js';
import type { TaskStatus } from '../../runtime/index.js';
import { bootAction, planReconcile } from './restore.js';

const clock = { now: () => new Date('2026-01-02T03:04:05Z') };
const created = (): StateRecord => newState();
const running = (): StateRecord => {
  const s = newState();
  setRunning(s, { pid: 42, startedAt: clock.now() });
  return s;
};
const exited = (): StateRecord => {
  const s = running();
  setStopped(s, { exitCode: 0 }, clock);
  return s;
};
const task = (state: TaskStatus['state'], exitStatus = 0): TaskStatus => ({ state, pid: 42, exitStatus });

test('bootAction: what boot does with each record state and containerd task', () => {
  const cases: [string, StateRecord, TaskStatus | undefined, ReturnType<typeof bootAction>][] = [
    ['running, task running: adopt', running(), task('running'), { kind: 'adopt' }],
    ['running, task paused: adopt', running(), task('paused'), { kind: 'adopt' }],
    ['running, task stopped: record its exit', running(), task('stopped', 3), { kind: 'exited', exitCode: 3 }],
    ['running, no task: containerd lost it (255)', running(), undefined, { kind: 'exited', exitCode: 255 }],
    // A start the crash cut short: containerd has a process the record does not know of.
    ['created, task running: kill it', created(), task('running'), { kind: 'kill' }],
    ['created, task created: kill it', created(), task('created'), { kind: 'kill' }],
    ['exited, task running: kill it', exited(), task('running'), { kind: 'kill' }],
    ['exited, task stopped: reap it', exited(), task('stopped', 1), { kind: 'reap' }],
    ['created, no task: nothing', created(), undefined, { kind: 'none' }],
    ['exited, no task: nothing', exited(), undefined, { kind: 'none' }],
  ];
  for (const [name, state, t, want] of cases) assert.deepEqual(bootAction(state, t), want, name);
});

test('planReconcile: what a crash between the steps of create and remove leaves, and what boot does about it', () => {
  const id = (c: string) => c.repeat(64);
  const [whole, noCd, noRw, cdOnly, rwOnly, fifoOnly] = ['a', 'b', 'c', 'e', 'f', '1'].map(id) as [string, string, string, string, string, string];
  const plan = planReconcile({
    records: [whole, noCd, noRw].map((ID) => ({ ID, SnapshotKey: ID })),
    containers: [whole, noRw, cdOnly],
    activeSnapshots: [whole, noCd, rwOnly, cdOnly, 'extract-0123 sha256:abc'],
    stateDirs: [whole, cdOnly, fifoOnly, 'not-an-id'],
  });
  assert.deepEqual(plan, {
    // a create cut short before its record was written, or a remove after it was gone
    orphanContainers: [cdOnly],
    // a remove cut short after the containerd container was deleted (never an extraction's)
    orphanSnapshots: [rwOnly],
    // a remove cut short after the containerd container was deleted, before its FIFOs were
    orphanStateDirs: [fifoOnly],
    // a create cut short after its record was written
    incomplete: [noCd, noRw],
  });
});
