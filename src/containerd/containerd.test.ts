/**
 * Integration tests against the real containerd 1.6 (needs root and /usr/bin/containerd): a
 * supervisor on a temp root/state, the client's wrappers, adoption after the supervising process
 * is SIGKILLed, restart on death, stop. Everything runs under one temp dir and is cleaned up.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Ctx, background, kindOf, nodeExec, nopLogger } from '../lib/index.js';
import { CGROUPS_V1_METRICS_TYPE_URL, CGROUPS_V2_METRICS_TYPE_URL, PROCESS_TYPE_URL, SPEC_TYPE_URL, decodeAny, packJson, packRuncOptions } from './any.js';
import { ContainerdClient } from './client.js';
import { ContainerdSupervisor, type SupervisorConfig } from './supervisor.js';
import type { EventMessage } from './types.js';

const BINARY = '/usr/bin/containerd';
const NS = 'berth-test';

const ctx: Ctx = background();
let dir = '';
let cfg: SupervisorConfig;
let sup: ContainerdSupervisor | undefined;
let client: ContainerdClient;

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Mount points under `root` (mountinfo field 5, octal escapes decoded), deepest first. */
function mountsUnder(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
}

/** A runtime spec that runs `args` from a read-only bind of the host's / (no image needed). */
function hostSpec(args: string[]) {
  return {
    ociVersion: '1.0.2',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args, env: ['PATH=/usr/bin:/bin'], cwd: '/' },
    root: { path: 'rootfs', readonly: true },
    hostname: 'berth-test',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
    ],
    linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc' }, { type: 'uts' }] },
  };
}
const HOST_ROOTFS = [{ type: 'bind', source: '/', target: '', options: ['bind', 'ro'] }];
/** runc keeps its state under /run/containerd/runc unless told otherwise (moby passes Root too). */
const runcOptions = () => packRuncOptions({ root: `${dir}/runc` });

/** Kills whatever containerd the pidfile names, if it runs with our config (cleanup only). */
async function killFromPidfile(): Promise<void> {
  try {
    const pid = Number((await readFile(cfg.pidfile, 'utf8')).trim());
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes(cfg.configPath)) process.kill(pid, 'SIGKILL');
  } catch {
    /* nothing to kill */
  }
}

