/**
 * Helpers for the log driver tests (not a test file itself).
 */
import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry, LogMessage, ReadOptions, LogReader } from './driver.js';

export async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** 2026-11-29T17:57:35Z in epoch nanoseconds. */
export const T0 = 1_795_975_055n * 1_000_000_000n;
export const SEC = 1_000_000_000n;

export function msg(line: string, i = 0, extra: Partial<LogMessage> = {}): LogMessage {
  const timeNano = T0 + BigInt(i) * SEC + 123_456_789n;
  return { stream: 'stdout', line: Buffer.from(line), time: new Date(Number(timeNano / 1_000_000n)), timeNano, ...extra };
}

/** Reads everything (no follow). */
export async function readAll(r: LogReader, opts: Partial<ReadOptions> = {}): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of r.read({ follow: false, signal: new AbortController().signal, ...opts })) out.push(e);
  return out;
}

export const lines = (es: LogEntry[]) => es.map((e) => e.line.toString());

/**
 * Follows in the background; `until(n)` resolves once n entries arrived (or rejects after
 * timeoutMs); `stop()` aborts and waits for the iteration to end.
 */
export function follower(r: LogReader, opts: Partial<ReadOptions> = {}) {
  const ac = new AbortController();
  const got: LogEntry[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  const done = (async () => {
    for await (const e of r.read({ follow: true, signal: ac.signal, ...opts })) {
      got.push(e);
      waiters = waiters.filter((w) => (got.length >= w.n ? (w.resolve(), false) : true));
    }
  })();
  return {
    got,
    done,
    until(n: number, timeoutMs = 5000): Promise<void> {
      if (got.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out with ${got.length}/${n} entries: ${JSON.stringify(lines(got))}`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    async stop(): Promise<void> {
      ac.abort();
      await done;
    },
  };
}
