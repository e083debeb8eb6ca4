import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { muxFrame } from '../../../lib/index.js';
import { Collector } from '../../test-helpers.js';
import { EscapeError, EscapeProxy, detachKeysToBytes, streamHijacked } from './hijack.js';

/** A connected socket pair over a temp unix socket: [client (the CLI's side), server]. */
async function socketPair(): Promise<{ client: net.Socket; server: net.Socket; close: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-hijack-'));
  const path = join(dir, 's.sock');
  const srv = net.createServer({ allowHalfOpen: true });
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  await new Promise<void>((r) => srv.listen(path, r));
  const client = net.connect(path);
  const server = await accepted;
  return {
    client,
    server,
    close: () => {
      client.destroy();
      server.destroy();
      srv.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Collects what the server side receives until the client half-closes. */
function received(server: net.Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    server.on('data', (c: Buffer) => chunks.push(c));
    server.once('end', () => resolve(Buffer.concat(chunks)));
  });
}

function ttyStdin(chunks: (string | Buffer)[]): Readable & { isTTY: boolean; setRawMode: (m: boolean) => void; modes: boolean[] } {
  const s = Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false }) as Readable & { isTTY: boolean; setRawMode: (m: boolean) => void; modes: boolean[] };
  s.isTTY = true;
  s.modes = [];
  s.setRawMode = (m) => void s.modes.push(m);
  return s;
}

test('non-tty: frames split anywhere are demultiplexed; no stdin means an immediate half-close', async () => {
  const p = await socketPair();
  try {
    const out = new Collector();
    const err = new Collector();
    const sawEof = received(p.server);
    const session = streamHijacked({ conn: p.client, tty: false, stdout: out, stderr: err, detachKeys: '', env: {} });
    assert.equal((await sawEof).length, 0, 'the client half-closed before any output');
    const bytes = Buffer.concat([muxFrame(1, 'hello '), muxFrame(2, 'oops\n'), muxFrame(1, 'world\n')]);
    for (const cut of [3, 9, 15, 20]) {
      p.server.write(bytes.subarray(0, cut));
      await new Promise((r) => setTimeout(r, 5));
      p.server.write(bytes.subarray(cut));
      await new Promise((r) => setTimeout(r, 5));
    }
    p.server.end();
    await session;
    assert.equal(out.text, 'hello world\n'.repeat(4));
    assert.equal(err.text, 'oops\n'.repeat(4));
  } finally {
    p.close();
  }
});

test('stdin is forwarded unchanged, then the connection is half-closed and output still flows', async () => {
  const p = await socketPair();
  try {
    const out = new Collector();
    const stdin = Readable.from([Buffer.from('abc\n'), Buffer.from([0, 1, 2, 255])]);
    const session = streamHijacked({ conn: p.client, tty: false, stdin, stdout: out, stderr: new Collector(), detachKeys: '', env: {} });
    const got = await received(p.server);
    assert.deepEqual(got, Buffer.concat([Buffer.from('abc\n'), Buffer.from([0, 1, 2, 255])]));
    p.server.end(muxFrame(1, 'echo: ' + got.subarray(0, 3).toString()));
    await session;
    assert.equal(out.text, 'echo: abc');
  } finally {
    p.close();
  }
});

test('tty: raw terminal for the session, raw output, restored at the end', async () => {
  const p = await socketPair();
  try {
    const out = new Collector(true);
    const stdin = ttyStdin(['ls\r']);
    const session = streamHijacked({ conn: p.client, tty: true, stdin, stdout: out, stderr: out, detachKeys: '', env: {} });
    const got = await received(p.server);
    assert.equal(got.toString(), 'ls\r');
    p.server.end('bin  etc\r\n');
    await session;
    assert.equal(out.text, 'bin  etc\r\n');
    assert.deepEqual(stdin.modes, [true, false]);
  } finally {
    p.close();
  }
});

test('NORAW keeps the terminal as it is', async () => {
  const p = await socketPair();
  try {
    const stdin = ttyStdin([]);
    const session = streamHijacked({ conn: p.client, tty: true, stdin, stdout: new Collector(true), detachKeys: '', env: { NORAW: '1' } });
    await received(p.server);
    p.server.end();
    await session;
    assert.deepEqual(stdin.modes, []);
  } finally {
    p.close();
  }
});

test('detach keys: the sequence is swallowed, the session ends with EscapeError and no half-close', async () => {
  for (const [keys, input, forwarded] of [
    ['', ['ab', '\x10', '\x11cd'], 'ab'],
    ['ctrl-a,x', ['a\x01y\x01', 'xz'], 'a\x01y'],
  ] as const) {
    const p = await socketPair();
    try {
      const chunks: Buffer[] = [];
      let ended = false;
      p.server.on('data', (c: Buffer) => chunks.push(c));
      p.server.on('end', () => (ended = true));
      const stdin = ttyStdin([...input]);
      await assert.rejects(
        streamHijacked({ conn: p.client, tty: true, stdin, stdout: new Collector(true), detachKeys: keys, env: {} }),
        (e: unknown) => e instanceof EscapeError && e.message === 'read escape sequence',
      );
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(Buffer.concat(chunks).toString('latin1'), forwarded);
      assert.equal(ended, false);
      assert.deepEqual(stdin.modes, [true, false]);
    } finally {
      p.close();
    }
  }
});

test('a systemerr frame ends the session with the daemon error', async () => {
  const p = await socketPair();
  try {
    const out = new Collector();
    const session = streamHijacked({ conn: p.client, tty: false, stdout: out, stderr: new Collector(), detachKeys: '', env: {} });
    p.server.end(Buffer.concat([muxFrame(1, 'partial\n'), muxFrame(3, 'logging driver failed')]));
    await assert.rejects(session, /^Error: error from daemon in stream: logging driver failed$/);
    assert.equal(out.text, 'partial\n');
  } finally {
    p.close();
  }
});

test('EscapeProxy and detach key parsing', () => {
  assert.deepEqual(detachKeysToBytes('ctrl-p,ctrl-q'), [16, 17]);
  assert.deepEqual(detachKeysToBytes('a,ctrl-@,ctrl-_,DEL'), [97, 0, 31, 127]);
  assert.throws(() => detachKeysToBytes('ctrl-ab'), /^Error: Unknown character: 'ctrl-ab'$/);
  const p = new EscapeProxy([16, 17]);
  assert.deepEqual(p.push(Buffer.from('a\x10')), { data: Buffer.from('a'), escaped: false });
  assert.deepEqual(p.push(Buffer.from('b')), { data: Buffer.from('\x10b'), escaped: false });
  // compat: after a mismatch the current byte does not restart the match
  assert.deepEqual(p.push(Buffer.from('\x10\x10\x11')), { data: Buffer.from('\x10\x10\x11'), escaped: false });
  assert.deepEqual(p.push(Buffer.from('\x10\x11rest')), { data: Buffer.alloc(0), escaped: true });
});

test('without output, closing the connection ends a session whose stdin never ends', async () => {
  const p = await socketPair();
  try {
    const stdin = new Readable({ read() {} });
    const session = streamHijacked({ conn: p.client, tty: false, stdin, detachKeys: '', env: {} });
    stdin.push('x');
    await new Promise((r) => setTimeout(r, 10));
    p.client.destroy();
    await session;
    assert.equal(stdin.listenerCount('data'), 0);
  } finally {
    p.close();
  }
});
