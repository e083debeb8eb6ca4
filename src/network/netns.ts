/**
 * Named network namespaces of sandboxes: `<exec-root>/netns/<key>` is a bind mount of the
 * namespace (nsfs), which keeps it alive while no process is inside, and which runc is handed
 * by path (the spec's network namespace). The exec-root lives as long as the kernel state, so
 * after a reboot nothing is stale.
 *
 *   <exec-root>/netns/
 *     <sandbox id[:12]>      nsfs bind mount (`ip netns add` makes the same under /var/run/netns)
 *
 * A namespace is made with util-linux `unshare --net=<file>`, which creates it, bind-mounts it
 * on the file and execs a program inside: `ip -batch -`, so making the namespace and configuring
 * it (loopback, the container's end of its veth pair) costs one process start. iproute2's own
 * `ip netns add` only names namespaces under /var/run/netns, outside berthd's exec-root.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ExecError, mkdirp, type Ctx, type Exec } from '../lib/index.js';

export interface NetnsConfig {
  dir: string;
  unshare?: string;
  umount?: string;
}

const TIMEOUT_MS = 10_000;

export class NetnsStore {
  readonly dir: string;
  private readonly unshare: string;
  private readonly umount: string;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly exec: Exec,
    cfg: NetnsConfig,
  ) {
    this.dir = cfg.dir;
    this.unshare = cfg.unshare ?? 'unshare';
    this.umount = cfg.umount ?? 'umount';
  }

  path(key: string): string {
    return join(this.dir, key);
  }

  /**
   * Creates the namespace at path(key) and runs `argv` inside it with `input` on stdin. On
   * failure nothing is left behind; throws the ExecError of the program.
   */
  async create(ctx: Ctx, key: string, argv: readonly string[], input: string): Promise<string> {
    this.ready ??= mkdirp(this.dir, 0o700);
    await this.ready;
    const p = this.path(key);
    await fs.writeFile(p, '', { flag: 'wx', mode: 0o444 });
    try {
      await this.exec.run(ctx, this.unshare, [`--net=${p}`, ...argv], { input, timeoutMs: TIMEOUT_MS });
    } catch (e) {
      await this.remove(ctx, p).catch(() => {});
      throw e;
    }
    return p;
  }

  /**
   * Makes path(key) the namespace of another process: runs `argv` (which must bind-mount its
   * own namespace on the file, e.g. nsenter into it, then `mount --bind /proc/self/ns/net`) with
   * `input` on stdin. On failure nothing is left behind.
   */
  async adopt(ctx: Ctx, key: string, argv: readonly string[], input: string): Promise<string> {
    this.ready ??= mkdirp(this.dir, 0o700);
    await this.ready;
    const p = this.path(key);
    await fs.writeFile(p, '', { flag: 'wx', mode: 0o444 });
    try {
      await this.exec.run(ctx, argv[0]!, argv.slice(1), { input, timeoutMs: TIMEOUT_MS });
    } catch (e) {
      await this.remove(ctx, p).catch(() => {});
      throw e;
    }
    return p;
  }

  /** Unmounts and deletes a namespace file; a file that is not mounted (or gone) is fine. */
  async remove(ctx: Ctx, path: string): Promise<void> {
    try {
      await this.exec.run(ctx, this.umount, [path], { timeoutMs: TIMEOUT_MS });
    } catch (e) {
      if (!(e instanceof ExecError) || !/not mounted|no mount point|No such file|not found/i.test(e.stderr)) {
        await this.exec.run(ctx, this.umount, ['-l', path], { timeoutMs: TIMEOUT_MS }).catch(() => {});
      }
    }
    await fs.rm(path, { force: true });
  }

  /** The namespace files present (crash leftovers are among them). */
  async list(): Promise<string[]> {
    try {
      return (await fs.readdir(this.dir)).map((n) => join(this.dir, n));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
}
