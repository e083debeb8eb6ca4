/**
 * Helpers for in-process API tests (STYLE D11): a server on a temp unix socket with fake
 * backends, and small HTTP clients (node's http for ordinary requests, raw bytes for wire
 * details). Used only by *.test.ts.
 */
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { background, createLogger, nodeExec, type Logger } from '../../lib/index.js';
import type { EventMessage, Info, VersionResponse } from '../types/index.js';
import type { Backends } from './backends.js';
import type { SystemBackend } from './routes/system.js';
import { createApiServer, type ApiServer, type ApiServerOptions } from './server.js';

export const FAKE_VERSION: VersionResponse = {
  Platform: { Name: 'Berth' },
  Components: [
    { Name: 'Engine', Version: '0.1.0', Details: { ApiVersion: 'x', MinAPIVersion: 'x', Os: 'linux' } },
    { Name: 'containerd', Version: '1.6.20', Details: { GitCommit: 'abc' } },
  ],
  Version: '0.1.0',
  ApiVersion: 'filled by the server',
  MinAPIVersion: 'filled by the server',
  GitCommit: 'deadbee',
  GoVersion: 'node20',
  Os: 'linux',
  Arch: 'amd64',
  KernelVersion: '6.1.0',
  BuildTime: '2026-01-01T00:00:00.000000000+00:00',
};

export const FAKE_INFO = { ID: 'TEST:INFO', Name: 'berth-test', ServerVersion: '0.1.0', OSType: 'linux' } as Info;

export function fakeSystem(over: Partial<SystemBackend> = {}): SystemBackend {
  return {
    version: async () => FAKE_VERSION,
    info: async () => FAKE_INFO,
    events: async function* (): AsyncGenerator<EventMessage> {},
    ...over,
  };
}

export interface TestServer {
  server: ApiServer;
  sock: string;
  dir: string;
  logs: string[];
  close(): Promise<void>;
}

/** A captured logger (JSON lines at debug) for assertions on what the server logs. */
export function captureLogger(lines: string[], level: 'debug' | 'error' = 'debug'): Logger {
  return createLogger({ level, json: true, write: (l) => lines.push(l) });
}

export async function startTestServer(
  over: Partial<Omit<ApiServerOptions, 'backends'>> & { backends?: Partial<Backends> } = {},
): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-api-'));
  const sock = join(dir, 'api.sock');
  const logs: string[] = [];
  const server = createApiServer({
    log: captureLogger(logs),
    serverHeader: 'Berth/0.1.0-test (linux)',
    experimental: false,
    ...over,
    backends: { system: fakeSystem(), ...over.backends },
  });
  await server.listen([`unix://${sock}`]);
  return {
    server,
    sock,
    dir,
    logs,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface RequestOptions {
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  agent?: http.Agent;
  /** Send the body with Transfer-Encoding: chunked, in these pieces. */
  chunks?: (string | Buffer)[];
}

/** One request over the unix socket with node's client. */
export function request(sock: string, method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: sock, method, path, headers: { Host: 'api.moby.localhost', ...opts.headers }, agent: opts.agent },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(parts).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

/** Writes raw bytes and collects everything until the server closes (or `ms` passes). */
export function rawExchange(
  connect: () => net.Socket,
  data: string | Buffer,
  ms = 3000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect();
    const parts: Buffer[] = [];
    const timer = setTimeout(() => {
      c.destroy();
      resolve(Buffer.concat(parts).toString('latin1'));
    }, ms);
    c.on('connect', () => c.write(data));
    c.on('data', (b: Buffer) => parts.push(b));
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts).toString('latin1'));
    });
  });
}

/** Reads from a socket until `predicate` holds on the bytes so far. */
export function readUntil(sock: net.Socket, predicate: (s: string) => boolean, ms = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    let acc = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out; got ${JSON.stringify(acc)}`));
    }, ms);
    const onData = (b: Buffer) => {
      acc += b.toString('latin1');
      if (predicate(acc)) {
        cleanup();
        resolve(acc);
      }
    };
    const onEnd = () => {
      cleanup();
      if (predicate(acc)) resolve(acc);
      else reject(new Error(`connection ended; got ${JSON.stringify(acc)}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      sock.pause();
      sock.removeListener('data', onData);
      sock.removeListener('end', onEnd);
    };
    sock.on('data', onData);
    sock.on('end', onEnd);
    sock.resume();
  });
}

/** Reads from a socket until the server ends it; rejects after `ms`. */
export function readToEnd(sock: net.Socket, ms = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(Buffer.concat(parts).toString('latin1'))}`)), ms);
    sock.on('data', (b: Buffer) => parts.push(b));
    sock.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts));
    });
    sock.resume();
  });
}

export interface Pki {
  dir: string;
  ca: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  /** A client certificate from another CA. */
  strangerCert: Buffer;
  strangerKey: Buffer;
}

/** A throwaway CA, a server certificate for 127.0.0.1 and two client certificates (openssl CLI). */
export async function makePki(): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-tls-'));
  const ctx = background();
  const ossl = (...args: string[]) => nodeExec.run(ctx, 'openssl', args, { cwd: dir, timeoutMs: 30_000 });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await ossl('req', '-x509', ...key, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=berth-test-ca');
  await ossl('req', '-x509', ...key, '-keyout', 'other-ca-key.pem', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=other-ca');
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await writeFile(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  const issue = async (name: string, cn: string, ext: string, ca: string) => {
    await ossl('req', ...key, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    await ossl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}-key.pem`, '-CAcreateserial',
      '-out', `${name}-cert.pem`, '-days', '2', '-extfile', ext);
  };
  await issue('server', 'localhost', 'server.ext', 'ca');
  await issue('client', 'client', 'client.ext', 'ca');
  await issue('stranger', 'stranger', 'client.ext', 'other-ca');
  const r = (f: string) => readFile(join(dir, f));
  return {
    dir,
    ca: await r('ca.pem'),
    serverCert: await r('server-cert.pem'),
    serverKey: await r('server-key.pem'),
    clientCert: await r('client-cert.pem'),
    clientKey: await r('client-key.pem'),
    strangerCert: await r('stranger-cert.pem'),
    strangerKey: await r('stranger-key.pem'),
  };
}
