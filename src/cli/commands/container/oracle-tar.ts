/**
 * The oracle's view of a tar request body (docker cp's PUT): Go's archive/tar and tar-stream
 * encode the same entries with different header bytes (PAX records, padding, owner names), so
 * bodies are compared entry by entry: name, type, mode, size, link target and a digest of the
 * content. Times and owners are left out (they depend on the machine the files were made on).
 */
import { createHash } from 'node:crypto';

const TYPES: Record<string, string> = { '0': 'file', '\0': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };

const str = (b: Buffer, start: number, len: number) => {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return (nul < 0 ? s : s.subarray(0, nul)).toString('utf8');
};
const oct = (b: Buffer, start: number, len: number) => parseInt(str(b, start, len).trim() || '0', 8);

/** PAX records (`<len> key=value\n`). */
function pax(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < b.length) {
    const sp = b.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(b.subarray(i, sp).toString());
    if (!(len > 0)) break;
    const rec = b.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** The entry list of a tar body, or undefined when `body` is not a tar. */
export function describeTar(body: Buffer): string | undefined {
  if (body.length < 512 || body.subarray(257, 262).toString() !== 'ustar') return undefined;
  const lines: string[] = [];
  let off = 0;
  let next: Record<string, string> = {};
  while (off + 512 <= body.length) {
    const h = body.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const size = oct(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    const data = body.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      next = { ...next, ...pax(data) };
      continue;
    }
    if (type === 'L') {
      next = { ...next, path: str(data, 0, data.length) };
      continue;
    }
    if (type === 'K') {
      next = { ...next, linkpath: str(data, 0, data.length) };
      continue;
    }
    const prefix = str(h, 345, 155);
    const name = next['path'] ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    const link = next['linkpath'] ?? str(h, 157, 100);
    const digest = size ? ' sha256:' + createHash('sha256').update(data).digest('hex').slice(0, 12) : '';
    lines.push(`${TYPES[type] ?? type} ${name} ${(oct(h, 100, 8) & 0o7777).toString(8)} ${size}B${digest}${link ? ` -> ${link}` : ''}`);
    next = {};
  }
  return ` tar\n${lines.map((l) => '    ' + l).join('\n')}`;
}

export interface TarEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink';
  mode?: number;
  body?: string;
  link?: string;
}

/** A small ustar archive, built synchronously (fixtures of the fake daemon). */
export function tarOf(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const h = Buffer.alloc(512);
    const body = Buffer.from(e.body ?? '');
    const put = (s: string, at: number) => h.write(s, at, 'utf8');
    const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, '0') + '\0';
    put(e.name, 0);
    put(octal(e.mode ?? (e.type === 'dir' ? 0o755 : 0o644), 8), 100);
    put(octal(0, 8), 108);
    put(octal(0, 8), 116);
    put(octal(e.type === 'file' || !e.type ? body.length : 0, 12), 124);
    put(octal(1764439141, 12), 136);
    h[156] = (e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0').charCodeAt(0);
    if (e.link) put(e.link, 157);
    put('ustar\0', 257);
    put('00', 263);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h);
    if ((e.type === 'file' || !e.type) && body.length) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
