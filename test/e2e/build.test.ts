/**
 * E2E of the classic builder (issue 8) with the real docker CLI (DOCKER_BUILDKIT=0) against
 * berthd, offline, on an imported busybox: the book's psweb-style app served on a published port,
 * a multi-stage build with COPY --from and --target, the cache (all steps `Using cache`, one
 * changed file invalidating from its COPY on), reproducible image IDs, hostile contexts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync, symlinkSync, existsSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ok, sleep, startDaemon, type TestDaemon, freePort, buildContext } from './harness.js';

let d: TestDaemon;
const ENV = { DOCKER_BUILDKIT: '0' };

const context = buildContext;

const build = (args: string[]) => d.docker(['build', ...args], { env: ENV, timeoutMs: 180_000 });


async function get(url: string, tries = 50): Promise<string> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return await r.text();
    } catch (e) {
      last = e;
      await sleep(100);
    }
  }
  throw new Error(`GET ${url}: ${(last as Error)?.message}`);
}

/** The step lines of a build's output (`Step`, ` ---> …`, Removing …), ids replaced by <id>. */
const shape = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^(Step |\s--->|Removing|Successfully)/.test(l))
    .map((l) => l.replace(/\b[0-9a-f]{12}\b/g, '<id>'));

before(async () => {
  d = await startDaemon();
  await d.importBusybox();
});

after(async () => {
  await d?.cleanup();
});

