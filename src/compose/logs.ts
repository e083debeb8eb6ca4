/**
 * Container logs as lines, for `compose logs` and attached `up`: GET /containers/{id}/logs,
 * stdcopy-demultiplexed (raw for tty containers), split into lines per stream. A partial last
 * line is delivered when the stream ends.
 */
import type { EngineClient } from '../client/index.js';
import { demuxStdcopy } from '../lib/index.js';

export interface LogOptions {
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
  since?: string;
  until?: string;
  signal?: AbortSignal;
}

export type LineFn = (stream: 'stdout' | 'stderr', line: string) => void;

/** Streams one container's log lines to `onLine`; resolves when the log ends (or is aborted). */
export async function streamLogs(client: EngineClient, id: string, tty: boolean, opts: LogOptions, onLine: LineFn): Promise<void> {
  const body = await client.stream('GET', `/containers/${id}/logs`, {
    query: { stdout: true, stderr: true, follow: opts.follow ?? false, tail: opts.tail || 'all', timestamps: opts.timestamps ?? false, since: opts.since, until: opts.until },
    signal: opts.signal,
  });
  const pending = { stdout: '', stderr: '' };
  const feed = (stream: 'stdout' | 'stderr', chunk: string) => {
    const text = pending[stream] + chunk;
    const lines = text.split('\n');
    pending[stream] = lines.pop()!;
    for (const l of lines) onLine(stream, l);
  };
  try {
    if (tty) {
      for await (const c of body as AsyncIterable<Buffer>) feed('stdout', c.toString('utf8'));
    } else {
      for await (const f of demuxStdcopy(body as AsyncIterable<Buffer>)) feed(f.stream === 2 ? 'stderr' : 'stdout', f.data.toString('utf8'));
    }
  } catch (e) {
    if (!opts.signal?.aborted) throw e;
  } finally {
    body.destroy();
  }
  for (const s of ['stdout', 'stderr'] as const) if (pending[s]) onLine(s, pending[s]);
}
