/**
 * Go's encoding/json Indent and Compact over JSON text: whitespace between tokens is dropped or
 * re-laid out, and every token (strings with their escapes, numbers as written) is copied
 * byte for byte. docker's inspect prints the daemon's raw JSON through these, so field order,
 * number spelling and escapes are the daemon's, not a re-encoding's.
 */

/** Throws the Go-worded error for a byte that cannot start or continue a value. */
function invalid(c: string, where: string): never {
  throw new SyntaxError(`invalid character '${c}' ${where}`);
}

/** Splits JSON text into tokens: punctuation, string literals and bare literals. */
function* tokens(src: string): Generator<string> {
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if ('{}[],:'.includes(c)) {
      yield c;
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < n && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= n) throw new SyntaxError('unexpected end of JSON input');
      yield src.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < n && /[-+.0-9a-zA-Z]/.test(src[j]!)) j++;
    if (j === i) invalid(c, 'looking for beginning of value');
    yield src.slice(i, j);
    i = j;
  }
}

/** json.Indent(dst, src, prefix, indent). */
export function jsonIndent(src: string, prefix = '', indent = '    '): string {
  const toks = [...tokens(src)];
  let out = '';
  let depth = 0;
  const newline = () => '\n' + prefix + indent.repeat(depth);
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t === '{' || t === '[') {
      const next = toks[k + 1];
      if ((t === '{' && next === '}') || (t === '[' && next === ']')) {
        out += t + next;
        k++;
        continue;
      }
      depth++;
      out += t + newline();
    } else if (t === '}' || t === ']') {
      depth--;
      out += newline() + t;
    } else if (t === ',') {
      out += ',' + newline();
    } else if (t === ':') {
      out += ': ';
    } else out += t;
  }
  return out;
}

/** json.Compact(dst, src). */
export function jsonCompact(src: string): string {
  let out = '';
  for (const t of tokens(src)) out += t;
  return out;
}
