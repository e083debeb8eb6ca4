/**
 * Drives an interactive command in a pseudo-terminal, the way a person at a shell would: the
 * command runs under script(1) (util-linux), which gives it a pty; we type into script's stdin
 * and read the terminal's output from its stdout.
 *
 *   const s = PtySession.start(['docker', 'run', '-it', 'debian', 'bash'], env);
 *   await s.run('ps -elf');          // types the line, returns what it printed
 *   s.send('\x10\x11');              // Ctrl-P Ctrl-Q
 *   const { code } = await s.exited;
 *
 * `run` brackets the command with two `echo` markers whose text only appears once the shell
 * has expanded them (`$((…))`), so the echo of what we typed never matches.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

let markers = 0;

export class PtySession {
  private buf = '';
  private waiters: (() => void)[] = [];
  /** Resolves when script(1) ends: the command's exit code (script -e). */
  readonly exited: Promise<{ code: number | null; output: string }>;

  private constructor(private readonly child: ChildProcess) {
    const onData = (b: Buffer) => {
      this.buf += b.toString('utf8');
      for (const w of this.waiters.splice(0)) w();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) =>
      child.on('close', (code) => {
        for (const w of this.waiters.splice(0)) w();
        resolve({ code, output: this.buf });
      }),
    );
  }

  /** Starts `argv` in a 120x40 pty (no output post-processing, so lines end as the program wrote them). */
  static start(argv: string[], env: Record<string, string>): PtySession {
    const cmd = `stty cols 120 rows 40; exec ${argv.map(shellQuote).join(' ')}`;
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    return new PtySession(child);
  }

  /** Everything the terminal showed so far. */
  get output(): string {
    return this.buf;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Types raw bytes (keystrokes; "\r" is Enter). */
  send(keys: string): void {
    this.child.stdin!.write(keys);
  }

  /** Waits until the output after `from` matches `re`; returns the match. */
  async expect(re: RegExp, timeoutMs = 20_000, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.buf.slice(from).match(re);
      if (m) return m;
      if (!this.running) throw new Error(`session ended before ${re}; output:\n${JSON.stringify(this.buf)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}; output:\n${JSON.stringify(this.buf)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Types `line` into the shell and returns what it printed (CRs dropped), between two markers. */
  async run(line: string, timeoutMs = 20_000): Promise<string> {
    const n = ++markers;
    const from = this.buf.length;
    this.send(`echo B$((${n}*7))B; ${line}; echo E$((${n}*7))E\r`);
    const m = await this.expect(new RegExp(`B${n * 7}B\\r*\\n([\\s\\S]*?)E${n * 7}E\\r*\\n`), timeoutMs, from);
    return m[1]!.replace(/\r/g, '');
  }

  /** Ends script(1) and the command under it. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
