/**
 * The Dockerfile parser (buildkit frontend/dockerfile/parser, as the classic builder of moby
 * 20.10 uses it): parser directives at the top (`# escape=`, `# syntax=`), comment lines,
 * line continuations with the escape character, one instruction per logical line, its
 * leading `--flags`, JSON vs shell forms, and heredocs (`RUN <<EOF`) for RUN, COPY and ADD.
 *
 * The result keeps what the dispatcher needs: the instruction as written (Docker's
 * `node.Original`, printed in `Step N/M : …`), its arguments split by the instruction's rule,
 * and the line numbers. Variables are not expanded here (dispatch does it per instruction).
 */

export interface Heredoc {
  name: string;
  content: string;
  /** Unquoted delimiter: variables in the content are expanded. */
  expand: boolean;
  /** `<<-`: leading tabs stripped. */
  chomp: boolean;
}

export interface Instruction {
  /** Lower case keyword: `run`, `copy`, … */
  cmd: string;
  /** The logical line as written, continuations joined (Docker's node.Original). */
  original: string;
  /** Leading `--name[=value]` words. */
  flags: string[];
  /** Arguments split by the instruction's rule (see argsOf). */
  args: string[];
  /** JSON (exec) form. */
  json: boolean;
  heredocs: Heredoc[];
  /** For ONBUILD: the instruction it carries. */
  next?: Instruction;
  /** 1-based first and last line in the file. */
  line: number;
  endLine: number;
}

export interface Directives {
  escape: string;
  syntax?: string;
}

export interface ParseResult {
  directives: Directives;
  instructions: Instruction[];
  warnings: string[];
}

/** A parse or dispatch error that names the Dockerfile and the line. */
export class DockerfileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(line > 0 ? `dockerfile parse error on line ${line} (${file}): ${detail}` : `${file}: ${detail}`);
  }
}

export const KNOWN = new Set([
  'add',
  'arg',
  'cmd',
  'copy',
  'entrypoint',
  'env',
  'expose',
  'from',
  'healthcheck',
  'label',
  'maintainer',
  'onbuild',
  'run',
  'shell',
  'stopsignal',
  'user',
  'volume',
  'workdir',
]);

const HEREDOC_CMDS = new Set(['run', 'copy', 'add']);
const DIRECTIVE_RE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/** A JSON array of strings, or undefined. */
function jsonStrings(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    return undefined;
  }
  return undefined;
}

/** Splits on whitespace, keeping quoted parts (and their quotes) together (parseWords). */
export function splitWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  let blank = true;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i]!;
    if (quote === '' && /\s/.test(ch)) {
      if (!blank) words.push(word);
      word = '';
      blank = true;
      continue;
    }
    blank = false;
    if (ch === escape && quote !== "'" && i + 1 < rest.length) {
      word += ch + rest[++i];
      continue;
    }
    if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = '';
    word += ch;
  }
  if (!blank) words.push(word);
  return words;
}

/**
 * ENV/LABEL's `k=v k2="v 2"` (alternating key, raw value: quotes are removed at dispatch), or
 * the legacy `k v` form (only ENV and LABEL; one pair, the rest of the line is the value).
 */
