/** Flags many commands share, with docker's help texts (cli/flags/options.go). */
import { Filters } from '../lib/index.js';
import type { FlagSpec } from './flags.js';

/** --format help of list commands (docker's flagsHelper.FormatHelp). */
export const FORMAT_HELP = `Format output using a custom template:
'table':            Print output in table format with column headers (default)
'table TEMPLATE':   Print output in table format using the given Go template
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`;

/** --format help of inspect-like commands (docker's flagsHelper.InspectFormatHelp). */
export const INSPECT_FORMAT_HELP = `Format output using a custom template:
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`;

/** -f/--format for inspect-like commands (version, info). */
export const inspectFormatFlag = { name: 'format', short: 'f', kind: 'string', usage: INSPECT_FORMAT_HELP } as const satisfies FlagSpec;

/** -f/--filter, repeatable `key=value` (docker's opts.FilterOpt). */
export const filterFlag = {
  name: 'filter',
  short: 'f',
  kind: 'list',
  typeName: 'filter',
  usage: 'Filter output based on conditions provided',
  validate: (v: string) => {
    Filters.fromArgs([v]);
  },
} as const satisfies FlagSpec;
