/**
 * Flags as spf13/pflag parses them for docker's cobra commands:
 *
 *   --name=value  --name value  --bool  --bool=false
 *   -n value  -nvalue  -n=value  -abc (bool cluster; a non-bool may end it: -an5)
 *   --            ends flags; everything after is positional
 *   repeatable    list flags append; other flags keep the last value
 *   interspersed  flags may follow positionals, unless the command stops at the first
 *                 positional (run/exec: `berth run -it img sh -c x`)
 *
 * A flag taking a value takes the next argument even when it starts with '-' (`-n -1`).
 * Errors carry pflag's wording ("unknown flag: --foo", "unknown shorthand flag: 'x' in -x",
 * "flag needs an argument: --since", `invalid argument "x" for "-n, --last" flag: …`); the CLI
 * adds the usage lines and exits 125.
 */

export type FlagKind = 'bool' | 'string' | 'int' | 'list';

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly kind: FlagKind;
  readonly usage: string;
  /** pflag's Value.Type() shown in help ("string", "int", "list", "filter", "bytes"). */
  readonly typeName?: string;
  readonly default?: string | number | boolean;
  /** Help's "(default …)" text when it differs from `default` (e.g. a computed path). */
  readonly defaultText?: string;
  readonly hidden?: boolean;
  /** Checks one value; throw an Error whose message ends pflag's "invalid argument" line. */
  readonly validate?: (value: string) => void;
  /**
   * Another flag (kebab name) whose value this one sets, in command-line order: docker's
   * hidden spellings that share a variable (`--net` for `--network`, `--dns-opt`). A flag
   * with a target has no options key of its own.
   */
  readonly target?: string;
  /** pflag's MarkDeprecated: hidden from help; using it prints "Flag --x has been deprecated, <text>". */
  readonly deprecated?: string;
}

type FlagValue<F extends FlagSpec> = F['kind'] extends 'bool'
  ? boolean
  : F['kind'] extends 'int'
    ? number
    : F['kind'] extends 'list'
      ? string[]
      : string;

type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

/** The typed options object of a flag list: `--no-trunc` becomes `noTrunc: boolean`. */
export type OptionsOf<Fs extends readonly FlagSpec[]> = {
  [F in Fs[number] as F extends { target: string } ? never : CamelCase<F['name']>]: FlagValue<F>;
};

export const camelCase = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export interface ParsedFlags {
  /** Values by camelCase name, defaults filled in. */
  values: Record<string, unknown>;
  /** Names (kebab) of the flags given on the command line. */
  changed: Set<string>;
  /** Positional arguments. */
  args: string[];
  /** -h was used (docker warns that the shorthand is deprecated). */
  helpShorthand: boolean;
  /** pflag's deprecation notices of the deprecated flags used, in order. */
  deprecations: string[];
}

/** The hidden help flag every command has (docker marks -h deprecated in favour of --help). */
export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', kind: 'bool', usage: 'Print usage', hidden: true };

function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** strconv.ParseInt(s, 0, 64) */
function parseIntGo(v: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|[1-9][0-9_]*|0)$/.exec(v);
  if (!m) return undefined;
  let body = m[2]!.replace(/_/g, '');
  if (/^0[0-7]+$/.test(body)) body = '0o' + body.slice(1);
  const n = Number(body);
  return m[1] === '-' ? -n : n;
}

export function flagDisplayName(f: FlagSpec): string {
  return f.short ? `-${f.short}, --${f.name}` : `--${f.name}`;
}

/** Default values of a flag list, by camelCase name. */
export function defaults(specs: readonly FlagSpec[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const f of specs) {
    if (f.target) continue;
    const key = camelCase(f.name);
    if (f.kind === 'list') values[key] = [];
    else if (f.kind === 'bool') values[key] = f.default ?? false;
    else if (f.kind === 'int') values[key] = f.default ?? 0;
    else values[key] = f.default ?? '';
  }
  return values;
}

