/**
 * The layout of testdata/oracle.golden (parsed by test-helpers' parseGolden): one `=== <case>`
 * per case, then `--- now|exit|stdout|stderr|requests|files` sections. A section is written
 * verbatim followed by one newline, so parseGolden gives back its exact text; output holding
 * terminal control characters is written as a JSON string under `--- <name>.json` instead, and
 * very long lines (a tar on stdout) as their digest under `--- <name>.sha256`.
 */
import { createHash } from 'node:crypto';

/** The golden text of one section (its header and body). */
export function encodeSection(name: string, text: string): string {
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(text)) return `--- ${name}.json\n${JSON.stringify(text)}\n`;
  if (text.split('\n').some((l) => l.length > 500)) {
    return `--- ${name}.sha256\n${text.length}B ${createHash('sha256').update(text).digest('hex')}\n`;
  }
  return `--- ${name}\n${text}\n`;
}

/** The golden text of one case. */
export function goldenSections(caseName: string, sections: Record<string, string>): string {
  let out = `=== ${caseName}\n`;
  for (const [name, text] of Object.entries(sections)) out += encodeSection(name, text);
  return out;
}

/** A case's sections as recorded, decoded back to text: `stdout`, `stderr`, ... */
export function decodeSections(sections: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, body] of Object.entries(sections)) {
    if (name.endsWith('.json')) out[name.slice(0, -5)] = JSON.parse(body) as string;
    else out[name] = body;
  }
  return out;
}

/** What a section is compared as: digests for sections recorded that way. */
export function comparable(recordedSections: Record<string, string>, name: string, text: string): [string, string] {
  if (recordedSections[`${name}.sha256`] !== undefined) {
    return [recordedSections[`${name}.sha256`]!, `${text.length}B ${createHash('sha256').update(text).digest('hex')}`];
  }
  const decoded = decodeSections(recordedSections);
  return [decoded[name] ?? '', text];
}
