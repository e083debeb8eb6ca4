/**
 * What run, start, attach and exec share (docker's tty.go, signals.go, utils.go, attach.go):
 *
 *   ttySize / resizeTty / monitorTtySize   the terminal's size sent as `resize?h=&w=` at start
 *                                          (retried 10 times, then "failed to resize tty,
 *                                          using default size") and on every SIGWINCH
 *   forwardSignals                         --sig-proxy: signals become POST /containers/{id}/kill
 *   waitExitOrRemoved                      POST /containers/{id}/wait?condition=next-exit|removed,
 *                                          resolved once the daemon sent the headers (so start
 *                                          can follow), with the status as a promise
 *   attachContainer                        POST /containers/{id}/attach (hijacked)
 *   logrusLine                             a logrus text line, as docker logs its own errors
 */
import type { Duplex } from 'node:stream';
import type { ContainerWaitResponse } from '../../../api/types/index.js';
import { escapePath } from '../../../client/index.js';
import { messageOf } from '../../../lib/index.js';
import type { Cli } from '../../cli.js';
import { formatRFC3339 } from '../../format/gotime.js';
import type { OutputStream } from '../../io.js';

/** Out.GetTtySize: [height, width] of a terminal stdout, [0, 0] otherwise. */
export function ttySize(out: OutputStream): [number, number] {
  if (!out.isTTY) return [0, 0];
  if (out.getWindowSize) {
    try {
      const [cols, rows] = out.getWindowSize();
      return [rows, cols];
    } catch {
      return [0, 0];
    }
  }
  return [out.rows ?? 0, out.columns ?? 0];
}

/** resizeTtyTo: POST …/resize?h=&w= (nothing for 0x0). */
export async function resizeTtyTo(cli: Cli, id: string, height: number, width: number, isExec: boolean): Promise<void> {
  if (height === 0 && width === 0) return;
  const base = isExec ? `/exec/${escapePath(id)}` : `/containers/${escapePath(id)}`;
  await cli.client.post(`${base}/resize`, { query: { h: String(height), w: String(width) } });
}

