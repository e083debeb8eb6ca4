/**
 * Go's fmt and encoding/json as docker's templates see them, for JS values:
 *
 *   JS value                      Go view
 *   string, number, bigint, bool  string, int64/float64, int64, bool
 *   null                          nil (slice, map, pointer or interface)
 *   undefined                     an invalid reflect.Value ("<no value>": missing map key)
 *   Array                         slice
 *   Map, plain object             map (printed map[k:v ...] with sorted keys)
 *   function                      method (called by the template engine, never printed)
 *
 * compat: Go prints a nil slice as "[]" and a nil pointer as "<nil>"; JSON null carries no type,
 * and nil slices are what templates print most (Labels, Warnings, Binds), so null prints "[]".
 */

/**
 * A nil pointer of a typed struct field (container inspect's SizeRw, State.Health): printed
 * "<nil>", false in conditions, null in JSON; null itself prints as a nil slice ("[]").
 */
export const NIL_POINTER: object = Object.freeze(Object.create(null) as object);

/** A typed value's own %v (Go structs, typed maps and slices: gotype.ts). */
export const GO_PRINT: unique symbol = Symbol('berth.goPrint');

/** fmt.Sprint of one operand (%v). */
export function printValue(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === NIL_POINTER) return '<nil>';
  if (v === null) return '[]';
  if (typeof v === 'object' && GO_PRINT in v) return (v as { [GO_PRINT]: () => string })[GO_PRINT]();
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return formatNumber(v);
    case 'bigint':
    case 'boolean':
      return String(v);
    case 'function':
      return '<func>';
  }
  if (Array.isArray(v)) return '[' + v.map(printValue).join(' ') + ']';
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Map) {
    const keys = [...v.keys()].map(String).sort();
    return 'map[' + keys.map((k) => `${k}:${printValue(v.get(k))}`).join(' ') + ']';
  }
  if (typeof (v as { String?: unknown }).String === 'function') {
    return String((v as { String: () => unknown }).String());
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => typeof o[k] !== 'function')
    .sort();
  return 'map[' + keys.map((k) => `${k}:${printValue(o[k])}`).join(' ') + ']';
}

/** Go's %v of a float64/int64 held in a JS number. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  // Go's %v of a float64 is strconv 'g' shortest: e-notation (two-digit exponent) when the
  // exponent is below -4 or at least 21.
  const exp = Math.floor(Math.log10(Math.abs(n)));
  const s = exp < -4 || exp >= 21 ? n.toExponential() : String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && typeof args[i] !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += printValue(args[i]);
  }
  return out;
}

/** fmt.Sprintln: always spaces, plus a newline. */
export function sprintln(args: unknown[]): string {
  return args.map(printValue).join(' ') + '\n';
}

function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float64';
    case 'bigint':
      return 'int64';
    case 'boolean':
      return 'bool';
  }
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

function quoteGo(s: string): string {
  // strconv.Quote: JSON escaping is close; Go also escapes non-printables as \x.. / \u....
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function pad(s: string, width: number | undefined, left: boolean, zero: boolean): string {
  if (width === undefined || [...s].length >= width) return s;
  const n = width - [...s].length;
  if (left) return s + ' '.repeat(n);
  if (zero) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(n) + s.slice(sign.length);
  }
  return ' '.repeat(n) + s;
}

function toInteger(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'boolean') return undefined;
  return undefined;
}

function formatFloatG(n: number, prec: number | undefined): string {
  if (prec === undefined) return formatNumber(n);
  const p = prec === 0 ? 1 : prec;
  const exp = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= p) {
    return n.toExponential(p - 1).replace(/\.?0+e/, 'e').replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(Number(n.toPrecision(p)));
}

