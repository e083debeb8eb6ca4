/**
 * npm run bench [-- scenario-name ...]: runs each scenario against a fresh berthd (or
 * BENCH_BERTH_HOST) and, when BENCH_DOCKER_HOST is set (e.g. unix:///var/run/docker.sock), against
 * real Docker too, alternating runs, and prints the median per engine and the Berth/Docker ratio.
 * Benchmarks measure; they do not pass or fail.
 */
import { performance } from 'node:perf_hooks';
import { TestDaemon, DOCKER, BERTH, run } from '../test/e2e/harness.js';
import { scenarios, type Target } from './scenarios.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 9);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
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
  try {
    for (const sc of scenarios) {
      if (only.length && !only.includes(sc.name)) continue;
      const times: Record<string, number[]> = {};
      const state: Record<string, unknown> = {};
      for (const t of targets) {
        times[t.name] = [];
        state[t.name] = await sc.setup?.(t);
      }
      for (let i = 0; i < RUNS; i++) {
        for (const t of i % 2 ? [...targets].reverse() : targets) {
          await sc.beforeEach?.(t, state[t.name]);
          const t0 = performance.now();
          await sc.run(t, state[t.name]);
          times[t.name]!.push(performance.now() - t0);
        }
      }
      for (const t of targets) await sc.teardown?.(t, state[t.name]);
      const b = median(times['berth']!);
      const d = times['docker'] ? median(times['docker']) : undefined;
      rows.push([sc.name, b.toFixed(1), d !== undefined ? d.toFixed(1) : '-', d ? (b / d).toFixed(2) : '-']);
      process.stderr.write(`${sc.name}: done\n`);
    }
  } finally {
    await daemon?.cleanup();
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]! + 3)).join('').trimEnd() + '\n');
}

await main();
