/** Output formatting for the CLI: Go templates, docker's table/json formats, tabwriter, units. */
export { Template, TemplateParseError, TemplateExecError, GO_TYPE, builtinFuncs, dockerFuncs, headerFuncs, queryEscape } from './template.js';
export type { TemplateFunc, ExecOptions } from './template.js';
export {
  renderList,
  rowContext,
  RowContext,
  preFormat,
  parseUserTemplate,
  isTableFormat,
  toJsonLine,
  FormatError,
  TABLE_FORMAT_KEY,
  JSON_FORMAT_KEY,
  JSON_FORMAT,
} from './formatter.js';
export type { Formatter, RowOptions } from './formatter.js';
export { TabWriter, tabulate, displayWidth } from './tabwriter.js';
export { printValue, sprint, sprintf, sprintln, goJson, isTrue, NIL_POINTER } from './gofmt.js';
export { bytesSize, humanSize, humanDuration } from './units.js';
export { formatRFC3339NanoFixed, formatANSIC, reformatDate, parseGoDuration, parseRFC3339, getTimestamp, goTimeString } from './gotime.js';
