/**
 * Issue 10: docker-compose 1.29.2 (docker-py 5.0.3), unchanged, against berthd. Its dialect is
 * the one recorded in shared/reference/api-traces/compose-{up,ps,down}.txt: `GET /version`
 * without a ping, list-form filters, `True`/`False` query booleans, the disconnect+connect
 * dance before start, `<proj>_<svc>_1` names and `com.docker.compose.*` labels.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, run, type TestDaemon, ok, sleep, freePort } from './harness.js';

let d: TestDaemon;
let dir: string;
let port: number;


const composeOk = async (args: string[]) => {
  const r = await run('docker-compose', ['-H', d.host, ...args], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `docker-compose ${args.join(' ')}: ${r.stderr}`);
  return r;
};

async function httpGet(p: number): Promise<string> {
  let last: unknown;
  for (let i = 0; i < 40; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${p}/`);
      return await r.text();
    } catch (e) {
      last = e;
      await sleep(100);
    }
  }
  throw last;
}

async function eventually(args: string[], tries = 30): Promise<string> {
  let last = '';
  for (let i = 0; i < tries; i++) {
    const r = await d.docker(args);
    if (r.code === 0) return r.stdout;
    last = r.stderr + r.stdout;
    await sleep(150);
  }
  throw new Error(`${args.join(' ')}: ${last}`);
}

describe('docker-compose 1.29.2 against berthd', () => {
  before(async () => {
    d = await startDaemon();
    await d.importBusybox();
    dir = mkdtempSync(join(d.dir, 'proj-'));
    port = await freePort();
    writeFileSync(
      join(dir, 'docker-compose.yml'),
      `version: "3.8"
services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo hello-from-web > /www/index.html && httpd -f -p 80 -h /www"]
    ports:
      - "${port}:80"
    networks: [back, default]
    depends_on: [db]
  db:
    image: busybox
    command: ["sh", "-c", "echo db is up; exec sleep 3600"]
    networks: [back]
    volumes: [data:/data]
  client:
    image: busybox
    command: ["sh", "-c", "echo client is up; exec sleep 3600"]
networks:
  back: {}
volumes:
  data: {}
`,
    );
  });
  after(async () => {
    await d?.cleanup();
  });

  const inProject = (args: string[]) => composeOk(['--project-directory', dir, '-f', join(dir, 'docker-compose.yml'), '-p', 'shop', ...args]);

  test('up -d creates networks and <proj>_<svc>_1 containers with compose labels, in dependency order', async () => {
    const r = await inProject(['up', '-d']);
    assert.match(r.stderr, /Creating network "shop_back" with the default driver/);
    assert.match(r.stderr, /Creating network "shop_default" with the default driver/);
    const names = (await ok(d.docker(['ps', '--format', '{{.Names}}']))).trim().split('\n').sort();
    assert.deepEqual(names, ['shop_client_1', 'shop_db_1', 'shop_web_1']);
    const labels = JSON.parse(await ok(d.docker(['inspect', '-f', '{{json .Config.Labels}}', 'shop_web_1'])));
    assert.equal(labels['com.docker.compose.project'], 'shop');
    assert.equal(labels['com.docker.compose.service'], 'web');
    assert.equal(labels['com.docker.compose.container-number'], '1');
    assert.equal(labels['com.docker.compose.oneoff'], 'False');
    assert.match(labels['com.docker.compose.config-hash'], /^[0-9a-f]{64}$/);
    const nets = (await ok(d.docker(['network', 'ls', '--filter', 'label=com.docker.compose.project=shop', '--format', '{{.Name}}']))).trim().split('\n');
    assert.deepEqual(nets.sort(), ['shop_back', 'shop_default']);
  });

  test('ps lists the services as Up with the published port', async () => {
    const r = await inProject(['ps']);
    for (const n of ['shop_web_1', 'shop_db_1', 'shop_client_1']) assert.match(r.stdout, new RegExp(`${n} .* Up`));
    assert.match(r.stdout, new RegExp(`0\\.0\\.0\\.0:${port}->80/tcp`));
    const q = await inProject(['ps', '-q']);
    assert.equal(q.stdout.trim().split('\n').length, 3);
  });

  test('services reach each other by service name; the published port answers', async () => {
    assert.equal(await httpGet(port), 'hello-from-web\n');
    assert.equal(await eventually(['exec', 'shop_db_1', 'wget', '-qO-', 'http://web/']), 'hello-from-web\n');
    assert.equal(await eventually(['exec', 'shop_client_1', 'wget', '-qO-', 'http://web/']), 'hello-from-web\n');
    // db is on `back` only, client on `default` only: they do not see each other
    const r = await d.docker(['exec', 'shop_client_1', 'nslookup', 'db']);
    assert.notEqual(r.code, 0);
  });

  test('run --rm (its one-off container links to the service\'s own, on a user-defined network) and exec', async () => {
    const r = await inProject(['run', '--rm', '-T', 'db', 'sh', '-c', 'echo one-off; wget -qO- http://web/']);
    assert.equal(r.stdout, 'one-off\nhello-from-web\n');
    assert.equal((await ok(d.docker(['ps', '-aq', '--filter', 'label=com.docker.compose.oneoff=True']))).trim(), '');
    const e = await inProject(['exec', '-T', 'client', 'echo', 'exec-ok']);
    assert.equal(e.stdout, 'exec-ok\n');
  });

  test('logs shows each service prefixed', async () => {
    const r = await inProject(['logs', '--no-color']);
    assert.match(r.stdout, /db_1 +\| db is up/);
    assert.match(r.stdout, /client_1 +\| client is up/);
  });

  test('up -d again leaves everything up-to-date; a changed service alone is recreated', async () => {
    const before = (await ok(d.docker(['inspect', '-f', '{{.Id}}', 'shop_web_1', 'shop_db_1', 'shop_client_1']))).trim().split('\n');
    const r = await inProject(['up', '-d']);
    assert.match(r.stderr, /shop_web_1 is up-to-date/);
    const again = (await ok(d.docker(['inspect', '-f', '{{.Id}}', 'shop_web_1', 'shop_db_1', 'shop_client_1']))).trim().split('\n');
    assert.deepEqual(again, before);
    const r2 = await composeOk(['--project-directory', dir, '-f', join(dir, 'docker-compose.yml'), '-p', 'shop', 'up', '-d', '-t', '1', '--force-recreate', 'client']);
    assert.match(r2.stderr, /Recreating shop_client_1/);
    const after = (await ok(d.docker(['inspect', '-f', '{{.Id}}', 'shop_web_1', 'shop_db_1', 'shop_client_1']))).trim().split('\n');
    assert.equal(after[0], before[0]);
    assert.notEqual(after[2], before[2]);
  });

  test('stop, start, restart', async () => {
    await inProject(['stop', '-t', '1']);
    const st = (await ok(d.docker(['ps', '-a', '--filter', 'label=com.docker.compose.project=shop', '--format', '{{.State}}']))).trim().split('\n');
    assert.deepEqual(st, ['exited', 'exited', 'exited']);
    const ps = await inProject(['ps']);
    assert.match(ps.stdout, /shop_web_1 .* Exit/);
    await inProject(['start']);
    assert.equal(await httpGet(port), 'hello-from-web\n');
    assert.equal(await eventually(['exec', 'shop_db_1', 'wget', '-qO-', 'http://web/']), 'hello-from-web\n');
    const r = await inProject(['restart', '-t', '1']);
    assert.match(r.stderr, /Restarting shop_web_1 +\.\.\. done/);
    assert.equal(await httpGet(port), 'hello-from-web\n');
    const up = (await ok(d.docker(['ps', '--filter', 'label=com.docker.compose.project=shop', '--format', '{{.State}}']))).trim().split('\n');
    assert.deepEqual(up, ['running', 'running', 'running']);
  });

  test('down removes containers and networks, keeps the volume; down -v removes it', async () => {
    await ok(d.docker(['exec', 'shop_db_1', 'sh', '-c', 'echo kept > /data/f']));
    const r0 = await inProject(['down', '-t', '1']);
    assert.match(r0.stderr, /Removing shop_db_1 +\.\.\. done/);
    const vl = JSON.parse(await ok(d.docker(['volume', 'inspect', '-f', '{{json .Labels}}', 'shop_data'])));
    assert.equal(vl['com.docker.compose.volume'], 'data');
    await inProject(['up', '-d']);
    assert.equal(await ok(d.docker(['exec', 'shop_db_1', 'cat', '/data/f'])), 'kept\n');
    const r = await inProject(['down', '-v', '-t', '1']);
    assert.match(r.stderr, /Removing volume shop_data/);
    assert.notEqual((await d.docker(['volume', 'inspect', 'shop_data'])).code, 0);
    assert.match(r.stderr, /Removing network shop_back/);
    assert.equal((await ok(d.docker(['ps', '-aq']))).trim(), '');
    const nets = (await ok(d.docker(['network', 'ls', '--format', '{{.Name}}']))).trim().split('\n').sort();
    assert.deepEqual(nets, ['bridge', 'host', 'none']);
  });

  test('interop: berth compose sees and removes a docker-compose project, and the other way round', async () => {
    await inProject(['up', '-d']);
    const berth = (args: string[]) => d.berth(['compose', '--project-directory', dir, '-p', 'shop', ...args], { timeoutMs: 120_000 });
    const ps = await berth(['ps', '--services']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.deepEqual(ps.stdout.trim().split('\n').sort(), ['client', 'db', 'web']);
    const down = await berth(['down', '-v', '-t', '1']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await ok(d.docker(['ps', '-aq']))).trim(), '');
    assert.notEqual((await d.docker(['volume', 'inspect', 'shop_data'])).code, 0);
    const up = await berth(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const v1ps = await inProject(['ps']);
    assert.match(v1ps.stdout, /shop-web-1 .* Up/);
    const v1down = await inProject(['down', '-v', '-t', '1']);
    assert.match(v1down.stderr, /Removing shop-web-1 +\.\.\. done/);
    assert.equal((await ok(d.docker(['ps', '-aq']))).trim(), '');
    assert.deepEqual((await ok(d.docker(['network', 'ls', '--format', '{{.Name}}']))).trim().split('\n').sort(), ['bridge', 'host', 'none']);
  });
});
