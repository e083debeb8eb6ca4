import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedView, namesEmbeddedDns, rebuildResolvConf } from './resolv-conf.js';

test('embeddedView: 127.0.0.11 alone, search kept, ndots:0 added unless the options set ndots', () => {
  assert.deepEqual(embeddedView(['nameserver 8.8.8.8', 'nameserver 2001:db8::1', 'search a.example b.example', 'options rotate', '']), [
    'nameserver 127.0.0.11',
    'search a.example b.example',
    'options rotate ndots:0',
  ]);
  assert.deepEqual(embeddedView(['nameserver 10.0.0.2', 'options ndots:2 timeout:1']), ['nameserver 127.0.0.11', 'options ndots:2 timeout:1']);
  // its own view is a fixed point
  const once = embeddedView(['# a comment', 'nameserver 10.0.0.2', 'search x']);
  assert.deepEqual(embeddedView(once), once);
  assert.ok(namesEmbeddedDns(once.join('\n')));
  assert.ok(!namesEmbeddedDns('nameserver 127.0.0.110\n'));
  assert.ok(namesEmbeddedDns('search x\n  nameserver   127.0.0.11  \n'));
});

test('rebuildResolvConf: the host view becomes the embedded one in place; a file that names 127.0.0.11 is left alone', async () => {
  const dir = await fs.mkdtemp(join(tmpdir(), 'berth-resolv-'));
  try {
    const p = join(dir, 'resolv.conf');
    await fs.writeFile(p, 'nameserver 10.255.255.53\nsearch corp.example\n');
    const inode = (await fs.stat(p)).ino;
    await rebuildResolvConf(p);
    assert.equal(await fs.readFile(p, 'utf8'), 'nameserver 127.0.0.11\nsearch corp.example\noptions ndots:0\n');
    assert.equal((await fs.stat(p)).ino, inode, 'the bind-mounted file is written in place');
    // the container edited it after the resolver started: kept
    await fs.writeFile(p, 'nameserver 127.0.0.11\nnameserver 1.1.1.1\n');
    await rebuildResolvConf(p);
    assert.equal(await fs.readFile(p, 'utf8'), 'nameserver 127.0.0.11\nnameserver 1.1.1.1\n');
    await rebuildResolvConf(join(dir, 'missing'));
    await assert.rejects(fs.access(join(dir, 'missing')));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
