/**
 * A small volume plugin for tests: Docker's VolumeDriver protocol on a unix socket, each volume a
 * directory under `root`, mounts counted per ID. `calls` records what was asked of it.
 *
 *   const p = await startTestVolumePlugin('/run/x/plugins/testvol.sock', '/tmp/testvol');
 *   ...; await p.close();
 */
import http from 'node:http';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

export interface TestVolumePlugin {
  calls: { method: string; body: Record<string, unknown> }[];
  /** Mount IDs per volume. */
  mounts: Map<string, Set<string>>;
  close(): Promise<void>;
}

export async function startTestVolumePlugin(socketPath: string, root: string): Promise<TestVolumePlugin> {
  await fs.mkdir(root, { recursive: true });
  const created = new Map<string, { createdAt: string; opts: Record<string, string> | null }>();
  const calls: TestVolumePlugin['calls'] = [];
  const mounts = new Map<string, Set<string>>();
  const answer = async (method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const name = String(body['Name'] ?? '');
    const dir = join(root, name);
    switch (method) {
      case 'Plugin.Activate':
        return { Implements: ['VolumeDriver'] };
      case 'VolumeDriver.Capabilities':
        return { Capabilities: { Scope: 'global' } };
      case 'VolumeDriver.Create':
        if ((body['Opts'] as Record<string, string> | null)?.['fail']) return { Err: 'the test driver was told to fail' };
        await fs.mkdir(dir, { recursive: true });
        created.set(name, { createdAt: '2026-11-30T00:00:00Z', opts: (body['Opts'] as Record<string, string> | null) ?? null });
        return { Err: '' };
      case 'VolumeDriver.Get':
        return created.has(name) ? { Volume: { Name: name, Mountpoint: dir, CreatedAt: created.get(name)!.createdAt, Status: { opts: created.get(name)!.opts } }, Err: '' } : { Err: 'no such volume' };
      case 'VolumeDriver.List':
        return { Volumes: [...created.keys()].map((n) => ({ Name: n, Mountpoint: join(root, n) })), Err: '' };
      case 'VolumeDriver.Path':
        return { Mountpoint: dir, Err: '' };
      case 'VolumeDriver.Mount': {
        let s = mounts.get(name);
        if (!s) mounts.set(name, (s = new Set()));
        s.add(String(body['ID']));
        return { Mountpoint: dir, Err: '' };
      }
      case 'VolumeDriver.Unmount':
        mounts.get(name)?.delete(String(body['ID']));
        return { Err: '' };
      case 'VolumeDriver.Remove':
        if ((mounts.get(name)?.size ?? 0) > 0) return { Err: 'volume is mounted' };
        created.delete(name);
        await fs.rm(dir, { recursive: true, force: true });
        return { Err: '' };
      default:
        return { Err: `unknown method ${method}` };
    }
  };
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const method = (req.url ?? '/').slice(1);
      const text = Buffer.concat(parts).toString('utf8');
      const body = (text ? (JSON.parse(text) as Record<string, unknown> | null) : null) ?? {};
      calls.push({ method, body });
      answer(method, body).then(
        (r) => {
          res.setHeader('Content-Type', 'application/vnd.docker.plugins.v1.2+json');
          res.end(JSON.stringify(r));
        },
        (e: unknown) => {
          res.statusCode = 500;
          res.end(String(e));
        },
      );
    });
  });
  await fs.mkdir(join(socketPath, '..'), { recursive: true });
  await fs.rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  return {
    calls,
    mounts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
