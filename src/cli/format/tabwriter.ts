/**
 * Go's text/tabwriter (elastic tabstops), as forked in docker/cli's formatter/tabwriter, for the
 * options docker uses: padchar ' ', no flags. Cells are terminated by '\t'; the text after the
 * last tab of a line is not part of a column. A column block is a run of consecutive lines that
 * have a cell in that column; its width is max(cell width + padding, minwidth). A line without
 * any tab ends all column blocks (Go flushes there), which is why `docker version` aligns the
 * Client and each Server component separately.
 *
 *   docker tables:   new TabWriter(10, 1, 3)   (formatter.Context, `docker ps`)
 *   docker version:  new TabWriter(20, 1, 1)
 */

interface Cell {
  text: string;
  width: number;
  htab: boolean;
}

/** Display width: East Asian wide and fullwidth characters count 2 (go-runewidth). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0)) continue;
    if (c >= 0x300 && c <= 0x36f) continue; // combining marks
    if (
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x1f300 && c <= 0x1f64f) ||
      (c >= 0x1f900 && c <= 0x1f9ff) ||
      (c >= 0x20000 && c <= 0x3fffd)
    ) {
      w += 2;
    } else w += 1;
  }
  return w;
}

export class TabWriter {
  private lines: Cell[][] = [[]];
  private cell = '';
  private out = '';
  private widths: number[] = [];

  constructor(
    private readonly minwidth: number,
    private readonly tabwidth: number,
    private readonly padding: number,
  ) {}

  /** Buffers text; complete lines without tabs flush what came before, as in Go. */
  write(text: string): this {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '\t' || ch === '\v' || ch === '\n' || ch === '\f') {
        this.cell += text.slice(start, i);
        start = i + 1;
        const ncells = this.terminateCell(ch === '\t');
        if (ch === '\n' || ch === '\f') {
          this.lines.push([]);
          if (ch === '\f' || ncells === 1) this.flushLines();
        }
      }
    }
    this.cell += text.slice(start);
    return this;
  }

  /** Formats everything buffered and returns the output produced since the last call. */
  flush(): string {
    if (this.cell.length > 0) this.terminateCell(false);
    this.flushLines();
    const out = this.out;
    this.out = '';
    return out;
  }

  private terminateCell(htab: boolean): number {
    const line = this.lines[this.lines.length - 1]!;
    line.push({ text: this.cell, width: displayWidth(this.cell), htab });
    this.cell = '';
    return line.length;
  }

  private flushLines() {
    this.format(0, this.lines.length);
    this.lines = [[]];
    this.widths = [];
  }

  private writePadding(textw: number, cellw: number) {
    if (cellw > textw) this.out += ' '.repeat(cellw - textw);
  }

  private writeLines(line0: number, line1: number) {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]!;
      line.forEach((c, j) => {
        this.out += c.text;
        if (j < this.widths.length) this.writePadding(c.width, this.widths[j]!);
      });
      // The last buffered line is the (empty) one after the final newline.
      if (i + 1 < this.lines.length) this.out += '\n';
    }
  }

  private format(line0: number, line1: number) {
    const column = this.widths.length;
    for (let t = line0; t < line1; t++) {
      let line = this.lines[t]!;
      if (column >= line.length - 1) continue;
      // cell exists in this column: t is the first line of a column block
      this.writeLines(line0, t);
      line0 = t;
      let width = this.minwidth;
      for (; t < line1; t++) {
        line = this.lines[t]!;
        if (column >= line.length - 1) break;
        const w = line[column]!.width + this.padding;
        if (w > width) width = w;
      }
      this.widths.push(width);
      this.format(line0, t);
      this.widths.pop();
      line0 = t;
    }
    this.writeLines(line0, line1);
  }
}

/** Aligns `text` in one go, as writing it to a fresh Go tabwriter and flushing. */
export function tabulate(text: string, minwidth: number, tabwidth: number, padding: number): string {
  return new TabWriter(minwidth, tabwidth, padding).write(text).flush();
}
