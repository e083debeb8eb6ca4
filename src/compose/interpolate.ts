/**
 * Variable interpolation of compose files (compose-spec "Interpolation") and `.env` parsing.
 *
 *   $VAR ${VAR}            value, or "" (with a warning) when unset
 *   ${VAR:-default}        default when unset or empty;  ${VAR-default} when unset
 *   ${VAR:?message}        error when unset or empty;    ${VAR?message} when unset
 *   ${VAR:+replacement}    replacement when set and non-empty; ${VAR+replacement} when set
 *   $$                     a literal $
 *
 * Defaults, messages and replacements are interpolated themselves (`${A:-${B}}`).
 */

export type Lookup = (name: string) => string | undefined;

/** An interpolation failure (`:?`/`?` on an unset variable, or bad syntax). */
export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message);
    this.name = 'InterpolationError';
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Where the `{` at `start` closes, honouring nested braces; -1 when it does not. */
function closingBrace(s: string, start: number): number {
  let depth = 1;
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Interpolates `s`. `warn` is called with the name of each unset variable that defaults to
 * "". Throws InterpolationError.
 */
export function interpolate(s: string, lookup: Lookup, warn: (name: string) => void = () => {}): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(s, i + 1);
      if (end < 0) throw new InterpolationError(`invalid interpolation format for "${s}": missing closing brace`);
      const body = s.slice(i + 2, end);
      out += substitute(body, s, lookup, warn);
      i = end;
      continue;
    }
    const m = NAME.exec(s.slice(i + 1));
    if (!m) {
      out += '$';
      continue;
    }
    const v = lookup(m[0]);
    if (v === undefined) warn(m[0]);
    out += v ?? '';
    i += m[0].length;
  }
  return out;
}

function substitute(body: string, whole: string, lookup: Lookup, warn: (name: string) => void): string {
  const m = NAME.exec(body);
  if (!m) throw new InterpolationError(`invalid interpolation format for "${whole}": "\${${body}}"; you may need to escape any $ with another $`);
  const name = m[0];
  const rest = body.slice(name.length);
  const value = lookup(name);
  if (rest === '') {
    if (value === undefined) warn(name);
    return value ?? '';
  }
  const op = /^(:?[-?+])/.exec(rest);
  if (!op) throw new InterpolationError(`invalid interpolation format for "${whole}": "\${${body}}"; you may need to escape any $ with another $`);
  const arg = rest.slice(op[1]!.length);
  const colon = op[1]!.startsWith(':');
  const unset = colon ? value === undefined || value === '' : value === undefined;
  switch (op[1]!.slice(-1)) {
    case '-':
      return unset ? interpolate(arg, lookup, warn) : value!;
    case '?':
      if (unset) throw new InterpolationError(`required variable ${name} is missing a value: ${interpolate(arg, lookup, warn)}`, name);
      return value!;
    default:
      return unset ? '' : interpolate(arg, lookup, warn);
  }
}

/**
 * Parses a `.env` file (compose's dotenv dialect): `KEY=VALUE`, `export KEY=VALUE`, `#`
 * comments, single quotes (literal), double quotes (escapes \n \t \\ \" and interpolation),
 * unquoted values trimmed with a ` #` comment cut off and interpolated. `KEY` alone is taken
 * from `lookup` when it has a value. Throws Error naming the line.
 */
export function parseEnvFile(text: string, lookup: Lookup = () => undefined, file = '.env'): Record<string, string> {
  const env: Record<string, string> = {};
  const look: Lookup = (n) => (Object.hasOwn(env, n) ? env[n] : lookup(n));
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trim();
    const eq = line.indexOf('=');
    if (eq < 0) {
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(line)) throw new Error(`${file}:${i + 1}: unexpected character in variable name "${line}"`);
      const v = lookup(line);
      if (v !== undefined) env[line] = v;
      continue;
    }
    const key = line.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) throw new Error(`${file}:${i + 1}: unexpected character in variable name "${key}"`);
    let raw = line.slice(eq + 1).trim();
    let value: string;
    const q = raw[0];
    if (q === "'" || q === '"') {
      // a quoted value may span lines
      let body = raw.slice(1);
      while (!hasClosingQuote(body, q) && i + 1 < lines.length) body += '\n' + lines[++i];
      const end = closingQuote(body, q);
      if (end < 0) throw new Error(`${file}:${i + 1}: unterminated quoted value for ${key}`);
      const inner = body.slice(0, end);
      value = q === "'" ? inner : interpolate(unescapeDouble(inner), look);
    } else {
      const hash = raw.search(/\s#/);
      if (hash >= 0) raw = raw.slice(0, hash).trim();
      value = interpolate(raw, look);
    }
    env[key] = value;
  }
  return env;
}

function closingQuote(s: string, q: string): number {
  for (let i = 0; i < s.length; i++) {
    if (q === '"' && s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === q) return i;
  }
  return -1;
}

const hasClosingQuote = (s: string, q: string) => closingQuote(s, q) >= 0;

function unescapeDouble(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c as 'n'] ?? c);
}
