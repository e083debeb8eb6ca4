/**
 * JSON-message streams as docker prints them (moby pkg/jsonmessage, DisplayJSONMessagesStream):
 * the bodies of load, import, pull, push and build. Each message is
 *
 *   {"stream":"Loaded image: busybox:latest\n"}            printed as it is
 *   {"status":"Downloading","id":"81578bcecf89",
 *    "progressDetail":{"current":1,"total":9}}            "81578bcecf89: Downloading [=>   ] 1B/9B"
 *   {"status":"Digest: sha256:…"}                         a line of its own
 *   {"errorDetail":{"message":"…"},"error":"…"}           ends the display with that error
 *   {"aux":{…}}                                           handed to onAux, not printed
 *
 * On a terminal, progress messages of one id rewrite that id's line in place: a new id opens a
 * line, an update moves the cursor up to its line (ESC[nA), erases it (ESC[2K), prints, and moves
 * back down (ESC[nB). Any message without id+progress starts a new block. Off a terminal,
 * messages with a non-empty progress are dropped and the rest are printed as plain lines.
 */
import { decodeJsonValues } from '../client/index.js';
import type { OutputStream } from './io.js';
import { formatGoSeconds, formatRFC3339NanoFixed } from './format/gotime.js';
import { humanSize } from './format/units.js';

/** moby's jsonmessage.JSONProgress. */
export interface JSONProgress {
  current?: number;
  total?: number;
  /** Unix seconds when the operation started (for the time-left estimate). */
  start?: number;
  hidecounts?: boolean;
  /** Unit name; bytes when empty. */
  units?: string;
}

/** moby's jsonmessage.JSONMessage, as decoded on the client side. */
export interface JSONMessage {
  stream?: string;
  status?: string;
  progressDetail?: JSONProgress | null;
  /** Deprecated pre-rendered progress; still printed when present. */
  progress?: string;
  id?: string;
  from?: string;
  time?: number;
  timeNano?: number | bigint;
  errorDetail?: { code?: number; message?: string } | null;
  error?: string;
  aux?: unknown;
}

/** The error carried by a message's errorDetail (moby's JSONError). */
export class JSONMessageError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'JSONMessageError';
  }
}

export interface DisplayOptions {
  /** The output is a terminal: progress lines are updated in place. */
  isTerminal: boolean;
  /** Terminal width in columns (progress bars need more than 110); docker assumes 200 when unknown. */
  width?: number;
  /** Current time, for the time-left estimate. */
  now?: () => Date;
  /** Receives messages carrying `aux` (build IDs, push digests); they are not printed. */
  onAux?: (msg: JSONMessage) => void;
}

const ESC = '\x1b[';
const cursorUp = (n: number) => (n === 0 ? '' : `${ESC}${n}A`);
const cursorDown = (n: number) => (n === 0 ? '' : `${ESC}${n}B`);
const CLEAR_LINE = `${ESC}2K`;

const NS_PER_SEC = 1_000_000_000n;

/** time.Duration.Round(time.Second) of nanoseconds: halves round away from zero. */
function roundToSeconds(ns: bigint): bigint {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  const r = a % NS_PER_SEC;
  const q = a / NS_PER_SEC + (r + r >= NS_PER_SEC ? 1n : 0n);
  return neg ? -q : q;
}

/** JSONProgress.String(): "[==>     ] 1.2MB/3.4MB 5s", narrower without the bar. */
export function progressString(p: JSONProgress, width: number, now: Date): string {
  const current = p.current ?? 0;
  const total = p.total ?? 0;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return p.units ? `${current} ${p.units}` : humanSize(current).padStart(8);
  let percentage = Math.trunc(Math.trunc((current / total) * 100) / 2);
  if (percentage > 50) percentage = 50;
  let bar = '';
  if (width > 110) {
    const spaces = Math.max(50 - percentage, 0);
    bar = `[${'='.repeat(Math.max(percentage, 0))}>${' '.repeat(spaces)}] `;
  }
  let numbers = '';
  if (p.hidecounts) {
    numbers = '';
  } else if (!p.units) {
    const cur = humanSize(current);
    numbers = current > total ? cur.padStart(8) : `${cur.padStart(8)}/${humanSize(total)}`;
  } else {
    numbers = current > total ? `${current} ${p.units}` : `${current}/${total} ${p.units}`;
  }
  let timeLeft = '';
  if (width > 50 && current > 0 && (p.start ?? 0) > 0 && percentage < 50) {
    const fromStart = BigInt(now.getTime()) * 1_000_000n - BigInt(Math.trunc(p.start!)) * NS_PER_SEC;
    const perEntry = fromStart / BigInt(Math.trunc(current));
    const left = BigInt(Math.trunc(total - current)) * perEntry;
    timeLeft = ' ' + formatGoSeconds(Number(roundToSeconds(left)));
  }
  return bar + numbers + timeLeft;
}