function nameValues(cmd: string, rest: string, escape: string): string[] {
  const words = splitWords(rest, escape);
  if (words.length === 0) throw new Error(`${cmd.toUpperCase()} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(rest)!;
    if (m[2] === '' ) throw new Error(`${cmd.toUpperCase()} must have two arguments`);
    return [m[1]!, m[2]!];
  }
  const out: string[] = [];
  for (const w of words) {
    const i = w.indexOf('=');
    if (i < 0) throw new Error(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    if (i === 0) throw new Error(`${cmd.toUpperCase()} names can not be blank`);
    out.push(w.slice(0, i), w.slice(i + 1));
  }
  return out;
}

/** The arguments of one instruction, by buildkit's dispatch table of argument parsers. */
function argsOf(cmd: string, rest: string, escape: string): { args: string[]; json: boolean } {
  switch (cmd) {
    case 'env':
    case 'label':
      return { args: nameValues(cmd, rest, escape), json: false };
    case 'run':
    case 'cmd':
    case 'entrypoint':
    case 'shell': {
      const j = jsonStrings(rest);
      if (j) return { args: j, json: true };
      if (cmd === 'shell') throw new Error('SHELL requires the arguments to be in JSON form');
      return { args: rest === '' ? [] : [rest], json: false };
    }
    case 'copy':
    case 'add':
    case 'volume': {
      const j = jsonStrings(rest);
      if (j) return { args: j, json: true };
      return { args: splitWords(rest, escape), json: false };
    }
    case 'healthcheck': {
      const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
      if (!m) return { args: [], json: false };
      const kind = m[1]!.toUpperCase();
      if (kind !== 'CMD') return { args: [kind, ...splitWords(m[2]!, escape)], json: false };
      const j = jsonStrings(m[2]!);
      if (j) return { args: [kind, ...j], json: true };
      return { args: m[2] === '' ? [kind] : [kind, m[2]!], json: false };
    }
    case 'from':
    case 'expose':
      return { args: splitWords(rest, escape), json: false };
    case 'arg':
    case 'healthcheck':
    case 'maintainer':
    case 'workdir':
    case 'user':
    case 'stopsignal':
    default:
      return { args: rest === '' ? [] : cmd === 'arg' ? splitWords(rest, escape) : [rest], json: false };
  }
}

/** Leading `--flag[=value]` words of an instruction's rest (extractBuilderFlags). */
function extractFlags(rest: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let r = rest;
  for (;;) {
    const m = /^--([^\s]*)(\s+|$)/.exec(r);
    if (!m) break;
    if (m[1] === '') break; // a bare `--` ends the flags
    flags.push(`--${m[1]}`);
    r = r.slice(m[0].length);
  }
  return { flags, rest: r };
}

const HEREDOC_RE = /<<(-?)\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

/** Parses one logical line (keyword + rest) into an instruction. */
function parseLine(text: string, line: number, escape: string): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text)!;
  const cmd = m[1]!.toLowerCase();
  if (!KNOWN.has(cmd)) throw new Error(`unknown instruction: ${m[1]!.toUpperCase()}`);
  const { flags, rest } = extractFlags(m[2]!.trim());
  if (cmd === 'onbuild') {
    if (rest === '') throw new Error('ONBUILD requires at least one argument');
    const next = parseLine(rest, line, escape);
    if (next.cmd === 'onbuild') throw new Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (next.cmd === 'from' || next.cmd === 'maintainer') throw new Error(`${next.cmd.toUpperCase()} isn't allowed as an ONBUILD trigger`);
    return { cmd, original: text, flags, args: [rest], json: false, heredocs: [], next, line, endLine: line };
  }
  const { args, json } = argsOf(cmd, rest, escape);
  return { cmd, original: text, flags, args, json, heredocs: [], line, endLine: line };
}

function parseDirectives(lines: string[]): { directives: Directives; consumed: number } {
  const directives: Directives = { escape: '\\' };
  const seen = new Set<string>();
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE_RE.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (seen.has(key)) throw new DockerfileError('', i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new DockerfileError('', i + 1, `invalid escape token '${m[2]}' does not match \` or \\`);
      directives.escape = m[2]!;
    } else if (key === 'syntax') directives.syntax = m[2]!;
  }
  return { directives, consumed: i };
}

/** Parses a Dockerfile. Throws DockerfileError naming `file` and the line. */
export function parseDockerfile(text: string, file = 'Dockerfile'): ParseResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let parsed;
  try {
    parsed = parseDirectives(lines);
  } catch (e) {
    const d = e as DockerfileError;
    throw new DockerfileError(file, d.line, d.detail);
  }
  const { directives } = parsed;
  const escape = directives.escape;
  const contRe = new RegExp(`${escape === '\\' ? '\\\\' : escape}[ \\t]*$`);
  const instructions: Instruction[] = [];
  const warnings: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const startLine = i + 1;
    const first = lines[i++]!.replace(/^\s+/, '');
    if (first === '' || first.startsWith('#')) continue;
    let logical = '';
    let cur = first;
    let emptyContinuation = false;
    for (;;) {
      if (contRe.test(cur)) {
        logical += cur.replace(contRe, '');
        // Following lines: comments and empty lines are skipped inside a continuation.
        let nextLine: string | undefined;
        while (i < lines.length) {
          const l = lines[i++]!;
          const t = l.replace(/^\s+/, '');
          if (t.startsWith('#')) continue;
          if (t === '') {
            emptyContinuation = true;
            continue;
          }
          nextLine = l;
          break;
        }
        if (nextLine === undefined) break;
        cur = nextLine;
        continue;
      }
      logical += cur;
      break;
    }
    if (emptyContinuation) warnings.push(`[WARNING]: Empty continuation line found in: ${logical.trim()}`);
    let ins: Instruction;
    try {
      ins = parseLine(logical.trim(), startLine, escape);
    } catch (e) {
      throw new DockerfileError(file, startLine, (e as Error).message);
    }
    if (HEREDOC_CMDS.has(ins.cmd) && !ins.json) {
      for (const h of logical.matchAll(HEREDOC_RE)) {
        const name = h[3]!;
        const chomp = h[1] === '-';
        const body: string[] = [];
        let closed = false;
        while (i < lines.length) {
          const raw = lines[i++]!;
          const l = chomp ? raw.replace(/^\t+/, '') : raw;
          if (l === name) {
            closed = true;
            break;
          }
          body.push(l);
        }
        if (!closed) throw new DockerfileError(file, startLine, `unterminated heredoc ${name}`);
        ins.heredocs.push({ name, content: body.length ? body.join('\n') + '\n' : '', expand: h[2] === '', chomp });
      }
    }
    ins.endLine = i;
    instructions.push(ins);
  }
  return { directives, instructions, warnings };
}
