/**
 * GET /containers/{id}/attach/ws end to end: a `ws` client over berthd's unix socket against
 * busybox containers started with the real docker CLI. moby's wsContainersAttach: output is
 * raw (never stdcopy frames), binary frames since API 1.28, text before; errors before the
 * upgrade are plain HTTP answers.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { startDaemon, TestDaemon } from './harness.js';

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
  await d.importBusybox();
});
after(async () => {
  await d?.cleanup();
});

async function ok(p: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

interface Message {
  data: Buffer;
  binary: boolean;
}

/** A websocket client on the daemon's socket, recording what it receives. */
class Client {
  readonly ws: WebSocket;
  readonly messages: Message[] = [];
  readonly opened: Promise<void>;
  /** Close code and reason, once closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(path: string) {
    this.ws = new WebSocket(`ws+unix://${d.socket}:${path}`);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res: IncomingMessage) => reject(new Error(`unexpected response ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('message', (data: Buffer, binary: boolean) => {
      this.messages.push({ data, binary });
      for (const w of this.waiters.splice(0)) w();
    });
    this.ws.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  text(): string {
    return Buffer.concat(this.messages.map((m) => m.data)).toString('utf8');
  }

  /** Waits until the received text satisfies `pred`; fails with what arrived after `ms`. */
  async until(pred: (text: string) => boolean, ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    while (!pred(this.text())) {
      if (this.ws.readyState === WebSocket.CLOSED) assert.fail(`closed before the expected output; got ${JSON.stringify(this.text())}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`timed out; got ${JSON.stringify(this.text())}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.text();
  }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))]);
}

/** The status and body of a websocket handshake that the daemon refused. */
function refused(path: string): Promise<{ status: number; body: string; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws+unix://${d.socket}:${path}`);
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the handshake succeeded'));
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] }));
    });
  });
}

