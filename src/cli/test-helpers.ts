/**
 * Helpers for the CLI's tests. tsc does not copy testdata/, so tests read golden files from the
 * source tree: dist/src/cli/x -> src/cli/x.
 */
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `testdata` folder beside the source of the test module `importMetaUrl`. */
export function testdataDir(importMetaUrl: string): string {
  const dir = dirname(fileURLToPath(importMetaUrl));
  const marker = `${sep}dist${sep}src${sep}`;
  const i = dir.lastIndexOf(marker);
  const srcDir = i >= 0 ? dir.slice(0, i) + `${sep}src${sep}` + dir.slice(i + marker.length) : dir;
  return join(srcDir, 'testdata');
}

export interface GoldenCase {
  name: string;
  sections: Record<string, string>;
}

/**
 * Parses a golden file of cases: `=== <name>` starts a case, `--- <section>` a section; each
 * section's text runs to the next marker, without its final newline.
 */
export function parseGolden(text: string): GoldenCase[] {
  const cases: GoldenCase[] = [];
  let cur: GoldenCase | undefined;
  let section: string | undefined;
  let buf: string[] = [];
  const close = () => {
    if (cur && section !== undefined) cur.sections[section] = buf.join('\n');
    buf = [];
  };
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const c = /^=== (.+)$/.exec(line);
    const s = /^--- (\S+)$/.exec(line);
    if (c) {
      close();
      cur = { name: c[1]!, sections: {} };
      section = undefined;
      cases.push(cur);
    } else if (s && cur) {
      close();
      section = s[1]!;
    } else buf.push(line);
  }
  close();
  return cases;
}
