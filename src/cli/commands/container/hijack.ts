/**
 * docker's hijackedIOStreamer (cli/command/container/hijack.go): pumps a hijacked attach or
 * exec connection.
 *
 *   output  daemon -> client: raw bytes to stdout when the container has a tty, otherwise
 *           stdcopy frames demultiplexed to stdout (1) and stderr (2); a systemerr frame (3)
 *           ends the stream with "error from daemon in stream: <text>"
 *   input   client stdin -> daemon, bytes unchanged; when stdin ends the connection is
 *           half-closed (the container sees EOF) and output keeps flowing. Without stdin
 *           the half-close happens at once, as docker's CloseWrite right after the 101.
 *   tty     with stdin and a tty: the terminal goes raw for the session (unless $NORAW) and
 *           is restored as soon as either side ends; the input passes through docker's
 *           escape proxy, which swallows the detach keys (default ctrl-p,ctrl-q) and ends
 *           the session with EscapeError ("read escape sequence") without half-closing.
 *
 * stream() resolves when the output ends (or, without output, when the input does), and
 * rejects with EscapeError on a detach, or with the output's error. It never leaves a
 * listener on stdin behind, so the process can exit afterwards.
 */
import { spawnSync } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type { InputStream, OutputStream } from '../../io.js';
import { copyRawBody, copyStdcopy } from './output.js';

/** The default detach keys: ctrl-p, ctrl-q. */
export const DEFAULT_ESCAPE_KEYS = [16, 17];

const CTRL_KEYS = [
  'ctrl-@', 'ctrl-a', 'ctrl-b', 'ctrl-c', 'ctrl-d', 'ctrl-e', 'ctrl-f', 'ctrl-g', 'ctrl-h', 'ctrl-i', 'ctrl-j',
  'ctrl-k', 'ctrl-l', 'ctrl-m', 'ctrl-n', 'ctrl-o', 'ctrl-p', 'ctrl-q', 'ctrl-r', 'ctrl-s', 'ctrl-t', 'ctrl-u',
  'ctrl-v', 'ctrl-w', 'ctrl-x', 'ctrl-y', 'ctrl-z', 'ctrl-[', 'ctrl-\\', 'ctrl-]', 'ctrl-^', 'ctrl-_',
];

/** moby/term ToBytes: "ctrl-p,ctrl-q", "a,b", "ctrl-@,DEL". Throws "Unknown character: 'x'". */
export function detachKeysToBytes(keys: string): number[] {
  const codes: number[] = [];
  for (const key of keys.split(',')) {
    if (key.length === 1) {
      codes.push(key.charCodeAt(0));
      continue;
    }
    const i = CTRL_KEYS.indexOf(key);
    if (i >= 0) codes.push(i);
    else if (key === 'DEL') codes.push(127);
    else throw new Error(`Unknown character: '${key}'`);
  }
  return codes;
}

/** moby/term's EscapeError: the user typed the detach keys. */
export class EscapeError extends Error {
  constructor() {
    super('read escape sequence');
    this.name = 'EscapeError';
  }
}

/**
 * moby/term's escape proxy as a filter: bytes of a possible escape sequence are held back
 * until they either complete it (escaped: true; nothing after it is passed on) or do not.
 */
export class EscapeProxy {
  private pos = 0;
  constructor(private readonly keys: readonly number[]) {}

  push(chunk: Buffer): { data: Buffer; escaped: boolean } {
    if (this.keys.length === 0) return { data: chunk, escaped: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.pos]) {
        this.pos++;
        if (this.pos === this.keys.length) return { data: Buffer.from(out), escaped: true };
        continue;
      }
      // compat: a mismatch releases the held bytes and the current one; it does not restart the match
      for (let i = 0; i < this.pos; i++) out.push(this.keys[i]!);
      this.pos = 0;
      out.push(b);
    }
    return { data: Buffer.from(out), escaped: false };
  }
}

export interface StreamOptions {
  conn: Duplex;
  tty: boolean;
  /** The CLI's stdin when the session attaches it. */
  stdin?: InputStream;
  stdout?: OutputStream;
  stderr?: OutputStream;
  /** --detach-keys (or the config file's detachKeys); "" is the default. */
  detachKeys: string;
  /** Environment (NORAW). */
  env: Record<string, string | undefined>;
  /** Reports a warning (invalid detach keys). */
  warn?: (msg: string) => void;
}

