/** The process edges the CLI talks to; tests pass collectors instead of the process streams. */

export interface OutputStream {
  /** Returns false when the chunk was buffered beyond the stream's limit (wait for 'drain'). */
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  /** tty.WriteStream's current [columns, rows] (asks the terminal, unlike columns/rows). */
  getWindowSize?(): [number, number];
  once?(event: 'drain', listener: () => void): unknown;
}

/** stdin: a byte stream; a terminal also has setRawMode (tty.ReadStream). */
export type InputStream = NodeJS.ReadableStream & {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
};

/** Where process signals come from (the process; an EventEmitter in tests). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: InputStream;
  env: Record<string, string | undefined>;
  /** Current time (injected in tests). */
  now?: () => Date;
  /** Signals to proxy or watch (SIGINT, SIGTERM, SIGWINCH); default the process. */
  signals?: SignalSource;
}

/** Writes a chunk and waits for 'drain' when the stream asks for it (backpressure). */
export function writeAndDrain(out: OutputStream, chunk: string | Uint8Array): Promise<void> | undefined {
  if (out.write(chunk) !== false || !out.once) return undefined;
  return new Promise((resolve) => out.once!('drain', resolve));
}