/**
 * JSONMessage.Display: prints one message; returns (not throws) its error, so that the caller
 * can restore the cursor first, as docker does.
 */
function displayOne(jm: JSONMessage, out: OutputStream, o: Required<Pick<DisplayOptions, 'isTerminal' | 'width' | 'now'>>): JSONMessageError | undefined {
  if (jm.errorDetail) return new JSONMessageError(jm.errorDetail.message ?? '', jm.errorDetail.code);
  const hasProgress = jm.progressDetail !== undefined && jm.progressDetail !== null;
  const progress = hasProgress ? progressString(jm.progressDetail!, o.width, o.now()) : '';
  let endl = '';
  let text = '';
  if (o.isTerminal && !jm.stream && hasProgress) {
    endl = '\r';
    text += CLEAR_LINE + endl;
  } else if (hasProgress && progress !== '') {
    // compat: progress bars are not shown off a terminal
    return undefined;
  }
  if (jm.timeNano) text += formatRFC3339NanoFixed(BigInt(jm.timeNano)) + ' ';
  else if (jm.time) text += formatRFC3339NanoFixed(BigInt(Math.trunc(jm.time)) * NS_PER_SEC) + ' ';
  if (jm.id) text += `${jm.id}: `;
  if (jm.from) text += `(from ${jm.from}) `;
  const status = jm.status ?? '';
  if (hasProgress && o.isTerminal) text += `${status} ${progress}${endl}`;
  else if (jm.progress) text += `${status} ${jm.progress}${endl}`;
  else if (jm.stream) text += `${jm.stream}${endl}`;
  else text += `${status}${endl}\n`;
  out.write(text);
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Go's json error for a stream value that is not an object. */
function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/**
 * Displays already-decoded messages (DisplayJSONMessagesStream's loop). Throws the first
 * errorDetail as JSONMessageError; the messages before it are printed.
 */
export async function displayJSONMessages(messages: AsyncIterable<unknown> | Iterable<unknown>, out: OutputStream, opts: DisplayOptions): Promise<void> {
  const o = { isTerminal: opts.isTerminal, width: opts.width ?? 200, now: opts.now ?? (() => new Date()) };
  let ids = new Map<string, number>();
  for await (const value of messages) {
    if (!isObject(value)) {
      throw new Error(`json: cannot unmarshal ${typeName(value)} into Go value of type jsonmessage.JSONMessage`);
    }
    const jm = value as JSONMessage;
    if (jm.aux !== undefined && jm.aux !== null) {
      opts.onAux?.(jm);
      continue;
    }
    let diff = 0;
    const hasProgress = jm.progressDetail !== undefined && jm.progressDetail !== null;
    if (jm.id && (hasProgress || jm.progress)) {
      let line = ids.get(jm.id);
      if (line === undefined) {
        line = ids.size;
        ids.set(jm.id, line);
        if (o.isTerminal) out.write('\n');
      }
      diff = ids.size - line;
      if (o.isTerminal) out.write(cursorUp(diff));
    } else {
      ids = new Map();
    }
    const err = displayOne(jm, out, o);
    if (jm.id && o.isTerminal) out.write(cursorDown(diff));
    if (err) throw err;
  }
}

/** Decodes a JSON-message response body and displays it (docker's jsonstream.Display). */
export async function displayJSONMessagesStream(body: AsyncIterable<Buffer | string>, out: OutputStream, opts: DisplayOptions): Promise<void> {
  await displayJSONMessages(decodeJsonValues(body, { bigintKeys: new Set(['timeNano']) }), out, opts);
}
