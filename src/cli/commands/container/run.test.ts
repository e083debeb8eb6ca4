import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { muxFrame } from '../../../lib/index.js';
import { ResponseError } from '../../../client/index.js';
import { Cli, defaultGlobalOptions } from '../../cli.js';
import { FakeEngine, runCli } from '../../test-helpers.js';
import { toStatusError } from './run.js';
import { installFakeDaemon } from './fake-daemon.js';

const ID = 'a'.repeat(64);
const engine = new FakeEngine();
before(() => engine.listen());
after(() => engine.close());

test('toStatusError: 127 for a missing command, 126 when it cannot run, else 125', () => {
  const cli = new Cli({ stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin, env: {} }, defaultGlobalOptions({}));
  const code = (msg: string) => toStatusError(cli, new ResponseError(400, msg)).code;
  assert.equal(code('exec: "nosuch": executable file not found in $PATH: unknown'), 127);
  assert.equal(code('open /x: no such file or directory'), 127);
  assert.equal(code('exec: "/etc": permission denied'), 126);
  assert.equal(code('read /bin: is a directory'), 126);
  assert.equal(code('driver failed programming external connectivity'), 125);
  assert.equal(
    toStatusError(cli, new ResponseError(500, 'boom')).message,
    "berth: Error response from daemon: boom\n\nRun 'berth run --help' for more information",
  );
});

test('run: the order docker uses (create, attach, wait, start) and the exit status', async () => {
  engine.reset();
  installFakeDaemon(engine, { containers: [{ id: ID, name: 'x', output: [[1, 'out\n'], [2, 'err\n']], exitCode: 42 }] });
  const r = await runCli(['run', '--rm', 'busybox', 'sh'], { host: engine.host });
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal(r.code, 42);
  assert.deepEqual(engine.calls, [
    'POST /containers/create',
    `POST /containers/${ID}/attach?stderr=1&stdout=1&stream=1`,
    `POST /containers/${ID}/wait?condition=removed`,
    `POST /containers/${ID}/start`,
  ]);
  const create = JSON.parse(engine.seen.find((s) => s.path === '/containers/create')!.body.toString()) as { HostConfig: { AutoRemove: boolean } };
  assert.equal(create.HostConfig.AutoRemove, true);
});

test('run -d prints the ID; the wait opened before start is dropped', async () => {
  engine.reset();
  installFakeDaemon(engine, { containers: [{ id: ID, name: 'x' }] });
  const r = await runCli(['run', '-d', 'busybox'], { host: engine.host });
  assert.equal(r.stdout, ID + '\n');
  assert.equal(r.code, 0);
  assert.deepEqual(engine.calls, ['POST /containers/create', `POST /containers/${ID}/wait?condition=next-exit`, `POST /containers/${ID}/start`]);
});

test('--sig-proxy: a signal the CLI gets becomes kill?signal=… for the container', async () => {
  engine.reset();
  const signals = new EventEmitter();
  let release = () => {};
  const released = new Promise<void>((r) => (release = r));
  engine.on('POST', '/containers/create', (_q, res) => void (res.statusCode = 201, res.end(JSON.stringify({ Id: ID, Warnings: [] }))));
  const waits: import('node:http').ServerResponse[] = [];
  engine.on('POST', `/containers/${ID}/wait`, (_q, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    waits.push(res);
  });
  engine.on('POST', `/containers/${ID}/start`, (_q, res) => {
    res.statusCode = 204;
    res.end();
    // the container runs until it gets SIGINT
    setTimeout(() => signals.emit('SIGINT', 'SIGINT'), 20);
  });
  engine.on('POST', `/containers/${ID}/kill`, (_q, res) => {
    res.statusCode = 204;
    res.end();
    release();
  });
  engine.onUpgrade('POST', `/containers/${ID}/attach`, async (_q, socket) => {
    await released;
    socket.end(muxFrame(1, 'interrupted\n'));
    setTimeout(() => waits.forEach((w) => w.end('{"Error":null,"StatusCode":130}\n')), 20);
  });
  const r = await runCli(['run', 'busybox', 'sleep', '100'], { host: engine.host, signals });
  assert.equal(r.stdout, 'interrupted\n');
  assert.equal(r.code, 130);
  assert.ok(engine.calls.includes(`POST /containers/${ID}/kill?signal=INT`), engine.calls.join('\n'));
  assert.equal(signals.listenerCount('SIGINT'), 0, 'the handlers are gone afterwards');

  // --sig-proxy=false: nothing is forwarded
  engine.reset();
  const r2Signals = new EventEmitter();
  installFakeDaemon(engine, { containers: [{ id: ID, name: 'x', output: [] }] });
  const r2 = await runCli(['run', '--sig-proxy=false', 'busybox'], { host: engine.host, signals: r2Signals });
  assert.equal(r2.code, 0);
  assert.equal(r2Signals.listenerCount('SIGINT'), 0);
});

