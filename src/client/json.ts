/**
 * JSON parsing that keeps int64 values exact where it matters: Docker sends nanosecond times
 * (events' timeNano ~1.8e18) that a JS number would round by up to 128 ns. Integer literals too
 * large for a double are swapped for placeholder strings before JSON.parse, and a reviver turns
 * them back: into bigint for the keys in `bigintKeys`, into number elsewhere.
 */

const UNSAFE_INT = /-?\d{16,}/;

/** JSON.parse, with exact bigint values for large integers under `bigintKeys`. */
export function parseJson(text: string, bigintKeys?: ReadonlySet<string>): unknown {
  if (!bigintKeys || !UNSAFE_INT.test(text)) return JSON.parse(text);
  const nonce = `\u0000big${Math.random().toString(36).slice(2)}:`;
  let out = '';
  let i = 0;
  let last = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n && text.charCodeAt(i) !== 34) i += text.charCodeAt(i) === 92 /* \ */ ? 2 : 1;
      i++;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < n && /[0-9.eE+-]/.test(text[j]!)) j++;
      const tok = text.slice(i, j);
      if (/^-?\d{16,}$/.test(tok) && !Number.isSafeInteger(Number(tok))) {
        out += text.slice(last, i) + JSON.stringify(nonce + tok);
        last = j;
      }
      i = j;
      continue;
    }
    i++;
  }
  out += text.slice(last);
  return JSON.parse(out, (key, value: unknown) => {
    if (typeof value === 'string' && value.startsWith(nonce)) {
      const digits = value.slice(nonce.length);
      return bigintKeys.has(key) ? BigInt(digits) : Number(digits);
    }
    return value;
  });
}
