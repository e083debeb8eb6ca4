/**
 * Pull/push progress as JSON messages, rendered as dockerd does (moby pkg/jsonmessage
 * JSONProgress.String and pkg/streamformatter): `progressDetail` always, the deprecated
 * `progress` text for byte counts (`[=====>    ]  19.97kB/1.986MB`).
 */
import type { JSONMessage } from '../../api/types/index.js';
import type { Progress } from '../../images/index.js';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSize: decimal units, 4 significant digits (`%.4g`). */
export function humanSize(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${String(parseFloat(v.toPrecision(4)))}${UNITS[i]}`;
}

/** The progress bar text of a byte count (the width > 110 form dockerd sends). */
export function progressBar(current: number, total: number): string {
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current).padStart(8);
  const pct = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = `[${'='.repeat(pct)}>${' '.repeat(Math.max(0, 50 - pct))}] `;
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}

/** One Progress as the JSON message dockerd writes. */
export function toJsonMessage(p: Progress): JSONMessage {
  if (p.aux !== undefined) return { progressDetail: {}, aux: p.aux };
  if (p.id === undefined) return { status: p.status };
  if (p.current !== undefined) {
    return {
      status: p.status,
      progressDetail: { current: p.current, total: p.total },
      progress: progressBar(p.current, p.total ?? 0),
      id: p.id,
    };
  }
  // "Pulling from x" carries an id but no progressDetail
  if (p.status.startsWith('Pulling from ')) return { status: p.status, id: p.id };
  return { status: p.status, progressDetail: {}, id: p.id };
}

export async function* jsonMessages(progress: AsyncIterable<Progress>): AsyncGenerator<JSONMessage> {
  for await (const p of progress) yield toJsonMessage(p);
}
