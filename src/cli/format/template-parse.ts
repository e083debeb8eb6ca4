/**
 * Lexer and parser of the Go text/template subset docker's `--format` needs:
 *
 *   text {{pipeline}} {{- trimmed -}} {{/* comment *\/}}
 *   {{if p}} … {{else if p}} … {{else}} … {{end}}     {{with p}} … {{else with p}} … {{end}}
 *   {{range p}} … {{else}} … {{end}}   {{range $i, $e := p}}   {{break}} {{continue}}
 *   pipeline  = [$v := | $v =] command { "|" command }
 *   command   = operand { operand }             (first operand a function or method call)
 *   operand   = .Field.Chain | . | $var.Chain | func | "str" | `raw` | 'c' | 12 | 1.5 | true |
 *               false | nil | ( pipeline ).Chain
 *
 * Not supported: define/template/block (parse error naming the keyword).
 * Errors read like Go's: `template: :1: unclosed action`.
 */

export class TemplateParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateParseError';
  }
}

export interface Pipe {
  pos: number;
  decl: string[];
  isAssign: boolean;
  cmds: Cmd[];
}

export interface Cmd {
  pos: number;
  src: string;
  args: Operand[];
}

export type Operand =
  | { type: 'field'; pos: number; src: string; names: string[] }
  | { type: 'dot'; pos: number; src: string }
  | { type: 'var'; pos: number; src: string; name: string; names: string[] }
  | { type: 'ident'; pos: number; src: string; name: string }
  | { type: 'chain'; pos: number; src: string; node: Operand; names: string[] }
  | { type: 'pipe'; pos: number; src: string; pipe: Pipe }
  | { type: 'string'; pos: number; src: string; value: string }
  | { type: 'number'; pos: number; src: string; value: number | bigint }
  | { type: 'bool'; pos: number; src: string; value: boolean }
  | { type: 'nil'; pos: number; src: string };

export type TNode =
  | { type: 'text'; text: string }
  | { type: 'action'; pos: number; pipe: Pipe }
  | { type: 'if' | 'with' | 'range'; pos: number; pipe: Pipe; list: TNode[]; elseList: TNode[] | null }
  | { type: 'break' | 'continue'; pos: number };

export interface ParsedTemplate {
  name: string;
  source: string;
  root: TNode[];
}

type TokKind =
  | 'text'
  | 'left'
  | 'right'
  | 'space'
  | 'field'
  | 'dot'
  | 'var'
  | 'ident'
  | 'string'
  | 'raw'
  | 'char'
  | 'number'
  | 'lparen'
  | 'rparen'
  | 'pipe'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'eof';

interface Tok {
  kind: TokKind;
  val: string;
  pos: number;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined): boolean => {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 0x80) return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  return /[\p{L}\p{N}]/u.test(c);
};

/** Line number (1-based) of a byte offset, as Go reports it. */
export function lineOf(src: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src[i] === '\n') n++;
  return n;
}

