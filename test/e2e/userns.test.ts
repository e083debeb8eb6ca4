/**
 * Issue 5, `--userns-remap` (book chapter 15) with the real docker CLI: container root is the
 * unprivileged host user of berthremap's subordinate range; it can still write its own root
 * filesystem, exec into it, reach its siblings by name; `--userns=host` opts out; privileged
 * and host-network containers are refused as Docker refuses them.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { startDaemon, run, DOCKER, type TestDaemon, ok } from './harness.js';

let d: TestDaemon;

describe('--userns-remap default', () => {
  before(async () => {
    d = await startDaemon({ args: ['--userns-remap', 'default'] });
    // the remapped root must traverse to the bundles (mkdtemp made the test's root 0700)
    chmodSync(d.dir, 0o711);
    await d.importBusybox();
  });
  after(async () => {
    await d?.cleanup();
  });

  test('container root is berthremap\'s first subordinate id; the container still owns its filesystem', async () => {
    const line = readFileSync('/etc/subuid', 'utf8').split('\n').find((l) => l.startsWith('berthremap:'));
    assert.ok(line, 'berthremap has a subuid range');
    const [, start, count] = line!.split(':');
    assert.ok(readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith('berthremap:')));
    assert.ok(readFileSync('/etc/subgid', 'utf8').split('\n').some((l) => l.startsWith('berthremap:')));
    const out = await ok(d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'id -u; cat /proc/self/uid_map; touch /etc/x /x && echo wrote; stat -c %u /bin/busybox']));
    const [uid, map, wrote, owner] = out.trim().split('\n');
    assert.equal(uid, '0');
    assert.deepEqual(map!.trim().split(/\s+/), ['0', start, count]);
    assert.equal(wrote, 'wrote');
    assert.equal(owner, '0');
    await ok(d.docker(['run', '-d', '--name', 'u1', 'busybox', 'sleep', '600']));
    const pid = (await ok(d.docker(['inspect', '-f', '{{.State.Pid}}', 'u1']))).trim();
    assert.equal((await run('stat', ['-c', '%u', `/proc/${pid}`])).stdout.trim(), start);
    assert.match(await ok(d.docker(['exec', 'u1', 'id']), ), /^uid=0\(root\) gid=0\(root\)|^uid=0 gid=0/);
    assert.match(await ok(d.docker(['info', '-f', '{{json .SecurityOptions}}'])), /name=userns/);
  });

  test('commit, export and cp carry the container\'s ids, not the host\'s', async () => {
    await ok(d.docker(['run', '-d', '--name', 'u2', 'busybox', 'sh', '-c', 'echo x > /f; echo y > /g; chown 1000:1001 /g; exec sleep 600']));
    for (let i = 0; i < 50 && (await d.docker(['exec', 'u2', 'test', '-e', '/g'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    const cli = `DOCKER_HOST=${d.host} ${DOCKER}`;
    const owners = async (pipeline: string) => (await ok(run('bash', ['-c', `set -o pipefail; ${pipeline} | tar -tv --numeric-owner | awk '{print $2, $NF}'`]))).trim().split('\n').sort();
    const exported = await owners(`${cli} export u2`);
    assert.deepEqual(exported.filter((x) => / (f|g|bin\/busybox)$/.test(x)), ['0/0 bin/busybox', '0/0 f', '1000/1001 g']);
    assert.deepEqual(await owners(`${cli} cp u2:/g -`), ['1000/1001 g']);
    await ok(d.docker(['commit', 'u2', 'u2img']));
    const top = JSON.parse(await ok(d.docker(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'u2img']))).pop().replace('sha256:', '');
    const layer = await owners(`${cli} save u2img | tar -xO -f - blobs/sha256/${top}`);
    assert.deepEqual(layer.filter((x) => / (f|g)$/.test(x)), ['0/0 f', '1000/1001 g']);
    // into the container: the tar's root-owned file is the container's root's
    await ok(run('sh', ['-c', `echo z > /tmp/be-userns-in && ${cli} cp /tmp/be-userns-in u2:/in && rm /tmp/be-userns-in`]));
    assert.equal(await ok(d.docker(['exec', 'u2', 'stat', '-c', '%u:%g', '/in'])), '0:0\n');
    await ok(d.docker(['rm', '-f', 'u2']));
    await ok(d.docker(['rmi', 'u2img']));
  });

  test('a named volume belongs to the remapped root: the container writes into it', async () => {
    await ok(d.docker(['volume', 'create', 'uvol']));
    assert.equal(await ok(d.docker(['run', '--rm', '-v', 'uvol:/data', 'busybox', 'sh', '-c', 'echo hi > /data/f && cat /data/f && stat -c %u /data'])), 'hi\n0\n');
    await ok(d.docker(['volume', 'rm', 'uvol']));
  });

  test('siblings on a user-defined network reach each other by name', async () => {
    await ok(d.docker(['network', 'create', 'unet']));
    await ok(d.docker(['run', '-d', '--name', 'ua', '--network', 'unet', 'busybox', 'sleep', '600']));
    assert.match(await ok(d.docker(['run', '--rm', '--network', 'unet', 'busybox', 'ping', '-c', '1', '-W', '2', 'ua'])), /1 packets received/);
    assert.match(await ok(d.docker(['exec', 'ua', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])), /inet \d+\.\d+\.\d+\.\d+\//);
    await ok(d.docker(['rm', '-f', 'ua']));
    await ok(d.docker(['network', 'rm', 'unet']));
  });

  test("--userns=host opts out; privileged and host-network containers get Docker's refusal", async () => {
    assert.deepEqual((await ok(d.docker(['run', '--rm', '--userns', 'host', 'busybox', 'cat', '/proc/self/uid_map']))).trim().split(/\s+/), ['0', '0', '4294967295']);
    const priv = await d.docker(['run', '--rm', '--privileged', 'busybox', 'true']);
    assert.match(priv.stderr, /privileged mode is incompatible with user namespaces\.  You must run the container in the host namespace when running privileged mode/);
    const host = await d.docker(['run', '--rm', '--network', 'host', 'busybox', 'true']);
    assert.match(host.stderr, /cannot share the host's network namespace when user namespaces are enabled/);
    await ok(d.docker(['run', '--rm', '--userns', 'host', '--privileged', 'busybox', 'true']));
  });
});