/** Parses `argv` against `specs` (plus --help). Throws FlagError. */
export function parseFlags(specs: readonly FlagSpec[], argv: readonly string[], opts: { interspersed?: boolean } = {}): ParsedFlags {
  const all = specs.some((f) => f.name === 'help') ? specs : [...specs, HELP_FLAG];
  const byName = new Map(all.map((f) => [f.name, f]));
  const byShort = new Map(all.filter((f) => f.short).map((f) => [f.short!, f]));
  const values = defaults(all);
  const changed = new Set<string>();
  const args: string[] = [];
  const deprecations: string[] = [];
  let helpShorthand = false;
  const interspersed = opts.interspersed ?? true;

  const set = (f: FlagSpec, value: string) => {
    const key = camelCase(f.target ?? f.name);
    const invalid = (why: string) => new FlagError(`invalid argument ${JSON.stringify(value)} for "${flagDisplayName(f)}" flag: ${why}`);
    switch (f.kind) {
      case 'bool': {
        const b = parseBool(value);
        if (b === undefined) throw invalid(`strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
        values[key] = b;
        break;
      }
      case 'int': {
        const n = parseIntGo(value);
        if (n === undefined) throw invalid(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
        values[key] = n;
        break;
      }
      case 'list':
        if (f.validate) {
          try {
            f.validate(value);
          } catch (e) {
            throw invalid((e as Error).message);
          }
        }
        (values[key] as string[]).push(value);
        break;
      default:
        if (f.validate) {
          try {
            f.validate(value);
          } catch (e) {
            throw invalid((e as Error).message);
          }
        }
        values[key] = value;
    }
    changed.add(f.name);
    if (f.deprecated) deprecations.push(`Flag --${f.name} has been deprecated, ${f.deprecated}\n`);
  };

  const rest = [...argv];
  while (rest.length > 0) {
    const s = rest.shift()!;
    if (s.length < 2 || s[0] !== '-') {
      if (!interspersed) {
        args.push(s, ...rest);
        break;
      }
      args.push(s);
      continue;
    }
    if (s[1] === '-') {
      if (s.length === 2) {
        args.push(...rest);
        break;
      }
      const body = s.slice(2);
      if (body[0] === '-' || body[0] === '=') throw new FlagError(`bad flag syntax: ${s}`);
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const f = byName.get(name);
      if (!f) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) set(f, body.slice(eq + 1));
      else if (f.kind === 'bool') set(f, 'true');
      else if (rest.length > 0) set(f, rest.shift()!);
      else throw new FlagError(`flag needs an argument: ${s}`);
      continue;
    }
    let shorthands = s.slice(1);
    while (shorthands.length > 0) {
      const c = shorthands[0]!;
      const f = byShort.get(c);
      if (!f) throw new FlagError(`unknown shorthand flag: '${c}' in -${shorthands}`);
      if (f.name === 'help') helpShorthand = true;
      if (shorthands.length > 2 && shorthands[1] === '=') {
        set(f, shorthands.slice(2));
        shorthands = '';
      } else if (f.kind === 'bool') {
        set(f, 'true');
        shorthands = shorthands.slice(1);
      } else if (shorthands.length > 1) {
        set(f, shorthands.slice(1));
        shorthands = '';
      } else if (rest.length > 0) {
        set(f, rest.shift()!);
        shorthands = '';
      } else throw new FlagError(`flag needs an argument: '${c}' in -${shorthands}`);
    }
  }
  return { values, changed, args, helpShorthand, deprecations };
}

/** Go's %q of a string for "(default …)". */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** pflag's wrapN: splits off a first line of at most `i` characters (plus `slop`). */
function wrapN(i: number, slop: number, s: string): [string, string] {
  if (i + slop > s.length) return [s, ''];
  const head = s.slice(0, i);
  const w = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\t'), head.lastIndexOf('\n'));
  if (w <= 0) return [s, ''];
  const nl = head.lastIndexOf('\n');
  if (nl > 0 && nl < w) return [s.slice(0, nl), s.slice(nl + 1)];
  return [s.slice(0, w), s.slice(w + 1)];
}

/** pflag's wrap: indents continuation lines by `i` and wraps at `w` columns. */
function wrap(i: number, w: number, s: string): string {
  if (w === 0) return s.replace(/\n/g, '\n' + ' '.repeat(i));
  let width = w - i;
  let r = '';
  if (width < 24) {
    i = 16;
    width = w - i;
    r += '\n' + ' '.repeat(i);
  }
  if (width < 24) return s.replace(/\n/g, r);
  const slop = 5;
  width -= slop;
  let [l, rest] = wrapN(width, slop, s);
  r += l.replace(/\n/g, '\n' + ' '.repeat(i));
  while (rest !== '') {
    let t: string;
    [t, rest] = wrapN(width, slop, rest);
    r += '\n' + ' '.repeat(i) + t.replace(/\n/g, '\n' + ' '.repeat(i));
  }
  return r;
}

/** pflag's FlagUsagesWrapped(cols): the Options block of a help page (sorted by name). */
export function flagUsages(specs: readonly FlagSpec[], cols: number): string {
  const visible = specs.filter((f) => !f.hidden && !f.deprecated).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines: string[] = [];
  let maxlen = 0;
  for (const f of visible) {
    let line = f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`;
    let usage = f.usage;
    let varname: string;
    const bq = /`([^`]*)`/.exec(usage);
    if (bq) {
      varname = bq[1]!;
      usage = usage.replace(bq[0], varname);
    } else {
      varname = f.kind === 'bool' ? '' : (f.typeName ?? (f.kind === 'int' ? 'int' : f.kind === 'list' ? 'list' : 'string'));
    }
    if (varname) line += ' ' + varname;
    line += '\x00';
    maxlen = Math.max(maxlen, line.length);
    line += usage;
    if (f.defaultText !== undefined) line += ` (default ${f.defaultText})`;
    else if (f.kind === 'string' && f.default && (f.typeName ?? 'string') === 'string') line += ` (default ${goQuote(String(f.default))})`;
    else if (f.kind === 'int' && f.default) line += ` (default ${f.default})`;
    else if (f.kind === 'bool' && f.default === true) line += ' (default true)';
    lines.push(line);
  }
  let out = '';
  for (const line of lines) {
    const sidx = line.indexOf('\x00');
    const spacing = ' '.repeat(maxlen - sidx);
    out += `${line.slice(0, sidx)} ${spacing} ${wrap(maxlen + 2, cols, line.slice(sidx + 1))}\n`;
  }
  return out;
}
