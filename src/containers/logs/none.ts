/**
 * The `none` driver: nothing is stored, and reading fails as Docker's does.
 */
import { notImplemented, type DockerError } from '../../lib/index.js';
import type { LogDriver, LogDriverStats, LogEntry, LogReader, ReadOptions } from './driver.js';
import { NONE } from './options.js';

/** compat: moby daemon/logger ErrReadLogsNotSupported (GET /containers/{id}/logs → 501). */
export function readNotSupported(): DockerError {
  return notImplemented('configured logging driver does not support reading');
}

export class NoneLogDriver implements LogDriver, LogReader {
  readonly name = NONE;
  private dropped = 0;

  write(): boolean {
    this.dropped++;
    return true;
  }

  async drain(): Promise<void> {}

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  stats(): LogDriverStats {
    return { buffered: 0, dropped: this.dropped, written: 0 };
  }

  /** Always throws notImplemented `configured logging driver does not support reading`. */
  read(_opts: ReadOptions): AsyncIterable<LogEntry> {
    throw readNotSupported();
  }
}
