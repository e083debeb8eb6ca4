/**
 * The file-backed drivers, json-file and local: a LogFormat, a RotatingFile and a WriteQueue in
 * front of it. Each driver is also the LogReader of its own files (moby: the logger implements
 * ReadLogs), so followers get prompt wake-ups and consistent snapshots across rotations; a stopped
 * container's logs are read with fileLogReader(), which needs no writer.
 *
 * Files:
 *   json-file  <container dir>/<id>-json.log   (+ .1 … .N[.gz]), Docker's path and format
 *   local      <container dir>/local-logs/container.log (+ .1 … .N[.gz]), Docker's path,
 *              berth's framing (local-format.ts)
 */
import { join } from 'node:path';
import { nopLogger, type Logger } from '../../lib/index.js';
import type { LogDriver, LogDriverStats, LogEntry, LogInfo, LogMessage, LogReader, ReadOptions } from './driver.js';
import type { LogFormat } from './format.js';
import { JsonFileFormat } from './jsonfile-format.js';
import { LocalFormat } from './local-format.js';
import {
  JSON_FILE,
  LOCAL,
  extraAttributes,
  parseJsonFileOptions,
  parseLocalOptions,
  parseQueueOptions,
  type RotationOptions,
} from './options.js';
import { readLogFiles } from './reader.js';
import { WriteQueue } from './queue.js';
import { RotatingFile } from './rotating-file.js';

/** Where a driver keeps a container's logs (moby container.StartLogger). */
export function logPathFor(containerDir: string, containerId: string, driver: string): string {
  if (driver === LOCAL) return join(containerDir, 'local-logs', 'container.log');
  return join(containerDir, `${containerId}-json.log`);
}

export class FileLogDriver implements LogDriver, LogReader {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    readonly path: string,
    private readonly format: LogFormat,
    private readonly file: RotatingFile,
    private readonly queue: WriteQueue,
    private readonly log: Logger,
    private readonly pollIntervalMs: number | undefined,
  ) {}

  static async open(
    name: string,
    path: string,
    format: LogFormat,
    rotation: RotationOptions,
    cfg: Record<string, string>,
    log: Logger,
    pollIntervalMs?: number,
  ): Promise<FileLogDriver> {
    const q = parseQueueOptions(cfg);
    const file = await RotatingFile.open(path, rotation, log);
    const queue = new WriteQueue((recs) => file.append(recs), { mode: q.mode, maxBytes: q.maxBufferSize, log, syncSink: (recs) => file.tryAppendSync(recs) });
    return new FileLogDriver(name, path, format, file, queue, log, pollIntervalMs);
  }

  write(msg: LogMessage): boolean {
    return this.queue.push(this.format.encode(msg));
  }

  drain(): Promise<void> {
    return this.queue.drain();
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue.close();
      await this.file.close();
    })();
    return this.closing;
  }

  stats(): LogDriverStats {
    return this.queue.stats();
  }

  read(opts: ReadOptions): AsyncIterable<LogEntry> {
    return readLogFiles(
      { path: this.path, format: this.format, log: this.log, live: this.file, pollIntervalMs: this.pollIntervalMs },
      opts,
    );
  }
}

export interface FileDriverOptions {
  /** The log file (logPathFor()). */
  path: string;
  /** HostConfig.LogConfig.Config. */
  config?: Record<string, string>;
  /** For json-file attrs and tag. */
  info?: LogInfo;
  log?: Logger;
  /** Follow's polling interval when no writer is in this process (default 200 ms). */
  pollIntervalMs?: number;
}

/** Opens a json-file driver (creates the file). Throws invalidParameter for bad option values. */
export async function openJsonFileDriver(o: FileDriverOptions): Promise<FileLogDriver> {
  const cfg = o.config ?? {};
  const rotation = parseJsonFileOptions(cfg);
  const attrs = o.info ? extraAttributes(cfg, o.info) : undefined;
  return FileLogDriver.open(JSON_FILE, o.path, new JsonFileFormat(attrs), rotation, cfg, o.log ?? nopLogger, o.pollIntervalMs);
}

/** Opens a local driver (creates the file). Throws invalidParameter for bad option values. */
export async function openLocalDriver(o: FileDriverOptions): Promise<FileLogDriver> {
  const cfg = o.config ?? {};
  const rotation = parseLocalOptions(cfg);
  return FileLogDriver.open(LOCAL, o.path, new LocalFormat(), rotation, cfg, o.log ?? nopLogger, o.pollIntervalMs);
}

/**
 * A reader of a json-file or local log set with no writer in this process (a stopped container).
 * Follow polls every pollIntervalMs and ends only when the signal aborts.
 */
export function fileLogReader(driver: string, o: FileDriverOptions): LogReader {
  const format = driver === LOCAL ? new LocalFormat() : new JsonFileFormat();
  const log = o.log ?? nopLogger;
  return {
    read: (opts) => readLogFiles({ path: o.path, format, log, pollIntervalMs: o.pollIntervalMs }, opts),
  };
}
