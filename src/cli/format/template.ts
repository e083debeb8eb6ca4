/**
 * Go text/template, as docker/cli's `templates` package configures it: the builtins (and, or,
 * not, len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery,
 * call) plus docker's basicFunctions (json, split, join, title, lower, upper, pad, truncate).
 * `headerFuncs` are docker's HeaderFunctions, used to render table headers.
 */
import { goJson, isTrue, printValue, sprint, sprintf, sprintln } from './gofmt.js';
import { parseTemplate, type ParsedTemplate } from './template-parse.js';
import { executeTemplate, type ExecOptions, type TemplateFunc } from './template-exec.js';

export { TemplateParseError } from './template-parse.js';
export { TemplateExecError, GO_TYPE, GO_METHODS, type TemplateFunc, type ExecOptions } from './template-exec.js';

function compareValues(a: unknown, b: unknown): number | undefined {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function basicEq(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  const c = compareValues(a, b);
  if (c !== undefined) return c === 0;
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) throw new Error('incompatible types for comparison');
  if (typeof a === 'object') throw new Error('non-comparable type');
  return a === b;
}

function ordered(name: string, a: unknown, b: unknown): number {
  const c = compareValues(a, b);
  if (c === undefined) throw new Error(`incompatible types for comparison`);
  return c;
}

function length(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (typeof v === 'object') return Object.keys(v).length;
  throw new Error(`len of type ${typeof v}`);
}

function indexOne(v: unknown, k: unknown): unknown {
  if (v === null || v === undefined) throw new Error('index of untyped nil');
  if (Array.isArray(v) || typeof v === 'string') {
    const i = Number(k);
    if (!Number.isInteger(i)) throw new Error(`cannot index slice/array with type ${typeof k}`);
    if (i < 0 || i >= v.length) throw new Error(`index out of range: ${i}`);
    return typeof v === 'string' ? v.charCodeAt(i) : v[i];
  }
  if (v instanceof Map) return v.has(k) ? v.get(k) : '';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const key = String(k);
    // compat: Go's index of a missing map key is the element type's zero value; for docker's
    // map[string]string (labels, component details) that is "".
    return Object.hasOwn(o, key) ? o[key] : '';
  }
  throw new Error(`can't index item of type ${typeof v}`);
}

/** text/template's slice: strings by bytes, bounds checked against the length (Go's cap). */
function sliceOf(v: unknown, indexes: unknown[]): unknown {
  if (v === null || v === undefined) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : undefined;
  if (bytes && indexes.length === 3) throw new Error('cannot 3-index slice a string');
  if (!bytes && !Array.isArray(v)) throw new Error(`can't slice item of type ${typeof v}`);
  const len = bytes ? bytes.length : (v as unknown[]).length;
  const idx = [0, len, len];
  indexes.forEach((x, n) => {
    if (x === null || x === undefined) throw new Error('cannot index slice/array with nil');
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new Error(`cannot index slice/array with type ${typeof x}`);
    if (x < 0 || x > len) throw new Error(`index out of range: ${x}`);
    idx[n] = x;
  });
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  return bytes ? bytes.subarray(idx[0], idx[1]).toString('utf8') : (v as unknown[]).slice(idx[0], idx[1]);
}

function title(s: string): string {
  // strings.Title: upper-case letters that follow a separator (anything but letters, digits, _).
  let prevSep = true;
  let out = '';
  for (const ch of s) {
    out += prevSep ? ch.toUpperCase() : ch;
    prevSep = !/[\p{L}\p{N}_]/u.test(ch);
  }
  return out;
}

function split(s: unknown, sep: unknown): string[] {
  const str = String(s ?? '');
  const sp = String(sep ?? '');
  if (sp === '') return [...str];
  return str.split(sp);
}

function join(a: unknown, sep: unknown): string {
  if (a === null || a === undefined) return '';
  if (!Array.isArray(a)) throw new Error(`wrong type for value; expected []string; got ${typeof a}`);
  return a.map((x) => printValue(x)).join(String(sep));
}

function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) =>
    c === '&' ? '&amp;' : c === "'" ? '&#39;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&#34;' : '\uFFFD',
  );
}

