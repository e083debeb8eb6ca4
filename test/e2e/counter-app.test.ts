/**
 * Issue 10, the book's counter-app (chapter 9): a Flask web front end counting hits in Redis,
 * on a Debian base built offline with debootstrap (python3-flask, python3-redis, redis-server),
 * the web image built by `build:` from the book's app.py. `berth compose up -d`: each request
 * counts up; `ps`, `stop`, `restart`, `down` (the volume stays), `down --volumes` (it goes). Then
 * the same project with docker-compose 1.29.2 against berthd.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type TestDaemon, ok, sleep, run, freePort } from './harness.js';
import { debianTar } from './debian.js';

let d: TestDaemon;
let dir: string;
let port: number;

const APP = `import time

import redis
from flask import Flask

app = Flask(__name__)
cache = redis.Redis(host='redis', port=6379)


def get_hit_count():
    retries = 5
    while True:
        try:
            return cache.incr('hits')
        except redis.exceptions.ConnectionError as exc:
            if retries == 0:
                raise exc
            retries -= 1
            time.sleep(0.5)


@app.route('/')
def hello():
    count = get_hit_count()
    return 'What\\'s up Docker Deep Divers! You\\'ve visited me {} times.\\n'.format(count)


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080, debug=False)
`;

const composeFile = (p: number) => `networks:
  counter-net:

volumes:
  counter-vol:

services:
  web-fe:
    build: .
    command: python3 app.py
    ports:
      - target: 8080
        published: ${p}
    networks:
      - counter-net
    volumes:
      - type: volume
        source: counter-vol
        target: /app
  redis:
    image: "counter-base:latest"
    command: redis-server --protected-mode no --save 1 1 --dir /data
    networks:
      counter-net:
    volumes:
      - counter-vol:/data
`;


/** The count the page reports (it may take the app a moment to listen). */
async function hits(): Promise<number> {
  let last = '';
  for (let i = 0; i < 100; i++) {
    try {
      const body = await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3000) })).text();
      const m = /visited me (\d+) times/.exec(body);
      if (m) return Number(m[1]);
      last = body;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`no count from the web front end: ${last}`);
}

const berthCompose = (args: string[]) => ok(d.berth(['compose', '--project-directory', dir, '-p', 'counter', ...args], { timeoutMs: 300_000 }));
const dockerCompose = (args: string[]) =>
  ok(run('docker-compose', ['-H', d.host, '--project-directory', dir, '-f', join(dir, 'compose.yaml'), '-p', 'counter1', ...args], { timeoutMs: 300_000, env: { DOCKER_HOST: d.host, DOCKER_BUILDKIT: '0', COMPOSE_DOCKER_CLI_BUILD: '0' } }));

describe("the book's counter-app (Flask + Redis on Debian, built offline)", () => {
  before(async () => {
    const tar = await debianTar('debian-flask', ['python3-flask', 'python3-redis', 'redis-server']);
    d = await startDaemon();
    await ok(d.docker(['import', tar, 'counter-base:latest'], { timeoutMs: 300_000 }));
    dir = mkdtempSync('/tmp/be-counter-');
    port = await freePort();
    writeFileSync(join(dir, 'app.py'), APP);
    writeFileSync(join(dir, 'requirements.txt'), 'flask\nredis\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM counter-base:latest\nCOPY . /code\nWORKDIR /code\nENTRYPOINT ["python3", "app.py"]\n');
    writeFileSync(join(dir, 'compose.yaml'), composeFile(port));
  });
  after(async () => {
    await d?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('berth compose: up -d counts up on each request; ps, stop, restart; down keeps the volume, down --volumes removes it', async () => {
    await berthCompose(['up', '-d']);
    const first = await hits();
    assert.equal(await hits(), first + 1);
    assert.equal(await hits(), first + 2);
    const ps = await berthCompose(['ps', '--format', '{{.Service}} {{.State}}']);
    assert.deepEqual(ps.trim().split('\n').sort(), ['redis running', 'web-fe running']);
    assert.match(await berthCompose(['top']), /python3 app\.py/);
    await berthCompose(['stop']);
    assert.deepEqual((await berthCompose(['ps', '-a', '--format', '{{.State}}'])).trim().split('\n'), ['exited', 'exited']);
    await berthCompose(['restart']);
    // redis saved the count in the volume: it goes on
    assert.ok((await hits()) > first + 2);
    await berthCompose(['down']);
    assert.match(await ok(d.docker(['volume', 'ls', '--format', '{{.Name}}'])), /^counter_counter-vol$/m);
    await berthCompose(['up', '-d']);
    assert.ok((await hits()) > first + 2, 'the count survived down');
    await berthCompose(['down', '--volumes']);
    assert.doesNotMatch(await ok(d.docker(['volume', 'ls', '--format', '{{.Name}}'])), /counter_counter-vol/);
    assert.equal(await ok(d.docker(['ps', '-aq', '--filter', 'label=com.docker.compose.project=counter'])), '');
  });

  test('docker-compose 1.29.2 runs the same project against berthd', async () => {
    await dockerCompose(['up', '-d']);
    const first = await hits();
    assert.equal(await hits(), first + 1);
    assert.match(await dockerCompose(['ps']), /counter1_web-fe_1 .* Up /);
    await dockerCompose(['down', '--volumes']);
    assert.equal(await ok(d.docker(['ps', '-aq'])), '');
  });
});
