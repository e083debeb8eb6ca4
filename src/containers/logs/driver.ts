/**
 * Log drivers: where a container's stdout/stderr lines go (moby daemon/logger).
 *
 * A LogDriver receives lines as the stdio copier cuts them (without the trailing "\n"; `partial`
 * when the line continues in the next message). Writes are queued in memory and written by a
 * background loop, so the copier never waits on the disk:
 *
 *   - mode=blocking (Docker's default): write() always queues, and returns false once the queue
 *     holds `max-buffer-size` bytes or more (default 1,000,000, the default of Docker's ring
 *     buffer). The caller then awaits drain() before writing again, i.e. stops reading the
 *     FIFO, so backpressure reaches the container as in Docker's blocking mode. A caller that
 *     ignores the false return grows the queue past the bound.
 *   - mode=non-blocking: `max-buffer-size` is a hard bound; a message that does not fit is
 *     dropped and counted (stats().dropped), as Docker's ring buffer drops, and write() always
 *     returns true. The bound counts the batch being written too, so it bounds all the memory
 *     the queue holds (an empty queue still takes one message of any size, as moby's ring).
 *
 * A write error (disk full) is logged once per streak and the failed batch is dropped; later
 * messages are still attempted.
 *
 * A LogReader reads back what a driver stored (Docker's `docker logs`): tail first, then
 * since/until, then (with follow) new lines as they are written, across rotations.
 */

export type LogStream = 'stdout' | 'stderr';

/** One message as the stdio copier hands it over. */
export interface LogMessage {
  stream: LogStream;
  /** The line without its trailing newline. */
  line: Buffer;
  /** When it was read from the container's output. */
  time: Date;
  /** The same instant in epoch nanoseconds when the caller has it (takes precedence over time). */
  timeNano?: bigint;
  /** The line continues in the next message (no newline is stored after it). */
  partial?: boolean;
}

/** One message as read back. */
export interface LogEntry {
  stream: LogStream;
  /** The line with its trailing "\n", unless it was partial (what Docker sends on /logs). */
  line: Buffer;
  partial: boolean;
  /** Epoch nanoseconds. */
  timeNano: bigint;
  /** RFC3339Nano as stored (json-file: the exact string written; local: formatted from ns). */
  timestamp: string;
  /** Extra attributes (json-file `attrs`: labels, env, tag), when any. */
  attrs?: Record<string, string>;
}

/** A point in time for since/until: a Date (millisecond precision) or epoch nanoseconds. */
export type LogTime = Date | bigint;

export interface ReadOptions {
  /** Skip entries older than this (moby: until the first one not older, then stop checking). */
  since?: LogTime;
  /** Stop at the first entry newer than this (follow stops there too). */
  until?: LogTime;
  /** Only the last N entries of what is stored when reading starts; 'all' (default) for all. */
  tail?: number | 'all';
  /** Keep reading as entries are written, across rotations, until `signal` aborts (or the live
   *  driver is closed and everything was read). */
  follow: boolean;
  /** Ends the iteration quietly (no error). */
  signal: AbortSignal;
}

export interface LogReader {
  /**
   * The stored entries, oldest first, filtered as `opts` says. Iteration ends quietly when
   * `opts.signal` aborts. Throws notImplemented `configured logging driver does not support
   * reading` for drivers that store nothing; system on I/O errors.
   */
  read(opts: ReadOptions): AsyncIterable<LogEntry>;
}

export interface LogDriverStats {
  /** Bytes (encoded) waiting in the queue. */
  buffered: number;
  /** Messages dropped (non-blocking mode, full queue) or lost to write errors. */
  dropped: number;
  /** Messages written to disk. */
  written: number;
}

export interface LogDriver {
  /** The driver's Docker name (`json-file`, `local`, `none`). */
  readonly name: string;
  /**
   * Queues one message; never waits. Returns false when the caller should await drain() before
   * the next write (blocking mode, queue at its bound). Throws system after close().
   */
  write(msg: LogMessage): boolean;
  /** Resolves when the queue is below its bound again (at once when it is). */
  drain(): Promise<void>;
  /** Resolves when everything queued so far is written. */
  flush(): Promise<void>;
  /** Flushes, closes the files; followers of this driver end after reading the rest. Idempotent. */
  close(): Promise<void>;
  stats(): LogDriverStats;
}

/** What the drivers know about the container (moby logger.Info), for attrs and tags. */
export interface LogInfo {
  containerId: string;
  /** With or without the leading "/". */
  containerName: string;
  containerImageId?: string;
  containerImageName?: string;
  containerEntrypoint?: string;
  containerArgs?: string[];
  containerCreated?: Date;
  containerEnv?: string[];
  containerLabels?: Record<string, string>;
  hostname?: string;
  daemonName?: string;
}
