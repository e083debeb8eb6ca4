/**
 * Prefixed, coloured log lines for `compose logs` and attached `up`: "web-1  | text", the
 * prefix padded to the longest name and coloured per container (Compose v2's palette) when
 * colours are on.
 */
import type { OutputStream } from '../../io.js';

const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export class LogPrinter {
  private readonly width: number;
  private readonly colourOf = new Map<string, number>();

  constructor(
    private readonly out: OutputStream,
    names: string[],
    private readonly opts: { colour: boolean; prefix: boolean },
  ) {
    this.width = Math.max(0, ...names.map((n) => n.length));
    names.forEach((n, i) => this.colourOf.set(n, COLOURS[i % COLOURS.length]!));
  }

  prefix(name: string): string {
    if (!this.opts.prefix) return '';
    const p = `${name.padEnd(this.width)}  | `;
    return this.opts.colour ? `\x1b[${this.colourOf.get(name) ?? 36}m${p}\x1b[0m` : p;
  }

  line(name: string, text: string): void {
    this.out.write(this.prefix(name) + text + '\n');
  }

  /** "web-1 exited with code 0" */
  event(name: string, text: string): void {
    const t = `${name} ${text}`;
    this.out.write((this.opts.colour ? `\x1b[${this.colourOf.get(name) ?? 36}m${t}\x1b[0m` : t) + '\n');
  }
}

/** The name compose shows for a container: without the "<project>-" prefix. */
export function shortName(project: string, name: string): string {
  return name.startsWith(`${project}-`) ? name.slice(project.length + 1) : name;
}
