/**
 * Test images made offline: a busybox root filesystem from the host's busybox-static (Debian
 * package busybox-static, /bin/busybox), as a tar Buffer ready for import.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { pack, type Header } from 'tar-stream';

export const BUSYBOX_BIN = '/bin/busybox';

export interface RootfsOptions {
  /** Extra files: path -> content. */
  files?: Record<string, string>;
}

/** A rootfs tar: bin/busybox, an applet symlink for each applet, /etc basics, tmp. */
export async function busyboxRootfsTar(opts: RootfsOptions = {}): Promise<Buffer> {
  const bin = readFileSync(BUSYBOX_BIN);
  const applets = execFileSync(BUSYBOX_BIN, ['--list']).toString().split('\n').filter((a) => a && a !== 'busybox');
  const p = pack();
  const mtime = new Date('2026-01-01T00:00:00Z');
  const add = (h: Partial<Header> & { name: string }, body?: Buffer | string) =>
    new Promise<void>((resolve, reject) =>
      body === undefined
        ? (p.entry({ mtime, mode: 0o755, ...h } as Header), resolve())
        : p.entry({ mtime, mode: 0o644, ...h } as Header, body, (e) => (e ? reject(e) : resolve())),
    );
  const done = (async () => {
    const chunks: Buffer[] = [];
    for await (const c of p) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const d of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'var', 'usr', 'usr/bin', 'usr/sbin', 'sbin']) {
    await add({ name: `${d}/`, type: 'directory', mode: d === 'tmp' ? 0o1777 : 0o755 });
  }
  await add({ name: 'bin/busybox', mode: 0o755 }, bin);
  for (const a of applets) await add({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' });
  await add({ name: 'etc/passwd' }, 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await add({ name: 'etc/group' }, 'root:x:0:\nnogroup:x:65534:\n');
  for (const [path, content] of Object.entries(opts.files ?? {})) await add({ name: path }, content);
  p.finalize();
  return done;
}
