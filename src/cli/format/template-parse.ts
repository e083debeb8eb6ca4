/**
 * Parser of the Go text/template subset docker's `--format` needs:
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

import { KEYWORDS, Lexer, lineOf, type Tok } from './template-lex.js';

export { lineOf } from './template-lex.js';

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