test('run -it on a terminal: raw mode, ConsoleSize, resize at start and on SIGWINCH', async () => {
  engine.reset();
  const signals = new EventEmitter();
  let resizes = 0;
  // the first resize triggers a terminal size change (routes match in the order they were added)
  engine.on('POST', `/containers/${ID}/resize`, (_q, res) => {
    res.statusCode = 200;
    res.end();
    if (++resizes === 1) signals.emit('SIGWINCH', 'SIGWINCH');
  });
  installFakeDaemon(engine, { containers: [{ id: ID, name: 'x', tty: true, output: [[1, '/ # ']] }] });
  const r = await runCli(['run', '-it', 'busybox', 'sh'], { host: engine.host, stdinTTY: true, stdoutTTY: true, columns: 100, rows: 30, signals });
  assert.equal(r.stdout, '/ # ');
  assert.deepEqual(r.rawModes, [true, false]);
  const create = JSON.parse(engine.seen.find((s) => s.path === '/containers/create')!.body.toString()) as { Tty: boolean; OpenStdin: boolean; StdinOnce: boolean; HostConfig: { ConsoleSize: number[] } };
  assert.deepEqual([create.Tty, create.OpenStdin, create.StdinOnce], [true, true, true]);
  assert.deepEqual(create.HostConfig.ConsoleSize, [30, 100]);
  const resizeCalls = engine.calls.filter((c) => c.includes('/resize'));
  assert.deepEqual(resizeCalls, [`POST /containers/${ID}/resize?h=30&w=100`, `POST /containers/${ID}/resize?h=30&w=100`]);
  assert.equal(signals.listenerCount('SIGWINCH'), 0);
});

test('logs: demultiplexed for a non-tty container, raw for a tty one', async () => {
  engine.reset();
  installFakeDaemon(engine, {
    containers: [
      { id: ID, name: 'plain', logs: [[1, 'o1\n'], [2, 'e1\n'], [1, 'o2\n']] },
      { id: 'b'.repeat(64), name: 'tty', tty: true, logs: [[1, 'raw\r\n']] },
    ],
  });
  const plain = await runCli(['logs', '-f', '-n', '2', 'plain'], { host: engine.host });
  assert.deepEqual([plain.stdout, plain.stderr, plain.code], ['o1\no2\n', 'e1\n', 0]);
  const tty = await runCli(['logs', 'tty'], { host: engine.host });
  assert.deepEqual([tty.stdout, tty.stderr], ['raw\r\n', '']);
  assert.deepEqual(engine.calls, [
    'GET /containers/plain/json',
    `GET /containers/${ID}/logs?follow=1&stderr=1&stdout=1&tail=2`,
    'GET /containers/tty/json',
    `GET /containers/${'b'.repeat(64)}/logs?stderr=1&stdout=1&tail=all`,
  ]);
});

test('exec -i: stdin goes in, the half-close ends it, the exit code comes from the exec inspect', async () => {
  engine.reset();
  const EXEC = 'e'.repeat(64);
  installFakeDaemon(engine, { containers: [{ id: ID, name: 'web', state: 'running' }], execs: [{ id: EXEC, echoStdin: true, exitCode: 3 }] });
  const r = await runCli(['exec', '-i', 'web', 'cat'], { host: engine.host, stdin: 'line 1\nline 2\n' });
  assert.equal(r.stdout, 'line 1\nline 2\n');
  assert.equal(r.code, 3);
  const start = engine.seen.find((s) => s.path === `/exec/${EXEC}/start`)!;
  assert.equal(start.requestBody?.toString(), '{"Detach":false,"Tty":false}\n');
  assert.equal(start.body.toString(), 'line 1\nline 2\n');
});

test('attach: stdin only when the container keeps it open; the exit status from the wait', async () => {
  engine.reset();
  installFakeDaemon(engine, { containers: [{ id: ID, name: 'web', state: 'running', openStdin: true, echoStdin: true, exitCode: 5 }] });
  const r = await runCli(['attach', 'web'], { host: engine.host, stdin: 'typed\n' });
  assert.equal(r.stdout, 'typed\n');
  assert.equal(r.code, 5);
  assert.deepEqual(engine.calls.slice(0, 3), ['POST /containers/web/wait', 'GET /containers/web/json', 'POST /containers/web/attach?stderr=1&stdin=1&stdout=1&stream=1']);
});