describe('docker build (classic builder)', () => {
  test('the trace build: COPY, RUN, CMD; the stream as dockerd writes it; a second build all from cache', async () => {
    const dir = context({
      Dockerfile: 'FROM busybox\nCOPY hello.txt /hello.txt\nRUN wc -c /hello.txt > /size.txt\nCMD ["cat", "/hello.txt", "/size.txt"]\n',
      'hello.txt': 'hello from the build context\n',
    });
    const r = await build(['-t', 'tracebuild:classic', dir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(shape(r.stdout), [
      'Step 1/4 : FROM busybox',
      ' ---> <id>',
      'Step 2/4 : COPY hello.txt /hello.txt',
      ' ---> <id>',
      'Step 3/4 : RUN wc -c /hello.txt > /size.txt',
      ' ---> Running in <id>',
      'Removing intermediate container <id>',
      ' ---> <id>',
      'Step 4/4 : CMD ["cat", "/hello.txt", "/size.txt"]',
      ' ---> Running in <id>',
      'Removing intermediate container <id>',
      ' ---> <id>',
      'Successfully built <id>',
      'Successfully tagged tracebuild:classic',
    ]);
    assert.equal(await ok(d.docker(['run', '--rm', 'tracebuild:classic'])), 'hello from the build context\n29 /hello.txt\n');
    // Each step's image names its history row, down to the base image (Docker's parent chain).
    const ids = await ok(d.docker(['history', '-q', 'tracebuild:classic']));
    // Parent as Docker shows it for built images.
    const parent = (await ok(d.docker(['image', 'inspect', '-f', '{{.Parent}}', 'tracebuild:classic']))).trim();
    assert.equal(parent.slice(7, 19), ids.split('\n')[1]);
    const stepIds = [...r.stdout.matchAll(/ ---> ([0-9a-f]{12})\n/g)].map((m) => m[1]);
    assert.deepEqual(ids.split('\n').slice(0, 4), stepIds.reverse());
    const history = await ok(d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'tracebuild:classic']));
    assert.match(history.split('\n')[0]!, /^\/bin\/sh -c #\(nop\)  CMD \["cat" "\/hello.txt" "\/size.txt"\]$/);
    assert.match(history.split('\n')[1]!, /^\/bin\/sh -c wc -c \/hello.txt > \/size.txt$/);
    assert.match(history.split('\n')[2]!, /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/hello.txt $/);

    const again = await build(['-t', 'tracebuild:classic', dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(shape(again.stdout), [
      'Step 1/4 : FROM busybox',
      ' ---> <id>',
      'Step 2/4 : COPY hello.txt /hello.txt',
      ' ---> Using cache',
      ' ---> <id>',
      'Step 3/4 : RUN wc -c /hello.txt > /size.txt',
      ' ---> Using cache',
      ' ---> <id>',
      'Step 4/4 : CMD ["cat", "/hello.txt", "/size.txt"]',
      ' ---> Using cache',
      ' ---> <id>',
      'Successfully built <id>',
      'Successfully tagged tracebuild:classic',
    ]);
    // Intermediate images only show with -a (Docker hides untagged parents).
    const listed = await ok(d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']));
    assert.equal(listed.split('\n').filter((l) => l === '<none>:<none>').length, 0, listed);
    const all = await ok(d.docker(['images', '-a', '--format', '{{.Repository}}:{{.Tag}}']));
    assert.equal(all.split('\n').filter((l) => l === '<none>:<none>').length, 2, all);
    const id1 = /Successfully built (\w+)/.exec(r.stdout)![1];
    const id2 = /Successfully built (\w+)/.exec(again.stdout)![1];
    assert.equal(id1, id2);
  });

  test("the book's psweb-style app: RUN, COPY, WORKDIR, EXPOSE, ENTRYPOINT; served on a published port", async () => {
    const dir = context({
      Dockerfile: [
        'FROM busybox',
        'LABEL maintainer="nigelpoulton@hotmail.com"',
        '# install the "app runtime" (a package, in the book: nodejs and npm)',
        'RUN mkdir -p /opt/runtime \\',
        '  && echo "runtime v1" > /opt/runtime/VERSION',
        'COPY . /src',
        'WORKDIR /src',
        'ENV GREETING=hello',
        'EXPOSE 8080',
        'ENTRYPOINT ["httpd", "-f", "-p", "8080", "-h", "/src/www"]',
        '',
      ].join('\n'),
      'www/index.html': '<h1>psweb</h1>\n',
      'package.json': '{"name":"psweb"}\n',
    });
    const r = await build(['-t', 'psweb:latest', '-t', 'psweb:v1', dir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Step 8\/8 : ENTRYPOINT \["httpd", "-f", "-p", "8080", "-h", "\/src\/www"\]/);
    assert.match(r.stdout, /Successfully tagged psweb:latest\nSuccessfully tagged psweb:v1\n/);
    const cfg = JSON.parse(await ok(d.docker(['image', 'inspect', '-f', '{{json .Config}}', 'psweb:v1'])));
    assert.deepEqual(cfg.ExposedPorts, { '8080/tcp': {} });
    assert.deepEqual(cfg.Entrypoint, ['httpd', '-f', '-p', '8080', '-h', '/src/www']);
    assert.equal(cfg.Cmd ?? null, null);
    assert.equal(cfg.WorkingDir, '/src');
    assert.equal(cfg.Labels.maintainer, 'nigelpoulton@hotmail.com');
    assert.ok(cfg.Env.includes('GREETING=hello'));
    // Reproducible: the same context from scratch again (no cache) gives the same image.
    const again = await build(['--no-cache', '-t', 'psweb:again', dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(/Successfully built (\w+)/.exec(again.stdout)![1], /Successfully built (\w+)/.exec(r.stdout)![1]);
    const port = await freePort('::');
    await ok(d.docker(['run', '-d', '--name', 'web1', '-p', `${port}:8080`, 'psweb:latest']));
    try {
      assert.equal(await get(`http://127.0.0.1:${port}/`), '<h1>psweb</h1>\n');
      assert.equal(await ok(d.docker(['exec', 'web1', 'cat', '/opt/runtime/VERSION'])), 'runtime v1\n');
      assert.equal(await ok(d.docker(['exec', 'web1', 'pwd'])), '/src\n');
    } finally {
      await d.docker(['rm', '-f', 'web1']);
    }
  });

  test('multi-stage: COPY --from a stage, --target stops early and skips unrelated stages', async () => {
    const dir = context({
      Dockerfile: [
        'ARG BASE=busybox',
        'FROM ${BASE} AS deps',
        'RUN mkdir -p /out && echo deps > /out/deps.txt',
        'FROM busybox AS unrelated',
        'RUN echo never > /never',
        'FROM busybox AS build',
        'COPY --from=deps /out /in',
        'COPY src/ /src/',
        'RUN cat /in/deps.txt /src/main.txt > /app.txt',
        'FROM busybox AS prod',
        'COPY --from=build /app.txt /srv/',
        'COPY --from=deps /out/deps.txt /srv/deps-copy.txt',
        'CMD ["cat", "/srv/app.txt", "/srv/deps-copy.txt"]',
        '',
      ].join('\n'),
      'src/main.txt': 'main\n',
    });
    const r = await build(['-t', 'multi:prod', dir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.doesNotMatch(r.stdout, /echo never/);
    assert.match(r.stdout, /Step 1\/11 : ARG BASE=busybox\nStep 2\/11 : FROM \$\{BASE\} AS deps\n/);
    assert.equal(await ok(d.docker(['run', '--rm', 'multi:prod'])), 'deps\nmain\ndeps\n');

    const t = await build(['--target', 'build', '-t', 'multi:build', dir]);
    assert.equal(t.code, 0, t.stderr + t.stdout);
    assert.match(t.stdout, /Step 7\/7 : RUN cat/);
    assert.doesNotMatch(t.stdout, /AS prod|echo never/);
    assert.equal(await ok(d.docker(['run', '--rm', 'multi:build', 'cat', '/app.txt'])), 'deps\nmain\n');

    const bad = await build(['--target', 'nope', dir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /failed to reach build target nope in Dockerfile/);
  });

  test('cache: a changed file invalidates its COPY and every later step, not the earlier ones', async () => {
    const dir = context({
      Dockerfile: 'FROM busybox\nRUN echo one > /one\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy\nCOPY b.txt /b.txt\nCMD ["cat", "/copy"]\n',
      'a.txt': 'A1\n',
      'b.txt': 'B1\n',
    });
    const first = await build(['-t', 'cachetest', dir]);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    // A new mtime alone (a fresh checkout) keeps the cache, as Docker's checksums leave times out.
    utimesSync(join(dir, 'a.txt'), new Date(), new Date(Date.now() + 5000));
    const touched = await build(['-t', 'cachetest', dir]);
    assert.equal((touched.stdout.match(/Using cache/g) ?? []).length, 5, touched.stdout);
    writeFileSync(join(dir, 'b.txt'), 'B2\n');
    const second = await build(['-t', 'cachetest', dir]);
    assert.equal(second.code, 0, second.stderr);
    const cached = (out: string) => out.split(/^Step /m).slice(1).map((s) => s.includes('Using cache'));
    assert.deepEqual(cached(second.stdout), [false, true, true, true, false, false]);
    writeFileSync(join(dir, 'a.txt'), 'A2\n');
    const third = await build(['-t', 'cachetest', dir]);
    assert.deepEqual(cached(third.stdout), [false, true, false, false, false, false]);
    assert.equal(await ok(d.docker(['run', '--rm', 'cachetest'])), 'A2\n');
    const nocache = await build(['--no-cache', '-t', 'cachetest', dir]);
    assert.deepEqual(cached(nocache.stdout), [false, false, false, false, false, false]);
    // The same context from an empty cache gives the same image ID (reproducible by default).
    const id = (out: string) => /Successfully built (\w+)/.exec(out)![1];
    assert.equal(id(nocache.stdout), id(third.stdout));
    // An intermediate image cannot go while its child is there; rmi of the child prunes its
    // untagged parents (Docker's rmi): then the cache is really empty.
    const intermediate = (await ok(d.docker(['history', '-q', 'cachetest']))).split('\n')[1]!;
    const refused = await d.docker(['rmi', '-f', intermediate]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /image has dependent child images/);
    const rmi = await ok(d.docker(['rmi', 'cachetest']));
    // (the image of step 2 stays: the first build's chain still grows from it)
    assert.equal(rmi.split('\n').filter((l) => l.startsWith('Deleted: ')).length, 4, rmi);
    await ok(d.docker(['image', 'prune', '-f']));
    assert.equal((await ok(d.docker(['images', '-a', '-q', '--filter', 'dangling=true']))).trim(), '');
    const fresh = await build(['-t', 'cachetest', dir]);
    assert.deepEqual(cached(fresh.stdout), [false, false, false, false, false, false]);
    assert.equal(id(fresh.stdout), id(third.stdout));
  });

  test('a failing RUN: the error in the stream, its exit code from the CLI; build args and -q', async () => {
    const dir = context({ Dockerfile: 'FROM busybox\nARG CODE=3\nRUN echo failing with $CODE; exit $CODE\n' });
    const r = await build([dir]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /failing with 3/);
    assert.match(r.stderr, /The command '\/bin\/sh -c echo failing with \$CODE; exit \$CODE' returned a non-zero code: 3/);
    const r2 = await build(['--build-arg', 'CODE=0', '--build-arg', 'UNUSED=1', '-t', 'argtest', dir]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stdout, /\[Warning\] One or more build-args \[UNUSED\] were not consumed/);
    const h = await ok(d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'argtest']));
    assert.match(h, /^\|1 CODE=0 \/bin\/sh -c echo failing with \$CODE; exit \$CODE$/m);
    // Failing before any step: an HTTP error, as dockerd answers when it has flushed nothing.
    const parse = await build([context({ Dockerfile: 'FROM busybox\n\nRUNN x\n' })]);
    assert.equal(parse.code, 1);
    assert.match(parse.stderr, /Error response from daemon: dockerfile parse error on line 3 \(Dockerfile\): unknown instruction: RUNN/);
    // Without DOCKER_BUILDKIT and without buildx, docker 28 falls back to this API by itself.
    const plain = await d.docker(['build', '--build-arg', 'CODE=0', dir], { timeoutMs: 180_000 });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, /Install the buildx component/);
    assert.match(plain.stdout, /Successfully built/);
    const q = await build(['-q', '--build-arg', 'CODE=0', dir]);
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /^sha256:[0-9a-f]{64}\n$/);
  });

  test('hostile contexts are refused and write nothing outside the build root', async () => {
    const victim = join(tmpdir(), `berth-build-victim-${process.pid}`);
    rmSync(victim, { force: true });
    const tar = (entries: { name: string; type?: string; linkname?: string; body?: string }[]) => {
      const blocks: Buffer[] = [];
      for (const e of entries) {
        const h = Buffer.alloc(512);
        const body = Buffer.from(e.body ?? '');
        h.write(e.name, 0, 100, 'utf8');
        h.write('0000644\0', 100);
        h.write('0000000\0', 108);
        h.write('0000000\0', 116);
        h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
        h.write('00000000000\0', 136);
        h.write('        ', 148);
        h.write(e.type ?? '0', 156);
        if (e.linkname) h.write(e.linkname, 157, 100, 'utf8');
        h.write('ustar\0', 257);
        h.write('00', 263);
        let sum = 0;
        for (const b of h) sum += b;
        h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
        blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
      }
      blocks.push(Buffer.alloc(1024));
      return Buffer.concat(blocks);
    };
    const df = { name: 'Dockerfile', body: 'FROM busybox\nCOPY . /\n' };
    const cases: [string, Buffer][] = [
      ['..', tar([df, { name: `../../../../../../..${victim}`, body: 'pwned' }])],
      ['absolute', tar([df, { name: victim, body: 'pwned' }])],
      ['symlink', tar([df, { name: 'link', type: '2', linkname: '../../../../../../../tmp' }, { name: 'link/x', body: 'pwned' }])],
    ];
    for (const [what, body] of cases) {
      for (const payload of [body, gzipSync(body)]) {
        const r = await d.request('POST', '/v1.41/build?t=hostile', payload, { 'Content-Type': 'application/x-tar' });
        assert.equal(r.status, 400, `${what}: ${r.body}`);
        assert.match(JSON.parse(r.body).message, /invalid tar entry/, what);
        assert.equal(existsSync(victim), false, what);
      }
    }
    const up = context({ Dockerfile: 'FROM busybox\nCOPY ../x /x\n' });
    const r = await build([up]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /forbidden path outside the build context: \.\.\/x/);
    const out = context({ Dockerfile: 'FROM busybox\nCOPY link/passwd /x\n' });
    symlinkSync('/etc', join(out, 'link'));
    const r2 = await build([out]);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /forbidden path outside the build context|file not found/);
  });

  test('berth build and docker build send the same context (.dockerignore), and print the same steps', async () => {
    const dir = context({
      Dockerfile: 'FROM busybox\nCOPY . /ctx\nRUN cd /ctx && find . | sort > /list\nCMD ["cat", "/list"]\n',
      '.dockerignore': '# comment\nnode_modules\n!node_modules/keep.js\n**/*.secret\nbuild.dockerfile\n',
      'app.js': 'x',
      'node_modules/dep/index.js': 'x',
      'node_modules/keep.js': 'x',
      'deep/a/b.secret': 'x',
      'deep/a/b.txt': 'x',
    });
    const viaDocker = await build(['--no-cache', '-t', 'ctx:docker', dir]);
    assert.equal(viaDocker.code, 0, viaDocker.stderr);
    const viaBerth = await d.berth(['build', '--no-cache', '-t', 'ctx:berth', dir], { timeoutMs: 180_000 });
    assert.equal(viaBerth.code, 0, viaBerth.stderr);
    const listing = await ok(d.docker(['run', '--rm', 'ctx:docker']));
    assert.equal(await ok(d.docker(['run', '--rm', 'ctx:berth'])), listing);
    assert.equal(listing, ['.', './.dockerignore', './Dockerfile', './app.js', './deep', './deep/a', './deep/a/b.txt', './node_modules', './node_modules/keep.js', ''].join('\n'));
    assert.deepEqual(shape(viaBerth.stdout), shape(viaDocker.stdout).map((l) => l.replace('ctx:docker', 'ctx:berth')));
    // -q prints the ID only; -f outside the context travels inside the tar.
    writeFileSync(join(dir, 'build.dockerfile'), 'FROM busybox\nLABEL from=outside\n');
    const iid = join(dir, 'iid.txt');
    const q = await d.berth(['build', '-q', '--compress', '--iidfile', iid, '-f', join(dir, 'build.dockerfile'), dir]);
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(readFileSync(iid, 'utf8'), q.stdout.trim());
    const fail = await d.berth(['build', '-'], { input: 'FROM busybox\nRUN exit 4\n' });
    assert.equal(fail.code, 4, fail.stdout + fail.stderr);
    assert.match(fail.stderr, /returned a non-zero code: 4/);
  });

  test('instructions in real containers: WORKDIR creates, ADD extracts a local tar, COPY --chown/--chmod, wildcards, heredocs, SHELL, USER', async () => {
    const tarball = (await import('node:child_process')).execFileSync('tar', ['-czf', '-', '-C', '/etc', 'hostname', 'passwd']);
    const dir = context({
      Dockerfile: [
        'FROM busybox',
        'MAINTAINER Nigel <nigel@example.com>',
        'WORKDIR /made/here',
        'RUN pwd > /workdir.txt',
        'ADD files.tgz /unpacked/',
        'COPY --chown=1000:2000 --chmod=0750 *.txt /texts/',
        'COPY one.txt /existing-file-name',
        'COPY two.txt /etc',
        'COPY --chown=nobody:nogroup one.txt /named-owner.txt',
        'COPY --chown=65534 one.txt /named-user.txt',
        'RUN <<EOF',
        'echo heredoc-line-1 > /heredoc.txt',
        'echo heredoc-line-2 >> /heredoc.txt',
        'EOF',
        'SHELL ["/bin/sh", "-c", "-e"]',
        'RUN echo shell-ok > /shell.txt',
        'USER 1000',
        'RUN id -u > /tmp/uid.txt',
        'CMD cat /workdir.txt /heredoc.txt /shell.txt /tmp/uid.txt && ls /unpacked && stat -c "%u:%g %a %n" /texts/one.txt /texts/two.txt && cat /existing-file-name /etc/two.txt && stat -c "%u:%g" /named-owner.txt /named-user.txt',
        '',
      ].join('\n'),
      'one.txt': 'one\n',
      'two.txt': 'two\n',
    });
    writeFileSync(join(dir, 'files.tgz'), tarball);
    const r = await build(['-t', 'instr', dir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const unknown = await build([context({ Dockerfile: 'FROM busybox\nCOPY --chown=nosuch Dockerfile /x\n' })]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /can't find uid for user nosuch: no such user: nosuch/);
    // compat: a lone user name is the group name too (moby parseChownFlag), so this fails as in Docker
    const lone = await build([context({ Dockerfile: 'FROM busybox\nCOPY --chown=nobody Dockerfile /x\n' })]);
    assert.match(lone.stderr, /can't find gid for group nobody: no such group: nobody/);
    assert.equal(await ok(d.docker(['image', 'inspect', '-f', '{{.Author}}', 'instr'])), 'Nigel <nigel@example.com>\n');
    const out = await ok(d.docker(['run', '--rm', 'instr']));
    assert.equal(
      out,
      [
        '/made/here',
        'heredoc-line-1',
        'heredoc-line-2',
        'shell-ok',
        '1000',
        'hostname',
        'passwd',
        '1000:2000 750 /texts/one.txt',
        '1000:2000 750 /texts/two.txt',
        'one',
        'two',
        '65534:65534',
        '65534:65534',
        '',
      ].join('\n'),
    );
  });

  test('remote contexts from a server on loopback: a tarball, a bare Dockerfile, a Git repository (with .dockerignore applied by the daemon)', async () => {
    const root = context({});
    // A tarball context.
    const tctx = context({ Dockerfile: 'FROM busybox\nCOPY msg /msg\nCMD ["cat", "/msg"]\n', msg: 'from a tarball\n' });
    execFileSync('tar', ['-czf', join(root, 'ctx.tar.gz'), '-C', tctx, '.']);
    writeFileSync(join(root, 'Dockerfile.txt'), 'FROM busybox\nCMD ["echo", "from a bare Dockerfile"]\n');
    // A Git repository served by git's dumb HTTP protocol (static files).
    const work = context({
      Dockerfile: 'FROM busybox\nCOPY . /repo\nRUN ls -a /repo > /listing\nCMD ["cat", "/listing"]\n',
      '.dockerignore': 'ignored.txt\n',
      'kept.txt': 'k',
      'ignored.txt': 'i',
      'sub/Dockerfile': 'FROM busybox\nCOPY f /f\nCMD ["cat", "/f"]\n',
      'sub/f': 'from a subdirectory\n',
    });
    const git = (...a: string[]) => execFileSync('git', a, { cwd: work, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'one');
    git('tag', 'v1');
    execFileSync('git', ['clone', '-q', '--bare', work, join(root, 'repo.git')]);
    execFileSync('git', ['-C', join(root, 'repo.git'), 'update-server-info']);
    const server = http.createServer((req, res) => {
      const p = join(root, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
      if (!p.startsWith(root) || !existsSync(p) || !statSync(p).isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(readFileSync(p));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const t = await d.berth(['build', '-t', 'remote:tar', `${base}/ctx.tar.gz`], { timeoutMs: 180_000 });
      assert.equal(t.code, 0, t.stderr + t.stdout);
      assert.equal(await ok(d.docker(['run', '--rm', 'remote:tar'])), 'from a tarball\n');
      const f = await d.berth(['build', '-t', 'remote:file', `${base}/Dockerfile.txt`], { timeoutMs: 180_000 });
      assert.equal(f.code, 0, f.stderr + f.stdout);
      assert.equal(await ok(d.docker(['run', '--rm', 'remote:file'])), 'from a bare Dockerfile\n');
      const g = await d.berth(['build', '-t', 'remote:git', `${base}/repo.git#v1`], { timeoutMs: 180_000 });
      assert.equal(g.code, 0, g.stderr + g.stdout);
      assert.equal(await ok(d.docker(['run', '--rm', 'remote:git'])), ['.', '..', '.dockerignore', 'Dockerfile', 'kept.txt', 'sub', ''].join('\n'));
      const s = await d.berth(['build', '-t', 'remote:sub', `${base}/repo.git#main:sub`], { timeoutMs: 180_000 });
      assert.equal(s.code, 0, s.stderr + s.stdout);
      assert.equal(await ok(d.docker(['run', '--rm', 'remote:sub'])), 'from a subdirectory\n');
      // The real docker CLI fetches a URL itself and uploads it: same result.
      const viaDocker = await build(['-t', 'remote:docker', `${base}/ctx.tar.gz`]);
      assert.equal(viaDocker.code, 0, viaDocker.stderr);
      assert.equal(await ok(d.docker(['run', '--rm', 'remote:docker'])), 'from a tarball\n');
      // ADD <url>: downloaded, not extracted, mode 0600.
      const add = context({ Dockerfile: `FROM busybox\nADD ${base}/ctx.tar.gz /downloaded/\nRUN stat -c '%a %s' /downloaded/ctx.tar.gz\n` });
      const a = await build(['--no-cache', add]);
      assert.equal(a.code, 0, a.stderr + a.stdout);
      assert.match(a.stdout, new RegExp(`^600 ${statSync(join(root, 'ctx.tar.gz')).size}$`, 'm'));
      const a404 = await build([context({ Dockerfile: `FROM busybox\nADD ${base}/nope /x\n` })]);
      assert.notEqual(a404.code, 0);
      assert.match(a404.stderr, /failed to GET .*nope with status 404/);
      const missing = await d.berth(['build', `${base}/nope.tar.gz`]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /error downloading .*status 404/);
    } finally {
      server.close();
    }
  });

  test("the book's multi-stage Dockerfile (19 steps, 3 stages, COPY --from) on busybox; rebuilt all from cache; stage images left as <none>", async () => {
    const dir = context({
      Dockerfile: [
        'FROM busybox AS storefront',
        'WORKDIR /usr/src/atsea/app/react-app',
        'COPY react-app .',
        'RUN mkdir -p build && cp -r src/* build/',
        'RUN echo built > build/ok.txt',
        '',
        'FROM busybox AS appserver',
        'WORKDIR /usr/src/atsea',
        'COPY pom.xml .',
        'RUN mvn() { cat pom.xml; }; mvn > /deps.txt',
        'COPY . .',
        'RUN mkdir -p target && echo jar-bytes > target/AtSea-0.0.1-SNAPSHOT.jar',
        '',
        'FROM busybox AS production',
        // The test busybox has no adduser applet: the same effect by hand.
        "RUN echo 'gordon:x:1000:1000::/home/gordon:/bin/sh' >> /etc/passwd && mkdir -p /home/gordon",
        'WORKDIR /static',
        'COPY --from=storefront /usr/src/atsea/app/react-app/build/ .',
        'WORKDIR /app',
        'COPY --from=appserver /usr/src/atsea/target/AtSea-0.0.1-SNAPSHOT.jar .',
        'ENTRYPOINT ["sh", "-c", "ls /static /app; cat /app/AtSea-0.0.1-SNAPSHOT.jar; grep -c gordon /etc/passwd; echo \\"$@\\"", "--"]',
        'CMD ["--spring.profiles.active=postgres"]',
        '',
      ].join('\n'),
      'react-app/src/index.html': '<html></html>',
      'pom.xml': '<project/>',
    });
    const r = await build(['-t', 'multi:stage', dir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Step 1\/19 : FROM busybox AS storefront\n/);
    assert.match(r.stdout, /Step 19\/19 : CMD \["--spring.profiles.active=postgres"\]\n/);
    assert.equal(
      await ok(d.docker(['run', '--rm', 'multi:stage'])),
      '/app:\nAtSea-0.0.1-SNAPSHOT.jar\n\n/static:\nindex.html\nok.txt\njar-bytes\n1\n--spring.profiles.active=postgres\n',
    );
    const again = await build(['-t', 'multi:stage', dir]);
    assert.equal(again.code, 0, again.stderr);
    const steps = again.stdout.split(/^Step /m).slice(1);
    assert.equal(steps.length, 19);
    assert.deepEqual(
      steps.map((s, i) => (s.includes('Using cache') ? 'cache' : i === 0 || i === 5 || i === 11 ? 'from' : 'ran')),
      steps.map((_, i) => (i === 0 || i === 5 || i === 11 ? 'from' : 'cache')),
    );
    // compat: the last image of each earlier stage stays as an untagged image (book F-146)
    const stageImages = (await ok(d.docker(['images', '--filter', 'dangling=true', '-q']))).trim().split('\n').filter(Boolean);
    assert.ok(stageImages.length >= 2, stageImages.join(','));
  });

  test('independent stages build at once (faster than one after the other), their output still in stage order', async () => {
    const stage = (name: string) => [`FROM busybox AS ${name}`, `RUN sleep 2 && echo ${name} > /${name}.txt`];
    const dir = context({
      Dockerfile: [...stage('one'), ...stage('two'), 'FROM busybox', 'COPY --from=one /one.txt /', 'COPY --from=two /two.txt /', 'CMD ["cat", "/one.txt", "/two.txt"]', ''].join('\n'),
    });
    const t0 = Date.now();
    const r = await build(['--no-cache', '-t', 'parallel', dir]);
    const took = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(took < 4000, `two 2-second stages took ${took} ms`);
    assert.deepEqual(
      r.stdout.split('\n').filter((l) => l.startsWith('Step ')),
      [
        'Step 1/8 : FROM busybox AS one',
        'Step 2/8 : RUN sleep 2 && echo one > /one.txt',
        'Step 3/8 : FROM busybox AS two',
        'Step 4/8 : RUN sleep 2 && echo two > /two.txt',
        'Step 5/8 : FROM busybox',
        'Step 6/8 : COPY --from=one /one.txt /',
        'Step 7/8 : COPY --from=two /two.txt /',
        'Step 8/8 : CMD ["cat", "/one.txt", "/two.txt"]',
      ],
    );
    assert.equal(await ok(d.docker(['run', '--rm', 'parallel'])), 'one\ntwo\n');
  });

  test('RUN containers get the build\'s --network, --add-host and RUN --network=none', async () => {
    const dir = context({
      Dockerfile: 'FROM busybox\nRUN grep myhost /etc/hosts\nRUN --network=none ls /sys/class/net | tr "\\n" " "; echo\n',
    });
    const r = await build(['--no-cache', '--add-host', 'myhost:10.1.2.3', dir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /10\.1\.2\.3\s+myhost/);
    assert.match(r.stdout, /^lo $/m);
    const none = await build(['--no-cache', '--network', 'none', context({ Dockerfile: 'FROM busybox\nRUN ls /sys/class/net | tr "\\n" " "; echo\n' })]);
    assert.equal(none.code, 0, none.stderr + none.stdout);
    assert.match(none.stdout, /^lo $/m);
  });

  test('ONBUILD triggers run in the child build; HEALTHCHECK, VOLUME, STOPSIGNAL, ENV reach the config', async () => {
    const base = context({
      Dockerfile: [
        'FROM busybox',
        'ONBUILD COPY app.txt /app/',
        'ONBUILD RUN wc -c /app/app.txt > /app/size',
        'HEALTHCHECK --interval=30s --timeout=3s --retries=2 CMD test -f /app/size',
        'VOLUME /data',
        'STOPSIGNAL SIGQUIT',
        'ENV LEVEL=base',
        '',
      ].join('\n'),
    });
    const rb = await build(['-t', 'onbuild-base', base]);
    assert.equal(rb.code, 0, rb.stderr + rb.stdout);
    const cfg = JSON.parse(await ok(d.docker(['image', 'inspect', '-f', '{{json .Config}}', 'onbuild-base'])));
    assert.deepEqual(cfg.OnBuild, ['COPY app.txt /app/', 'RUN wc -c /app/app.txt > /app/size']);
    assert.deepEqual(cfg.Healthcheck, { Test: ['CMD-SHELL', 'test -f /app/size'], Interval: 30e9, Timeout: 3e9, Retries: 2 });
    assert.deepEqual(cfg.Volumes, { '/data': {} });
    assert.equal(cfg.StopSignal, 'SIGQUIT');
    const child = context({ Dockerfile: 'FROM onbuild-base\nCMD ["cat", "/app/size"]\n', 'app.txt': 'twelve bytes' });
    const rc = await build(['-t', 'onbuild-child', child]);
    assert.equal(rc.code, 0, rc.stderr + rc.stdout);
    assert.deepEqual(shape(rc.stdout).slice(0, 6), [
      'Step 1/2 : FROM onbuild-base',
      ' ---> Running in <id>',
      'Removing intermediate container <id>',
      ' ---> <id>',
      'Step 2/2 : CMD ["cat", "/app/size"]',
      ' ---> Running in <id>',
    ]);
    assert.match(rc.stdout, /# Executing 2 build triggers\n/);
    assert.equal(await ok(d.docker(['run', '--rm', 'onbuild-child'])), '12 /app/app.txt\n');
    const childCfg = JSON.parse(await ok(d.docker(['image', 'inspect', '-f', '{{json .Config}}', 'onbuild-child'])));
    assert.equal(childCfg.OnBuild ?? null, null);
    assert.ok(childCfg.Env.includes('LEVEL=base'));
  });

  test('FROM scratch with COPY --from an image (not a stage), and RUN on it afterwards', async () => {
    const dir = context({
      Dockerfile: 'FROM scratch\nCOPY --from=busybox /bin/busybox /bin/busybox\nRUN ["/bin/busybox", "mkdir", "/made"]\nCMD ["/bin/busybox", "ls", "/"]\n',
    });
    const r = await build(['-t', 'fromscratch', dir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Step 1\/4 : FROM scratch\n ---> \n/);
    assert.equal(await ok(d.docker(['run', '--rm', 'fromscratch'])), 'bin\ndev\netc\nmade\nproc\nsys\n');
    const layers = JSON.parse(await ok(d.docker(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'fromscratch'])));
    assert.equal(layers.length, 2);
    const empty = await build([context({ Dockerfile: 'FROM scratch\nRUN true\n' })]);
    assert.notEqual(empty.code, 0);
    assert.match(empty.stderr, /the stage has no filesystem yet/);
  });
});