/** fmt.Sprintf with the verbs templates use: %v %s %q %d %x %X %o %b %f %e %g %t %c %%. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    i++;
    let left = false;
    let zero = false;
    let plus = false;
    let space = false;
    let sharp = false;
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') left = true;
      else if (f === '0') zero = true;
      else if (f === '+') plus = true;
      else if (f === ' ') space = true;
      else if (f === '#') sharp = true;
      else break;
    }
    let width: number | undefined;
    if (format[i] === '*') {
      const w = args[argi++];
      width = typeof w === 'number' ? w : undefined;
      i++;
    } else {
      let w = '';
      while (i < format.length && /[0-9]/.test(format[i]!)) w += format[i++];
      if (w) width = parseInt(w, 10);
    }
    let prec: number | undefined;
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        const p = args[argi++];
        prec = typeof p === 'number' ? p : 0;
        i++;
      } else {
        let p = '';
        while (i < format.length && /[0-9]/.test(format[i]!)) p += format[i++];
        prec = p ? parseInt(p, 10) : 0;
      }
    }
    const verb = format[i];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    let s: string;
    switch (verb) {
      case 'v':
        s = sharp && typeof arg === 'string' ? quoteGo(arg) : printValue(arg);
        break;
      case 's':
        s = printValue(arg);
        if (prec !== undefined) s = [...s].slice(0, prec).join('');
        break;
      case 'q':
        s = typeof arg === 'string' ? quoteGo(arg) : printValue(arg);
        break;
      case 't':
        s = typeof arg === 'boolean' ? String(arg) : `%!t(${goTypeName(arg)}=${printValue(arg)})`;
        break;
      case 'd':
      case 'x':
      case 'X':
      case 'o':
      case 'b': {
        const n = toInteger(arg);
        if (n === undefined) {
          if (typeof arg === 'string' && (verb === 'x' || verb === 'X')) {
            s = Buffer.from(arg, 'utf8').toString('hex');
            if (verb === 'X') s = s.toUpperCase();
            break;
          }
          s = `%!${verb}(${goTypeName(arg)}=${printValue(arg)})`;
          break;
        }
        const radix = verb === 'd' ? 10 : verb === 'o' ? 8 : verb === 'b' ? 2 : 16;
        const neg = n < 0n;
        let digits = (neg ? -n : n).toString(radix);
        if (verb === 'X') digits = digits.toUpperCase();
        if (prec !== undefined) digits = digits.padStart(prec, '0');
        if (sharp && verb === 'x') digits = '0x' + digits;
        if (sharp && verb === 'X') digits = '0X' + digits;
        if (sharp && verb === 'o') digits = '0' + digits;
        s = (neg ? '-' : plus ? '+' : space ? ' ' : '') + digits;
        break;
      }
      case 'c':
        s = typeof arg === 'number' ? String.fromCodePoint(arg) : `%!c(${goTypeName(arg)}=${printValue(arg)})`;
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        const n = typeof arg === 'bigint' ? Number(arg) : arg;
        if (typeof n !== 'number') {
          s = `%!${verb}(${goTypeName(arg)}=${printValue(arg)})`;
          break;
        }
        if (verb === 'f' || verb === 'F') s = n.toFixed(prec ?? 6);
        else if (verb === 'e' || verb === 'E') s = n.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
        else s = formatFloatG(n, prec);
        if (verb === 'E' || verb === 'G') s = s.toUpperCase();
        if (n >= 0 && plus) s = '+' + s;
        else if (n >= 0 && space) s = ' ' + s;
        break;
      }
      default:
        s = `%!${verb}(${goTypeName(arg)}=${printValue(arg)})`;
    }
    out += pad(s, width, left, zero && !left && verb !== 's' && verb !== 'v' && verb !== 'q');
  }
  if (argi < args.length) {
    out += '%!(EXTRA ' + args.slice(argi).map((a) => `${goTypeName(a)}=${printValue(a)}`).join(', ') + ')';
  }
  return out;
}

/**
 * encoding/json with SetEscapeHTML(false), as docker's `json` template function: Map keys are
 * sorted, undefined and functions are skipped, toJSON() is honoured, bigint prints its digits.
 */
/**
 * Marks an object whose toJSON stands for a Go MarshalJSON built on json.Marshal (docker's
 * formatter contexts): its output has <, > and & escaped as \u003c, \u003e, \u0026, which
 * the template's json function then keeps.
 */
export const JSON_ESCAPE_HTML: unique symbol = Symbol('berth.jsonEscapeHTML');

const escapeHtml = (json: string) => json.replace(/[<>&]/g, (c) => (c === '<' ? '\\u003c' : c === '>' ? '\\u003e' : '\\u0026'));

export function goJson(v: unknown): string {
  return encode(v, new Set());
}

function encode(v: unknown, seen: Set<unknown>): string {
  if (v === null || v === undefined || v === NIL_POINTER) return 'null';
  switch (typeof v) {
    case 'string':
      return quoteJson(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'function':
    case 'symbol':
      return 'null';
  }
  if (seen.has(v)) throw new Error('json: unsupported value: encountered a cycle');
  const withToJSON = v as { toJSON?: (key?: string) => unknown };
  if (typeof withToJSON.toJSON === 'function') {
    const text = encode(withToJSON.toJSON(''), seen);
    return (v as { [JSON_ESCAPE_HTML]?: boolean })[JSON_ESCAPE_HTML] ? escapeHtml(text) : text;
  }
  seen.add(v);
  try {
    if (Array.isArray(v)) return '[' + v.map((x) => encode(x, seen)).join(',') + ']';
    if (v instanceof Map) {
      const keys = [...v.keys()].map(String).sort();
      return '{' + keys.map((k) => quoteJson(k) + ':' + encode(v.get(k), seen)).join(',') + '}';
    }
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined || typeof x === 'function') continue;
      parts.push(quoteJson(k) + ':' + encode(x, seen));
    }
    return '{' + parts.join(',') + '}';
  } finally {
    seen.delete(v);
  }
}

function quoteJson(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** text/template's truth: false, 0, nil, "" and empty collections are false. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null || v === NIL_POINTER) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'boolean':
      return v;
    case 'function':
      return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
    return Object.keys(v as object).length > 0;
  }
  return true;
}