describe('containerd (integration, real binary)', { timeout: 60_000 }, () => {
  before(async () => {
    assert.ok(existsSync(BINARY), `${BINARY} is required`);
    dir = await mkdtemp('/tmp/bcd-');
    cfg = {
      binary: BINARY,
      root: `${dir}/root`,
      state: `${dir}/state`,
      address: `${dir}/containerd.sock`,
      pidfile: `${dir}/containerd.pid`,
      configPath: `${dir}/containerd.toml`,
      logPath: `${dir}/containerd.log`,
      debug: false,
      pollMs: 100,
      restartBackoffMs: { initial: 50, max: 1_000 },
    };
    client = new ContainerdClient({ address: cfg.address, namespace: NS });
  });

  after(async () => {
    // Best effort: tear down tasks/containers (their shims and rootfs mounts), then containerd.
    try {
      const c = withTimeoutCtx(5_000);
      for (const t of await client.tasks.list(c)) {
        await client.tasks.kill(c, t.id, 'SIGKILL').catch(() => {});
        await client.tasks.wait(c, t.id).catch(() => {});
        await client.tasks.delete(c, t.id).catch(() => {});
      }
      for (const ct of await client.containers.list(c)) await client.containers.delete(c, ct.id).catch(() => {});
    } catch {
      /* containerd may be gone already */
    }
    client?.close();
    await sup?.stop(ctx).catch(() => {});
    await killFromPidfile();
    if (dir) {
      for (const m of mountsUnder(dir)) await nodeExec.run(ctx, 'umount', ['-l', m]).catch(() => {});
      const left = mountsUnder(dir);
      if (left.length === 0) await rm(dir, { recursive: true, force: true });
      else process.stderr.write(`leaving ${dir}: still mounted: ${left.join(', ')}\n`);
    }
  });

  test('containerd outlives a SIGKILLed supervisor process and the next supervisor adopts it', async () => {
    // A stand-in for berthd: a separate node process running the supervisor, then kill -9.
    const script = `
      const { ContainerdSupervisor } = await import(${JSON.stringify(new URL('./index.js', import.meta.url).href)});
      const lib = await import(${JSON.stringify(new URL('../lib/index.js', import.meta.url).href)});
      const sup = new ContainerdSupervisor({ exec: lib.nodeExec, log: lib.nopLogger }, JSON.parse(process.argv[1]));
      await sup.start(lib.background());
      process.stdout.write('up ' + sup.pid + '\\n');
      setInterval(() => {}, 1000);
    `;
    const berthd = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cfg)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        berthd.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        berthd.on('exit', (code) => reject(new Error(`stand-in berthd exited with ${code}`)));
      });
      const firstPid = Number(line.split(' ')[1]);
      assert.equal(Number((await readFile(cfg.pidfile, 'utf8')).trim()), firstPid);
      berthd.kill('SIGKILL');
      await new Promise((r) => berthd.once('exit', r));
      await sleep(100);
      assert.ok(alive(firstPid), 'containerd survives its supervisor being killed');

      sup = new ContainerdSupervisor({ exec: nodeExec, log: nopLogger }, cfg);
      await sup.start(ctx);
      assert.equal(sup.pid, firstPid, 'the running containerd is adopted, not replaced');
      assert.equal(sup.address, cfg.address);
    } finally {
      berthd.kill('SIGKILL');
    }
  });

  test('version() reports the real containerd 1.6', async () => {
    const v = await client.version(ctx);
    assert.match(v.version, /^1\.6\.20/);
    assert.ok(v.revision.length > 0);
    const toml = await readFile(cfg.configPath, 'utf8');
    assert.match(toml, /disabled_plugins = \["io.containerd.grpc.v1.cri"\]/);
  });

  test('introspection lists the overlayfs snapshotter, loaded', async () => {
    const plugins = await client.introspection.plugins(ctx, ['type==io.containerd.snapshotter.v1']);
    const overlay = plugins.find((p) => p.id === 'overlayfs');
    assert.ok(overlay, `plugins: ${plugins.map((p) => p.id).join(', ')}`);
    assert.equal(overlay.init_err, null);
    assert.ok((await client.introspection.server(ctx)).uuid.length > 0);
  });

  test('namespaces: create, get, list, remove; errors map to kinds', async () => {
    await client.namespaces.create(ctx, 'berth-ns-a', { 'berth.test': '1' });
    assert.equal(kindOf(await client.namespaces.create(ctx, 'berth-ns-a').catch((e) => e)), 'conflict');
    assert.deepEqual((await client.namespaces.get(ctx, 'berth-ns-a')).labels, { 'berth.test': '1' });
    assert.ok((await client.namespaces.list(ctx)).some((n) => n.name === 'berth-ns-a'));
    await client.namespaces.remove(ctx, 'berth-ns-a');
    assert.ok(!(await client.namespaces.list(ctx)).some((n) => n.name === 'berth-ns-a'));
    assert.equal(kindOf(await client.namespaces.remove(ctx, 'berth-ns-a').catch((e) => e)), 'notFound');
    assert.equal(kindOf(await client.namespaces.create(ctx, 'Bad Name!').catch((e) => e)), 'invalidParameter');
  });

  test('leases: create, list, resources, delete', async () => {
    const lease = await client.leases.create(ctx, { labels: { a: 'b' }, expireAfterMs: 60_000 });
    assert.ok(lease.id);
    assert.ok((await client.leases.list(ctx)).some((l) => l.id === lease.id));
    assert.deepEqual(await client.leases.listResources(ctx, lease.id), []);
    await client.leases.delete(ctx, lease.id, { sync: true });
    assert.ok(!(await client.leases.list(ctx)).some((l) => l.id === lease.id));
    assert.equal(kindOf(await client.leases.delete(ctx, lease.id).catch((e) => e)), 'notFound');
  });

  test('content: write under a lease, info, read back, digest check, delete', async () => {
    const lease = await client.leases.create(ctx);
    const leased = client.withLease(lease.id);
    try {
      const data = Buffer.alloc(5 * (1 << 20) + 123);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
      const digest = sha256(data);
      const res = await leased.content.writeBlob(ctx, 'test-ref-1', data, { expected: digest, labels: { 'berth.test': 'x' } });
      assert.deepEqual(res, { digest, size: data.length });
      assert.deepEqual(await client.leases.listResources(ctx, lease.id), [{ id: digest, type: 'content' }]);

      const info = await client.content.info(ctx, digest);
      assert.equal(info.size, data.length);
      assert.deepEqual(info.labels, { 'berth.test': 'x' });
      assert.ok((await client.content.list(ctx)).some((i) => i.digest === digest));

      assert.ok((await client.content.readAll(ctx, digest)).equals(data));
      const parts: Buffer[] = [];
      for await (const b of client.content.read(ctx, digest, { offset: 100, size: 2 << 20 })) parts.push(b as Buffer);
      assert.ok(Buffer.concat(parts).equals(data.subarray(100, 100 + (2 << 20))));

      // Writing it again is a no-op; a stream works too.
      assert.deepEqual(await leased.content.writeBlob(ctx, 'test-ref-2', data, { expected: digest }), res);
      const small = Buffer.from('hello berth\n');
      const fromStream = await leased.content.writeBlob(ctx, 'test-ref-3', Readable.from([small.subarray(0, 5), small.subarray(5)]), {
        expected: sha256(small),
        size: small.length,
      });
      assert.equal(fromStream.size, small.length);
      assert.equal((await client.content.readAll(ctx, sha256(small))).toString(), 'hello berth\n');

      // Content that does not match its digest never becomes visible.
      const wrong = `sha256:${'1'.repeat(64)}`;
      const err = await leased.content.writeBlob(ctx, 'test-ref-4', Buffer.from('nope'), { expected: wrong }).catch((e) => e);
      assert.equal(kindOf(err), 'conflict');
      assert.match((err as Error).message, /unexpected commit digest/);
      assert.equal(kindOf(await client.content.info(ctx, wrong).catch((e) => e)), 'notFound');
      await client.content.abort(ctx, 'test-ref-4').catch(() => {});

      await client.content.delete(ctx, digest);
      assert.equal(kindOf(await client.content.info(ctx, digest).catch((e) => e)), 'notFound');
      const readErr = await client.content.readAll(ctx, digest).catch((e) => e);
      assert.equal(kindOf(readErr), 'notFound');
      // An error that arrives before the stream is consumed is not lost.
      const late = client.content.read(ctx, digest);
      await sleep(100);
      await assert.rejects(
        async () => {
          for await (const _ of late) assert.fail('no data expected');
        },
        (e: unknown) => kindOf(e) === 'notFound',
      );
    } finally {
      await client.leases.delete(ctx, lease.id);
    }
  });

  test('images: create, get, list, update, delete', async () => {
    const blob = Buffer.from('{"schemaVersion":2}');
    const lease = await client.leases.create(ctx);
    try {
      const target = { media_type: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(blob), size: blob.length };
      await client.withLease(lease.id).content.writeBlob(ctx, 'img-ref', blob, { expected: target.digest });
      const created = await client.images.create(ctx, { name: 'docker.io/library/berth-test:latest', target, labels: { a: '1' } });
      assert.equal(created.target?.digest, target.digest);
      assert.ok(created.created_at && created.created_at.seconds > 0);
      assert.equal(kindOf(await client.images.create(ctx, { name: created.name, target }).catch((e) => e)), 'conflict');
      assert.equal((await client.images.get(ctx, created.name)).target?.size, blob.length);
      assert.equal((await client.images.list(ctx, [`name==${created.name}`])).length, 1);
      const updated = await client.images.update(ctx, { name: created.name, target, labels: { a: '2' } }, ['labels']);
      assert.deepEqual(updated.labels, { a: '2' });
      await client.images.delete(ctx, created.name, { sync: true });
      assert.equal(kindOf(await client.images.get(ctx, created.name).catch((e) => e)), 'notFound');
    } finally {
      await client.leases.delete(ctx, lease.id);
    }
  });

  test('snapshots and diff: prepare, commit, diff, apply, stat, list, remove', async () => {
    const sn = 'overlayfs';
    const lease = await client.leases.create(ctx);
    const leased = client.withLease(lease.id);
    try {
      const baseMounts = await leased.snapshots.prepare(ctx, sn, 'base-active');
      assert.ok(baseMounts.length > 0);
      await leased.snapshots.commit(ctx, sn, 'base', 'base-active');
      assert.equal((await client.snapshots.stat(ctx, sn, 'base')).kind, 'COMMITTED');
      const upper = await leased.snapshots.prepare(ctx, sn, 'upper', 'base');
      assert.equal((await client.snapshots.stat(ctx, sn, 'upper')).parent, 'base');
      assert.deepEqual(await client.snapshots.mounts(ctx, sn, 'upper'), upper);
      const lower = await leased.snapshots.view(ctx, sn, 'base-view', 'base');
      const layer = await leased.diff.diff(ctx, lower, upper, { ref: 'diff-ref' });
      assert.match(layer.digest, /^sha256:/);
      assert.equal(layer.media_type, 'application/vnd.oci.image.layer.v1.tar+gzip');
      const target = await leased.snapshots.prepare(ctx, sn, 'apply-target');
      const applied = await leased.diff.apply(ctx, layer, target);
      assert.equal(applied.media_type, 'application/vnd.oci.image.layer.v1.tar');
      const names = (await client.snapshots.list(ctx, sn)).map((s) => s.name).sort();
      assert.deepEqual(names, ['apply-target', 'base', 'base-view', 'upper']);
      assert.equal(kindOf(await client.snapshots.prepare(ctx, sn, 'upper', 'base').catch((e) => e)), 'conflict');
      assert.equal(kindOf(await client.snapshots.stat(ctx, sn, 'missing').catch((e) => e)), 'notFound');
      for (const k of ['apply-target', 'base-view', 'upper', 'base']) await client.snapshots.remove(ctx, sn, k);
      assert.deepEqual(await client.snapshots.list(ctx, sn), []);
    } finally {
      await client.leases.delete(ctx, lease.id);
    }
  });

  test('containers and tasks: run to exit with events, exec, kill, cancel a wait, metrics', async () => {
    const events: EventMessage[] = [];
    const evAc = new AbortController();
    const sub = client.events.subscribe({ ...ctx, signal: evAc.signal }, [`namespace==${NS},topic~="|^/tasks/|"`]);
    const collecting = (async () => {
      for await (const e of sub) events.push(e);
    })();
    collecting.catch(() => {}); // awaited below; a failure must not become an unhandled rejection
    try {
      // 1. A task that exits 3.
      await client.containers.create(ctx, {
        id: 'c-exit',
        labels: { 'berth.test': '1' },
        runtime: { name: 'io.containerd.runc.v2' },
        spec: packJson(SPEC_TYPE_URL, hostSpec(['/bin/sh', '-c', 'exit 3'])),
      });
      assert.equal((await client.containers.get(ctx, 'c-exit')).runtime?.name, 'io.containerd.runc.v2');
      assert.equal((await client.containers.list(ctx, ['labels."berth.test"==1'])).length, 1);
      const { pid } = await client.tasks.create(ctx, { container_id: 'c-exit', rootfs: HOST_ROOTFS, options: runcOptions() });
      assert.ok(pid > 0);
      assert.equal((await client.tasks.get(ctx, 'c-exit')).status, 'CREATED');
      const waiting = client.tasks.wait(ctx, 'c-exit');
      assert.equal(await client.tasks.start(ctx, 'c-exit'), pid);
      const exit = await waiting;
      assert.equal(exit.exit_status, 3);
      assert.equal((await client.tasks.get(ctx, 'c-exit')).status, 'STOPPED');
      const deleted = await client.tasks.delete(ctx, 'c-exit');
      assert.equal(deleted.exit_status, 3);
      await client.containers.delete(ctx, 'c-exit');
      assert.equal(kindOf(await client.containers.get(ctx, 'c-exit').catch((e) => e)), 'notFound');

      // 2. A long-running task: exec, pids, metrics, cancelled wait, kill.
      await client.containers.create(ctx, {
        id: 'c-long',
        runtime: { name: 'io.containerd.runc.v2' },
        spec: packJson(SPEC_TYPE_URL, hostSpec(['/bin/sleep', '30'])),
      });
      await client.tasks.create(ctx, { container_id: 'c-long', rootfs: HOST_ROOTFS, options: runcOptions() });
      await client.tasks.start(ctx, 'c-long');

      const proc = { terminal: false, user: { uid: 0, gid: 0 }, args: ['/bin/sh', '-c', 'exit 5'], env: ['PATH=/bin'], cwd: '/' };
      await client.tasks.exec(ctx, { container_id: 'c-long', exec_id: 'e1', spec: packJson(PROCESS_TYPE_URL, proc) });
      const execWait = client.tasks.wait(ctx, 'c-long', 'e1');
      await client.tasks.start(ctx, 'c-long', 'e1');
      assert.equal((await execWait).exit_status, 5);
      assert.equal((await client.tasks.deleteProcess(ctx, 'c-long', 'e1')).exit_status, 5);

      assert.ok((await client.tasks.pids(ctx, 'c-long')).length >= 1);
      const [metric] = await client.tasks.metrics(ctx, ['id==c-long']);
      assert.ok(metric?.data);
      assert.ok([CGROUPS_V1_METRICS_TYPE_URL, CGROUPS_V2_METRICS_TYPE_URL].includes(metric.data.type_url), metric.data.type_url);
      const stats = decodeAny(metric.data) as { pids: { current: number } | null };
      assert.ok(stats.pids && stats.pids.current >= 1);

      const ac = new AbortController();
      const cancelled = client.tasks.wait({ ...ctx, signal: ac.signal }, 'c-long');
      setTimeout(() => ac.abort(), 50);
      assert.equal(kindOf(await cancelled.catch((e) => e)), 'cancelled');
      assert.equal(kindOf(await client.tasks.wait({ ...ctx, signal: AbortSignal.timeout(50) }, 'c-long').catch((e) => e)), 'deadline');
      // containerd 1.6 reports "cannot delete a running process" as UNKNOWN (the shim drops the kind).
      await assert.rejects(client.tasks.delete(ctx, 'c-long'), /cannot delete a running process/);
      assert.equal((await client.tasks.get(ctx, 'c-long')).status, 'RUNNING');

      await client.tasks.kill(ctx, 'c-long', 'SIGKILL');
      assert.equal((await client.tasks.wait(ctx, 'c-long')).exit_status, 137);
      await client.tasks.delete(ctx, 'c-long');
      assert.equal(kindOf(await client.tasks.kill(ctx, 'c-long', 'SIGTERM').catch((e) => e)), 'notFound');
      await client.containers.delete(ctx, 'c-long');

      await waitFor('the TaskDelete event of c-long', () =>
        events.some((e) => e.payload.type === 'TaskDelete' && e.payload.event.container_id === 'c-long') || undefined,
      );
      evAc.abort();
      await collecting; // ends quietly on abort
      const exitEvent = events.find((e) => e.payload.type === 'TaskExit' && e.payload.event.container_id === 'c-exit');
      assert.ok(exitEvent && exitEvent.payload.type === 'TaskExit');
      assert.equal(exitEvent.topic, '/tasks/exit');
      assert.equal(exitEvent.namespace, NS);
      assert.equal(exitEvent.payload.event.exit_status, 3);
      const types = new Set<string>(events.map((e) => e.payload.type));
      for (const t of ['TaskCreate', 'TaskStart', 'TaskExit', 'TaskDelete', 'TaskExecAdded', 'TaskExecStarted']) {
        assert.ok(types.has(t), `saw ${t}; got ${[...types].join(', ')}`);
      }
    } finally {
      evAc.abort();
    }
  });

  test('a killed containerd is restarted (adopted process, then own child) and the client answers again', async () => {
    const s = sup!;
    // An event subscription fails with `unavailable` when containerd goes away.
    const sub = client.events.subscribe(ctx, [`namespace==${NS}`]);
    const subEnded = (async () => {
      for await (const _ of sub) {
        /* no events expected */
      }
    })().then(
      () => 'ended',
      (e: unknown) => kindOf(e),
    );
    for (let round = 0; round < 2; round++) {
      const old = s.pid!;
      const restarted = new Promise<number>((resolve) => {
        const off = s.onRestart((p) => {
          off();
          resolve(p);
        });
      });
      process.kill(old, 'SIGKILL');
      // The supervisor's timers do not keep the process alive; this one does (and bounds the wait).
      const pid = await withDeadline(restarted, 10_000, 'the restart of containerd');
      assert.notEqual(pid, old);
      assert.equal(s.pid, pid);
      assert.ok(alive(pid));
      assert.equal(Number((await readFile(cfg.pidfile, 'utf8')).trim()), pid);
      await client.ready(ctx, 5_000);
      assert.match((await client.version(ctx)).version, /^1\.6\./);
      if (round === 0) assert.equal(await subEnded, 'unavailable');
    }
  });

  test('stop() terminates containerd and removes the pidfile; calls then fail unavailable', async () => {
    const s = sup!;
    const pid = s.pid!;
    await s.stop(ctx);
    assert.equal(s.pid, undefined);
    assert.ok(!alive(pid), 'containerd is gone');
    assert.ok(!existsSync(cfg.pidfile));
    const err = await client.version(withTimeoutCtx(2_000)).catch((e) => e);
    assert.equal(kindOf(err), 'unavailable');
    sup = undefined;
  });
});

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function withTimeoutCtx(ms: number): Ctx {
  return { ...ctx, signal: AbortSignal.timeout(ms) };
}
