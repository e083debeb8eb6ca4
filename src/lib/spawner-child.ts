/**
 * The spawner's child (see spawner.ts): runs each requested program as nodeExec.run would and
 * answers with its exit, output and spawn error. It lives as long as its IPC channel: berthd
 * exiting (or being killed) closes the channel and ends it; signals sent to the process group
 * (Ctrl-C on a foreground berthd) do not, so a daemon shutting down can still run its cleanup.
 */
import { spawn } from 'node:child_process';
import type { SpawnRequest, SpawnReply, SpawnCancel } from './spawner.js';

const running = new Map<number, AbortController>();

function runOne(m: SpawnRequest): void {
  const ac = new AbortController();
  running.set(m.id, ac);
  const signal = AbortSignal.any([ac.signal, AbortSignal.timeout(m.timeoutMs)]);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let spawnError: Error | undefined;
  const reply = (r: Omit<SpawnReply, 'id'>) => {
    running.delete(m.id);
    process.send?.({ id: m.id, ...r } satisfies SpawnReply);
  };
  let child;
  try {
    child = spawn(m.bin, m.argv, { env: m.env ?? process.env, cwd: m.cwd, stdio: ['pipe', 'pipe', 'pipe'], signal, killSignal: 'SIGKILL' });
  } catch (e) {
    // argv that spawn refuses outright (a NUL byte, say): as nodeExec.run would throw it
    reply({ code: null, signal: null, stdout: '', stderr: '', error: { message: (e as Error).message, code: (e as NodeJS.ErrnoException).code ?? 'EINVAL' } });
    return;
  }
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.on('error', (e) => (spawnError = e));
  child.stdin.on('error', () => {});
  child.stdin.end(m.input === undefined ? '' : Buffer.from(m.input));
  child.on('close', (code, sig) =>
    reply({
      code,
      signal: sig,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
      error: spawnError ? { message: spawnError.message, code: (spawnError as NodeJS.ErrnoException).code } : undefined,
    }),
  );
}

process.on('message', (m: SpawnRequest | SpawnCancel) => {
  if ('cancel' in m) running.get(m.id)?.abort();
  else runOne(m);
});
process.on('disconnect', () => process.exit(0));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});
