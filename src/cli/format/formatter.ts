/**
 * docker/cli's formatter.Context for list commands: `--format` is
 *
 *   ""/"table"          the command's default table template
 *   "table TEMPLATE"    a header row, then one row per item, aligned by a tabwriter(10, 1, 3)
 *   "json"              {{json .}}: one JSON object per line
 *   "TEMPLATE"          one execution per item, each followed by "\n"
 *
 * Literal `\t` and `\n` in the format become tab and newline. The header row is the same
 * template executed on the formatter's header map (field name -> column title, e.g. ID ->
 * "CONTAINER ID") with docker's HeaderFunctions, so `{{upper .Names}}` still prints "NAMES".
 *
 * Adding a formatter for a list command (later issues):
 *
 *   export const imageFormatter: Formatter<ImageSummary> = {
 *     headers: { ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Size: 'SIZE' },
 *     defaultTable: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}',
 *     row: (img, { trunc }) => rowContext({ ID: () => (trunc ? shortId(img.Id) : img.Id), ... }),
 *   };
 *   cli.out.write(renderList(opts.format, images, imageFormatter, { trunc: !opts.noTrunc }));
 */
import { goJson, JSON_ESCAPE_HTML } from './gofmt.js';
import { GO_METHODS, Template, TemplateExecError, TemplateParseError, headerFuncs, type TemplateFunc } from './template.js';
import { TabWriter } from './tabwriter.js';

export const TABLE_FORMAT_KEY = 'table';
export const JSON_FORMAT_KEY = 'json';
export const JSON_FORMAT = '{{json .}}';

export interface RowOptions {
  /** Truncate IDs and long fields (false with --no-trunc). */
  trunc: boolean;
}

/** What a list command declares to be printed through `--format`. */
export interface Formatter<T> {
  /** Column titles by template field name (docker's per-formatter SubHeaderContext). */
  headers: Record<string, string>;
  /** The table used for an empty `--format` or `--format table`, with its `table ` prefix. */
  defaultTable: string;
  /** The template context of one item: Go field names; function fields act as methods. */
  row(item: T, opts: RowOptions): unknown;
}

/** A formatting failure; the CLI prints the message and exits 1 (docker wraps it the same way). */
export class FormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FormatError';
  }
}

export const isTableFormat = (format: string) => format.startsWith(TABLE_FORMAT_KEY);

/** docker's preFormat: strip "table", map "json", trim spaces, expand `\t` and `\n`. */
export function preFormat(format: string): string {
  let f = format;
  if (isTableFormat(f)) f = f.slice(TABLE_FORMAT_KEY.length);
  else if (f === JSON_FORMAT_KEY) f = JSON_FORMAT;
  f = f.replace(/^ +| +$/g, '');
  return f.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/**
 * Parses a user template; failures become FormatError with docker's prefix
 * ("template parsing error: template: :1: unclosed action").
 */
export function parseUserTemplate(text: string, funcs: Record<string, TemplateFunc> = {}): Template {
  try {
    return Template.parse(text, funcs);
  } catch (e) {
    if (e instanceof TemplateParseError) throw new FormatError(`template parsing error: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Renders items as docker's formatter.Context.Write does and returns the text. An execution
 * error aborts with FormatError ("template parsing error: template: :1:2: executing ...").
 */
export function renderList<T>(format: string, items: Iterable<T>, f: Formatter<T>, opts: RowOptions = { trunc: true }): string {
  const fmt = format === '' || format === TABLE_FORMAT_KEY ? f.defaultTable : format;
  const tmpl = parseUserTemplate(preFormat(fmt));
  let body = '';
  for (const item of items) {
    try {
      body += tmpl.execute(f.row(item, opts)) + '\n';
    } catch (e) {
      if (e instanceof TemplateExecError) throw new FormatError(`template parsing error: ${e.message}`, { cause: e });
      throw e;
    }
  }
  if (!isTableFormat(fmt)) return body;
  const tw = new TabWriter(10, 1, 3);
  let header = '';
  try {
    header = tmpl.withFuncs(headerFuncs).execute(headerContext(f.headers));
  } catch (e) {
    // compat: docker ignores header execution errors and keeps what was written before them.
    if (e instanceof TemplateExecError) header = e.partial;
    else throw e;
  }
  tw.write(header);
  tw.write('\n');
  tw.write(body);
  return tw.flush();
}

/**
 * docker's SubHeaderContext: the column titles, plus its Label method, the title of a
 * `{{.Label "com.example.tier"}}` column ("tier": the last dotted part, - and _ as spaces).
 */
export function headerContext(headers: Record<string, string>): Map<string, string> {
  const m = new Map(Object.entries(headers));
  Object.defineProperty(m, GO_METHODS, {
    value: { Label: (name: unknown) => String(name).split('.').pop()!.replace(/[-_]/g, ' ') },
  });
  return m;
}

/**
 * The template context of one row. Not a plain object, so a misspelt field is an error
 * ("can't evaluate field Foo in type RowContext"), as for docker's typed contexts.
 */
export class RowContext {
  [field: string]: unknown;
}

/**
 * Builds a row context from field getters: fields are evaluated lazily (only those the template
 * uses), functions with parameters stay methods (`{{.Label "com.example"}}`), and JSON output
 * (`--format json`) has every zero-argument field with sorted keys and <, >, & escaped, as
 * docker's MarshalJSON (json.Marshal of a map). `onJSON` runs before a JSON rendering, for
 * contexts whose MarshalJSON sets a flag that changes their fields (search's `c.json = true`).
 */
export function rowContext(fields: Record<string, (...args: never[]) => unknown>, onJSON?: () => void): RowContext {
  const row = Object.create(RowContext.prototype) as RowContext;
  const names = Object.keys(fields).sort();
  for (const name of names) {
    const fn = fields[name]!;
    if (fn.length === 0) {
      Object.defineProperty(row, name, { enumerable: true, get: () => (fn as () => unknown)() });
    } else {
      Object.defineProperty(row, name, { enumerable: false, value: fn });
    }
  }
  Object.defineProperty(row, JSON_ESCAPE_HTML, { enumerable: false, value: true });
  Object.defineProperty(row, 'toJSON', {
    enumerable: false,
    value: () => {
      onJSON?.();
      const out: Record<string, unknown> = {};
      for (const name of names) if (fields[name]!.length === 0) out[name] = (fields[name] as () => unknown)();
      return out;
    },
  });
  return row;
}

/** {{json .}} of one value, as docker's json template function renders it. */
export const toJsonLine = (v: unknown) => goJson(v);
