/**
 * Issue 10: `berth compose` end to end against berthd (busybox imported offline): Compose v2's
 * names and labels, depends_on service_healthy, only changed services recreated, the verbs,
 * named volumes surviving `down` and going with `down -v`, and bad files refused with an error
 * naming file, service and key before anything is created.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startDaemon, type TestDaemon, ok, sleep, run, BERTH, freePort } from './harness.js';

let d: TestDaemon;
let dir: string;
let port: number;


const compose = (args: string[], env: Record<string, string> = {}) => d.berth(['compose', '--project-directory', dir, '-p', 'shop', ...args], { timeoutMs: 120_000, env });
const composeOk = async (args: string[], env: Record<string, string> = {}) => {
  const r = await compose(args, env);
  assert.equal(r.code, 0, `berth compose ${args.join(' ')}: ${r.stderr}`);
  return r;
};
const ids = async (...names: string[]) => (await ok(d.docker(['inspect', '-f', '{{.Id}}', ...names]))).trim().split('\n');

async function httpGet(p: number): Promise<string> {
  let last: unknown;
  for (let i = 0; i < 40; i++) {
    try {
      return await (await fetch(`http://127.0.0.1:${p}/`)).text();
    } catch (e) {
      last = e;
      await sleep(100);
    }
  }
  throw last;
}

function writeProject(greeting: string) {
  writeFileSync(join(dir, '.env'), `GREETING=${greeting}\nWEB_PORT=${port}\n`);
  writeFileSync(
    join(dir, 'compose.yaml'),
    `services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo $\${GREETING} > /www/index.html && exec httpd -f -p 80 -h /www"]
    environment:
      GREETING: \${GREETING:-nobody}
    ports: ["\${WEB_PORT}:80"]
    stop_signal: SIGKILL
    depends_on:
      db: {condition: service_healthy}
  db:
    image: busybox
    command: ["sh", "-c", "sleep 1; echo db-ready; touch /ready; echo stored >> /data/log; exec sleep 3600"]
    stop_signal: SIGKILL
    healthcheck:
      test: ["CMD", "test", "-f", "/ready"]
      interval: 300ms
      retries: 30
    volumes: [data:/data]
  worker:
    image: busybox
    command: ["sh", "-c", "echo worker-up; exec sleep 3600"]
    stop_signal: SIGKILL
    depends_on: [web]
volumes:
  data: {}
`,
  );
}

describe('berth compose', () => {
  before(async () => {
    d = await startDaemon();
    await d.importBusybox();
    dir = mkdtempSync(join(d.dir, 'shop-'));
    port = await freePort();
    writeProject('hello');
  });
  after(async () => {
    await d?.cleanup();
  });

  test('up -d: Compose v2 names and labels, the network and volume, depends_on service_healthy', async () => {
    const r = await composeOk(['up', '-d']);
    // db had to be healthy before web was created
    const lines = r.stderr.split('\n').map((l) => l.trim());
    assert.ok(lines.indexOf('Container shop-db-1  Healthy') < lines.indexOf('Container shop-web-1  Creating'), r.stderr);
    assert.ok(lines.includes('Network shop_default  Created'), r.stderr);
    assert.ok(lines.includes('Volume shop_data  Created'), r.stderr);
    const names = (await ok(d.docker(['ps', '--format', '{{.Names}}']))).trim().split('\n').sort();
    assert.deepEqual(names, ['shop-db-1', 'shop-web-1', 'shop-worker-1']);
    const labels = JSON.parse(await ok(d.docker(['inspect', '-f', '{{json .Config.Labels}}', 'shop-web-1'])));
    assert.equal(labels['com.docker.compose.project'], 'shop');
    assert.equal(labels['com.docker.compose.service'], 'web');
    assert.equal(labels['com.docker.compose.container-number'], '1');
    assert.equal(labels['com.docker.compose.oneoff'], 'False');
    assert.equal(labels['com.docker.compose.project.working_dir'], dir);
    assert.equal(labels['com.docker.compose.project.config_files'], join(dir, 'compose.yaml'));
    assert.match(labels['com.docker.compose.config-hash'], /^[0-9a-f]{64}$/);
    assert.equal(labels['com.docker.compose.depends_on'], 'db:service_healthy:false');
    const netLabels = JSON.parse(await ok(d.docker(['network', 'inspect', '-f', '{{json .Labels}}', 'shop_default'])));
    assert.equal(netLabels['com.docker.compose.network'], 'default');
    const volLabels = JSON.parse(await ok(d.docker(['volume', 'inspect', '-f', '{{json .Labels}}', 'shop_data'])));
    assert.equal(volLabels['com.docker.compose.volume'], 'data');
    assert.equal(await httpGet(port), 'hello\n');
  });

  test('services reach each other by service name', async () => {
    assert.equal(await ok(d.docker(['exec', 'shop-worker-1', 'wget', '-qO-', 'http://web/'])), 'hello\n');
    const r = await composeOk(['exec', '-T', 'worker', 'nslookup', 'db']);
    assert.match(r.stdout, /Address/);
  });

  test('ps, ps --format json, ls, logs, top, port, images, config', async () => {
    const ps = await composeOk(['ps']);
    assert.match(ps.stdout, /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS\n/);
    assert.match(ps.stdout, /shop-db-1 .* db .* Up .*\(healthy\)/);
    assert.match(ps.stdout, new RegExp(`shop-web-1 .*0\\.0\\.0\\.0:${port}->80/tcp`));
    const js = (await composeOk(['ps', '--format', 'json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(js.map((c) => c.Service).sort(), ['db', 'web', 'worker']);
    assert.ok(js.every((c) => c.State === 'running' && c.Project === 'shop'));
    assert.deepEqual((await composeOk(['ps', '--services'])).stdout.trim().split('\n').sort(), ['db', 'web', 'worker']);
    assert.equal((await composeOk(['ps', '--format', '{{.Name}}:{{.State}}', 'web'])).stdout, 'shop-web-1:running\n');
    assert.equal((await composeOk(['ps', '-q', 'web'])).stdout.trim(), (await ids('shop-web-1'))[0]);
    assert.match((await ok(d.berth(['compose', 'ls']))).toString(), /shop\s+running\(3\)/);
    const logs = await composeOk(['logs', '--no-color']);
    assert.match(logs.stdout, /^db-1\s+\| db-ready$/m);
    assert.match(logs.stdout, /^worker-1\s+\| worker-up$/m);
    assert.match((await composeOk(['top', 'db'])).stdout, /shop-db-1\nUID\s+PID.*\n.*sleep 3600/);
    assert.equal((await composeOk(['port', 'web', '80'])).stdout, `0.0.0.0:${port}\n`);
    assert.match((await composeOk(['images'])).stdout, /shop-web-1\s+busybox\s+latest/);
    const cfg = (await composeOk(['config'])).stdout;
    assert.match(cfg, /^name: shop$/m);
    assert.match(cfg, /GREETING: hello/);
    assert.match(cfg, /published: "?\d+"?/);
  });

  test('up -d again recreates nothing; a changed service alone is recreated', async () => {
    const before = await ids('shop-db-1', 'shop-web-1', 'shop-worker-1');
    const r = await composeOk(['up', '-d']);
    assert.match(r.stderr, /Container shop-web-1 {2}Running/);
    assert.deepEqual(await ids('shop-db-1', 'shop-web-1', 'shop-worker-1'), before);
    writeProject('changed');
    const r2 = await composeOk(['up', '-d']);
    assert.match(r2.stderr, /Container shop-web-1 {2}Recreated/);
    const after = await ids('shop-db-1', 'shop-web-1', 'shop-worker-1');
    assert.equal(after[0], before[0]);
    assert.notEqual(after[1], before[1]);
    assert.equal(after[2], before[2]);
    assert.equal(await httpGet(port), 'changed\n');
  });

  test('stop, start, restart, run --rm, scale, kill, rm', async () => {
    await composeOk(['stop']);
    assert.equal((await ok(d.docker(['ps', '-q']))).trim(), '');
    await composeOk(['start']);
    assert.equal(await httpGet(port), 'changed\n');
    const r = await composeOk(['restart', 'worker']);
    assert.match(r.stderr, /Container shop-worker-1 {2}Restarted/);
    const run = await composeOk(['run', '--rm', '-T', 'worker', 'sh', '-c', 'wget -qO- http://web/ && exit 0']);
    assert.equal(run.stdout, 'changed\n');
    const failing = await compose(['run', '--rm', '-T', 'worker', 'sh', '-c', 'exit 7']);
    assert.equal(failing.code, 7);
    assert.equal((await ok(d.docker(['ps', '-a', '--filter', 'label=com.docker.compose.oneoff=True', '-q']))).trim(), '');
    await composeOk(['up', '-d', '--scale', 'worker=3']);
    assert.deepEqual((await ok(d.docker(['ps', '--filter', 'label=com.docker.compose.service=worker', '--format', '{{.Names}}']))).trim().split('\n').sort(), ['shop-worker-1', 'shop-worker-2', 'shop-worker-3']);
    await composeOk(['up', '-d', '--scale', 'worker=1']);
    assert.deepEqual((await ok(d.docker(['ps', '-a', '--filter', 'label=com.docker.compose.service=worker', '--format', '{{.Names}}']))).trim().split('\n'), ['shop-worker-1']);
    await composeOk(['kill', 'worker']);
    await composeOk(['rm', '-f', 'worker']);
    assert.equal((await ok(d.docker(['ps', '-a', '--filter', 'label=com.docker.compose.service=worker', '-q']))).trim(), '');
  });

  test('down keeps the named volume; down -v removes it', async () => {
    await composeOk(['up', '-d']);
    const r = await composeOk(['down']);
    assert.match(r.stderr, /Network shop_default {2}Removed/);
    assert.equal((await ok(d.docker(['ps', '-aq']))).trim(), '');
    await ok(d.docker(['volume', 'inspect', 'shop_data']));
    await composeOk(['up', '-d', '--wait', 'db']);
    // the new db appends to what the first one wrote into the volume
    let log = '';
    for (let i = 0; i < 30 && log.split('\n').filter(Boolean).length < 2; i++) {
      log = await ok(d.docker(['exec', 'shop-db-1', 'cat', '/data/log']));
      await sleep(100);
    }
    assert.ok(log.split('\n').filter(Boolean).length >= 2, log);
    await composeOk(['down', '-v']);
    assert.notEqual((await d.docker(['volume', 'inspect', 'shop_data'])).code, 0);
    assert.deepEqual((await ok(d.docker(['network', 'ls', '--format', '{{.Name}}']))).trim().split('\n').sort(), ['bridge', 'host', 'none']);
  });

  test('bad files: the error names file, service and key, and up creates nothing', async () => {
    const bad = join(dir, 'bad.yaml');
    const cases: [string, RegExp][] = [
      ['services:\n  web:\n    image: busybox\n    prots: ["80"]\n', /bad\.yaml:4:5: services\.web\.prots: additional property "prots" is not allowed/],
      ['services:\n  web:\n    image: busybox\n    ports: 80\n', /bad\.yaml:4:5: services\.web\.ports: must be a array/],
      ['services:\n  web:\n    image: ${NOPE_NOT_SET:?set NOPE_NOT_SET}\n', /bad\.yaml:3:5: services\.web\.image: required variable NOPE_NOT_SET is missing a value: set NOPE_NOT_SET/],
      ['services:\n  a:\n    image: busybox\n    depends_on: [b]\n  b:\n    image: busybox\n    depends_on: [a]\n', /bad\.yaml:\d+:5: services\.a\.depends_on: dependency cycle detected: a -> b -> a/],
      ['services:\n  a:\n    image: busybox\n    ports: ["8080:80"]\n  b:\n    image: busybox\n    ports: ["8080:81"]\n', /bad\.yaml:7:13: services\.b\.ports\[0\]: port 8080\/tcp is already published by service "a"/],
      ['services:\n  a:\n    image: busybox\n   bad: [\n', /bad\.yaml:\d+:\d+: yaml: /],
    ];
    for (const [text, re] of cases) {
      writeFileSync(bad, text);
      const r = await d.berth(['compose', '-f', bad, '-p', 'badproj', 'up', '-d']);
      assert.equal(r.code, 1, text);
      assert.match(r.stderr, re);
    }
    assert.equal((await ok(d.docker(['ps', '-aq']))).trim(), '');
    assert.deepEqual((await ok(d.docker(['network', 'ls', '--format', '{{.Name}}']))).trim().split('\n').sort(), ['bridge', 'host', 'none']);
  });

  test('push, pull, and up pulling a missing image (berth registry serve on loopback)', async (t) => {
    const regPort = await freePort();
    const reg = spawn(process.execPath, [BERTH, 'registry', 'serve', '--addr', `127.0.0.1:${regPort}`, '--root', join(d.dir, 'registry')], { stdio: 'ignore' });
    t.after(() => {
      reg.kill('SIGKILL');
    });
    for (let i = 0; i < 50; i++) {
      try {
        await fetch(`http://127.0.0.1:${regPort}/v2/`);
        break;
      } catch {
        await sleep(100);
      }
    }
    const pdir = mkdtempSync(join(d.dir, 'reg-'));
    const image = `127.0.0.1:${regPort}/cmp/app:v1`;
    writeFileSync(join(pdir, 'compose.yaml'), `services:\n  app:\n    image: ${image}\n    command: ["echo", "pulled-ok"]\n`);
    const c = (args: string[]) => d.berth(['compose', '--project-directory', pdir, ...args], { timeoutMs: 120_000 });
    await ok(d.docker(['tag', 'busybox', image]));
    const push = await c(['push']);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /Pushed/);
    await ok(d.docker(['rmi', image]));
    const pull = await c(['pull']);
    assert.equal(pull.code, 0, pull.stderr);
    await ok(d.docker(['rmi', image]));
    const up = await c(['up', '--no-color']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /Image app {2}Pulled/);
    assert.match(up.stdout, /^app-1 +\| pulled-ok$/m);
    assert.match(up.stdout, /^app-1 exited with code 0$/m);
    assert.equal((await c(['down'])).code, 0);
  });

  // The book's counter-app shape (chapter 9) on busybox, images being offline: web-fe counts hits
  // in "redis" (a busybox nc server), which keeps the count in the counter-vol volume.
  const counterApp = (webPort: number) => `services:
  web-fe:
    image: busybox
    command:
      - sh
      - -c
      - |
        mkdir -p /www/cgi-bin
        printf '#!/bin/sh\\nn=$$(nc redis 6379 </dev/null)\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\nHello! I have been seen %%s times.\\\\n" "$$n"\\n' > /www/cgi-bin/index
        chmod +x /www/cgi-bin/index
        exec httpd -f -p 8080 -h /www
    ports: ["${webPort}:8080"]
    networks: [counter-net]
    depends_on: [redis]
    stop_signal: SIGKILL
  redis:
    image: busybox
    command:
      - sh
      - -c
      - |
        printf '#!/bin/sh\\nn=$$(cat /data/count 2>/dev/null || echo 0)\\nn=$$((n+1))\\necho $$n > /data/count\\necho $$n\\n' > /incr
        chmod +x /incr
        exec nc -ll -p 6379 -e /incr
    networks: [counter-net]
    volumes: [counter-vol:/data]
    stop_signal: SIGKILL
networks:
  counter-net: {}
volumes:
  counter-vol: {}
`;

  for (const tool of ['berth compose', 'docker-compose'] as const) {
    test(`counter-app with ${tool}: counts up, the volume survives down and goes with down --volumes`, async () => {
      const cdir = mkdtempSync(join(d.dir, 'counter-'));
      const webPort = await freePort();
      writeFileSync(join(cdir, 'docker-compose.yml'), counterApp(webPort));
      const c = (args: string[]) =>
        tool === 'berth compose'
          ? d.berth(['compose', '--project-directory', cdir, '-p', 'counter', ...args], { timeoutMs: 120_000 })
          : run('docker-compose', ['-H', d.host, '--project-directory', cdir, '-f', join(cdir, 'docker-compose.yml'), '-p', 'counter', ...args], { timeoutMs: 120_000 });
      const hit = async () => {
        for (let i = 0; ; i++) {
          try {
            const r = await fetch(`http://127.0.0.1:${webPort}/cgi-bin/index`);
            const text = await r.text();
            if (r.status === 200 && /seen \d+ times/.test(text)) return text;
            if (i > 40) throw new Error(text);
          } catch (e) {
            if (i > 40) throw e;
          }
          await sleep(100);
        }
      };
      const up = await c(['up', '-d']);
      assert.equal(up.code, 0, up.stderr);
      assert.equal(await hit(), 'Hello! I have been seen 1 times.\n');
      assert.equal(await hit(), 'Hello! I have been seen 2 times.\n');
      assert.equal((await c(['down'])).code, 0);
      await ok(d.docker(['volume', 'inspect', 'counter_counter-vol']));
      assert.equal((await c(['up', '-d'])).code, 0);
      assert.equal(await hit(), 'Hello! I have been seen 3 times.\n');
      const down = await c(['down', '--volumes']);
      assert.equal(down.code, 0, down.stderr);
      assert.notEqual((await d.docker(['volume', 'inspect', 'counter_counter-vol'])).code, 0);
    });
  }

  // The same shape with `build:` (issue 8's builder): both images built from busybox, the book's
  // edit-and-`up --build` recreating only the service whose image changed.
  function builtCounterApp(webPort: number): string {
    const cdir = mkdtempSync(join(d.dir, 'built-'));
    mkdirSync(join(cdir, 'web-fe'));
    mkdirSync(join(cdir, 'redis'));
    writeFileSync(join(cdir, 'web-fe', 'Dockerfile'), 'FROM busybox\nCOPY index.sh /www/cgi-bin/index\nRUN chmod +x /www/cgi-bin/index\nEXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n');
    writeFileSync(join(cdir, 'web-fe', 'index.sh'), '#!/bin/sh\nn=$(nc redis 6379 </dev/null)\nprintf \'Content-Type: text/plain\\r\\n\\r\\nHello! I have been seen %s times.\\n\' "$n"\n');
    writeFileSync(join(cdir, 'redis', 'Dockerfile'), 'FROM busybox\nCOPY incr.sh /incr\nRUN chmod +x /incr\nVOLUME /data\nCMD ["nc", "-ll", "-p", "6379", "-e", "/incr"]\n');
    writeFileSync(join(cdir, 'redis', 'incr.sh'), '#!/bin/sh\nn=$(cat /data/count 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > /data/count\necho $n\n');
    writeFileSync(
      join(cdir, 'docker-compose.yml'),
      `services:\n  web-fe:\n    build: ./web-fe\n    ports: ["${webPort}:8080"]\n    networks: [counter-net]\n    depends_on: [redis]\n    stop_signal: SIGKILL\n  redis:\n    build: {context: ./redis}\n    networks: [counter-net]\n    volumes: [counter-vol:/data]\n    stop_signal: SIGKILL\nnetworks:\n  counter-net: {}\nvolumes:\n  counter-vol: {}\n`,
    );
    return cdir;
  }

  for (const tool of ['berth compose', 'docker-compose'] as const) {
    test(`counter-app built with build: and ${tool}; an edit and up --build recreate only web-fe`, async () => {
      const webPort = await freePort();
      const cdir = builtCounterApp(webPort);
      const c = (args: string[]) =>
        tool === 'berth compose'
          ? d.berth(['compose', '--project-directory', cdir, '-p', 'built', ...args], { timeoutMs: 180_000 })
          : // docker-compose 1.29 builds through the docker CLI, which reads DOCKER_HOST (not -H)
            run('docker-compose', ['--project-directory', cdir, '-f', join(cdir, 'docker-compose.yml'), '-p', 'built', ...args], { timeoutMs: 180_000, env: { DOCKER_HOST: d.host, DOCKER_CONFIG: join(d.dir, 'cli') } });
      const hit = async () => {
        for (let i = 0; ; i++) {
          try {
            const r = await fetch(`http://127.0.0.1:${webPort}/cgi-bin/index`);
            const text = await r.text();
            if (r.status === 200 && /seen \d+ times/.test(text)) return text;
            if (i > 40) throw new Error(text);
          } catch (e) {
            if (i > 40) throw e;
          }
          await sleep(100);
        }
      };
      const up = await c(['up', '-d']);
      assert.equal(up.code, 0, up.stderr);
      assert.equal(await hit(), 'Hello! I have been seen 1 times.\n');
      const svcIds = async () => (await ok(d.docker(['ps', '-q', '--no-trunc', '--filter', 'label=com.docker.compose.project=built', '--filter', 'label=com.docker.compose.service=redis']))).trim();
      const redisBefore = await svcIds();
      writeFileSync(join(cdir, 'web-fe', 'index.sh'), '#!/bin/sh\nn=$(nc redis 6379 </dev/null)\nprintf \'Content-Type: text/plain\\r\\n\\r\\nHi! I have been seen %s times.\\n\' "$n"\n');
      const again = await c(['up', '-d', '--build']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(await hit(), 'Hi! I have been seen 2 times.\n');
      assert.equal(await svcIds(), redisBefore);
      const down = await c(['down', '--volumes']);
      assert.equal(down.code, 0, down.stderr);
      assert.equal((await ok(d.docker(['ps', '-aq', '--filter', 'label=com.docker.compose.project=built']))).trim(), '');
    });
  }
});
