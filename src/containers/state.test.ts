import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  humanDuration,
  newState,
  setDead,
  setPaused,
  setRemovalInProgress,
  setRestarting,
  setRunning,
  setStopped,
  stateStatus,
  statusString,
  toContainerState,
  type StateRecord,
} from './state.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const clock = { now: () => NOW };
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

test('humanDuration matches go-units', () => {
  const table: [number, string][] = [
    [-5000, 'Less than a second'],
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [1000, '1 second'],
    [1999, '1 second'],
    [2000, '2 seconds'],
    [59_999, '59 seconds'],
    [60_000, 'About a minute'],
    [119_999, 'About a minute'],
    [120_000, '2 minutes'],
    [59 * 60_000, '59 minutes'],
    [60 * 60_000, 'About an hour'],
    [89 * 60_000, 'About an hour'],
    [90 * 60_000, '2 hours'],
    [47 * 3600_000, '47 hours'],
    [48 * 3600_000, '2 days'],
    [13 * 86400_000, '13 days'],
    [14 * 86400_000, '2 weeks'],
    [59 * 86400_000, '8 weeks'],
    [60 * 86400_000, '2 months'],
    [729 * 86400_000, '24 months'],
    [730 * 86400_000, '2 years'],
  ];
  for (const [ms, want] of table) assert.equal(humanDuration(ms), want, `${ms} ms`);
});

function state(f: (s: StateRecord) => void): StateRecord {
  const s = newState();
  f(s);
  return s;
}

test('Status strings as docker ps shows them', () => {
  const table: [StateRecord, string, string][] = [
    [newState(), 'Created', 'created'],
    [state((s) => setRunning(s, { pid: 1, startedAt: ago(3000) })), 'Up 3 seconds', 'running'],
    [state((s) => setRunning(s, { pid: 1, startedAt: ago(300) })), 'Up Less than a second', 'running'],
    [
      state((s) => {
        setRunning(s, { pid: 1, startedAt: ago(150_000) });
        setPaused(s);
      }),
      'Up 2 minutes (Paused)',
      'paused',
    ],
    [
      state((s) => {
        setRunning(s, { pid: 1, startedAt: ago(60_000) });
        setRestarting(s, { exitCode: 1 }, { now: () => new Date(NOW.getTime() - 5000) });
      }),
      'Restarting (1) 5 seconds ago',
      'restarting',
    ],
    [
      state((s) => {
        setRunning(s, { pid: 1, startedAt: ago(600_000) });
        setStopped(s, { exitCode: 137, exitedAt: ago(120_000) }, clock);
      }),
      'Exited (137) 2 minutes ago',
      'exited',
    ],
    [
      state((s) => {
        setRunning(s, { pid: 1, startedAt: ago(7200_000) });
        s.Health = { Status: 'healthy', FailingStreak: 0, Log: [] };
      }),
      'Up 2 hours (healthy)',
      'running',
    ],
    [
      state((s) => {
        setRunning(s, { pid: 1, startedAt: ago(4000) });
        s.Health = { Status: 'starting', FailingStreak: 0, Log: [] };
      }),
      'Up 4 seconds (health: starting)',
      'running',
    ],
    [
      state((s) => {
        setRunning(s, { pid: 1, startedAt: ago(4000) });
        setStopped(s, { exitCode: 0 }, clock);
        setRemovalInProgress(s);
      }),
      'Removal In Progress',
      'removing',
    ],
    [
      state((s) => {
        setRunning(s, { pid: 1, startedAt: ago(4000) });
        setStopped(s, { exitCode: 0 }, clock);
        setDead(s);
      }),
      'Dead',
      'dead',
    ],
  ];
  for (const [s, status, st] of table) {
    assert.equal(statusString(s, clock), status);
    assert.equal(stateStatus(s), st);
  }
});

test('transitions and the inspect State object', () => {
  const s = newState();
  setRunning(s, { pid: 7, startedAt: '2026-06-01T11:59:00.123456789Z' });
  s.Error = 'old';
  setRunning(s, { pid: 8 });
  assert.equal(s.Error, '');
  assert.equal(s.StartedAt, '2026-06-01T11:59:00.123456789Z', 'restore keeps StartedAt');
  setStopped(s, { exitCode: 137, oomKilled: true }, clock);
  assert.deepEqual(toContainerState(s), {
    Status: 'exited',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: true,
    Dead: false,
    Pid: 0,
    ExitCode: 137,
    Error: '',
    StartedAt: '2026-06-01T11:59:00.123456789Z',
    FinishedAt: '2026-06-01T12:00:00Z',
  });
  assert.equal(setRemovalInProgress(s), false);
  assert.equal(setRemovalInProgress(s), true);
});
