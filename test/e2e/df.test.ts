/**
 * `system df` end to end: images and containers (running, exited after writing a file, created)
 * on a real berthd; `berth system df` must print what the real docker CLI 28 prints against the
 * same daemon, byte for byte, in each output mode.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, TestDaemon, type RunResult, ok } from './harness.js';

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d?.cleanup();
});


/**
 * Runs docker, berth, docker with the same arguments and passes when berth printed what one of
 * the docker runs printed (CREATED and STATUS move with the clock: a second boundary can fall
 * between two runs, never on both sides of berth's when the docker runs agree).
 */
async function sameAsDocker(args: string[]): Promise<string> {
  let last: { docker: RunResult; berth: RunResult } | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await d.docker(args);
    const berth = await d.berth(args);
    const after = await d.docker(args);
    last = { docker: after, berth };
    for (const docker of [before, after]) {
      if (berth.stdout === docker.stdout && berth.stderr === docker.stderr.replaceAll('docker', 'berth') && berth.code === docker.code) return berth.stdout;
    }
  }
  assert.equal(last!.berth.stdout, last!.docker.stdout, `stdout of ${args.join(' ')}`);
  assert.equal(last!.berth.stderr, last!.docker.stderr.replaceAll('docker', 'berth'), `stderr of ${args.join(' ')}`);
  assert.equal(last!.berth.code, last!.docker.code, `exit code of ${args.join(' ')}`);
  return last!.berth.stdout;
}

describe('system df', () => {
  before(async () => {
    await d.importBusybox();
    await ok(d.docker(['tag', 'busybox', '127.0.0.1:5000/bb:v1']));
    await d.importBusybox('unused:latest');
    await ok(d.docker(['run', '-d', '--name', 'running', 'busybox', 'sleep', '1000']));
    await ok(d.docker(['run', '--name', 'wrote', 'busybox', 'sh', '-c', 'head -c 3000 /dev/zero > /written']));
    await ok(d.docker(['create', '--name', 'made', 'busybox', 'true']));
  });

  test('the summary table counts images and containers, and what is reclaimable', async () => {
    const out = await sameAsDocker(['system', 'df']);
    const lines = out.split('\n');
    assert.match(lines[0]!, /^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$/);
    assert.match(lines[1]!, /^Images +2 +1 +\S+ +\S+ \(\d+%\)$/);
    // the exited container's written file is its whole writable layer, and reclaimable
    assert.match(lines[2]!, /^Containers +3 +1 +3kB +3kB \(100%\)$/);
    assert.match(lines[3]!, /^Local Volumes +0 +0 +0B +0B$/);
    assert.match(lines[4]!, /^Build Cache +0 +0 +0B +0B$/);
  });

  test('-v: the image, container, volume and build cache tables', async () => {
    const out = await sameAsDocker(['system', 'df', '-v']);
    assert.match(out, /^Images space usage:\n\nREPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS\n/);
    assert.match(out, /\nContainers space usage:\n\nCONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES\n/);
    assert.match(out, /\n[0-9a-f]{12} +busybox +"sh -c head -c 3000 …" +0 +3kB +.+ ago +Exited \(0\) .+ ago +wrote\n/);
    assert.match(out, /\nLocal Volumes space usage:\n\nVOLUME NAME +LINKS +SIZE\n\nBuild cache usage: 0B\n\nCACHE ID +CACHE TYPE +SIZE +CREATED +LAST USED +USAGE +SHARED\n$/);
  });

  test('--format json, {{json .}}, and -v with {{json .}}', async () => {
    const json = await sameAsDocker(['system', 'df', '--format', 'json']);
    assert.deepEqual(
      json.trim().split('\n').map((l) => JSON.parse(l).Type),
      ['Images', 'Containers', 'Local Volumes', 'Build Cache'],
    );
    assert.equal(await sameAsDocker(['system', 'df', '--format', '{{json .}}']), json);
    const verbose = JSON.parse(await sameAsDocker(['system', 'df', '-v', '--format', '{{json .}}']));
    assert.deepEqual(Object.keys(verbose), ['Images', 'Containers', 'Volumes', 'BuildCache']);
    assert.equal(verbose.Containers.length, 3);
  });

  test('custom templates, table and plain, summary and verbose', async () => {
    const table = await sameAsDocker(['system', 'df', '--format', 'table {{.Type}}\\t{{.Active}}/{{.TotalCount}}\\t{{.Reclaimable}}']);
    assert.match(table, /^TYPE +ACTIVE\/TOTAL +RECLAIMABLE\nImages +1\/2 /);
    const plain = await sameAsDocker(['system', 'df', '--format', '{{.Type}}={{.Size}}']);
    assert.match(plain, /^Images=\S+\nContainers=3kB\nLocal Volumes=0B\nBuild Cache=0B\n$/);
    const names = await sameAsDocker(['system', 'df', '-v', '--format', '{{range .Containers}}{{.Names}} {{.State}} {{.Size}}\\n{{end}}']);
    assert.deepEqual(names.trim().split('\n').sort(), ['made created 0B', 'running running 0B', 'wrote exited 3kB']);
  });

  test('errors as docker prints them', async () => {
    await sameAsDocker(['system', 'df', '--format', '{{.Nope}}']);
    await sameAsDocker(['system', 'df', '-v', '--format', 'x{{.Nope}}']);
    await sameAsDocker(['system', 'df', 'extra']);
  });
});