class Lexer {
  readonly toks: Tok[] = [];
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly fail: (pos: number, msg: string) => never,
  ) {}

  run(): Tok[] {
    const s = this.src;
    while (this.i < s.length) {
      const start = this.i;
      const at = s.indexOf('{{', this.i);
      const end = at < 0 ? s.length : at;
      let text = s.slice(start, end);
      const leftTrim = at >= 0 && s[at + 2] === '-' && isSpace(s[at + 3]);
      if (leftTrim) text = text.replace(/[ \t\r\n]+$/, '');
      if (text) this.toks.push({ kind: 'text', val: text, pos: start });
      if (at < 0) {
        this.i = s.length;
        break;
      }
      this.i = at + 2 + (leftTrim ? 2 : 0);
      // Comment: {{/* ... */}} possibly with trim markers.
      if (s.startsWith('/*', this.i)) {
        const close = s.indexOf('*/', this.i + 2);
        if (close < 0) this.fail(at, 'unclosed comment');
        let j = close + 2;
        let rightTrim = false;
        if (s.startsWith(' -}}', j)) {
          rightTrim = true;
          j += 4;
        } else if (s.startsWith('}}', j)) j += 2;
        else this.fail(at, 'comment ends before closing delimiter');
        this.i = j;
        if (rightTrim) this.skipSpace();
        continue;
      }
      this.toks.push({ kind: 'left', val: '{{', pos: at });
      this.lexInside(at);
    }
    this.toks.push({ kind: 'eof', val: '', pos: s.length });
    return this.toks;
  }

  private skipSpace() {
    while (isSpace(this.src[this.i])) this.i++;
  }

  private lexInside(actionPos: number) {
    const s = this.src;
    let parenDepth = 0;
    for (;;) {
      if (this.i >= s.length) this.fail(actionPos, 'unclosed action');
      const c = s[this.i]!;
      const start = this.i;
      if (isSpace(c)) {
        let j = this.i;
        while (isSpace(s[j])) j++;
        if (s.startsWith('-}}', j)) {
          this.toks.push({ kind: 'right', val: '}}', pos: j });
          this.i = j + 3;
          this.skipSpace();
          return;
        }
        this.toks.push({ kind: 'space', val: s.slice(this.i, j), pos: start });
        this.i = j;
        continue;
      }
      if (s.startsWith('}}', this.i)) {
        if (parenDepth > 0) this.fail(start, 'unclosed left paren');
        this.toks.push({ kind: 'right', val: '}}', pos: start });
        this.i += 2;
        return;
      }
      if (c === '"') {
        let j = this.i + 1;
        for (; j < s.length && s[j] !== '"'; j++) {
          if (s[j] === '\\') j++;
          else if (s[j] === '\n') this.fail(start, 'unterminated quoted string');
        }
        if (j >= s.length) this.fail(start, 'unterminated quoted string');
        this.toks.push({ kind: 'string', val: s.slice(this.i, j + 1), pos: start });
        this.i = j + 1;
        continue;
      }
      if (c === '`') {
        const j = s.indexOf('`', this.i + 1);
        if (j < 0) this.fail(start, 'unterminated raw quoted string');
        this.toks.push({ kind: 'raw', val: s.slice(this.i, j + 1), pos: start });
        this.i = j + 1;
        continue;
      }
      if (c === "'") {
        let j = this.i + 1;
        for (; j < s.length && s[j] !== "'"; j++) if (s[j] === '\\') j++;
        if (j >= s.length) this.fail(start, 'unterminated character constant');
        this.toks.push({ kind: 'char', val: s.slice(this.i, j + 1), pos: start });
        this.i = j + 1;
        continue;
      }
      if (c === '$') {
        let j = this.i + 1;
        while (isAlnum(s[j])) j++;
        this.toks.push({ kind: 'var', val: s.slice(this.i, j), pos: start });
        this.i = j;
        continue;
      }
      if (c === '.') {
        const n = s[this.i + 1];
        if (n !== undefined && /[0-9]/.test(n)) {
          this.lexNumber();
          continue;
        }
        if (isAlnum(n)) {
          let j = this.i + 1;
          while (isAlnum(s[j])) j++;
          this.toks.push({ kind: 'field', val: s.slice(this.i, j), pos: start });
          this.i = j;
          continue;
        }
        this.toks.push({ kind: 'dot', val: '.', pos: start });
        this.i++;
        continue;
      }
      if (/[0-9]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(s[this.i + 1] ?? ''))) {
        this.lexNumber();
        continue;
      }
      if (isAlnum(c)) {
        let j = this.i;
        while (isAlnum(s[j])) j++;
        this.toks.push({ kind: 'ident', val: s.slice(this.i, j), pos: start });
        this.i = j;
        continue;
      }
      if (c === '(') {
        parenDepth++;
        this.toks.push({ kind: 'lparen', val: c, pos: start });
        this.i++;
        continue;
      }
      if (c === ')') {
        parenDepth--;
        if (parenDepth < 0) this.fail(start, `unexpected right paren`);
        this.toks.push({ kind: 'rparen', val: c, pos: start });
        this.i++;
        continue;
      }
      if (c === '|') {
        this.toks.push({ kind: 'pipe', val: c, pos: start });
        this.i++;
        continue;
      }
      if (c === ':' && s[this.i + 1] === '=') {
        this.toks.push({ kind: 'declare', val: ':=', pos: start });
        this.i += 2;
        continue;
      }
      if (c === '=') {
        this.toks.push({ kind: 'assign', val: '=', pos: start });
        this.i++;
        continue;
      }
      if (c === ',') {
        this.toks.push({ kind: 'comma', val: ',', pos: start });
        this.i++;
        continue;
      }
      this.fail(start, `unexpected ${JSON.stringify(c)} in command`);
    }
  }

  private lexNumber() {
    const s = this.src;
    const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/.exec(s.slice(this.i));
    const text = m?.[0] ?? '';
    if (!text || isAlnum(s[this.i + text.length])) {
      let j = this.i;
      while (isAlnum(s[j]) || s[j] === '.' || s[j] === '+' || s[j] === '-') j++;
      this.fail(this.i, `bad number syntax: ${JSON.stringify(s.slice(this.i, j))}`);
    }
    this.toks.push({ kind: 'number', val: text, pos: this.i });
    this.i += text.length;
  }
}

