/**
 * The lexer of the template engine (Go text/template's lex.go, for the subset parse.ts reads):
 * text, {{ }} with trim markers and comments, and the tokens inside actions.
 */

export type TokKind =
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

export interface Tok {
  kind: TokKind;
  val: string;
  pos: number;
}

export const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

export const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
export const isAlnum = (c: string | undefined): boolean => {
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

export class Lexer {
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
        this.checkTerminator(j, start);
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
          this.checkTerminator(j, start);
          this.toks.push({ kind: 'field', val: s.slice(this.i, j), pos: start });
          this.i = j;
          continue;
        }
        this.checkTerminator(this.i + 1, start);
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
        this.checkTerminator(j, start);
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

  /**
   * lex.go's atTerminator after a field, variable or identifier: a space, end of input, one of
   * `.,|:)(` or the right delimiter must follow, else "bad character U+007D '}'" (`{{.Name}`).
   */
  private checkTerminator(j: number, start: number) {
    const s = this.src;
    const c = s[j];
    if (c === undefined || isSpace(c) || '.,|:)('.includes(c) || s.startsWith('}}', j)) return;
    const cp = s.codePointAt(j)!;
    const printable = cp >= 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp < 0xa0);
    const ch = String.fromCodePoint(cp);
    this.fail(start, `bad character U+${cp.toString(16).toUpperCase().padStart(4, '0')}${printable ? ` '${ch}'` : ''}`);
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

