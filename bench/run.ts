/**
 * npm run bench [-- scenario-name ...]: runs each scenario against a fresh berthd (or
 * BENCH_BERTH_HOST) and, when BENCH_DOCKER_HOST is set (e.g. unix:///var/run/docker.sock), against
 * real Docker too, alternating runs, and prints the median per engine and the Berth/Docker ratio.
 * Benchmarks measure; they do not pass or fail.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { TestDaemon, DOCKER, BERTH, run } from '../test/e2e/harness.js';
import { busyboxImage, scenarios, type Target } from './scenarios.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 9);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Resident set size of a process in MiB (VmRSS), or NaN. */
function rssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Daemon memory: RSS idle, then with 20 running containers (per-container cost = delta / 20).
 * Docker's daemon pid comes from BENCH_DOCKER_PID.
 */
async function memory(t: Target, pid: number | undefined): Promise<string[]> {
  await busyboxImage(t);
  const idle = rssMiB(pid);
  const rs = await Promise.all(Array.from({ length: 20 }, () => t.docker(['run', '-d', '--label', 'bench=mem', 'busybox:bench', 'sleep', '3600'])));
  await new Promise((r) => setTimeout(r, 2000));
  const busy = rssMiB(pid);
  const ids = rs.map((r) => r.stdout.trim()).filter(Boolean);
  if (ids.length) await t.docker(['rm', '-f', ...ids], { timeoutMs: 120_000 });
  return [`${t.name} daemon RSS`, `idle ${idle.toFixed(1)} MiB`, `+${((busy - idle) / 20).toFixed(2)} MiB per running container`];
}

function target(name: string, host: string): Target {
  const env = { DOCKER_HOST: host };
  return {
    name,
    host,
    docker: (args, opts) => run(DOCKER, args, { ...opts, env: { ...env, ...opts?.env } }),
    berth: (args, opts) => run(BERTH, args, { ...opts, env: { ...env, ...opts?.env } }),
  };
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  let daemon: TestDaemon | undefined;
  let berthHost = process.env['BENCH_BERTH_HOST'];
  if (!berthHost) {
    daemon = new TestDaemon();
    await daemon.start();
    berthHost = daemon.host;
  }
  const targets = [target('berth', berthHost)];
  const dockerHost = process.env['BENCH_DOCKER_HOST'];
  if (dockerHost) targets.push(target('docker', dockerHost));
  const rows: string[][] = [['SCENARIO', 'BERTH (ms)', 'DOCKER (ms)', 'RATIO']];
  const memRows: string[][] = [];
  try {
    for (const sc of scenarios) {
      if (only.length && !only.includes(sc.name)) continue;
      const times: Record<string, number[]> = {};
      const baseTimes: Record<string, number[]> = {};
      const diffs: Record<string, number[]> = {};
      const state: Record<string, unknown> = {};
      for (const t of targets) {
        times[t.name] = [];
        baseTimes[t.name] = [];
        diffs[t.name] = [];
        state[t.name] = await sc.setup?.(t);
      }
      const timed = async (f: () => Promise<void>) => {
        const t0 = performance.now();
        await f();
        return performance.now() - t0;
      };
      for (let i = 0; i < RUNS; i++) {
        for (const t of i % 2 ? [...targets].reverse() : targets) {
          await sc.beforeEach?.(t, state[t.name]);
          if (!sc.baseline) {
            times[t.name]!.push(await timed(() => sc.run(t, state[t.name])));
            continue;
          }
          // Paired: run and baseline back to back, the order flipped every other round.
          let run = 0;
          let base = 0;
          if (i % 2) {
            base = await timed(() => sc.baseline!(t, state[t.name]));
            run = await timed(() => sc.run(t, state[t.name]));
          } else {
            run = await timed(() => sc.run(t, state[t.name]));
            base = await timed(() => sc.baseline!(t, state[t.name]));
          }
          times[t.name]!.push(run);
          baseTimes[t.name]!.push(base);
          diffs[t.name]!.push(run - base);
        }
      }
      for (const t of targets) await sc.teardown?.(t, state[t.name]);
      const row = (name: string, xs: Record<string, number[]>) => {
        const b = median(xs['berth']!);
        const d = xs['docker'] ? median(xs['docker']) : undefined;
        rows.push([name, b.toFixed(1), d !== undefined ? d.toFixed(1) : '-', d ? (b / d).toFixed(2) : '-']);
      };
      row(sc.name, times);
      if (sc.baseline) {
        row('  baseline', baseTimes);
        row('  difference (median of pairs)', diffs);
      }
      process.stderr.write(`${sc.name}: done\n`);
    }
    if (!only.length || only.includes('memory')) {
      const pids: Record<string, number | undefined> = { berth: daemon?.pid ?? Number(process.env['BENCH_BERTH_PID'] ?? 0), docker: Number(process.env['BENCH_DOCKER_PID'] ?? 0) };
      for (const t of targets) memRows.push(await memory(t, pids[t.name]));
    }
  } finally {
    await daemon?.cleanup();
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]! + 3)).join('').trimEnd() + '\n');
  for (const r of memRows) process.stdout.write(r.join('   ') + '\n');
}

await main();
