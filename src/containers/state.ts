/**
 * The container state machine over the persisted `State` object (moby container/state.go).
 *
 * Persisted shape (the `State` key of config.v2.json, moby's field names):
 *   { Running, Paused, Restarting, OOMKilled, Dead, Pid, ExitCode, Error, StartedAt, FinishedAt,
 *     Health }
 * StartedAt/FinishedAt are RFC3339Nano strings, ZERO_TIME when the event never happened.
 * `RemovalInProgress` lives in memory only (compat: moby tags it `json:"-"`), so after a daemon
 * restart a half-removed container is no longer "removing".
 *
 * The status is derived, never stored:
 *   Running && Paused      → paused        Running && Restarting → restarting
 *   Running                → running       RemovalInProgress     → removing
 *   Dead                   → dead          StartedAt zero        → created
 *   otherwise              → exited
 * Transitions mutate the object in place (call them inside ContainerStore.update); the daemon owns
 * the checks of which verb is allowed in which state, and their error texts.
 */
import { humanDuration } from '../lib/index.js';
export { humanDuration };
import type { ContainerState } from '../api/types/index.js';
import { ZERO_TIME, formatDate, isZeroTime, parseRfc3339Nano, nanoToDate, type Clock } from './timefmt.js';

export type HealthRecord = NonNullable<ContainerState['Health']>;

export type StateStatus = ContainerState['Status'];

export interface StateRecord {
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  /** In memory only: never written to disk (compat: moby `json:"-"`). */
  RemovalInProgress?: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health: HealthRecord | null;
}

/** A fresh state: created, never started. */
export function newState(): StateRecord {
  return {
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
    Health: null,
  };
}

/** The persisted form: RemovalInProgress dropped. */
export function persistedState(s: StateRecord): StateRecord {
  const { RemovalInProgress: _drop, ...rest } = s;
  return rest;
}

/** moby State.StateString: the machine-readable status (`docker ps --format {{.State}}`). */
export function stateStatus(s: StateRecord): StateStatus {
  if (s.Running) {
    if (s.Paused) return 'paused';
    if (s.Restarting) return 'restarting';
    return 'running';
  }
  if (s.RemovalInProgress) return 'removing';
  if (s.Dead) return 'dead';
  if (isZeroTime(s.StartedAt)) return 'created';
  return 'exited';
}

/** The `State` object of GET /containers/{id}/json. */
export function toContainerState(s: StateRecord): ContainerState {
  const out: ContainerState = {
    Status: stateStatus(s),
    Running: s.Running,
    Paused: s.Paused,
    Restarting: s.Restarting,
    OOMKilled: s.OOMKilled,
    Dead: s.Dead,
    Pid: s.Pid,
    ExitCode: s.ExitCode,
    Error: s.Error,
    StartedAt: s.StartedAt || ZERO_TIME,
    FinishedAt: s.FinishedAt || ZERO_TIME,
  };
  if (s.Health) out.Health = s.Health;
  return out;
}

/** True while a task exists (running, paused or between restarts). */
export function isRunning(s: StateRecord): boolean {
  return s.Running;
}

/**
 * moby State.setRunning: the task started (or was found running at restore, then without
 * `startedAt`, which keeps the old StartedAt). Clears Error, ExitCode, OOMKilled, Paused,
 * Restarting.
 */
export function setRunning(s: StateRecord, opts: { pid: number; startedAt?: Date | string }): void {
  s.Error = '';
  s.Paused = false;
  s.Running = true;
  s.Restarting = false;
  s.ExitCode = 0;
  s.Pid = opts.pid;
  s.OOMKilled = false;
  if (opts.startedAt !== undefined) s.StartedAt = timeString(opts.startedAt);
}

export interface ExitInfo {
  exitCode: number;
  /** When the task exited; the clock's now when absent (moby: ExitedAt zero → time.Now()). */
  exitedAt?: Date | string;
  oomKilled?: boolean;
}

/** moby State.SetStopped: the task exited and will not be restarted. */
export function setStopped(s: StateRecord, exit: ExitInfo, clock: Clock): void {
  s.Running = false;
  s.Paused = false;
  s.Restarting = false;
  s.Pid = 0;
  s.FinishedAt = exit.exitedAt !== undefined ? timeString(exit.exitedAt) : formatDate(clock.now());
  s.ExitCode = exit.exitCode;
  if (exit.oomKilled !== undefined) s.OOMKilled = exit.oomKilled;
}

/**
 * moby State.SetRestarting: the task exited and the restart policy will start it again.
 * Running stays true (Docker shows `Restarting (code) … ago`).
 */
export function setRestarting(s: StateRecord, exit: ExitInfo, clock: Clock): void {
  s.Running = true;
  s.Restarting = true;
  s.Paused = false;
  s.Pid = 0;
  s.FinishedAt = formatDate(clock.now());
  s.ExitCode = exit.exitCode;
  if (exit.oomKilled !== undefined) s.OOMKilled = exit.oomKilled;
}

export function setPaused(s: StateRecord): void {
  s.Paused = true;
}

export function setUnpaused(s: StateRecord): void {
  s.Paused = false;
}

/** moby State.SetError: the last start/stop/remove error ("" clears it). */
export function setError(s: StateRecord, err: unknown): void {
  s.Error = err === undefined || err === null || err === '' ? '' : err instanceof Error ? err.message : String(err);
}

/**
 * moby State.SetRemovalInProgress: marks the container as being removed. Returns true when it
 * already was (the caller then answers Docker's "removal … is already in progress" conflict).
 */
export function setRemovalInProgress(s: StateRecord): boolean {
  if (s.RemovalInProgress) return true;
  s.RemovalInProgress = true;
  return false;
}

export function resetRemovalInProgress(s: StateRecord): void {
  s.RemovalInProgress = false;
}

/** Marks the container dead (removal failed half-way; only `rm -f` helps). */
export function setDead(s: StateRecord): void {
  s.Dead = true;
}

/** Health status shown in parentheses (moby container/health.go Health.String). */
export function healthString(h: HealthRecord): string {
  return h.Status === 'starting' ? 'health: starting' : h.Status;
}

/**
 * The `Status` column of `docker ps` (moby State.String), e.g. `Up 3 seconds`,
 * `Up 2 minutes (Paused)`, `Up 5 hours (healthy)`, `Restarting (1) 5 seconds ago`,
 * `Exited (137) 2 minutes ago`, `Created`, `Removal In Progress`, `Dead`.
 */
export function statusString(s: StateRecord, clock: Clock): string {
  const now = clock.now().getTime();
  const since = (t: string) => humanDuration(now - timeMs(t));
  if (s.Running) {
    if (s.Paused) return `Up ${since(s.StartedAt)} (Paused)`;
    if (s.Restarting) return `Restarting (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
    // compat: a Health object with status "none" is not shown (no healthcheck configured)
    if (s.Health && s.Health.Status && s.Health.Status !== 'none') {
      return `Up ${since(s.StartedAt)} (${healthString(s.Health)})`;
    }
    return `Up ${since(s.StartedAt)}`;
  }
  if (s.RemovalInProgress) return 'Removal In Progress';
  if (s.Dead) return 'Dead';
  if (isZeroTime(s.StartedAt)) return 'Created';
  if (isZeroTime(s.FinishedAt)) return '';
  return `Exited (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
}


function timeString(t: Date | string): string {
  return typeof t === 'string' ? t : formatDate(t);
}

function timeMs(t: string): number {
  const ns = parseRfc3339Nano(t);
  return ns === undefined ? 0 : nanoToDate(ns).getTime();
}