function jsEscape(s: string): string {
  return s.replace(/[\\'"<>&=\n\r\t]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case "'":
        return "\\'";
      case '"':
        return '\\"';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return '\\u' + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    }
  });
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** text/template's predefined functions. */
export const builtinFuncs: Record<string, TemplateFunc> = {
  // and/or are evaluated by the engine (short-circuit); listed so the parser knows them.
  and: (...a: unknown[]) => a[a.length - 1],
  or: (...a: unknown[]) => a[a.length - 1],
  not: (v: unknown) => !isTrue(v),
  len: (v: unknown) => length(v),
  index: (...a: unknown[]) => {
    let v = a[0];
    for (const k of a.slice(1)) v = indexOne(v, k);
    return v;
  },
  slice: (...a: unknown[]) => sliceOf(a[0], a.slice(1)),
  print: (...a: unknown[]) => sprint(a),
  printf: (...a: unknown[]) => sprintf(String(a[0] ?? ''), a.slice(1)),
  println: (...a: unknown[]) => sprintln(a),
  eq: (...a: unknown[]) => {
    if (a.length < 2) throw new Error('missing argument for comparison');
    return a.slice(1).some((b) => basicEq(a[0], b));
  },
  ne: (a: unknown, b: unknown) => !basicEq(a, b),
  lt: (a: unknown, b: unknown) => ordered('lt', a, b) < 0,
  le: (a: unknown, b: unknown) => ordered('le', a, b) <= 0,
  gt: (a: unknown, b: unknown) => ordered('gt', a, b) > 0,
  ge: (a: unknown, b: unknown) => ordered('ge', a, b) >= 0,
  html: (...a: unknown[]) => htmlEscape(sprint(a)),
  js: (...a: unknown[]) => jsEscape(sprint(a)),
  urlquery: (...a: unknown[]) => queryEscape(sprint(a)),
  call: (...a: unknown[]) => {
    const [fn, ...rest] = a;
    if (typeof fn !== 'function') throw new Error(`non-function of type ${typeof fn}`);
    return (fn as TemplateFunc)(...rest);
  },
};

/** docker/cli templates.basicFunctions. */
export const dockerFuncs: Record<string, TemplateFunc> = {
  json: (v: unknown) => goJson(v).trim(),
  split: (s: unknown, sep: unknown) => split(s, sep),
  join: (a: unknown, sep: unknown) => join(a, sep),
  title: (s: unknown) => title(printValue(s)),
  lower: (s: unknown) => printValue(s).toLowerCase(),
  upper: (s: unknown) => printValue(s).toUpperCase(),
  pad: (s: unknown, prefix: unknown, suffix: unknown) => {
    const str = printValue(s);
    if (str === '') return str;
    return ' '.repeat(Number(prefix)) + str + ' '.repeat(Number(suffix));
  },
  truncate: (s: unknown, n: unknown) => {
    const str = printValue(s);
    const len = Number(n);
    return [...str].length < len ? str : [...str].slice(0, len).join('');
  },
};

/** docker/cli templates.HeaderFunctions: render table headers without transforming them. */
export const headerFuncs: Record<string, TemplateFunc> = {
  json: (v: unknown) => headerString(v),
  split: (v: unknown, _sep: unknown) => headerString(v),
  join: (v: unknown, _sep: unknown) => headerString(v),
  title: (v: unknown) => headerString(v),
  lower: (v: unknown) => headerString(v),
  upper: (v: unknown) => headerString(v),
  truncate: (v: unknown, _n: unknown) => headerString(v),
};

/** Header functions take a string; a field missing from the header map is Go's invalid value. */
function headerString(v: unknown): unknown {
  if (v === undefined) throw new Error('invalid value; expected string');
  return v;
}

/** A parsed template bound to its function map. */
export class Template {
  private constructor(
    private readonly parsed: ParsedTemplate,
    private readonly funcs: Record<string, TemplateFunc>,
  ) {}

  /**
   * Parses `text` with the builtins, docker's functions and `extra`. Throws TemplateParseError
   * with Go's wording (`template: :1: unclosed action`).
   */
  static parse(text: string, extra: Record<string, TemplateFunc> = {}, name = ''): Template {
    const funcs = { ...builtinFuncs, ...dockerFuncs, ...extra };
    return new Template(parseTemplate(text, new Set(Object.keys(funcs)), name), funcs);
  }

  /** Executes against `data`; throws TemplateExecError carrying the partial output. */
  execute(data: unknown, opts: ExecOptions = {}): string {
    return executeTemplate(this.parsed, data, this.funcs, opts);
  }

  /** The same template with some functions replaced (docker's `tmpl.Funcs(HeaderFunctions)`). */
  withFuncs(funcs: Record<string, TemplateFunc>): Template {
    return new Template(this.parsed, { ...this.funcs, ...funcs });
  }
}
