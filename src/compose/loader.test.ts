import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProject, ComposeFileError, normaliseProjectName } from './loader.js';
import { dependencyOrder } from './project.js';
import { createRequest, serviceHash } from './convert.js';

/** A loader over an in-memory tree. */
function load(files: Record<string, string>, opts: { files?: string[]; env?: Record<string, string>; profiles?: string[]; services?: string[] } = {}) {
  const warnings: string[] = [];
  const project = loadProject({
    cwd: '/p',
    env: opts.env ?? {},
    files: opts.files,
    profiles: opts.profiles,
    services: opts.services,
    readFile: (path) => {
      const t = files[path];
      if (t === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return t;
    },
    warn: (m) => warnings.push(m),
  });
  return { project, warnings };
}

const fails = (files: Record<string, string>, re: RegExp, opts: Parameters<typeof load>[1] = {}) =>
  assert.throws(() => load(files, opts), (e: unknown) => e instanceof ComposeFileError && re.test(e.message) ? true : assert.fail(`${(e as Error).message} !~ ${re}`));

test('finds compose.yaml, names the project after the directory, adds the default network', () => {
  const { project } = load({ '/p/compose.yaml': 'services:\n  web:\n    image: busybox\n' });
  assert.equal(project.name, 'p');
  assert.deepEqual(project.configFiles, ['/p/compose.yaml']);
  assert.deepEqual(project.services['web']!.networks, { default: null });
  assert.deepEqual(project.networks, { default: { name: 'p_default' } });
});

test('file precedence: compose.yaml before docker-compose.yml; the override file is merged', () => {
  const { project } = load({
    '/p/docker-compose.yml': 'services:\n  web:\n    image: old\n',
    '/p/compose.yaml': 'services:\n  web:\n    image: busybox\n    environment: [A=1, B=2]\n',
    '/p/compose.override.yaml': 'services:\n  web:\n    environment:\n      B: 3\n',
  });
  assert.equal(project.services['web']!.image, 'busybox');
  assert.deepEqual(project.services['web']!.environment, { A: '1', B: '3' });
});

test('-f files merge in order: scalars replaced, maps merged, ports appended, volumes by target', () => {
  const { project } = load(
    {
      '/p/a.yml': 'name: Demo.App\nservices:\n  web:\n    image: a\n    command: echo a\n    ports: ["80"]\n    volumes: ["x:/data", "/h:/h"]\n    labels: {l1: a}\nvolumes: {x: {}}\n',
      '/p/b.yml': 'services:\n  web:\n    image: b\n    command: ["echo", "b"]\n    ports: ["81"]\n    volumes: ["y:/data"]\n    labels: [l2=b]\nvolumes: {y: {}}\n',
    },
    { files: ['a.yml', 'b.yml'] },
  );
  const web = project.services['web']!;
  assert.equal(project.name, 'demoapp');
  assert.equal(web.image, 'b');
  assert.deepEqual(web.command, ['echo', 'b']);
  assert.deepEqual(web.ports!.map((p) => p.target), [80, 81]);
  assert.deepEqual(web.volumes!.map((v) => `${v.source}:${v.target}`), ['y:/data', '/h:/h']);
  assert.deepEqual(web.labels, { l1: 'a', l2: 'b' });
  assert.equal(project.volumes['y']!.name, 'demoapp_y');
});

test('.env feeds interpolation; the process environment wins; missing variables warn', () => {
  const { project, warnings } = load(
    { '/p/compose.yaml': 'services:\n  web:\n    image: "busybox:${TAG:-1}"\n    environment:\n      A: ${FROM_ENV}\n      B: $FROM_DOTENV\n      C: ${MISSING}\n', '/p/.env': 'FROM_ENV=dotenv\nFROM_DOTENV=d\nTAG=2\n' },
    { env: { FROM_ENV: 'process' } },
  );
  assert.equal(project.services['web']!.image, 'busybox:2');
  assert.deepEqual(project.services['web']!.environment, { A: 'process', B: 'd', C: '' });
  assert.deepEqual(warnings, ['The "MISSING" variable is not set. Defaulting to a blank string.']);
});

test('extends: same file and another file, own keys win, depends_on not inherited', () => {
  const { project } = load({
    '/p/compose.yaml': 'services:\n  base:\n    image: busybox\n    environment: {A: 1}\n    depends_on: [db]\n  db:\n    image: busybox\n  web:\n    extends: base\n    environment: {B: 2}\n  other:\n    extends: {file: common.yml, service: tmpl}\n',
    '/p/common.yml': 'services:\n  tmpl:\n    image: from-common\n    user: nobody\n',
  });
  assert.equal(project.services['web']!.image, 'busybox');
  assert.deepEqual(project.services['web']!.environment, { A: '1', B: '2' });
  assert.equal(project.services['web']!.depends_on, undefined);
  assert.equal(project.services['other']!.image, 'from-common');
  assert.equal(project.services['other']!.user, 'nobody');
});

test('profiles: services with a profile only when it is active or named; their dependencies follow', () => {
  const files = { '/p/compose.yaml': 'services:\n  web:\n    image: a\n  debug:\n    image: b\n    profiles: [dev]\n    depends_on: [tool]\n  tool:\n    image: c\n    profiles: [tools]\n' };
  assert.deepEqual(Object.keys(load(files).project.services), ['web']);
  assert.deepEqual(Object.keys(load(files, { profiles: ['dev'] }).project.services).sort(), ['debug', 'tool', 'web']);
  assert.deepEqual(Object.keys(load(files, { env: { COMPOSE_PROFILES: 'tools' } }).project.services).sort(), ['tool', 'web']);
  assert.deepEqual(Object.keys(load(files, { services: ['debug'] }).project.services).sort(), ['debug', 'tool', 'web']);
});

test('normalisation: short syntaxes become long ones', () => {
  const { project } = load({
    '/p/compose.yaml': [
      'services:',
      '  web:',
      '    image: busybox',
      '    command: sh -c "echo \'a b\'"',
      '    ports: ["127.0.0.1:8000-8001:80-81/udp", 9000, "[::1]:53:53"]',
      '    volumes: ["./site:/www:ro", "/anon", {type: tmpfs, target: /t}]',
      '    depends_on: {db: {condition: service_healthy}}',
      '    healthcheck: {test: "curl -f x", interval: 5s}',
      '    extra_hosts: {h: 1.2.3.4}',
      '    networks: {front: {aliases: [w]}}',
      '  db:',
      '    image: busybox',
      'networks:',
      '  front: {}',
    ].join('\n'),
  });
  const web = project.services['web']!;
  assert.deepEqual(web.command, ['sh', '-c', "echo 'a b'"]);
  assert.deepEqual(web.ports, [
    { target: 80, published: '8000', host_ip: '127.0.0.1', protocol: 'udp', mode: 'ingress' },
    { target: 81, published: '8001', host_ip: '127.0.0.1', protocol: 'udp', mode: 'ingress' },
    { target: 9000, protocol: 'tcp', mode: 'ingress' },
    { target: 53, published: '53', host_ip: '::1', protocol: 'tcp', mode: 'ingress' },
  ]);
  assert.deepEqual(web.volumes, [
    { type: 'bind', source: '/p/site', target: '/www', read_only: true, bind: { create_host_path: true } },
    { type: 'volume', target: '/anon' },
    { type: 'tmpfs', target: '/t' },
  ]);
  assert.deepEqual(web.depends_on, { db: { condition: 'service_healthy', required: true } });
  assert.deepEqual(web.healthcheck, { test: ['CMD-SHELL', 'curl -f x'], interval: '5s' });
  assert.deepEqual(web.extra_hosts, ['h:1.2.3.4']);
  assert.deepEqual(Object.keys(project.networks).sort(), ['default', 'front']);
});

test('errors name the file, the position, the service and the key', () => {
  fails({ '/p/compose.yaml': 'services:\n  web:\n    image: x\n    imgae: y\n' }, /^\/p\/compose\.yaml:4:5: services\.web\.imgae: additional property "imgae" is not allowed$/);
  fails({ '/p/compose.yaml': 'services:\n  web:\n    image: x\n    environment: 3\n' }, /:4:5: services\.web\.environment: must be a array or object$/);
  fails({ '/p/compose.yaml': 'services:\n  web:\n    image: x\n    healthcheck: {tset: x}\n' }, /services\.web\.healthcheck\.tset: additional property/);
  fails({ '/p/compose.yaml': 'services:\n  web:\n    image: x\n    ports: ["99999:80"]\n' }, /:4:13: services\.web\.ports\[0\]: invalid port "99999:80": 99999 is out of range/);
  fails({ '/p/compose.yaml': 'services:\n  web:\n    image: x\n    restart: sometimes\n' }, /services\.web\.restart: invalid restart policy "sometimes"/);
  fails({ '/p/compose.yaml': 'services:\n  web:\n    image: x\n    depends_on: [nope]\n' }, /services\.web\.depends_on\.nope: depends on undefined service "nope"/);
  fails({ '/p/compose.yaml': 'services:\n  web:\n    image: x\n    networks: [nope]\n' }, /services\.web\.networks\.nope: refers to undefined network nope/);
  fails({ '/p/compose.yaml': 'services:\n  web:\n    image: x\n    volumes: ["nope:/x"]\n' }, /services\.web\.volumes\[0\]: refers to undefined volume nope/);
  fails({ '/p/compose.yaml': 'services:\n  web:\n    build: {}\n    image: x\n  w2: {}\n' }, /services\.w2: has neither an image nor a build context/);
  fails({ '/p/compose.yaml': 'services:\n  web:\n    image: x\n    image: y\n' }, /compose\.yaml:4:5: yaml: Map keys must be unique/);
  fails({ '/p/compose.yaml': 'services:\n  a: {image: x, ports: ["80:80"]}\n  b: {image: x, ports: ["127.0.0.1:80:81"]}\n' }, /services\.b\.ports\[0\]: port 80\/tcp is already published by service "a"/);
  fails({}, /no configuration file provided: not found/);
});

test('dependencyOrder puts dependencies first and finds cycles', () => {
  const s = (deps: string[]) => ({ name: '', depends_on: Object.fromEntries(deps.map((d) => [d, { condition: 'service_started' as const, required: true }])) });
  assert.deepEqual(dependencyOrder({ web: s(['db', 'cache']), db: s([]), cache: s(['db']) }), ['db', 'cache', 'web']);
  assert.throws(() => dependencyOrder({ a: s(['b']), b: s(['c']), c: s(['a']) }), /dependency cycle detected: a -> b -> c -> a/);
});

test('createRequest: Compose v2 names, labels, ports, binds and the first network', () => {
  const { project } = load({
    '/p/compose.yaml': 'services:\n  web:\n    image: busybox\n    ports: ["8080:80"]\n    volumes: [data:/d]\n    environment: {A: "1", B: null}\n    restart: on-failure:3\n    healthcheck: {test: [CMD, "true"], interval: 1m30s}\nvolumes: {data: {}}\n',
  });
  const { name, body } = createRequest(project, project.services['web']!, { number: 2 });
  assert.equal(name, 'p-web-2');
  assert.equal(body.Labels!['com.docker.compose.container-number'], '2');
  assert.equal(body.Labels!['com.docker.compose.config-hash'], serviceHash(project.services['web']!));
  assert.deepEqual(body.HostConfig!.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
  assert.deepEqual(body.HostConfig!.Binds, ['p_data:/d:rw']);
  assert.deepEqual(body.HostConfig!.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.equal(body.HostConfig!.NetworkMode, 'p_default');
  assert.deepEqual(body.Env, ['A=1', 'B']);
  assert.equal(body.Healthcheck!.Interval, 90e9);
  assert.deepEqual(body.NetworkingConfig!.EndpointsConfig!['p_default']!.Aliases, ['web', 'p-web-2']);
});

test('serviceHash ignores scale and depends_on, sees the rest', () => {
  const base = { name: 'w', image: 'x' };
  assert.equal(serviceHash({ ...base, scale: 3 }), serviceHash(base));
  assert.equal(serviceHash({ ...base, depends_on: { db: { condition: 'service_started', required: true } } }), serviceHash(base));
  assert.notEqual(serviceHash({ ...base, environment: { A: '1' } }), serviceHash(base));
});

test('normaliseProjectName', () => {
  assert.equal(normaliseProjectName('My App.v2'), 'myappv2');
  assert.equal(normaliseProjectName('_x-Y_'), 'x-y_');
});
