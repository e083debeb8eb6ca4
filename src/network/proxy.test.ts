import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import dgram from 'node:dgram';
import { startProxy } from './proxy.js';

/** A port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

test('tcp proxy: relays both ways and passes a half-close on', async () => {
  // the "container": answers with what it read once the client has finished writing
  const backend = net.createServer({ allowHalfOpen: true }, (c) => {
    const chunks: Buffer[] = [];
    c.on('data', (b) => chunks.push(b));
    c.on('end', () => c.end(`got:${Buffer.concat(chunks).toString()}`));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const hostPort = await freePort();
  const proxy = await startProxy({ proto: 'tcp', hostIp: '127.0.0.1', hostPort, containerIp: '127.0.0.1', containerPort: (backend.address() as net.AddressInfo).port });
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      const c = net.connect({ host: '127.0.0.1', port: hostPort, allowHalfOpen: true }, () => c.end('ping'));
      const out: Buffer[] = [];
      c.on('data', (b) => out.push(b));
      c.on('end', () => resolve(Buffer.concat(out).toString()));
      c.on('error', reject);
    });
    assert.equal(reply, 'got:ping');
    // the port is taken while the proxy listens, with docker-proxy's wording
    await assert.rejects(
      startProxy({ proto: 'tcp', hostIp: '127.0.0.1', hostPort, containerIp: '127.0.0.1', containerPort: 1 }),
      new RegExp(`^Error: listen tcp4 127\\.0\\.0\\.1:${hostPort}: bind: address already in use$`),
    );
  } finally {
    await proxy.close();
    backend.close();
  }
  // closed: the port is free again
  const again = await startProxy({ proto: 'tcp', hostIp: '127.0.0.1', hostPort, containerIp: '127.0.0.1', containerPort: 1 });
  await again.close();
});

test('udp proxy: datagrams go to the backend, replies come back to each client', async () => {
  const backend = dgram.createSocket('udp4');
  backend.on('message', (m, r) => backend.send(Buffer.concat([Buffer.from('echo:'), m]), r.port, r.address));
  await new Promise<void>((r) => backend.bind(0, '127.0.0.1', () => r()));
  const hostPort = await freePort();
  const proxy = await startProxy({ proto: 'udp', hostIp: '127.0.0.1', hostPort, containerIp: '127.0.0.1', containerPort: backend.address().port });
  const ask = (msg: string) =>
    new Promise<string>((resolve, reject) => {
      const c = dgram.createSocket('udp4');
      const t = setTimeout(() => reject(new Error('no reply')), 3000);
      c.on('message', (m) => {
        clearTimeout(t);
        c.close();
        resolve(m.toString());
      });
      c.send(msg, hostPort, '127.0.0.1');
    });
  try {
    assert.deepEqual(await Promise.all([ask('a'), ask('b')]), ['echo:a', 'echo:b']);
    await assert.rejects(startProxy({ proto: 'udp', hostIp: '127.0.0.1', hostPort, containerIp: '127.0.0.1', containerPort: 1 }), /^Error: listen udp4 127\.0\.0\.1:\d+: bind: address already in use$/);
  } finally {
    await proxy.close();
    backend.close();
  }
});
