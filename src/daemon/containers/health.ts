/**
 * Health checks (moby daemon/health.go): while a container with a healthcheck runs, its test
 * command is exec'd every interval; the results (last five kept) and the status (starting,
 * healthy, unhealthy after `retries` failures in a row outside the start period) live in
 * State.Health, and a change of status is a `health_status: <status>` event.
 */
import type { Ctx } from '../../lib/index.js';
import type { HealthConfig } from '../../api/types/index.js';
import { formatDate, isRunning, type ContainerRecord } from '../../containers/index.js';
import type { ContainersServiceBase } from './service.js';
import { execCreate, execStart } from './io.js';

const MS = 1e6; // ns per ms
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_START_INTERVAL_MS = 5_000;
const DEFAULT_RETRIES = 3;
const MAX_LOG_ENTRIES = 5;
const MAX_OUTPUT_LEN = 4096;

type LogEntry = { Start: string; End: string; ExitCode: number; Output: string };

/** The healthcheck in effect, or undefined when there is none (absent, empty, or NONE). */
export function healthcheckOf(rec: Readonly<ContainerRecord>): HealthConfig | undefined {
  const hc = rec.Config.Healthcheck;
  if (!hc?.Test?.length || hc.Test[0] === 'NONE') return undefined;
  return hc;
}

/** Go's time.Duration String for whole seconds and milliseconds ("30s", "1.5s", "500ms"). */
function goDuration(ms: number): string {
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

async function probe(svc: ContainersServiceBase, ctx: Ctx, rec: Readonly<ContainerRecord>, hc: HealthConfig): Promise<LogEntry> {
  const test = hc.Test!;
  const shell = rec.Config.Shell?.length ? rec.Config.Shell : ['/bin/sh', '-c'];
  const cmd = test[0] === 'CMD-SHELL' ? [...shell, test.slice(1).join(' ')] : test[0] === 'CMD' ? test.slice(1) : test;
  const timeoutMs = hc.Timeout ? hc.Timeout / MS : DEFAULT_TIMEOUT_MS;
  const start = new Date();
  const { Id } = await execCreate(svc, ctx, rec.ID, { Cmd: cmd, AttachStdout: true, AttachStderr: true, User: rec.Config.User ?? '', Env: rec.Config.Env ?? [] });
  try {
    const out = await execStart(svc, ctx, Id, { detach: false });
    let output = '';
    const collect = (async () => {
      for await (const c of out!.output) if (output.length < MAX_OUTPUT_LEN) output += c.data.toString('utf8');
    })();
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([collect.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
    clearTimeout(timer);
    if (!inTime) {
      await svc.deps.tasks.kill(ctx, rec.ID, 'KILL', { execId: Id }).catch(() => {});
      return { Start: formatDate(start), End: formatDate(new Date()), ExitCode: -1, Output: `Health check exceeded timeout (${goDuration(timeoutMs)})` };
    }
    const code = svc.execs.get(Id)?.exitCode ?? -1;
    return { Start: formatDate(start), End: formatDate(new Date()), ExitCode: code, Output: output.slice(0, MAX_OUTPUT_LEN) };
  } finally {
    svc.execs.delete(Id);
  }
}

/** Records one result and returns the new status (moby's handleProbeResult). */
async function record(svc: ContainersServiceBase, ctx: Ctx, id: string, entry: LogEntry, retries: number, inStartPeriod: boolean): Promise<void> {
  let changed: string | undefined;
  const updated = await svc.store.update(ctx, id, (d) => {
    const h = d.State.Health ?? { Status: 'starting', FailingStreak: 0, Log: [] };
    h.Log = [...(h.Log ?? []), entry].slice(-MAX_LOG_ENTRIES);
    const before = h.Status;
    if (entry.ExitCode === 0) {
      h.FailingStreak = 0;
      h.Status = 'healthy';
    } else if (!inStartPeriod) {
      h.FailingStreak++;
      if (h.FailingStreak >= retries) h.Status = 'unhealthy';
    }
    if (h.Status !== before) changed = h.Status;
    d.State.Health = h;
  });
  if (changed) svc.emit(`health_status: ${changed}`, updated);
}

/**
 * Runs the container's healthcheck until `signal` aborts (the process exited) or the container
 * stops running. `fresh`: a new start (status back to starting); false when re-adopting.
 */
export async function monitorHealth(svc: ContainersServiceBase, ctx: Ctx, id: string, signal: AbortSignal, fresh: boolean): Promise<void> {
  const rec0 = svc.store.get(id);
  const hc = healthcheckOf(rec0);
  if (!hc) return;
  if (fresh) {
    await svc.store.update(ctx, id, (d) => {
      d.State.Health = { Status: 'starting', FailingStreak: 0, Log: [] };
    });
  }
  const intervalMs = hc.Interval ? hc.Interval / MS : DEFAULT_INTERVAL_MS;
  const startPeriodMs = (hc.StartPeriod ?? 0) / MS;
  const startIntervalMs = hc.StartInterval ? hc.StartInterval / MS : DEFAULT_START_INTERVAL_MS;
  const retries = hc.Retries || DEFAULT_RETRIES;
  const startedAt = Date.parse(rec0.State.StartedAt) || Date.now();
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
    });
  while (!signal.aborted) {
    const inStart = Date.now() - startedAt < startPeriodMs;
    // compat: API 1.44's start interval applies while the start period lasts.
    await sleep(inStart && hc.StartInterval ? startIntervalMs : intervalMs);
    const rec = svc.store.find(id);
    if (signal.aborted || !rec || !isRunning(rec.State) || rec.State.Paused) {
      if (rec?.State.Paused) continue;
      return;
    }
    const entry = await probe(svc, { ...ctx, signal }, rec, hc).catch((e: Error) => ({
      Start: formatDate(new Date()),
      End: formatDate(new Date()),
      ExitCode: -1,
      Output: e.message,
    }));
    if (signal.aborted) return;
    await record(svc, ctx, id, entry, retries, Date.now() - startedAt < startPeriodMs);
  }
}
