/**
 * The committed container IDs in sorted order, for lookups by unique prefix (docker's
 * truncindex) in O(log n).
 */
import { ambiguousPrefix } from './errors.js';

export class IdIndex {
  private ids: string[] = [];

  reset(ids: Iterable<string>): void {
    this.ids = [...ids].sort();
  }

  add(id: string): void {
    this.ids.splice(this.lowerBound(id), 0, id);
  }

  remove(id: string): void {
    const i = this.lowerBound(id);
    if (this.ids[i] === id) this.ids.splice(i, 1);
  }

  /** The one ID starting with `prefix`, undefined for none; throws ambiguousPrefix for several. */
  byPrefix(prefix: string): string | undefined {
    const i = this.lowerBound(prefix);
    const first = this.ids[i];
    if (first === undefined || !first.startsWith(prefix)) return undefined;
    const next = this.ids[i + 1];
    if (next !== undefined && next.startsWith(prefix)) throw ambiguousPrefix(prefix);
    return first;
  }

  /** The index of the first ID not below `v`. */
  private lowerBound(v: string): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