/**
 * compat: docker's raw terminal (cfmakeraw) also turns output processing off, so the remote
 * terminal's "\r\n" is not written as "\r\r\n"; node's raw mode keeps it on. Only for the
 * process's own terminal (fd 0).
 */
function outputPost(stdin: StreamOptions['stdin'], on: boolean): void {
  if ((stdin as { fd?: number } | undefined)?.fd !== 0) return;
  spawnSync('stty', [on ? 'opost' : '-opost'], { stdio: [0, 'ignore', 'ignore'] });
}

/** Runs one hijacked session (see the file header). */
export async function streamHijacked(o: StreamOptions): Promise<void> {
  const { conn } = o;
  let restored = true;
  const restore = () => {
    if (restored) return;
    restored = true;
    o.stdin?.setRawMode?.(false);
    outputPost(o.stdin, true);
  };
  let proxy: EscapeProxy | undefined;
  if (o.stdin && o.tty) {
    if (o.stdin.isTTY && !o.env['NORAW'] && o.stdin.setRawMode) {
      o.stdin.setRawMode(true);
      outputPost(o.stdin, false);
      restored = false;
    }
    let keys = DEFAULT_ESCAPE_KEYS;
    if (o.detachKeys !== '') {
      try {
        keys = detachKeysToBytes(o.detachKeys);
      } catch (e) {
        o.warn?.(`invalid detach escape keys, using default: ${(e as Error).message}`);
      }
    }
    proxy = new EscapeProxy(keys);
  }

  let stopInput = () => {};
  try {
    const hasOutput = o.stdout !== undefined || o.stderr !== undefined;
    const outputDone: Promise<void> | undefined = hasOutput
      ? (async () => {
          try {
            if (o.stdout && o.tty) await copyRawBody(conn, o.stdout);
            else await copyStdcopy(conn, o.stdout, o.stderr);
          } finally {
            restore();
          }
        })()
      : undefined;
    // a detach returns before the output ends; its later error (the connection closed) is moot
    outputDone?.catch(() => {});

    const inputDone = new Promise<'done' | 'detached'>((resolve) => {
      const stdin = o.stdin;
      if (!stdin) {
        conn.end();
        resolve('done');
        return;
      }
      let finished = false;
      const finish = (how: 'done' | 'detached') => {
        if (finished) return;
        finished = true;
        stdin.removeListener('data', onData);
        stdin.removeListener('end', onEnd);
        stdin.removeListener('error', onEnd);
        stdin.pause();
        restore();
        if (how === 'done' && !conn.destroyed) conn.end();
        resolve(how);
      };
      const onData = (chunk: Buffer | string) => {
        let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (proxy) {
          const r = proxy.push(data);
          if (r.data.length && !conn.destroyed) conn.write(r.data);
          if (r.escaped) finish('detached');
          return;
        }
        if (conn.destroyed) return;
        if (!conn.write(data)) {
          stdin.pause();
          conn.once('drain', () => {
            if (!finished) stdin.resume();
          });
        }
      };
      const onEnd = () => finish('done');
      stopInput = () => {
        if (finished) return;
        finished = true;
        stdin.removeListener('data', onData);
        stdin.removeListener('end', onEnd);
        stdin.removeListener('error', onEnd);
        stdin.pause();
      };
      stdin.on('data', onData);
      stdin.once('end', onEnd);
      stdin.once('error', onEnd);
      stdin.resume();
    });

    if (!outputDone) {
      // without output the session also ends when the connection goes (docker's ctx.Done)
      const closed = new Promise<'closed'>((resolve) => {
        if (conn.destroyed) resolve('closed');
        else conn.once('close', () => resolve('closed'));
      });
      if ((await Promise.race([inputDone, closed])) === 'detached') throw new EscapeError();
      return;
    }
    const first = await Promise.race([outputDone.then(() => 'output' as const), inputDone]);
    if (first === 'detached') throw new EscapeError();
    await outputDone;
  } finally {
    stopInput();
    restore();
  }
}
