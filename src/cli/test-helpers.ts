/**
 * Helpers for the CLI's tests. tsc does not copy testdata/, so tests read golden files from the
 * source tree: dist/src/cli/x -> src/cli/x.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { EventEmitter } from 'node:events';
import { Readable, type Duplex } from 'node:stream';
import type { SignalSource } from './io.js';
import { fileURLToPath } from 'node:url';

/** The `testdata` folder beside the source of the test module `importMetaUrl`. */
export function testdataDir(importMetaUrl: string): string {
  const dir = dirname(fileURLToPath(importMetaUrl));
  const marker = `${sep}dist${sep}src${sep}`;
  const i = dir.lastIndexOf(marker);
  const srcDir = i >= 0 ? dir.slice(0, i) + `${sep}src${sep}` + dir.slice(i + marker.length) : dir;
  return join(srcDir, 'testdata');
}

export interface GoldenCase {
  name: string;
  sections: Record<string, string>;
}

/**
 * Parses a golden file of cases: `=== <name>` starts a case, `--- <section>` a section; each
 * section's text runs to the next marker, without its final newline.
 */
export function parseGolden(text: string): GoldenCase[] {
  const cases: GoldenCase[] = [];
  let cur: GoldenCase | undefined;
  let section: string | undefined;
  let buf: string[] = [];
  const close = () => {
    if (cur && section !== undefined) cur.sections[section] = buf.join('\n');
    buf = [];
  };
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const c = /^=== (.+)$/.exec(line);
    const s = /^--- (\S+)$/.exec(line);
    if (c) {
      close();
      cur = { name: c[1]!, sections: {} };
      section = undefined;
      cases.push(cur);
    } else if (s && cur) {
      close();
      section = s[1]!;
    } else buf.push(line);
  }
  close();
  return cases;
}

