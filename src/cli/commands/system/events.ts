/**
 * `berth events` / `berth system events`: follows GET /events and prints each message as it
 * arrives, until the daemon ends the stream (`--until` reached) or the process is interrupted.
 *
 * Default line (docker's prettyPrintEvent), attributes sorted by key, local time zone:
 *   2026-11-29T17:59:23.495882078Z container create 3e29… (image=busybox, name=evt)
 * `--since/--until` take Go durations ("30s": that long ago), RFC 3339 times or Unix times and
 * are sent as absolute Unix seconds, as docker's client does.
 */
import { Filters } from '../../../lib/index.js';
import type { ClientEvent } from '../../../client/index.js';
import { defineCommand, StatusError, CliError } from '../../command.js';
import { filterFlag } from '../../common-flags.js';
import { INSPECT_FORMAT_HELP } from '../../common-flags.js';
import { JSON_FORMAT, JSON_FORMAT_KEY } from '../../format/formatter.js';
import { GO_TYPE, Template, TemplateExecError, TemplateParseError } from '../../format/template.js';
import { formatRFC3339NanoFixed, getTimestamp } from '../../format/gotime.js';

/** docker's prettyPrintEvent. */
export function formatEventLine(ev: ClientEvent): string {
  let line = '';
  if (ev.timeNano !== 0n) line += formatRFC3339NanoFixed(ev.timeNano) + ' ';
  else if (ev.time) line += formatRFC3339NanoFixed(BigInt(ev.time) * 1_000_000_000n) + ' ';
  line += `${ev.Type} ${ev.Action} ${ev.Actor?.ID ?? ''}`;
  const attrs = ev.Actor?.Attributes ?? {};
  const keys = Object.keys(attrs).sort();
  if (keys.length) line += ` (${keys.map((k) => `${k}=${attrs[k]}`).join(', ')})`;
  return line + '\n';
}

/**
 * The event as a template sees it: Go's events.Message always has every field, so fields the
 * daemon left out (omitempty status/id/from) read as "" rather than <no value>; they stay
 * non-enumerable so that {{json .}} still prints the message as received.
 */
export function eventView(ev: ClientEvent): ClientEvent {
  const view = { ...ev };
  for (const [k, zero] of Object.entries(EMPTY_MESSAGE)) {
    if (!Object.hasOwn(view, k)) Object.defineProperty(view, k, { value: k === 'Actor' ? { ID: '', Attributes: {} } : zero, enumerable: false });
  }
  return view;
}

/** An empty events.Message, to reject templates naming fields that do not exist. */
const EMPTY_MESSAGE = {
  status: '',
  id: '',
  from: '',
  Type: '',
  Action: '',
  Actor: { ID: '', Attributes: new Map<string, string>(), [GO_TYPE]: 'events.Actor' },
  scope: '',
  time: 0,
  timeNano: 0n,
};

/** docker's makeTemplate: parse, then execute once on an empty message. */
export function makeEventTemplate(format: string): Template | undefined {
  if (format === '') return undefined;
  const text = format === JSON_FORMAT_KEY ? JSON_FORMAT : format;
  try {
    const tmpl = Template.parse(text);
    tmpl.execute(EMPTY_MESSAGE, { strict: true, typeName: '*events.Message' });
    return tmpl;
  } catch (e) {
    if (e instanceof TemplateParseError || e instanceof TemplateExecError) {
      throw new StatusError(`Error parsing format: ${e.message}`, 64);
    }
    throw e;
  }
}

export default defineCommand({
  name: 'events',
  usage: 'events [OPTIONS]',
  description: 'Get real time events from the server',
  flags: [
    filterFlag,
    { name: 'format', kind: 'string', usage: INSPECT_FORMAT_HELP },
    { name: 'since', kind: 'string', usage: 'Show all events created since timestamp' },
    { name: 'until', kind: 'string', usage: 'Stream events until this timestamp' },
  ] as const,
  args: { max: 0 },
  async run(cli, opts) {
    const tmpl = makeEventTemplate(opts.format);
    const now = cli.now();
    let since: string | undefined;
    let until: string | undefined;
    try {
      if (opts.since) since = getTimestamp(opts.since, now);
      if (opts.until) until = getTimestamp(opts.until, now);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const filters = Filters.fromArgs(opts.filter);
    for await (const ev of cli.client.events({ since, until, filters })) {
      if (!tmpl) {
        cli.out.write(formatEventLine(ev));
        continue;
      }
      let text: string;
      try {
        text = tmpl.execute(eventView(ev));
      } catch (e) {
        if (!(e instanceof TemplateExecError)) throw e;
        cli.out.write(e.partial + '\n');
        throw new CliError(e.message);
      }
      cli.out.write(text + '\n');
    }
  },
});
