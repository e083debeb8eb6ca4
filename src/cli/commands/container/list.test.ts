import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerSummary } from '../../../api/types/index.js';
import { FakeEngine, runCli } from '../../test-helpers.js';
import { containerFormat, displayImage, displayNames, ellipsis, goQuote, probeTemplate } from './list.js';

const engine = new FakeEngine();
before(() => engine.listen());
after(() => engine.close());

/** api-traces/ps.txt: the daemon's answer, and docker 28's output in the trace header. */
const PS_TRACE: Partial<ContainerSummary>[] = [
  {
    Id: 'addaa50fd034a695c9f5de6c11b3563a93123823c1dce980540a1f2827455380',
    Names: ['/ticker'],
    Image: 'busybox',
    ImageID: 'sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a',
    Command: "sh -c 'i=0; while :; do echo out $i; echo err $i >&2; i=$((i+1)); sleep 0.4; done'",
    Created: 1795975146,
    Ports: [],
    State: 'running',
    Status: 'Up Less than a second',
  },
  {
    Id: '5fa78686aed6842a5a68848fdbe161ef69b1b45e870fdc83540baf445c73aee7',
    Names: ['/web'],
    Image: 'busybox',
    ImageID: 'sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a',
    Command: 'httpd -f -p 80',
    Created: 1795975141,
    Ports: [
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    ],
    State: 'running',
    Status: 'Up 4 seconds',
  },
];
const PS_TRACE_OUT = `CONTAINER ID   IMAGE     COMMAND                  CREATED                  STATUS                  PORTS                                     NAMES
addaa50fd034   busybox   "sh -c 'i=0; while :…"   Less than a second ago   Up Less than a second                                             ticker
5fa78686aed6   busybox   "httpd -f -p 80"         5 seconds ago            Up 4 seconds            0.0.0.0:8080->80/tcp, [::]:8080->80/tcp   web
`;

test('`docker ps` of api-traces/ps.txt', async () => {
  engine.reset();
  engine.json('GET', '/containers/json', PS_TRACE);
  const r = await runCli(['ps'], { host: engine.host, now: new Date(1795975146_900) });
  assert.equal(r.stdout, PS_TRACE_OUT);
  assert.equal(r.code, 0);
  assert.deepEqual(engine.calls, ['GET /containers/json']);
});

test('`docker ps -a --filter status=exited` of api-traces/ps-a-filter-exited.txt', async () => {
  engine.reset();
  engine.json('GET', '/containers/json', [
    { Id: '710c47863dc5b1c4', Names: ['/tracerun'], Image: 'busybox', ImageID: '', Command: 'sh', Created: 1795975142, Ports: [], State: 'exited', Status: 'Exited (0) 2 seconds ago' },
  ]);
  const r = await runCli(['ps', '-a', '--filter', 'status=exited'], { host: engine.host, now: new Date(1795975147_500) });
  assert.equal(
    r.stdout,
    `CONTAINER ID   IMAGE     COMMAND   CREATED         STATUS                     PORTS     NAMES
710c47863dc5   busybox   "sh"      5 seconds ago   Exited (0) 2 seconds ago             tracerun
`,
  );
  assert.deepEqual(engine.calls, ['GET /containers/json?all=1&filters=%7B%22status%22%3A%7B%22exited%22%3Atrue%7D%7D']);
});

test('ellipsis and quoting: 20 display columns, wide characters count twice', () => {
  assert.equal(ellipsis("sh -c 'i=0; while :; do echo", 20), "sh -c 'i=0; while :…");
  assert.equal(ellipsis('short', 20), 'short');
  assert.equal(ellipsis('echo 日本語のコマンドはとても長いです', 20), 'echo 日本語のコマン…');
  assert.equal(ellipsis('abc', 1), 'a');
  assert.equal(ellipsis('abc', 0), '');
  assert.equal(goQuote('a "b"\n\t\x01é'), '"a \\"b\\"\\n\\t\\x01é"');
});

test('image and names columns', () => {
  const id = 'sha256:6b03d9d8398cf0f35684672b2279fc716974117f584d44777ee6b53b0126489a';
  assert.equal(displayImage({ Image: id, ImageID: id }, true), '6b03d9d8398c');
  assert.equal(displayImage({ Image: 'redis@sha256:' + '0'.repeat(64), ImageID: id }, true), 'redis');
  assert.equal(displayImage({ Image: 'docker.io/library/redis:7@sha256:' + '0'.repeat(64), ImageID: id }, true), 'redis:7');
  assert.equal(displayImage({ Image: 'redis@sha256:' + '0'.repeat(64), ImageID: id }, false), 'redis@sha256:' + '0'.repeat(64));
  assert.equal(displayImage({ Image: '', ImageID: id }, true), '<no image>');
  assert.equal(displayNames(['/web/db', '/db'], true), 'db');
  assert.equal(displayNames(['/web/db', '/db'], false), 'web/db,db');
});

test('format selection and the .Size probe', () => {
  assert.equal(containerFormat('', true, false), '{{.ID}}');
  assert.ok(containerFormat('table', false, true).endsWith('\\t{{.Size}}'));
  assert.equal(containerFormat('{{.Names}}', true, false), '{{.ID}}');
  assert.equal(probeTemplate('{{.Names}} {{.Size}}').usesSize, true);
  assert.equal(probeTemplate('json').usesSize, false);
  assert.equal(probeTemplate('{{json .}}').usesSize, true);
  assert.throws(() => probeTemplate('{{.Nope}}'), /^CliError: failed to execute template: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type \*formatter.ContainerContext$/);
});