/** resizeTty with the current size of stdout. */
export function resizeTty(cli: Cli, id: string, isExec: boolean): Promise<void> {
  const [h, w] = ttySize(cli.out);
  return resizeTtyTo(cli, id, h, w, isExec);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** MonitorTtySize: sizes the tty now and on SIGWINCH; the result stops watching. */
export function monitorTtySize(cli: Cli, id: string, isExec: boolean): () => void {
  const first = resizeTty(cli, id, isExec).catch(async () => {
    for (let retry = 0; retry < 10; retry++) {
      await sleep((retry + 1) * 10);
      try {
        await resizeTty(cli, id, isExec);
        return;
      } catch {
        // retried
      }
    }
    cli.err.write('failed to resize tty, using default size\n');
  });
  void first;
  const onWinch = () => void resizeTty(cli, id, isExec).catch(() => {});
  cli.signals.on('SIGWINCH', onWinch);
  return () => cli.signals.off('SIGWINCH', onWinch);
}

/** The signals Berth proxies (docker's Notify of all signals, minus what Node reserves). */
export const PROXIED_SIGNALS: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR2', 'SIGWINCH'];

/** ForwardAllSignals: each signal becomes `kill?signal=<NAME>`; the result stops it. */
export function forwardSignals(cli: Cli, id: string): () => void {
  const handler = (sig: NodeJS.Signals) => {
    void cli.client.post(`/containers/${escapePath(id)}/kill`, { query: { signal: sig.replace(/^SIG/, '') } }).catch(() => {});
  };
  for (const s of PROXIED_SIGNALS) cli.signals.on(s, handler);
  return () => {
    for (const s of PROXIED_SIGNALS) cli.signals.off(s, handler);
  };
}

/** A logrus text-formatter line ("time=… level=error msg=…") on stderr, as docker logs. */
export function logrusLine(cli: Cli, level: string, msg: string): void {
  const quoted = /^[A-Za-z0-9\-._/@^+]+$/.test(msg) ? msg : JSON.stringify(msg);
  cli.err.write(`time="${formatRFC3339(Math.floor(cli.now().getTime() / 1000))}" level=${level} msg=${quoted}\n`);
}

export interface PendingWait {
  /** The exit status: the container's, or 125 when the wait failed (logged as docker does). */
  status: Promise<number>;
  /** Drops the wait (docker cancels its context). */
  cancel(): void;
}

/** The raw wait call: resolves when the headers are in; `result` settles with the body. */
export async function containerWait(
  cli: Cli,
  id: string,
  condition: '' | 'next-exit' | 'removed' | 'not-running',
): Promise<{ result: Promise<ContainerWaitResponse>; cancel(): void }> {
  const ctl = new AbortController();
  const res = await cli.client.request('POST', `/containers/${escapePath(id)}/wait`, {
    query: { condition: condition || undefined },
    signal: ctl.signal,
  });
  const result = (async () => {
    const chunks: Buffer[] = [];
    for await (const c of res.body as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return JSON.parse(text) as ContainerWaitResponse;
    } catch {
      // compat: the daemon (or a proxy) wrote something else than JSON after the headers
      throw new Error(text.slice(0, 2048));
    }
  })();
  result.catch(() => {});
  return {
    result,
    cancel: () => {
      ctl.abort();
      res.body.destroy();
    },
  };
}

/**
 * waitExitOrRemoved (API >= 1.30). Never throws: a wait the daemon refuses is logged
 * ("error waiting for container: …") and stands for status 125, as in docker.
 */
export async function waitExitOrRemoved(cli: Cli, id: string, waitRemove: boolean): Promise<PendingWait> {
  let waited;
  try {
    waited = await containerWait(cli, id, waitRemove ? 'removed' : 'next-exit');
  } catch (e) {
    logrusLine(cli, 'error', `error waiting for container: ${cli.errorText(e)}`);
    return { status: Promise.resolve(125), cancel: () => {} };
  }
  const { result, cancel } = waited;
  let cancelled = false;
  const status = result.then(
    (r) => {
      if (r.Error) {
        logrusLine(cli, 'error', `Error waiting for container: ${r.Error.Message}`);
        return 125;
      }
      return r.StatusCode;
    },
    (e: unknown) => {
      if (cancelled) return 125;
      logrusLine(cli, 'error', `error waiting for container: ${messageOf(e)}`);
      return 125;
    },
  );
  return {
    status,
    cancel: () => {
      cancelled = true;
      cancel();
    },
  };
}

export interface AttachQuery {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys: string;
}

/** ContainerAttach: the hijacked connection of POST /containers/{id}/attach?stream=1&…. */
export async function attachContainer(cli: Cli, id: string, q: AttachQuery): Promise<Duplex> {
  const { socket } = await cli.client.hijack('POST', `/containers/${escapePath(id)}/attach`, {
    query: { stream: true, stdin: q.stdin, stdout: q.stdout, stderr: q.stderr, detachKeys: q.detachKeys || undefined },
    headers: { 'Content-Type': 'text/plain' },
  });
  return socket;
}

/**
 * parallelOperation + docker's report: runs `op` for every name (at most 50 at once), prints
 * each success (the name as given) in argument order, and returns the failures' texts.
 */
export async function forEachContainer(
  cli: Cli,
  names: readonly string[],
  op: (name: string) => Promise<void>,
  onError?: (name: string, err: unknown) => boolean,
): Promise<string[]> {
  const results: Promise<unknown>[] = [];
  let active = 0;
  const queue: (() => void)[] = [];
  const limit = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= 50) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
  for (const n of names) results.push(limit(() => op(n)).then(() => undefined, (e: unknown) => ({ error: e })));
  const errs: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const r = (await results[i]) as { error: unknown } | undefined;
    if (r) {
      if (onError?.(names[i]!, r.error)) continue;
      errs.push(cli.errorText(r.error));
      continue;
    }
    cli.out.write(`${names[i]}\n`);
  }
  return errs;
}

/** Empty names fail in docker's client before any request ("invalid container name or ID: value is empty"). */
export function checkName(name: string): string {
  const id = name.trim();
  if (id === '') throw new Error('invalid container name or ID: value is empty');
  return id;
}