describe('attach/ws', () => {
  test('stream=1&stdout=1: raw stdout of a running container, binary frames, no stderr', async () => {
    const id = await ok(d.docker(['run', '-d', 'busybox', 'sh', '-c', 'i=0; while true; do echo tick $i; echo noise $i >&2; i=$((i+1)); sleep 0.2; done']));
    const c = new Client(`/v1.44/containers/${id}/attach/ws?stream=1&stdout=1`);
    await within(c.opened, 10_000, 'the handshake');
    const text = await c.until((t) => (t.match(/tick \d+\n/g) ?? []).length >= 3);
    // raw: nothing but the lines themselves (a stdcopy frame would start with 0x01 0 0 0)
    assert.match(text, /^(tick \d+\n)+$/);
    assert.ok(c.messages.every((m) => m.binary), 'binary frames for API >= 1.28');
    assert.ok(!text.includes('noise'), 'stderr was not asked for');
    c.ws.close();
    assert.notEqual((await within(c.closed, 5_000, 'close')).code, 1006, 'a clean closing handshake');
    await ok(d.docker(['rm', '-f', id]));
  });

  test('API 1.27: text frames, and stdout and stderr whatever the query says (before 1.42)', async () => {
    const id = await ok(d.docker(['run', '-d', 'busybox', 'sh', '-c', 'while true; do echo out; echo err >&2; sleep 0.2; done']));
    const c = new Client(`/v1.27/containers/${id}/attach/ws?stream=1`);
    await within(c.opened, 10_000, 'the handshake');
    await c.until((t) => t.includes('out\n') && t.includes('err\n'));
    assert.ok(c.messages.every((m) => !m.binary), 'text frames for API < 1.28');
    c.ws.terminate();
    await ok(d.docker(['rm', '-f', id]));
  });

  test('stdin=1 on a -i container running cat: what is sent comes back', async () => {
    const id = await ok(d.docker(['create', '-i', 'busybox', 'cat']));
    await ok(d.docker(['start', id]));
    const c = new Client(`/v1.44/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1`);
    await within(c.opened, 10_000, 'the handshake');
    c.ws.send(Buffer.from('hello over ws\n'));
    c.ws.send('second line\n');
    assert.equal(await c.until((t) => t.includes('second line\n')), 'hello over ws\nsecond line\n');
    c.ws.close();
    await within(c.closed, 5_000, 'close');
    // cat is still there: closing the websocket is not stdin EOF for a non-StdinOnce container
    assert.equal(await ok(d.docker(['inspect', '--format', '{{.State.Running}}', id])), 'true');
    await ok(d.docker(['rm', '-f', id]));
  });

  test('detachKeys: the sequence ends the attach with a normal close and leaves the container running', async () => {
    // compat: as in moby (container/stream/attach.go), detach keys count only with a tty.
    const id = await ok(d.docker(['run', '-d', '-it', 'busybox', 'cat']));
    const c = new Client(`/v1.44/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1&detachKeys=ctrl-x`);
    await within(c.opened, 10_000, 'the handshake');
    c.ws.send('before\n');
    await c.until((t) => t.includes('before'));
    c.ws.send(Buffer.from([0x18]));
    assert.equal((await within(c.closed, 5_000, 'close after the detach keys')).code, 1000);
    assert.equal(await ok(d.docker(['inspect', '--format', '{{.State.Running}}', id])), 'true');
    await ok(d.docker(['rm', '-f', id]));
  });

  test('the process exiting closes the websocket normally (1000)', async () => {
    const id = await ok(d.docker(['run', '-d', 'busybox', 'sh', '-c', 'sleep 1; echo last words']));
    const c = new Client(`/v1.44/containers/${id}/attach/ws?stream=1&stdout=1&stderr=1`);
    await within(c.opened, 10_000, 'the handshake');
    const { code } = await within(c.closed, 15_000, 'close at exit');
    assert.equal(code, 1000);
    assert.equal(c.text(), 'last words\n');
    await ok(d.docker(['rm', '-f', id]));
  });

  test('logs=1&stream=0: the past output, then a normal close', async () => {
    const id = await ok(d.docker(['create', 'busybox', 'sh', '-c', 'echo one; echo two >&2; echo three']));
    assert.equal((await d.docker(['start', '-a', id])).code, 0);
    const c = new Client(`/v1.44/containers/${id}/attach/ws?logs=1&stream=0&stdout=1&stderr=1`);
    await within(c.opened, 10_000, 'the handshake');
    const { code } = await within(c.closed, 10_000, 'close after the logs');
    assert.equal(code, 1000);
    // raw and merged; stdout and stderr are separate pipes, so only per-stream order is certain
    const text = c.text();
    assert.deepEqual(text.split('\n').sort(), ['', 'one', 'three', 'two']);
    assert.ok(text.indexOf('one') < text.indexOf('three'), text);
    // stdout=1 only: no stderr lines
    const o = new Client(`/v1.44/containers/${id}/attach/ws?logs=1&stream=0&stdout=1`);
    await within(o.closed, 10_000, 'close after the logs');
    assert.equal(o.text(), 'one\nthree\n');
    await ok(d.docker(['rm', id]));
  });

  test('an unknown container is a plain 404 with Docker\'s JSON error, before any upgrade', async () => {
    const r = await refused('/v1.44/containers/nosuchcontainer/attach/ws?stream=1&stdout=1');
    assert.equal(r.status, 404);
    assert.equal(r.contentType, 'application/json');
    assert.deepEqual(JSON.parse(r.body), { message: 'No such container: nosuchcontainer' });
    // the same without any upgrade
    const p = await d.request('GET', '/v1.44/containers/nosuchcontainer/attach/ws?stream=1');
    assert.equal(p.status, 404);
    assert.deepEqual(JSON.parse(p.body), { message: 'No such container: nosuchcontainer' });
  });

  test('a request that is not a websocket handshake (plain GET, Upgrade: tcp) gets 400', async () => {
    const id = await ok(d.docker(['run', '-d', 'busybox', 'sleep', '60']));
    const p = await d.request('GET', `/v1.44/containers/${id}/attach/ws?stream=1&stdout=1`);
    assert.equal(p.status, 400);
    assert.match((JSON.parse(p.body) as { message: string }).message, /^not websocket protocol/);
    const h = await d.request('GET', `/v1.44/containers/${id}/attach/ws?stream=1&stdout=1`, undefined, { Connection: 'Upgrade', Upgrade: 'tcp' });
    assert.equal(h.status, 400);
    await ok(d.docker(['rm', '-f', id]));
  });
});
