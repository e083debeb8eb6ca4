/**
 * Docker's `filters` query parameter (moby api/types/filters). Two JSON encodings arrive on the
 * wire: the map form the CLI sends, {"status":{"exited":true}}, and the legacy list form
 * docker-py sends, {"status":["created","exited"]}. Both parse into the same Filters value.
 */
import { invalidParameter } from './errdefs.js';

export class Filters {
  private readonly fields = new Map<string, Set<string>>();

  static fromEntries(entries: Record<string, string[]>): Filters {
    const f = new Filters();
    for (const [k, vs] of Object.entries(entries)) for (const v of vs) f.add(k, v);
    return f;
  }

  add(key: string, value: string): this {
    let s = this.fields.get(key);
    if (!s) this.fields.set(key, (s = new Set()));
    s.add(value);
    return this;
  }

  has(key: string): boolean {
    return this.fields.has(key);
  }

  get(key: string): string[] {
    return [...(this.fields.get(key) ?? [])];
  }

  keys(): string[] {
    return [...this.fields.keys()];
  }

  get size(): number {
    return this.fields.size;
  }

  /** Fails with Docker's wording when a key outside `accepted` is present. */
  validate(accepted: readonly string[]): void {
    for (const k of this.fields.keys()) {
      if (!accepted.includes(k)) throw invalidParameter(`invalid filter '${k}'`);
    }
  }

  /** True when the key is absent or one of its values equals `value` exactly. */
  exactMatch(key: string, value: string): boolean {
    const s = this.fields.get(key);
    return !s || s.size === 0 || s.has(value);
  }

  /** True when the key is absent or any of `values` matches one of its values exactly. */
  matchAny(key: string, values: Iterable<string>): boolean {
    const s = this.fields.get(key);
    if (!s || s.size === 0) return true;
    for (const v of values) if (s.has(v)) return true;
    return false;
  }

  /**
   * Label matching (moby filters.MatchKVList): each filter value `k` or `k=v` must be satisfied
   * by `labels`; absent key matches everything.
   */
  matchKVList(key: string, labels: Record<string, string> | undefined | null): boolean {
    const s = this.fields.get(key);
    if (!s || s.size === 0) return true;
    if (!labels) return false;
    for (const want of s) {
      const i = want.indexOf('=');
      if (i < 0) {
        if (!(want in labels)) return false;
      } else if (labels[want.slice(0, i)] !== want.slice(i + 1)) return false;
    }
    return true;
  }

  /** Parses `true|1|false|0` values of a boolean filter (dangling, ...). */
  bool(key: string): boolean | undefined {
    const vs = this.get(key);
    if (vs.length === 0) return undefined;
    const v = vs[vs.length - 1]!.toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw invalidParameter(`Invalid filter '${key}=${vs[vs.length - 1]}'`);
  }

  /** The map encoding the CLI sends. */
  toJSON(): Record<string, Record<string, boolean>> {
    const out: Record<string, Record<string, boolean>> = {};
    for (const [k, s] of this.fields) {
      out[k] = {};
      for (const v of s) out[k]![v] = true;
    }
    return out;
  }

  /** Parses `key=value` pairs as given on the command line (`--filter status=exited`). */
  static fromArgs(args: string[]): Filters {
    const f = new Filters();
    for (const a of args) {
      const i = a.indexOf('=');
      if (i <= 0) throw invalidParameter(`bad format of filter (expected name=value)`);
      f.add(a.slice(0, i).trim().toLowerCase(), a.slice(i + 1).trim());
    }
    return f;
  }
}

/** Parses the `filters` query value in either encoding; empty input gives empty Filters. */
export function parseFilters(raw: string | null | undefined): Filters {
  const f = new Filters();
  if (!raw) return f;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw invalidParameter(`invalid filter: ${(e as Error).message}`, e);
  }
  if (parsed === null) return f;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidParameter('invalid filter: filters must be a JSON object');
  }
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(v)) {
      for (const x of v) f.add(k, String(x));
    } else if (v && typeof v === 'object') {
      for (const [x, on] of Object.entries(v as Record<string, unknown>)) if (on) f.add(k, x);
    } else {
      throw invalidParameter(`invalid filter: value of '${k}' must be a list or a map`);
    }
  }
  return f;
}