function unquote(tok: Tok, fail: (pos: number, msg: string) => never): string {
  if (tok.kind === 'raw') return tok.val.slice(1, -1);
  const body = tok.val.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
      case '"':
      case "'":
        out += e;
        break;
      case 'x':
        out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
        break;
      case 'u':
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
        break;
      case 'U':
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16));
        i += 8;
        break;
      default:
        if (e !== undefined && /[0-7]/.test(e)) {
          out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8));
          i += 2;
        } else fail(tok.pos, `invalid syntax: ${tok.val}`);
    }
  }
  return out;
}

function parseNumber(text: string): number | bigint {
  const t = text.replace(/_/g, '');
  if (/^[+-]?0[xXbBoO]/.test(t)) {
    const neg = t.startsWith('-');
    const v = BigInt(t.replace(/^[+-]/, ''));
    const r = neg ? -v : v;
    return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
  }
  if (/^[+-]?\d+$/.test(t)) {
    const v = BigInt(t);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  return Number(t);
}

/**
 * Parses `source` into a template. `funcs` lists the function names in scope: an unknown
 * function is a parse error, as in Go.
 */
export function parseTemplate(source: string, funcs: ReadonlySet<string>, name = ''): ParsedTemplate {
  function fail(pos: number, msg: string): never {
    throw new TemplateParseError(`template: ${name}:${lineOf(source, pos)}: ${msg}`);
  }
  const toks = new Lexer(source, fail).run();
  let p = 0;
  const vars: string[][] = [['$']];

  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const peekNonSpace = () => {
    let q = p;
    while (toks[q]!.kind === 'space') q++;
    return toks[q]!;
  };
  const nextNonSpace = () => {
    while (peek().kind === 'space') p++;
    return next();
  };
  const hasVar = (n: string) => vars.some((scope) => scope.includes(n));
  // Go's item.String(): EOF, <keyword>/<.>/<nil>, %q (at most 10 characters then "...")
  const describe = (t: Tok) => {
    if (t.kind === 'eof') return 'EOF';
    if (t.kind === 'dot' || (t.kind === 'ident' && (KEYWORDS.has(t.val) || t.val === 'nil'))) return `<${t.val}>`;
    if (t.kind === 'space') return JSON.stringify(t.val);
    return t.val.length > 10 ? JSON.stringify(t.val.slice(0, 10)) + '...' : JSON.stringify(t.val);
  };

  function expectRight(context: string) {
    const t = nextNonSpace();
    if (t.kind !== 'right') fail(t.pos, `unexpected ${describe(t)} in ${context}`);
  }

  // list parses nodes until {{end}} / {{else}}; returns the terminating keyword.
  function list(): { nodes: TNode[]; stop: 'end' | 'else' | 'eof'; stopPos: number } {
    const nodes: TNode[] = [];
    for (;;) {
      const t = next();
      if (t.kind === 'eof') return { nodes, stop: 'eof', stopPos: t.pos };
      if (t.kind === 'text') {
        nodes.push({ type: 'text', text: t.val });
        continue;
      }
      // left delimiter
      const k = peekNonSpace();
      if (k.kind === 'ident' && KEYWORDS.has(k.val)) {
        nextNonSpace();
        switch (k.val) {
          case 'end':
            expectRight('end');
            return { nodes, stop: 'end', stopPos: k.pos };
          case 'else':
            return { nodes, stop: 'else', stopPos: k.pos };
          case 'if':
          case 'with':
          case 'range':
            nodes.push(control(k.val, k.pos));
            continue;
          case 'break':
          case 'continue':
            expectRight(k.val);
            nodes.push({ type: k.val, pos: k.pos });
            continue;
          default:
            fail(k.pos, `{{${k.val}}} is not supported by berth's template engine`);
        }
      }
      const pipe = pipeline('command', 'right');
      nodes.push({ type: 'action', pos: pipe.pos, pipe });
    }
  }

  function control(kind: 'if' | 'with' | 'range', pos: number): TNode {
    vars.push([]);
    const pipe = pipeline(kind, 'right');
    const body = list();
    let elseList: TNode[] | null = null;
    if (body.stop === 'eof') fail(body.stopPos, `unexpected EOF`);
    if (body.stop === 'else') {
      const after = peekNonSpace();
      if ((kind === 'if' || kind === 'with') && after.kind === 'ident' && after.val === kind) {
        // {{else if p}} / {{else with p}}: a nested control sharing our {{end}}.
        nextNonSpace();
        vars.pop();
        const nested = control(kind, after.pos);
        return { type: kind, pos, pipe, list: body.nodes, elseList: [nested] };
      }
      expectRight('else');
      const rest = list();
      if (rest.stop !== 'end') fail(rest.stopPos, rest.stop === 'eof' ? 'unexpected EOF' : `expected end; found {{else}}`);
      elseList = rest.nodes;
    }
    vars.pop();
    return { type: kind, pos, pipe, list: body.nodes, elseList };
  }

  function pipeline(context: string, end: 'right' | 'rparen'): Pipe {
    const start = peekNonSpace();
    const decl: string[] = [];
    let isAssign = false;
    // Declarations: $x := / $x = / $i, $e :=
    {
      const save = p;
      const v1 = nextNonSpace();
      if (v1.kind === 'var') {
        let t = nextNonSpace();
        const names = [v1.val];
        if (t.kind === 'comma' && context === 'range') {
          const v2 = nextNonSpace();
          if (v2.kind !== 'var') fail(v2.pos, `range can only initialize variables`);
          names.push(v2.val);
          t = nextNonSpace();
        }
        if (t.kind === 'declare' || t.kind === 'assign') {
          isAssign = t.kind === 'assign';
          if (isAssign) {
            for (const n of names) if (!hasVar(n)) fail(v1.pos, `undefined variable "${n}"`);
          } else {
            vars[vars.length - 1]!.push(...names);
          }
          decl.push(...names);
        } else p = save;
      } else p = save;
    }
    const cmds: Cmd[] = [];
    for (;;) {
      const t = peekNonSpace();
      if ((end === 'right' && t.kind === 'right') || (end === 'rparen' && t.kind === 'rparen')) {
        nextNonSpace();
        if (cmds.length === 0) fail(t.pos, `missing value for ${context}`);
        break;
      }
      if (t.kind === 'eof') fail(t.pos, end === 'rparen' ? 'unclosed left paren' : 'unclosed action');
      cmds.push(command(end));
      const sep = peekNonSpace();
      if (sep.kind === 'pipe') {
        nextNonSpace();
        continue;
      }
    }
    return { pos: decl.length ? start.pos : cmds[0]!.pos, decl, isAssign, cmds };
  }

  function command(end: 'right' | 'rparen'): Cmd {
    const args: Operand[] = [];
    const start = peekNonSpace().pos;
    for (;;) {
      while (peek().kind === 'space') p++;
      const t = peek();
      if (t.kind === 'pipe' || t.kind === 'right' || t.kind === 'rparen' || t.kind === 'eof') {
        if (t.kind === 'rparen' && end !== 'rparen') fail(t.pos, `unexpected ")" in operand`);
        if (t.kind === 'right' && end === 'rparen') fail(t.pos, 'unclosed left paren');
        break;
      }
      args.push(operand());
      const after = peek();
      if (after.kind !== 'space' && after.kind !== 'pipe' && after.kind !== 'right' && after.kind !== 'rparen') {
        fail(after.pos, `unexpected ${describe(after)} in operand`);
      }
    }
    if (args.length === 0) fail(peek().pos, `unexpected ${describe(peek())} in command`);
    const endPos = peek().pos;
    return { pos: start, src: source.slice(start, endPos).trim(), args };
  }

  function operand(): Operand {
    const t = next();
    let node: Operand;
    switch (t.kind) {
      case 'field':
        node = { type: 'field', pos: t.pos, src: t.val, names: [t.val.slice(1)] };
        break;
      case 'dot':
        node = { type: 'dot', pos: t.pos, src: '.' };
        break;
      case 'var':
        if (!hasVar(t.val)) fail(t.pos, `undefined variable "${t.val}"`);
        node = { type: 'var', pos: t.pos, src: t.val, name: t.val, names: [] };
        break;
      case 'ident':
        if (t.val === 'true' || t.val === 'false') {
          node = { type: 'bool', pos: t.pos, src: t.val, value: t.val === 'true' };
        } else if (t.val === 'nil') {
          node = { type: 'nil', pos: t.pos, src: t.val };
        } else if (KEYWORDS.has(t.val)) {
          fail(t.pos, `unexpected <${t.val}> in command`);
        } else {
          if (!funcs.has(t.val)) fail(t.pos, `function ${JSON.stringify(t.val)} not defined`);
          node = { type: 'ident', pos: t.pos, src: t.val, name: t.val };
        }
        break;
      case 'string':
      case 'raw':
        node = { type: 'string', pos: t.pos, src: t.val, value: unquote(t, fail) };
        break;
      case 'char': {
        const ch = unquote({ ...t, kind: 'string', val: '"' + t.val.slice(1, -1) + '"' }, fail);
        node = { type: 'number', pos: t.pos, src: t.val, value: ch.codePointAt(0) ?? 0 };
        break;
      }
      case 'number':
        node = { type: 'number', pos: t.pos, src: t.val, value: parseNumber(t.val) };
        break;
      case 'lparen': {
        const pipe = pipeline('parenthesized pipeline', 'rparen');
        node = { type: 'pipe', pos: t.pos, src: source.slice(t.pos, toks[p - 1]!.pos + 1), pipe };
        break;
      }
      default:
        fail(t.pos, `unexpected ${describe(t)} in operand`);
    }
    // Field chain directly after the term: .A.B, $x.A, (pipe).A
    const chain: string[] = [];
    let endPos = t.pos + t.val.length;
    while (peek().kind === 'field') {
      const f = next();
      chain.push(f.val.slice(1));
      endPos = f.pos + f.val.length;
    }
    if (chain.length) {
      if (node.type === 'field') {
        node = { type: 'field', pos: node.pos, names: [...node.names, ...chain], src: source.slice(node.pos, endPos) };
      } else if (node.type === 'var') {
        node = { type: 'var', pos: node.pos, name: node.name, names: chain, src: source.slice(node.pos, endPos) };
      } else if (node.type === 'bool' || node.type === 'string' || node.type === 'number' || node.type === 'nil') {
        fail(node.pos, `unexpected . after term ${JSON.stringify(node.src)}`);
      } else {
        node = { type: 'chain', pos: node.pos, src: source.slice(node.pos, endPos), node, names: chain };
      }
    }
    return node;
  }

  const top = list();
  if (top.stop === 'end') fail(top.stopPos, 'unexpected {{end}}');
  if (top.stop === 'else') fail(top.stopPos, 'unexpected {{else}}');
  return { name, source, root: top.nodes };
}
