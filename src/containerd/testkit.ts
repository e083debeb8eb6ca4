/**
 * A real containerd for integration tests of the layers above it (content, snapshots, images):
 * a supervisor on a temp root/state under /tmp, a client in a fresh namespace, and cleanup that
 * stops containerd, unmounts leftovers and removes the directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { background, nodeExec, nopLogger } from '../lib/index.js';
import { ContainerdClient } from './client.js';
import { ContainerdSupervisor } from './supervisor.js';

export interface TestContainerd {
  client: ContainerdClient;
  dir: string;
  cleanup(): Promise<void>;
}

export async function startTestContainerd(namespace = 'berth-test'): Promise<TestContainerd> {
  const ctx = background();
  const dir = await mkdtemp('/tmp/cdt-');
  const sup = new ContainerdSupervisor(
    { exec: nodeExec, log: nopLogger },
    {
      binary: '/usr/bin/containerd',
      root: join(dir, 'root'),
      state: join(dir, 'state'),
      address: join(dir, 'c.sock'),
      pidfile: join(dir, 'c.pid'),
      configPath: join(dir, 'c.toml'),
      logPath: join(dir, 'c.log'),
      debug: false,
    },
  );
  await sup.start(ctx);
  const client = new ContainerdClient({ address: sup.address, namespace });
  await client.ready(ctx, 20_000);
  return {
    client,
    dir,
    async cleanup() {
      client.close();
      await sup.stop(ctx).catch(() => {});
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4] ?? '')
        .filter((p) => p.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) await nodeExec.run(ctx, 'umount', ['-l', m]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
