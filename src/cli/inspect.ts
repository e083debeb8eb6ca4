/**
 * docker's inspect machinery (cli/command/inspect): fetch each reference, then print
 *
 *   no --format     the raw JSON documents as one array, indented by 4 spaces (json.Indent of
 *                   the daemon's bytes: its field order and spelling are kept)
 *   --format json   the same array, compact
 *   --format TMPL   one execution per document, each followed by "\n" (an empty output is one
 *                   "\n"). As docker, the template runs first on the typed view (Go field names
 *                   such as .ID work, omitted fields read as zero values, unknown fields fail),
 *                   and when that fails, on the raw document as a map: exact keys, and a missing
 *                   one is an error ("map has no entry for key"); that second error is reported.
 *
 * References are fetched one after the other; failures are collected, what succeeded is still
 * printed (an empty array "[]" when nothing did), and the failures end the command together:
 * their messages, one per line, exit 1. A template that does not parse is exit 64.
 */
import { StatusError } from './command.js';
import type { Cli } from './cli.js';
import { Template, TemplateExecError, TemplateParseError } from './format/template.js';
import { jsonCompact, jsonIndent } from './format/json-indent.js';
import { JSON_FORMAT_KEY } from './format/formatter.js';

/** One fetched document: its raw JSON text and the value templates see. */
export interface InspectDocument {
  raw: string;
  /** The typed view: the decoded document with the zero-valued fields the Go struct would have. */
  value: unknown;
}

export type GetRefFunc = (ref: string) => Promise<InspectDocument>;

/**
 * Adds Go zero values for a typed struct's fields the daemon left out (omitempty), as
 * non-enumerable properties: templates read them ("" rather than an error), JSON keeps the
 * document as received.
 */
export function withZeroFields(doc: unknown, zero: Record<string, unknown>): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  const view = { ...(doc as Record<string, unknown>) };
  for (const [k, v] of Object.entries(zero)) {
    if (!Object.hasOwn(view, k)) Object.defineProperty(view, k, { value: v, enumerable: false });
  }
  return view;
}

/** Reads a response body to text. */
export async function readText(body: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

/** docker's inspect.Inspect. */
export async function inspectAll(cli: Cli, refs: readonly string[], format: string, getRef: GetRefFunc): Promise<void> {
  let tmpl: Template | undefined;
  if (format !== '' && format !== JSON_FORMAT_KEY) {
    try {
      tmpl = Template.parse(format);
    } catch (e) {
      if (e instanceof TemplateParseError) throw new StatusError(`template parsing error: ${e.message}`, 64);
      throw e;
    }
  }
  const errs: string[] = [];
  const raws: string[] = [];
  let buffer = '';
  for (const ref of refs) {
    let doc: InspectDocument;
    try {
      doc = await getRef(ref);
    } catch (e) {
      errs.push(cli.errorText(e));
      continue;
    }
    if (!tmpl) {
      raws.push(doc.raw);
      continue;
    }
    try {
      buffer += tmpl.execute(doc.value, { strict: true }) + '\n';
      continue;
    } catch (e) {
      if (!(e instanceof TemplateExecError)) throw e;
    }
    // compat: docker's tryRawInspectFallback
    try {
      buffer += tmpl.execute(JSON.parse(doc.raw), { rawMaps: true }) + '\n';
    } catch (e) {
      if (e instanceof SyntaxError) errs.push(`unable to read inspect data: ${e.message}`);
      else if (e instanceof TemplateExecError) errs.push(`template parsing error: ${e.message}`);
      else throw e;
    }
  }
  if (tmpl) cli.out.write(buffer === '' ? '\n' : buffer);
  else if (raws.length === 0) cli.out.write('[]\n');
  else {
    const all = `[${raws.join(',')}]`;
    cli.out.write((format === JSON_FORMAT_KEY ? jsonCompact(all) : jsonIndent(all, '', '    ')) + '\n');
  }
  if (errs.length) throw new StatusError(errs.join('\n'), 1);
}
