/** Unit tests of the supervisor's config, argv and failure paths (no containerd, no root). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { background, kindOf, nopLogger, type Exec, type StartOptions } from '../lib/index.js';
import {
  ContainerdSupervisor,
  containerdArgv,
  containerdConfigToml,
  orphanTaskBundles,
  parseShimArgv,
  validateSupervisorConfig,
  type SupervisorConfig,
} from './supervisor.js';

function config(dir: string, over: Partial<SupervisorConfig> = {}): SupervisorConfig {
  return {
    binary: '/usr/bin/containerd',
    root: `${dir}/lib/containerd/daemon`,
    state: `${dir}/run/containerd/daemon`,
    address: `${dir}/run/containerd/containerd.sock`,
    pidfile: `${dir}/run/containerd/containerd.pid`,
    configPath: `${dir}/run/containerd/containerd.toml`,
    logPath: `${dir}/run/containerd/containerd.log`,
    debug: false,
    ...over,
  };
}

test('config: own root, state, sockets and plugin dirs; CRI disabled', () => {
  const toml = containerdConfigToml(config('/x'));
  const expect = [
    'version = 2',
    'root = "/x/lib/containerd/daemon"',
    'state = "/x/run/containerd/daemon"',
    'oom_score = -999',
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]\n  address = "/x/run/containerd/containerd.sock"',
    '[ttrpc]\n  address = "/x/run/containerd/containerd.sock.ttrpc"',
    '[debug]\n  address = ""\n  level = "info"',
    '[metrics]\n  address = ""',
    '[plugins."io.containerd.internal.v1.opt"]\n    path = "/x/lib/containerd/daemon/opt"',
  ];
  for (const line of expect) assert.ok(toml.includes(line), `missing ${JSON.stringify(line)} in\n${toml}`);
  assert.ok(containerdConfigToml(config('/x', { debug: true, oomScore: -500 })).includes('level = "debug"'));
  assert.ok(containerdConfigToml(config('/x', { oomScore: -500 })).includes('oom_score = -500'));
  // TOML basic strings: quotes and backslashes are escaped
  assert.ok(containerdConfigToml(config('/a"b\\c')).includes('root = "/a\\"b\\\\c/lib/containerd/daemon"'));
});

test('argv and config validation', () => {
  assert.deepEqual(containerdArgv({ configPath: '/r/containerd.toml' }), ['--config', '/r/containerd.toml']);
  validateSupervisorConfig(config('/x'));
  const long = config('/x', { address: `/${'s'.repeat(100)}/containerd.sock` });
  assert.equal(kindOf(catching(() => validateSupervisorConfig(long))), 'invalidParameter');
  assert.match((catching(() => validateSupervisorConfig(long)) as Error).message, /containerd\.address/);
  assert.equal(kindOf(catching(() => validateSupervisorConfig(config('/x', { root: 'rel' })))), 'invalidParameter');
});

test('start: a stale pidfile is ignored, and a containerd that dies at once fails with its log tail', async () => {
  const dir = await mkdtemp('/tmp/bcd-unit-');
  try {
    const cfg = config(dir, { startTimeoutMs: 5_000 });
    const calls: { bin: string; argv: string[]; opts?: StartOptions }[] = [];
    const runs: string[][] = [];
    const exec: Exec = {
      run: (_ctx, bin, argv) => {
        runs.push([bin, ...argv]);
        return Promise.resolve({ stdout: '', stderr: '' });
      },
      start(_ctx, bin, argv, opts) {
        calls.push({ bin, argv, opts });
        // What containerd would print on its stdout/stderr, which go to the log file.
        if (typeof opts?.stdio === 'number') writeSync(opts.stdio, 'level=fatal msg="boom: bad config"\n');
        return {
          pid: 999_999_999, // never a live pid
          exited: new Promise((r) => setTimeout(() => r({ code: 1, signal: null }), 20)),
          kill: () => {},
        };
      },
    };
    const sup = new ContainerdSupervisor({ exec, log: nopLogger }, cfg);
    process.env.NOTIFY_SOCKET = '/run/systemd/notify';
    await sup.start(background()).catch(() => {}); // creates the directories
    // the overlayfs snapshots directory exists (0700, as containerd makes it) and is marked for Orlov spreading
    const snapshots = join(cfg.root, 'io.containerd.snapshotter.v1.overlayfs', 'snapshots');
    assert.equal((await stat(snapshots)).mode & 0o777, 0o700);
    assert.deepEqual(runs, [['chattr', '+T', snapshots]]);
    calls.length = 0;
    // A pidfile naming a live process that is not our containerd (this test process).
    await writeFile(cfg.pidfile, String(process.pid));
    await writeFile(cfg.logPath, 'level=info msg="an earlier run"\n');
    const err = await sup.start(background()).then(
      () => assert.fail('start should fail'),
      (e: unknown) => e,
    );
    assert.equal(kindOf(err), 'unavailable');
    assert.match((err as Error).message, /exited \(exit status 1\)/);
    assert.match((err as Error).message, /boom: bad config/);
    assert.doesNotMatch((err as Error).message, /an earlier run/);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.bin, '/usr/bin/containerd');
    assert.deepEqual(calls[0]!.argv, ['--config', cfg.configPath]);
    assert.equal(calls[0]!.opts?.detached, true);
    assert.equal(typeof calls[0]!.opts?.stdio, 'number');
    assert.equal(calls[0]!.opts?.env?.NOTIFY_SOCKET, undefined, 'NOTIFY_SOCKET is not passed on');
    assert.equal(calls[0]!.opts?.env?.PATH, process.env.PATH);
    assert.equal(await readFile(cfg.configPath, 'utf8'), containerdConfigToml(cfg));
    assert.ok(!existsSync(cfg.pidfile), 'pidfile removed after a failed start');
    assert.equal(sup.pid, undefined);
  } finally {
    delete process.env.NOTIFY_SOCKET;
    await rm(dir, { recursive: true, force: true });
  }
});

function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

test('orphanTaskBundles: task bundles containerd does not list as tasks (creates cut short)', async () => {
  const dir = await mkdtemp('/tmp/bcd-unit-');
  try {
    const bundles = join(dir, 'io.containerd.runtime.v2.task');
    for (const b of ['berth/live', 'berth/stale', 'other/x']) await mkdir(join(bundles, b), { recursive: true });
    await mkdir(join(bundles, 'empty'));
    const asked: string[] = [];
    const tasks: Record<string, string[]> = { berth: ['live'], other: ['x'] };
    const found = await orphanTaskBundles(dir, async (ns) => {
      asked.push(ns);
      return tasks[ns] ?? [];
    });
    assert.deepEqual(found, [{ namespace: 'berth', id: 'stale' }]);
    assert.deepEqual(asked.sort(), ['berth', 'other'], 'a namespace without bundles is not asked');
    assert.deepEqual(await orphanTaskBundles(join(dir, 'nothing-here'), async () => []), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('parseShimArgv: a runtime v2 shim and whose containerd it serves', () => {
  assert.deepEqual(
    parseShimArgv(['/usr/bin/containerd-shim-runc-v2', '-namespace', 'berth', '-id', 'abc', '-address', '/run/b/containerd.sock', '-debug']),
    { namespace: 'berth', id: 'abc', address: '/run/b/containerd.sock' },
  );
  assert.equal(parseShimArgv(['/usr/bin/containerd', '--config', '/x.toml']), undefined);
  assert.equal(parseShimArgv(['/usr/bin/containerd-shim-runc-v2', '-namespace', 'berth', '-id', 'abc']), undefined, 'no address');
  assert.equal(parseShimArgv(['sleep', '-namespace', 'berth', '-id', 'abc', '-address', '/a']), undefined);
  assert.equal(parseShimArgv([]), undefined);
});
