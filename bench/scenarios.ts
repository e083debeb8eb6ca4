/**
 * Benchmark scenarios. Each runs the same work against a target engine; later issues append
 * theirs (run, create, build, pull, ...). `run` is what is timed; setup/teardown are not.
 */
import type { RunOptions, RunResult } from '../test/e2e/harness.js';

export interface Target {
  name: string;
  host: string;
  /** The real docker CLI against this engine. */
  docker(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** berth against this engine. */
  berth(args: string[], opts?: RunOptions): Promise<RunResult>;
}

export interface Scenario<S = unknown> {
  name: string;
  setup?(t: Target): Promise<S>;
  run(t: Target, state: S): Promise<void>;
  teardown?(t: Target, state: S): Promise<void>;
}

async function ok(p: Promise<RunResult>): Promise<void> {
  const r = await p;
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
}

export const scenarios: Scenario<any>[] = [
  // The same client (docker CLI 28) against each engine: ping + /version round trip.
  { name: 'docker version', run: (t) => ok(t.docker(['version'])) },
  { name: 'docker info', run: (t) => ok(t.docker(['info'])) },
  // Our CLI's own start-up cost, measured on the target the same way (goal: under 100 ms).
  { name: 'berth version', run: (t) => ok(t.berth(['version'])) },
];
