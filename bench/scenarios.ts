/**
 * Benchmark scenarios. Each runs the same work against a target engine; later issues append
 * theirs (run, create, build, pull, ...). `run` is what is timed; setup/teardown are not.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from '../test/e2e/harness.js';

const WORK = process.env['BENCH_WORK'] ?? '/tmp/berth-bench';

/**
 * A ~75 MB Debian root filesystem tarball (debootstrap --variant=minbase, /dev left out), made
 * once and kept under BENCH_WORK. Needs the Debian package debootstrap and Debian's mirror.
 */
async function debianTar(): Promise<string> {
  const tar = join(WORK, 'debian.tar');
  if (existsSync(tar)) return tar;
  mkdirSync(WORK, { recursive: true });
  const root = join(WORK, 'debroot');
  if (!existsSync(join(root, 'etc', 'debian_version'))) {
    const r = await run('debootstrap', ['--variant=minbase', 'bookworm', root, 'http://deb.debian.org/debian'], { timeoutMs: 900_000 });
    if (r.code !== 0) throw new Error(`debootstrap failed: ${r.stderr.slice(-2000)}`);
  }
  const r = await run('tar', ['-C', root, '--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*', '-cf', tar, '.'], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return tar;
}

/**
 * Imports the Debian tarball as `debian:bench` on the target (once: a second import would leave
 * a dangling image holding the same layer); returns the path of a save of it.
 */
async function debianImage(t: Target): Promise<{ archive: string }> {
  const tar = await debianTar();
  if ((await t.docker(['image', 'inspect', 'debian:bench'])).code !== 0) {
    await ok(t.docker(['import', tar, 'debian:bench'], { timeoutMs: 300_000 }));
  }
  const archive = join(WORK, `debian-${t.name}.tar`);
  await ok(t.docker(['save', '-o', archive, 'debian:bench'], { timeoutMs: 300_000 }));
  return { archive };
}

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
  /** Untimed preparation before each timed run (e.g. remove the image for a cold load). */
  beforeEach?(t: Target, state: S): Promise<void>;
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
  // Images (issue 3): a ~75 MB Debian image.
  {
    name: 'save debian',
    setup: debianImage,
    run: (t) => ok(t.docker(['save', '-o', join(WORK, `out-${t.name}.tar`), 'debian:bench'], { timeoutMs: 300_000 })),
  },
  {
    name: 'load debian (present)',
    setup: debianImage,
    run: (t, s: { archive: string }) => ok(t.docker(['load', '-i', s.archive], { timeoutMs: 300_000 })),
  },
  {
    name: 'load debian (cold)',
    setup: debianImage,
    // Cold: no image may hold the layer, so remove the image and prune everything unused.
    beforeEach: async (t) => {
      await t.docker(['rmi', '-f', 'debian:bench']);
      await t.docker(['image', 'prune', '-af']);
    },
    run: (t, s: { archive: string }) => ok(t.docker(['load', '-i', s.archive], { timeoutMs: 300_000 })),
  },
];
