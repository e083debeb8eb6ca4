import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { kindOf, Filters } from '../lib/index.js';
import { EngineClient } from './client.js';
import { ConnectionError, ResponseError } from './errors.js';

/** A fake daemon on a temp unix socket; `handle` decides each answer, `seen` logs requests. */
class FakeDaemon {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-client-test-'));
  readonly socket = join(this.dir, 'd.sock');
  readonly seen: string[] = [];
  readonly bodies: string[] = [];
  readonly server: http.Server;
  handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void = (_req, res) => res.end();

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        this.seen.push(`${req.method} ${req.url}`);
        this.bodies.push(body);
        this.handle(req, res, body);
      });
    });
  }

  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.socket, r));
  }

  get host() {
    return `unix://${this.socket}`;
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A daemon answering /_ping with `apiVersion` (or none) and JSON for everything else. */
function pingAnd(d: FakeDaemon, apiVersion: string | undefined, reply: (url: string) => unknown = () => ({ ok: true })) {
  d.handle = (req, res) => {
    if (req.url === '/_ping') {
      if (apiVersion) res.setHeader('Api-Version', apiVersion);
      res.setHeader('Ostype', 'linux');
      res.end(req.method === 'GET' ? 'OK' : undefined);
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(reply(req.url!)) + '\n');
  };
}

describe('version negotiation', () => {
  let d: FakeDaemon;
  before(async () => {
    d = new FakeDaemon();
    await d.listen();
  });
  after(() => d.close());

  const cases: [string | undefined, string][] = [
    ['1.41', '1.41'],
    ['1.50', '1.44'],
    ['1.44', '1.44'],
    [undefined, '1.24'],
  ];
  for (const [server, want] of cases) {
    test(`server ${server ?? '(no Api-Version)'} -> /v${want}/`, async () => {
      d.seen.length = 0;
      pingAnd(d, server);
      const c = new EngineClient({ host: d.host });
      await c.version();
      await c.info();
      assert.deepEqual(d.seen, ['HEAD /_ping', `GET /v${want}/version`, `GET /v${want}/info`]);
      assert.equal(c.currentVersion, want);
      c.close();
    });
  }

  test('concurrent first calls share one ping', async () => {
    d.seen.length = 0;
    pingAnd(d, '1.43');
    const c = new EngineClient({ host: d.host });
    await Promise.all([c.version(), c.info(), c.get('/containers/json')]);
    assert.equal(d.seen.filter((s) => s.includes('_ping')).length, 1);
    assert.ok(d.seen.includes('GET /v1.43/containers/json'));
    c.close();
  });

  test('a pinned version (DOCKER_API_VERSION) skips the ping', async () => {
    d.seen.length = 0;
    pingAnd(d, '1.44');
    const c = new EngineClient({ host: d.host, version: '1.40' });
    await c.version();
    assert.deepEqual(d.seen, ['GET /v1.40/version']);
    c.close();
  });

  test('HEAD /_ping answered 405 falls back to GET /_ping', async () => {
    d.seen.length = 0;
    d.handle = (req, res) => {
      if (req.url === '/_ping' && req.method === 'HEAD') {
        res.statusCode = 405;
        res.end();
        return;
      }
      if (req.url === '/_ping') {
        res.setHeader('Api-Version', '1.42');
        res.setHeader('Swarm', 'active/manager');
        res.end('OK');
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.end('{}');
    };
    const c = new EngineClient({ host: d.host });
    const p = await c.ping();
    assert.equal(p.apiVersion, '1.42');
    assert.deepEqual(p.swarm, { nodeState: 'active', controlAvailable: true });
    await c.version();
    assert.deepEqual(d.seen, ['HEAD /_ping', 'GET /_ping', 'HEAD /_ping', 'GET /_ping', 'GET /v1.42/version']);
    c.close();
  });
});

describe('errors', () => {
  let d: FakeDaemon;
  before(async () => {
    d = new FakeDaemon();
    await d.listen();
  });
  after(() => d.close());

  const table: [number, string][] = [
    [400, 'invalidParameter'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'notFound'],
    [409, 'conflict'],
    [500, 'system'],
    [501, 'notImplemented'],
    [503, 'unavailable'],
  ];
  for (const [status, kind] of table) {
    test(`${status} -> ${kind} with the daemon's message`, async () => {
      d.handle = (req, res) => {
        if (req.url === '/_ping') {
          res.setHeader('Api-Version', '1.44');
          res.end();
          return;
        }
        res.statusCode = status;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ message: `No such container: x (${status})\n` }));
      };
      const c = new EngineClient({ host: d.host });
      await assert.rejects(c.get('/containers/x/json'), (e: unknown) => {
        assert.ok(e instanceof ResponseError);
        assert.equal(e.statusCode, status);
        assert.equal(kindOf(e), kind);
        assert.equal(e.message, `No such container: x (${status})`);
        return true;
      });
      c.close();
    });
  }

  test('a text body is the message; an empty one gets docker\'s wording', async () => {
    d.handle = (req, res) => {
      if (req.url === '/_ping') {
        res.setHeader('Api-Version', '1.44');
        res.end();
        return;
      }
      res.statusCode = req.url!.includes('text') ? 404 : 502;
      res.end(req.url!.includes('text') ? 'page not found\n' : '');
    };
    const c = new EngineClient({ host: d.host });
    await assert.rejects(c.get('/text'), { message: 'page not found' });
    await assert.rejects(c.get('/empty'), {
      message: `request returned 502 Bad Gateway for API route and version http://${encodeURIComponent(d.socket)}/v1.44/empty, check if the server supports the requested API version`,
    });
    c.close();
  });

  test('304 is not an error (docker treats "already started" as success)', async () => {
    d.handle = (req, res) => {
      if (req.url === '/_ping') {
        res.setHeader('Api-Version', '1.44');
        res.end();
        return;
      }
      res.statusCode = 304;
      res.end();
    };
    const c = new EngineClient({ host: d.host });
    const r = await c.request('POST', '/containers/x/start');
    assert.equal(r.statusCode, 304);
    c.close();
  });

  test('plain HTTP to a TLS port surfaces the server text and docker\'s hint', async () => {
    d.handle = (_req, res) => {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('Client sent an HTTP request to an HTTPS server.\n');
    };
    const c = new EngineClient({ host: d.host });
    await assert.rejects(c.version(), (e: unknown) => {
      assert.ok(e instanceof ConnectionError);
      assert.equal(
        e.message,
        'Client sent an HTTP request to an HTTPS server.\n* Are you trying to connect to a TLS-enabled daemon without TLS?',
      );
      return true;
    });
    c.close();
  });

  test('an absent socket gives docker\'s sentence', async () => {
    const host = `unix://${join(d.dir, 'nope.sock')}`;
    const c = new EngineClient({ host });
    await assert.rejects(c.version(), (e: unknown) => {
      assert.ok(e instanceof ConnectionError);
      assert.equal(kindOf(e), 'unavailable');
      assert.equal(e.message, `Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?`);
      return true;
    });
  });

  test('a refused TCP port gives docker\'s sentence', async () => {
    const c = new EngineClient({ host: 'tcp://127.0.0.1:1' });
    await assert.rejects(c.ping(), { message: 'Cannot connect to the Docker daemon at tcp://127.0.0.1:1. Is the docker daemon running?' });
  });

  test('an invalid host is rejected with docker\'s wording', () => {
    assert.throws(() => new EngineClient({ host: 'bogus://x' }), { message: 'invalid bind address format: bogus://x' });
  });

  test('aborting the signal cancels the request', async () => {
    d.handle = (req, res) => {
      if (req.url === '/_ping') {
        res.setHeader('Api-Version', '1.44');
        res.end();
      }
      // never answers anything else
    };
    const c = new EngineClient({ host: d.host });
    const ac = new AbortController();
    const p = c.get('/slow', { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(p, (e: unknown) => kindOf(e) === 'cancelled');
    c.close();
  });
});

describe('requests and streams', () => {
  let d: FakeDaemon;
  before(async () => {
    d = new FakeDaemon();
    await d.listen();
  });
  after(() => d.close());

  test('query encoding: sorted keys, 1 for true, filters in map form', async () => {
    d.seen.length = 0;
    pingAnd(d, '1.44', () => []);
    const c = new EngineClient({ host: d.host });
    await c.get('/containers/json', {
      query: { all: true, size: false, filters: Filters.fromArgs(['status=exited']), limit: 5, name: 'a b' },
    });
    assert.equal(
      d.seen[1],
      'GET /v1.44/containers/json?all=1&filters=%7B%22status%22%3A%7B%22exited%22%3Atrue%7D%7D&limit=5&name=a+b',
    );
    c.close();
  });

  test('filters as Go encodes them: every key sorted as a string, <, > and & escaped', async () => {
    d.seen.length = 0;
    pingAnd(d, '1.44', () => []);
    const c = new EngineClient({ host: d.host });
    await c.get('/images/search', { query: { term: 'x', filters: Filters.fromArgs(['stars=3', 'stars=10', 'label=a<b&c>', '9=z']) } });
    const want = '{"9":{"z":true},"label":{"a\\u003cb\\u0026c\\u003e":true},"stars":{"10":true,"3":true}}';
    assert.equal(d.seen[1], `GET /v1.44/images/search?filters=${encodeURIComponent(want)}&term=x`);
    c.close();
  });

  test('JSON and streamed raw bodies', async () => {
    d.seen.length = 0;
    d.bodies.length = 0;
    const types: (string | undefined)[] = [];
    pingAnd(d, '1.44');
    const inner = d.handle;
    d.handle = (req, res, body) => {
      types.push(req.headers['content-type']);
      inner(req, res, body);
    };
    const c = new EngineClient({ host: d.host });
    await c.post('/containers/create', { query: { name: 'web' }, body: { Image: 'busybox' } });
    await c.post('/build', { rawBody: Readable.from([Buffer.from('tar'), Buffer.from('ball')]), headers: { 'Content-Type': 'application/x-tar' } });
    assert.deepEqual(d.bodies.slice(-2), ['{"Image":"busybox"}\n', 'tarball']);
    assert.deepEqual(types.slice(-2), ['application/json', 'application/x-tar']);
    c.close();
  });

  test('events: split chunks, \\r\\n separators, exact timeNano, filters', async () => {
    d.seen.length = 0;
    const events = [
      '{"status":"create","id":"3e29","from":"busybox","Type":"container","Action":"create","Actor":{"ID":"3e29","Attributes":{"name":"evt","note":"has } and \\" in it"}},"scope":"local","time":1795975163,"timeNano":1795975163495882078}',
      '{"Type":"network","Action":"connect","Actor":{"ID":"f1b0","Attributes":{"name":"bridge"}},"scope":"local","time":1795975163,"timeNano":1795975163507737601}',
    ];
    const wire = events.join('\r\n') + '\r\n';
    d.handle = (req, res) => {
      if (req.url === '/_ping') {
        res.setHeader('Api-Version', '1.41');
        res.end();
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.flushHeaders();
      // one byte per chunk
      let i = 0;
      const tick = () => {
        if (i >= wire.length) return res.end();
        res.write(wire.slice(i, i + 7));
        i += 7;
        setImmediate(tick);
      };
      tick();
    };
    const c = new EngineClient({ host: d.host });
    const got = [];
    for await (const ev of c.events({ since: '1795975136', until: '1795975166', filters: { type: ['container'] } })) got.push(ev);
    assert.equal(got.length, 2);
    assert.equal(got[0]!.timeNano, 1795975163495882078n);
    assert.equal(got[1]!.timeNano, 1795975163507737601n);
    assert.equal(got[0]!.Actor.Attributes['note'], 'has } and " in it');
    assert.equal(
      d.seen[1],
      'GET /v1.41/events?filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D&since=1795975136&until=1795975166',
    );
    c.close();
  });

  test('breaking out of a followed event stream closes it', async () => {
    let closed = false;
    d.handle = (req, res) => {
      if (req.url === '/_ping') {
        res.setHeader('Api-Version', '1.44');
        res.end();
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.write('{"Type":"daemon","Action":"reload","Actor":{"ID":"x","Attributes":{}},"scope":"local","time":1,"timeNano":1000000000}\n');
      res.on('close', () => (closed = true));
    };
    const c = new EngineClient({ host: d.host });
    for await (const ev of c.events()) {
      assert.equal(ev.Action, 'reload');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(closed);
    c.close();
  });

  test('hijack: 101 upgrade, duplex bytes, half-close keeps output flowing', async () => {
    d.server.removeAllListeners('upgrade');
    d.server.on('upgrade', (req, socket) => {
      d.seen.push(`UPGRADE ${req.method} ${req.url} ${req.headers['upgrade']}`);
      socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => {
        // stdin EOF: the "process" answers afterwards, then closes
        socket.end(Buffer.concat(chunks).toString().toUpperCase());
      });
    });
    pingAnd(d, '1.44');
    const c = new EngineClient({ host: d.host });
    const conn = await c.hijack('POST', '/containers/x/attach', { query: { stream: true, stdin: true, stdout: true } });
    assert.equal(conn.contentType, 'application/vnd.docker.raw-stream');
    conn.socket.end('hello');
    const out: Buffer[] = [];
    for await (const chunk of conn.socket) out.push(chunk as Buffer);
    assert.equal(Buffer.concat(out).toString(), 'HELLO');
    assert.ok(d.seen.includes('UPGRADE POST /v1.44/containers/x/attach?stdin=1&stdout=1&stream=1 tcp'));
    c.close();
  });

  test('hijack refused with an error status throws the daemon error', async () => {
    d.server.removeAllListeners('upgrade');
    d.server.on('upgrade', (_req, socket) => {
      const body = '{"message":"No such container: x"}';
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
    const c = new EngineClient({ host: d.host });
    await assert.rejects(c.hijack('POST', '/containers/x/attach'), (e: unknown) => kindOf(e) === 'notFound');
    c.close();
  });
});
