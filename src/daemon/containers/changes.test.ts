import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, utimesSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScopedRoot } from '../../lib/index.js';
import { computeChanges } from './changes.js';

/** Makes `files` (path -> content, or null for a directory) under `dir`. */
function tree(dir: string, files: Record<string, string | null>): void {
  const old = new Date('2026-01-01T00:00:00Z');
  for (const [p, content] of Object.entries(files)) {
    const full = join(dir, p);
    if (content === null) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, content);
      utimesSync(full, old, old);
    }
  }
}

test('computeChanges: ChangesDirs from the rw layer, parents before children, deletions last', async () => {
  const base = mkdtempSync(join(tmpdir(), 'changes-'));
  const [lower, upper, merged] = ['lower', 'upper', 'merged'].map((n) => join(base, n)) as [string, string, string];
  try {
    tree(lower, { 'etc/passwd': 'root\n', 'etc/group': 'root\n', 'usr/bin/x': 'x', 'usr/sbin/y': 'y', root: null, tmp: null, 'var/keep': 'k' });
    // the rw layer: /etc copied up, passwd changed, group whited out, /usr made opaque, /tmp new files,
    // and the runtime's empty mount point for /etc/hosts; /proc made for a mount
    tree(upper, { etc: null, 'etc/passwd': 'root\nnew\n', 'etc/hosts': '', usr: null, 'usr/new': '', tmp: null, 'tmp/a': 'a', 'tmp/d/e/f': 'f', proc: null, root: null });
    chmodSync(join(upper, 'root'), 0o700);
    // what the overlay shows
    tree(merged, { 'etc/passwd': '', 'etc/hosts': '', 'usr/new': '', 'tmp/a': '', 'tmp/d/e/f': '', proc: null, root: null, 'var/keep': '' });
    const [u, l, m] = await Promise.all([upper, lower, merged].map((d) => ScopedRoot.open(d)));
    try {
      const changes = await computeChanges({ upper: u!, lower: l!, merged: m! });
      const kinds = ['C', 'A', 'D'];
      assert.deepEqual(
        changes.map((c) => `${kinds[c.Kind]} ${c.Path}`),
        ['C /etc', 'C /etc/passwd', 'D /etc/group', 'C /root', 'C /tmp', 'A /tmp/a', 'A /tmp/d', 'A /tmp/d/e', 'A /tmp/d/e/f', 'C /usr', 'A /usr/new', 'D /usr/bin', 'D /usr/sbin'],
      );
    } finally {
      await Promise.all([u, l, m].map((r) => r!.close()));
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
