/**
 * Benchmark scenarios. Each runs the same work against a target engine; later issues append
 * theirs (run, create, build, pull, ...). `run` is what is timed; setup/teardown are not.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BERTH, busyboxTar, freePort, run, type RunOptions, type RunResult } from '../test/e2e/harness.js';

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

/** Imports the offline busybox image as busybox:bench (once). */
export async function busyboxImage(t: Target): Promise<void> {
  if ((await t.docker(['image', 'inspect', 'busybox:bench'])).code === 0) return;
  await ok(t.docker(['import', '-c', 'CMD ["sh"]', await busyboxTar(), 'busybox:bench']));
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

/**
 * A loopback registry for push/pull: `berth registry serve` for Berth, the distribution
 * registry (Debian's docker-registry) for Docker, each on a free port with a fresh root.
 */
interface BenchRegistry {
  host: string;
  root: string;
  proc: ChildProcess;
}


function startRegistry(t: Target): Promise<BenchRegistry> {
  return freePort().then((port) => startRegistryOn(t, port));
}

async function startRegistryOn(t: Target, port: number): Promise<BenchRegistry> {
  const host = `127.0.0.1:${port}`;
  const root = join(WORK, `registry-${t.name}-${port}`);
  mkdirSync(root, { recursive: true });
  let proc: ChildProcess;
  if (t.name === 'berth') {
    proc = spawn(process.execPath, [BERTH, 'registry', 'serve', '--addr', host, '--root', root], { stdio: 'ignore' });
  } else {
    const cfg = join(root, 'config.yml');
    writeFileSync(cfg, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${root}/data\nhttp:\n  addr: ${host}\n`);
    proc = spawn('/usr/bin/docker-registry', ['serve', cfg], { stdio: 'ignore' });
  }
  for (let i = 0; i < 200; i++) {
    if (await fetch(`http://${host}/v2/`).then((r) => r.status === 200, () => false)) return { host, root, proc };
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill();
  throw new Error(`the ${t.name} registry did not start`);
}

async function stopRegistry(r: BenchRegistry): Promise<void> {
  if (r.proc.exitCode === null) {
    const exited = new Promise((res) => r.proc.once('exit', res));
    r.proc.kill('SIGTERM');
    await exited;
  }
  rmSync(r.root, { recursive: true, force: true });
}

interface PushState {
  reg: BenchRegistry;
  name: string;
}

/** debian:bench tagged into a fresh registry of the target's kind. */
async function registrySetup(t: Target): Promise<PushState> {
  await debianImage(t);
  const reg = await startRegistry(t);
  const name = `${reg.host}/bench/debian:v1`;
  await ok(t.docker(['tag', 'debian:bench', name]));
  return { reg, name };
}

/** Restarts the target's registry on an empty root, on the same port. */
async function emptyRegistry(t: Target, s: PushState): Promise<void> {
  const port = s.reg.host.split(':')[1]!;
  await stopRegistry(s.reg);
  s.reg = await startRegistryOn(t, Number(port));
}

async function registryTeardown(t: Target, s: PushState): Promise<void> {
  await t.docker(['rmi', s.name]);
  await stopRegistry(s.reg);
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
  /**
   * A variant to compare `run` with: timed in the same rounds, interleaved in alternating order,
   * and reported as the median of the paired differences (run − baseline), which machine noise
   * disturbs far less than two separate medians.
   */
  baseline?(t: Target, state: S): Promise<void>;
  teardown?(t: Target, state: S): Promise<void>;
}

/** busybox:bench and a user-defined network `benchnet` (once). */
async function benchNetwork(t: Target): Promise<void> {
  await busyboxImage(t);
  if ((await t.docker(['network', 'inspect', 'benchnet'])).code !== 0) await ok(t.docker(['network', 'create', 'benchnet']));
}

async function removeLabelled(t: Target, label: string): Promise<void> {
  const ids = (await t.docker(['ps', '-aq', '--filter', `label=${label}`])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await t.docker(['rm', '-f', ...ids], { timeoutMs: 120_000 });
}

async function ok(p: Promise<RunResult>): Promise<void> {
  const r = await p;
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
}

/**
 * A 10-service compose project (busybox:bench, one network, SIGKILL stop) in BENCH_WORK, for
 * `berth compose` and, as the baseline, docker-compose 1.29.2 against the same engine.
 */
function composeProject(): string {
  const dir = join(WORK, 'compose10');
  mkdirSync(dir, { recursive: true });
  let y = 'version: "3.8"\nservices:\n';
  for (let i = 0; i < 10; i++) {
    y += `  s${i}:\n    image: busybox:bench\n    command: ["sleep", "3600"]\n    stop_signal: SIGKILL\n`;
    if (i > 0) y += `    depends_on: [s0]\n`;
  }
  writeFileSync(join(dir, 'docker-compose.yml'), y);
  return dir;
}

const berthCompose = (t: Target, dir: string, args: string[]) => ok(t.berth(['compose', '--project-directory', dir, '-p', 'benchc', ...args], { timeoutMs: 300_000 }));
const dockerCompose1 = (t: Target, dir: string, args: string[]) =>
  ok(run('docker-compose', ['-H', t.host, '--project-directory', dir, '-f', join(dir, 'docker-compose.yml'), '-p', 'benchc', ...args], { timeoutMs: 300_000 }));
async function composeSetup(t: Target): Promise<{ dir: string }> {
  await busyboxImage(t);
  return { dir: composeProject() };
}

/**
 * A build context under BENCH_WORK (once): a 10-instruction Dockerfile on busybox:bench (issue 8),
 * or a 200 MB context for the upload.
 */
function buildContext(kind: 'ten' | 'big'): string {
  const dir = join(WORK, `build-${kind}`);
  mkdirSync(dir, { recursive: true });
  if (kind === 'ten') {
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM busybox:bench',
        'LABEL bench=build',
        'ENV APP=/app MODE=bench',
        'WORKDIR /app',
        'COPY app/ /app/',
        'RUN mkdir -p /data && echo built > /data/stamp',
        'RUN cat /app/*.txt > /data/all.txt',
        'EXPOSE 8080',
        'USER 1000',
        'CMD ["cat", "/data/all.txt"]',
        '',
      ].join('\n'),
    );
    mkdirSync(join(dir, 'app'), { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'app', `f${i}.txt`), `file ${i}\n`.repeat(100));
  } else if (!existsSync(join(dir, 'big.bin'))) {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox:bench\nLABEL bench=upload\n');
    const chunk = Buffer.alloc(1 << 20);
    for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((i * 2654435761) >>> 0, i);
    const parts: Buffer[] = [];
    for (let i = 0; i < 200; i++) parts.push(chunk);
    writeFileSync(join(dir, 'big.bin'), Buffer.concat(parts));
  }
  return dir;
}

const CLASSIC = { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 300_000 };

export const scenarios: Scenario<any>[] = [
  // The same client (docker CLI 28) against each engine: ping + /version round trip.
  { name: 'docker version', run: (t) => ok(t.docker(['version'])) },
  { name: 'docker info', run: (t) => ok(t.docker(['info'])) },
  // Our CLI's own start-up cost, measured on the target the same way (goal: under 100 ms).
  { name: 'berth version', run: (t) => ok(t.berth(['version'])) },
  // Containers (issue 4).
  { name: 'run --rm true', setup: busyboxImage, run: (t) => ok(t.docker(['run', '--rm', 'busybox:bench', 'true'])) },
  { name: 'run --rm --network none true', setup: busyboxImage, run: (t) => ok(t.docker(['run', '--rm', '--network', 'none', 'busybox:bench', 'true'])) },
  // Security (issue 5): what the default seccomp profile costs a run, against seccomp=unconfined
  // (goal: under 5 ms).
  {
    name: 'run --rm true: default seccomp vs unconfined',
    setup: busyboxImage,
    run: (t) => ok(t.docker(['run', '--rm', 'busybox:bench', 'true'])),
    baseline: (t) => ok(t.docker(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox:bench', 'true'])),
  },
  {
    name: 'run --rm --network none true: default seccomp vs unconfined',
    setup: busyboxImage,
    run: (t) => ok(t.docker(['run', '--rm', '--network', 'none', 'busybox:bench', 'true'])),
    baseline: (t) => ok(t.docker(['run', '--rm', '--network', 'none', '--security-opt', 'seccomp=unconfined', 'busybox:bench', 'true'])),
  },
  // Networking (issue 6): a published port on the default bridge (proxy, DNAT rules, both ways).
  // Each engine gets its own host port: they may run side by side.
  {
    name: 'run --rm -p 8080:80 true',
    setup: async (t: Target) => {
      await busyboxImage(t);
      return t.name === 'berth' ? 18080 : 18081;
    },
    run: (t: Target, port: number) => ok(t.docker(['run', '--rm', '-p', `${port}:80`, 'busybox:bench', 'true'])),
  },
  {
    name: 'create + start -a',
    setup: busyboxImage,
    run: async (t) => {
      const id = (await t.docker(['create', 'busybox:bench', 'true'])).stdout.trim();
      await ok(t.docker(['start', '-a', id]));
      await t.docker(['rm', id]);
    },
  },
  {
    name: 'exec true',
    setup: async (t) => {
      await busyboxImage(t);
      await t.docker(['rm', '-f', 'bench-exec']);
      await ok(t.docker(['run', '-d', '--name', 'bench-exec', 'busybox:bench', 'sleep', '3600']));
    },
    run: (t) => ok(t.docker(['exec', 'bench-exec', 'true'])),
    teardown: async (t) => {
      await t.docker(['rm', '-f', 'bench-exec']);
    },
  },
  {
    name: 'ps -a with 100 containers',
    setup: async (t) => {
      await busyboxImage(t);
      for (let i = 0; i < 100; i++) await t.docker(['create', '--label', 'bench=ps', 'busybox:bench', 'true']);
    },
    run: (t) => ok(t.docker(['ps', '-a'])),
    teardown: async (t) => {
      const ids = (await t.docker(['ps', '-aq', '--filter', 'label=bench=ps'])).stdout.trim().split('\n').filter(Boolean);
      if (ids.length) await t.docker(['rm', ...ids]);
    },
  },
  {
    name: '50 concurrent run -d',
    setup: busyboxImage,
    run: async (t) => {
      const rs = await Promise.all(Array.from({ length: 50 }, () => t.docker(['run', '-d', '--label', 'bench=conc', 'busybox:bench', 'sleep', '3600'])));
      const bad = rs.find((r) => r.code !== 0);
      if (bad) throw new Error(`exit ${bad.code}: ${bad.stderr}`);
    },
    // Untimed: remove them before the next round.
    beforeEach: async (t) => {
      const ids = (await t.docker(['ps', '-aq', '--filter', 'label=bench=conc'])).stdout.trim().split('\n').filter(Boolean);
      if (ids.length) await t.docker(['rm', '-f', ...ids], { timeoutMs: 120_000 });
    },
    teardown: async (t) => {
      const ids = (await t.docker(['ps', '-aq', '--filter', 'label=bench=conc'])).stdout.trim().split('\n').filter(Boolean);
      if (ids.length) await t.docker(['rm', '-f', ...ids], { timeoutMs: 120_000 });
    },
  },
  // User-defined networks (issue 6): a run on one, 50 starts at once on one, name lookups inside.
  {
    name: 'run --rm --network benchnet true',
    setup: benchNetwork,
    run: (t) => ok(t.docker(['run', '--rm', '--network', 'benchnet', 'busybox:bench', 'true'])),
  },
  {
    name: '50 concurrent run -d on one network',
    setup: benchNetwork,
    run: async (t) => {
      const rs = await Promise.all(Array.from({ length: 50 }, () => t.docker(['run', '-d', '--network', 'benchnet', '--label', 'bench=concnet', 'busybox:bench', 'sleep', '3600'])));
      const bad = rs.find((r) => r.code !== 0);
      if (bad) throw new Error(`exit ${bad.code}: ${bad.stderr}`);
    },
    beforeEach: (t) => removeLabelled(t, 'bench=concnet'),
    teardown: (t) => removeLabelled(t, 'bench=concnet'),
  },
  {
    // 100 lookups of a sibling's name through the embedded DNS, from inside one container.
    name: 'DNS: 100 lookups of a container name',
    setup: async (t) => {
      await benchNetwork(t);
      await t.docker(['rm', '-f', 'bench-dns-a', 'bench-dns-b']);
      await ok(t.docker(['run', '-d', '--name', 'bench-dns-a', '--network', 'benchnet', 'busybox:bench', 'sleep', '3600']));
      await ok(t.docker(['run', '-d', '--name', 'bench-dns-b', '--network', 'benchnet', 'busybox:bench', 'sleep', '3600']));
    },
    run: (t) => ok(t.docker(['exec', 'bench-dns-a', 'sh', '-c', 'i=0; while [ $i -lt 100 ]; do nslookup bench-dns-b >/dev/null || exit 1; i=$((i+1)); done'])),
    teardown: async (t) => {
      await t.docker(['rm', '-f', 'bench-dns-a', 'bench-dns-b']);
    },
  },
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
  // Compose (issue 10): a 10-service project. The pair times up -d + down with berth compose
  // against the baseline docker-compose 1.29.2, both on the same engine; the other two time
  // up -d and down alone.
  {
    name: 'compose up -d + down (10 services)',
    setup: composeSetup,
    run: async (t, s: { dir: string }) => {
      await berthCompose(t, s.dir, ['up', '-d']);
      await berthCompose(t, s.dir, ['down', '-t', '0']);
    },
    baseline: async (t, s: { dir: string }) => {
      await dockerCompose1(t, s.dir, ['up', '-d']);
      await dockerCompose1(t, s.dir, ['down', '-t', '0']);
    },
    teardown: (t, s: { dir: string }) => berthCompose(t, s.dir, ['down', '-t', '0']),
  },
  {
    name: 'compose up -d (10 services)',
    setup: composeSetup,
    beforeEach: (t, s: { dir: string }) => berthCompose(t, s.dir, ['down', '-t', '0']),
    run: (t, s: { dir: string }) => berthCompose(t, s.dir, ['up', '-d']),
    teardown: (t, s: { dir: string }) => berthCompose(t, s.dir, ['down', '-t', '0']),
  },
  {
    name: 'compose down (10 services)',
    setup: composeSetup,
    beforeEach: (t, s: { dir: string }) => berthCompose(t, s.dir, ['up', '-d']),
    run: (t, s: { dir: string }) => berthCompose(t, s.dir, ['down', '-t', '0']),
    teardown: (t, s: { dir: string }) => berthCompose(t, s.dir, ['down', '-t', '0']),
  },
  // Registry (issue 9): push and pull of the Debian image over loopback, Berth + berth registry
  // serve against Docker + the distribution registry.
  {
    name: 'push debian (cold registry)',
    setup: registrySetup,
    // Cold: a registry that has nothing (restarted on an empty root). Berth keeps the gzipped
    // layer of its first push and sends it again; Docker compresses on every push.
    beforeEach: emptyRegistry,
    run: (t, s: PushState) => ok(t.docker(['push', s.name], { timeoutMs: 300_000 })),
    teardown: registryTeardown,
  },
  {
    name: 'push debian (cold registry, never pushed)',
    setup: registrySetup,
    // As above, and the image is removed and loaded again first: no compressed layer to reuse.
    beforeEach: async (t, s: PushState) => {
      await emptyRegistry(t, s);
      await t.docker(['rmi', '-f', s.name, 'debian:bench']);
      await t.docker(['image', 'prune', '-af']);
      await ok(t.docker(['load', '-i', join(WORK, `debian-${t.name}.tar`)], { timeoutMs: 300_000 }));
      await ok(t.docker(['tag', 'debian:bench', s.name]));
    },
    run: (t, s: PushState) => ok(t.docker(['push', s.name], { timeoutMs: 300_000 })),
    teardown: registryTeardown,
  },
  {
    name: 'push debian (warm: layers exist)',
    setup: async (t) => {
      const s = await registrySetup(t);
      await ok(t.docker(['push', s.name], { timeoutMs: 300_000 }));
      return s;
    },
    run: (t, s: PushState) => ok(t.docker(['push', s.name], { timeoutMs: 300_000 })),
    teardown: registryTeardown,
  },
  {
    name: 'pull debian (cold)',
    setup: async (t) => {
      const s = await registrySetup(t);
      await ok(t.docker(['push', s.name], { timeoutMs: 300_000 }));
      return s;
    },
    // Cold: no local image holds the layers. Both engines then create the ~6800 files of the
    // rootfs seconds after deleting the same number: on ext4 without a journal (this machine's
    // root) the kernel skips inodes freed in the last 60-360 s when allocating (ialloc.c,
    // recently_deleted), which made file creation 2-5 s of either engine's ~6 s here, varying
    // from run to run with what other processes deleted nearby.
    beforeEach: async (t, s: PushState) => {
      await t.docker(['rmi', '-f', s.name, 'debian:bench']);
      await t.docker(['image', 'prune', '-af']);
    },
    run: (t, s: PushState) => ok(t.docker(['pull', s.name], { timeoutMs: 300_000 })),
    teardown: async (t, s: PushState) => {
      await registryTeardown(t, s);
      await t.docker(['rmi', '-f', 'debian:bench']);
    },
  },
  {
    name: 'pull debian (warm: up to date)',
    setup: async (t) => {
      const s = await registrySetup(t);
      await ok(t.docker(['push', s.name], { timeoutMs: 300_000 }));
      return s;
    },
    run: (t, s: PushState) => ok(t.docker(['pull', s.name], { timeoutMs: 300_000 })),
    teardown: registryTeardown,
  },
  // Builder (issue 8): the classic builder through the docker CLI (DOCKER_BUILDKIT=0), a
  // 10-instruction Dockerfile cold (--no-cache: every step runs and commits) and fully cached
  // (goals: ratio ≤ 0.8 cold, ≤ 1.0 cached), and a 200 MB context upload (reported).
  {
    name: 'build 10 instructions (cold, --no-cache)',
    setup: async (t: Target) => {
      await busyboxImage(t);
      return buildContext('ten');
    },
    run: (t: Target, dir: string) => ok(t.docker(['build', '--no-cache', '-t', 'bench-build:ten', dir], CLASSIC)),
  },
  {
    name: 'build 10 instructions (cached)',
    setup: async (t: Target) => {
      await busyboxImage(t);
      const dir = buildContext('ten');
      await ok(t.docker(['build', '-t', 'bench-build:ten', dir], CLASSIC));
      return dir;
    },
    run: (t: Target, dir: string) => ok(t.docker(['build', '-t', 'bench-build:ten', dir], CLASSIC)),
  },
  {
    name: 'build with a 200 MB context (upload)',
    setup: async (t: Target) => {
      await busyboxImage(t);
      return buildContext('big');
    },
    run: (t: Target, dir: string) => ok(t.docker(['build', '-t', 'bench-build:upload', dir], CLASSIC)),
  },
];
