/** The registry's HTTP plumbing: headers, JSON and empty answers, bounded bodies, pagination, ranges. */
import type http from 'node:http';
import type { Readable } from 'node:stream';
import { regError } from './errcodes.js';

export function baseHeaders(res: http.ServerResponse): void {
  res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendEmpty(res: http.ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

export async function readBody(req: Readable, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) throw regError('SIZE_INVALID', { limit }, 'payload too large');
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** `n` and `last` of a paginated list; PAGINATION_NUMBER_INVALID for a bad n. */
export function paginate(items: string[], url: URL, path: string): { page: string[]; link?: string } {
  const nRaw = url.searchParams.get('n');
  const last = url.searchParams.get('last') ?? '';
  let n = Infinity;
  if (nRaw !== null && nRaw !== '') {
    if (!/^\d+$/.test(nRaw)) throw regError('PAGINATION_NUMBER_INVALID', { n: nRaw });
    n = Number(nRaw);
  }
  const rest = last ? items.filter((i) => i > last) : items;
  const page = rest.slice(0, n === Infinity ? undefined : n);
  if (page.length > 0 && page.length < rest.length) {
    return { page, link: `<${path}?last=${encodeURIComponent(page[page.length - 1]!)}&n=${n}>; rel="next"` };
  }
  return { page };
}

/** Parses `bytes=a-b` against a blob of `size`; undefined for no Range; RANGE_INVALID when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw regError('RANGE_INVALID', { range: header });
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) throw regError('RANGE_INVALID', { range: header, size });
  return { start, end };
}
