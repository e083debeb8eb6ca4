/**
 * Variable substitution in Dockerfile words (buildkit frontend/dockerfile/shell/lex.go): quotes
 * are removed, the escape character (`\` or `` ` ``) escapes the next character outside single
 * quotes, and `$v`, `${v}`, `${v:-w}`, `${v-w}`, `${v:+w}`, `${v+w}`, `${v:?msg}`, `${v?msg}`
 * expand from `env` (a later `KEY=value` wins). Unset variables expand to nothing.
 */
export type Env = ReadonlyMap<string, string>;

export class ShellError extends Error {}

class Lexer {
  private pos = 0;
  constructor(
    private readonly s: string,
    private readonly env: Env,
    private readonly escape: string,
  ) {}

  private peek(): string {
    return this.s[this.pos] ?? '';
  }

  private next(): string {
    return this.s[this.pos++] ?? '';
  }

  private eof(): boolean {
    return this.pos >= this.s.length;
  }

  /** Words (split on unquoted whitespace) or one word (`split` false). */
  process(split: boolean): string[] {
    const words: string[] = [];
    let word = '';
    let inWord = false;
    while (!this.eof()) {
      const ch = this.peek();
      if (split && /\s/.test(ch)) {
        this.pos++;
        if (inWord) words.push(word);
        word = '';
        inWord = false;
        continue;
      }
      inWord = true;
      if (ch === "'") {
        this.pos++;
        word += this.singleQuoted();
      } else if (ch === '"') {
        this.pos++;
        word += this.doubleQuoted();
      } else if (ch === '$') {
        word += this.dollar().value;
      } else if (ch === this.escape) {
        this.pos++;
        if (this.eof()) word += ch;
        else word += this.next();
      } else {
        this.pos++;
        word += ch;
      }
    }
    if (inWord) words.push(word);
    return words;
  }

  private singleQuoted(): string {
    let out = '';
    for (;;) {
      if (this.eof()) throw new ShellError('unexpected end of statement while looking for matching single-quote');
      const ch = this.next();
      if (ch === "'") return out;
      out += ch;
    }
  }

  private doubleQuoted(): string {
    let out = '';
    for (;;) {
      if (this.eof()) throw new ShellError('unexpected end of statement while looking for matching double-quote');
      const ch = this.peek();
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '$') {
        out += this.dollar().value;
        continue;
      }
      this.pos++;
      if (ch === this.escape) {
        const n = this.peek();
        // compat: inside double quotes the escape only escapes `"`, `$` and itself
        if (n === '"' || n === '$' || n === this.escape) {
          this.pos++;
          out += n;
          continue;
        }
      }
      out += ch;
    }
  }

  private name(): string {
    let n = '';
    while (!this.eof() && /[A-Za-z0-9_]/.test(this.peek())) n += this.next();
    return n;
  }

  private lookup(name: string): string | undefined {
    return this.env.get(name);
  }

  /** At `$`: the expansion, and whether it came unquoted from a plain variable (split). */
  private dollar(): { value: string } {
    this.pos++; // $
    const ch = this.peek();
    if (ch === '{') {
      this.pos++;
      const name = this.name();
      if (name === '') throw new ShellError(`missing ':' in substitution`);
      let c = this.next();
      if (c === '') throw new ShellError(`syntax error: missing '}'`);
      if (c === '}') return { value: this.lookup(name) ?? '' };
      let colon = false;
      if (c === ':') {
        colon = true;
        c = this.next();
      }
      if (c !== '-' && c !== '+' && c !== '?') {
        throw new ShellError(`unsupported modifier (${c}) in substitution`);
      }
      const word = this.braceWord();
      const v = this.lookup(name);
      const set = colon ? v !== undefined && v !== '' : v !== undefined;
      switch (c) {
        case '-':
          return { value: set ? v! : word };
        case '+':
          return { value: set ? word : '' };
        default:
          if (!set) throw new ShellError(`${name}: ${word || 'is not allowed to be unset'}`);
          return { value: v! };
      }
    }
    const name = this.name();
    if (name === '') return { value: '$' };
    return { value: this.lookup(name) ?? '' };
  }

  /** The word of `${v:-word}` up to the closing brace, itself processed. */
  private braceWord(): string {
    let depth = 0;
    let raw = '';
    for (;;) {
      if (this.eof()) throw new ShellError(`syntax error: missing '}'`);
      const ch = this.next();
      if (ch === this.escape && !this.eof()) {
        raw += ch + this.next();
        continue;
      }
      if (ch === '{') depth++;
      if (ch === '}') {
        if (depth === 0) break;
        depth--;
      }
      raw += ch;
    }
    return new Lexer(raw, this.env, this.escape).process(false).join('');
  }
}

/** One word with quotes removed and variables expanded. */
export function processWord(word: string, env: Env, escape = '\\'): string {
  return new Lexer(word, env, escape).process(false)[0] ?? '';
}

/** Words split on unquoted whitespace, each with quotes removed and variables expanded. */
export function processWords(text: string, env: Env, escape = '\\'): string[] {
  return new Lexer(text, env, escape).process(true);
}

/** An env list (`K=V`) as a map; later entries win. */
export function envMap(...lists: readonly (readonly string[])[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const list of lists) {
    for (const e of list) {
      const i = e.indexOf('=');
      if (i < 0) m.set(e, '');
      else m.set(e.slice(0, i), e.slice(i + 1));
    }
  }
  return m;
}