/** One request as the fake engine saw it. */
export interface SeenRequest {
  method: string;
  /** Path without the /vX.Y prefix and query. */
  path: string;
  /** The full request line target (with version prefix and query). */
  url: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Hijacked requests: the HTTP body (exec start's JSON); `body` is then the client's stream. */
  requestBody?: Buffer;
}

export type FakeHandler = (req: SeenRequest, res: http.ServerResponse) => void | Promise<void>;
/**
 * A hijacked route: the handler gets the upgraded socket after the fake has answered
 * `101 UPGRADED` with `contentType`. `seen.body` collects what the client writes until it
 * half-closes (the stdin of an attach or exec).
 */
export type UpgradeHandler = (req: SeenRequest, socket: Duplex) => void | Promise<void>;
export type RawHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/**
 * A fake Engine API on a temp unix socket: answers /_ping with Api-Version, routes
 * "METHOD /path" (path without the version prefix; a trailing `*` matches any rest) to
 * handlers, records every request with its body, and answers 404 "page not found" otherwise.
 */
export class FakeEngine {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-fake-engine-'));
  readonly socket = join(this.dir, 'engine.sock');
  readonly seen: SeenRequest[] = [];
  apiVersion = '1.44';
  private readonly routes: [string, string, FakeHandler | RawHandler, boolean][] = [];
  private readonly upgrades: [string, string, UpgradeHandler, string][] = [];
  private readonly hijacked = new Set<Duplex>();
  private readonly server = http
    .createServer((req, res) => void this.handle(req, res))
    .on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head));

  /** Adds a route; `path` may end in `*`. */
  on(method: string, path: string, handler: FakeHandler): this {
    this.routes.push([method, path, handler, false]);
    return this;
  }

  /** Adds a route that gets the request as it arrives (the body unread; recorded without it). */
  onRaw(method: string, path: string, handler: RawHandler): this {
    this.routes.push([method, path, handler, true]);
    return this;
  }

  /** Adds a hijacked route (attach, exec start); `path` may end in `*`. */
  onUpgrade(method: string, path: string, handler: UpgradeHandler, contentType = 'application/vnd.docker.raw-stream'): this {
    this.upgrades.push([method, path, handler, contentType]);
    return this;
  }

  /** Adds a route answering JSON (`\n`-terminated, as Go's encoder). */
  json(method: string, path: string, body: unknown, status = 200): this {
    return this.on(method, path, (_req, res) => {
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body) + '\n');
    });
  }

  /** Adds a route answering a daemon error `{"message": …}`. */
  error(method: string, path: string, status: number, message: string): this {
    return this.json(method, path, { message }, status);
  }

  /** Forgets the routes and the recorded requests. */
  reset(): void {
    this.routes.length = 0;
    this.upgrades.length = 0;
    this.seen.length = 0;
  }

  /** The recorded requests other than pings, as "METHOD /path?query". */
  get calls(): string[] {
    return this.seen.filter((r) => r.path !== '/_ping').map((r) => `${r.method} ${r.url.replace(/^\/v[0-9.]+/, '')}`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://x');
    const path = decodeURIComponent(url.pathname.replace(/^\/v[0-9.]+\//, '/'));
    const route = this.routes.find(([m, p]) => m === req.method && (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : p === path));
    const chunks: Buffer[] = [];
    if (!route?.[3]) for await (const c of req) chunks.push(c as Buffer);
    const seen: SeenRequest = { method: req.method!, path, url: req.url!, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
    this.seen.push(seen);
    res.setHeader('Api-Version', this.apiVersion);
    res.setHeader('Ostype', 'linux');
    if (path === '/_ping') {
      res.end(req.method === 'GET' ? 'OK' : undefined);
      return;
    }
    if (!route) {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'application/json');
      res.end('{"message":"page not found"}\n');
      return;
    }
    try {
      if (route[3]) await (route[2] as RawHandler)(req, res);
      else await (route[2] as FakeHandler)(seen, res);
    } catch (e) {
      res.statusCode = 500;
      res.end(JSON.stringify({ message: String(e) }));
    }
  }

  private async handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url!, 'http://x');
    const path = decodeURIComponent(url.pathname.replace(/^\/v[0-9.]+\//, '/'));
    const route = this.upgrades.find(([m, p]) => m === req.method && (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : p === path));
    const seen: SeenRequest = { method: req.method!, path, url: req.url!, query: url.searchParams, headers: req.headers, body: Buffer.alloc(0) };
    this.seen.push(seen);
    this.hijacked.add(socket);
    socket.once('close', () => this.hijacked.delete(socket));
    // a client that goes away mid-stream (a detach) is not the fake's failure
    socket.on('error', () => {});
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 29\r\n\r\n{"message":"page not found"}\n');
      return;
    }
    // the request body (exec start's JSON) comes first; what follows is the client's stream
    let pending = head;
    const bodyLength = Number(req.headers['content-length'] ?? 0);
    while (pending.length < bodyLength) {
      const chunk = await new Promise<Buffer | null>((r) => {
        const onData = (c: Buffer) => {
          socket.off('end', onEnd);
          socket.pause();
          r(c);
        };
        const onEnd = () => {
          socket.off('data', onData);
          r(null);
        };
        socket.once('data', onData);
        socket.once('end', onEnd);
        socket.resume();
      });
      if (!chunk) break;
      pending = Buffer.concat([pending, chunk]);
    }
    seen.requestBody = pending.subarray(0, bodyLength);
    const rest = pending.subarray(bodyLength);
    if (rest.length) socket.unshift(rest);
    socket.on('data', (c: Buffer) => {
      seen.body = Buffer.concat([seen.body, c]);
    });
    socket.resume();
    socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${route[3]}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    try {
      await route[2](seen, socket);
    } catch {
      socket.destroy();
    }
  }

  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.socket, r));
  }

  get host(): string {
    return `unix://${this.socket}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    for (const s of this.hijacked) s.destroy();
    await new Promise((r) => this.server.close(r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A collecting output stream. */
export class Collector {
  private readonly chunks: Buffer[] = [];
  constructor(
    readonly isTTY = false,
    readonly columns?: number,
    readonly rows?: number,
  ) {}
  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(Buffer.from(chunk));
    return true;
  }
  get buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
  get text(): string {
    return this.buffer.toString('utf8');
  }
}

export interface RunOptions {
  /** Daemon address (DOCKER_HOST). */
  host?: string;
  env?: Record<string, string>;
  /** Bytes (or a stream) on stdin (none: an empty, non-tty stdin). */
  stdin?: string | Buffer | Readable;
  stdinTTY?: boolean;
  stdoutTTY?: boolean;
  columns?: number;
  /** Terminal rows of a tty stdout. */
  rows?: number;
  now?: Date;
  /** Signals the run sees (default: none are delivered). */
  signals?: SignalSource;
  /** Working directory for the run (process.chdir around it). */
  cwd?: string;
}



export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes (tar output). */
  out: Buffer;
  /** setRawMode calls on a terminal stdin, in order. */
  rawModes: boolean[];
}

/** Runs the CLI in-process (main()) with collected output and a config dir that does not exist. */
export async function runCli(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const { main } = await import('./main.js');
  const stdout = new Collector(opts.stdoutTTY ?? false, opts.columns, opts.rows);
  const stderr = new Collector();
  const stdin = (
    opts.stdin instanceof Readable ? opts.stdin : Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)])
  ) as Readable & { isTTY?: boolean };
  stdin.isTTY = opts.stdinTTY ?? false;
  const rawModes: boolean[] = [];
  if (stdin.isTTY) (stdin as Readable & { setRawMode?: (m: boolean) => void }).setRawMode = (m: boolean) => void rawModes.push(m);
  const env: Record<string, string> = { DOCKER_CONFIG: join(tmpdir(), 'berth-no-such-config-dir'), ...opts.env };
  if (opts.host) env['DOCKER_HOST'] = opts.host;
  const now = opts.now;
  const signals = opts.signals ?? new EventEmitter();
  const cwd = process.cwd();
  if (opts.cwd) process.chdir(opts.cwd);
  let code: number;
  try {
    code = await main(argv, { stdout, stderr, stdin, env, now: now ? () => now : undefined, signals });
  } finally {
    if (opts.cwd) process.chdir(cwd);
  }
  return { code, stdout: stdout.text, stderr: stderr.text, out: stdout.buffer, rawModes };
}
