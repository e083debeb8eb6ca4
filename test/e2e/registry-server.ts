/**
 * `berth registry serve` for the e2e tests: a child process on a random loopback port with its
 * own root, optionally with auth (htpasswd basic or the built-in token server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BERTH, sleep, freePort } from './harness.js';

/** `berth registry serve` as a child process on a random loopback port. */
export class TestRegistry {
  readonly dir = mkdtempSync('/tmp/be-reg-');
  readonly root = join(this.dir, 'root');
  proc: ChildProcess | undefined;
  port = 0;

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(extra: string[] = []): Promise<void> {
    if (!this.port) this.port = await freePort();
    const fd = openSync(join(this.dir, 'registry.log'), 'a');
    this.proc = spawn(process.execPath, [BERTH, 'registry', 'serve', '--addr', this.host, '--root', this.root, ...extra], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    for (let i = 0; i < 200; i++) {
      try {
        const r = await fetch(`http://${this.host}/v2/`);
        if (r.status === 200 || r.status === 401) return;
      } catch {
        /* not yet */
      }
      if (this.proc.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(`registry did not start:\n${this.log()}`);
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'registry.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  }

  async cleanup(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Starts a registry with `auth` (YAML lines under `auth:`), returns it; htpasswd has alice:s3cret. */
export async function authRegistry(authYaml: (host: string, htpasswd: string) => string): Promise<TestRegistry> {
  const { writeFileSync } = await import('node:fs');
  const bcrypt = (await import('bcryptjs')).default;
  const r = new TestRegistry();
  r.port = await freePort();
  const htpasswd = join(r.dir, 'htpasswd');
  writeFileSync(htpasswd, `alice:${bcrypt.hashSync('s3cret', 5).replace(/^\$2a\$/, '$2y$')}\n`);
  const cfg = join(r.dir, 'config.yml');
  writeFileSync(cfg, `version: 0.1\nauth:\n${authYaml(r.host, htpasswd)}\n`);
  await r.start(['--config', cfg]);
  return r;
}
