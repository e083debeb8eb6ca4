/**
 * Leveled logger with child loggers carrying fields. Text on a tty, JSON lines otherwise; always
 * to stderr (or an injected sink). Library code logs through this, never console.*.
 */
export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error'];

export type Fields = Record<string, unknown>;

export interface Logger {
  trace(msg: string, fields?: Fields): void;
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A child logger that adds `fields` to every line. */
  with(fields: Fields): Logger;
  enabled(level: Level): boolean;
}

export interface LoggerOptions {
  level?: Level;
  json?: boolean;
  write?: (line: string) => void;
  now?: () => Date;
}

export function parseLevel(s: string): Level {
  const l = s.toLowerCase() === 'warning' ? 'warn' : s.toLowerCase();
  if (l === 'fatal' || l === 'panic') return 'error';
  if (!(LEVELS as readonly string[]).includes(l)) throw new Error(`unknown log level: ${s}`);
  return l as Level;
}

function errorFields(v: unknown): unknown {
  if (!(v instanceof Error)) return v;
  const chain: string[] = [];
  let e: unknown = v;
  while (e instanceof Error && chain.length < 8) {
    chain.push(e.message);
    e = e.cause;
  }
  return chain.join(': ');
}

export function createLogger(opts: LoggerOptions = {}, base: Fields = {}): Logger {
  const min = LEVELS.indexOf(opts.level ?? 'info');
  const json = opts.json ?? !process.stderr.isTTY;
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  const emit = (level: Level, msg: string, fields?: Fields) => {
    if (LEVELS.indexOf(level) < min) return;
    const all: Fields = { ...base, ...fields };
    for (const k of Object.keys(all)) all[k] = errorFields(all[k]);
    const time = now().toISOString();
    if (json) {
      write(JSON.stringify({ level, time, msg, ...all }));
    } else {
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}`)
        .join(' ');
      write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ' ' + extra : ''}`);
    }
  };
  return {
    trace: (m, f) => emit('trace', m, f),
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    with: (fields) => createLogger(opts, { ...base, ...fields }),
    enabled: (level) => LEVELS.indexOf(level) >= min,
  };
}

/** A logger that drops everything (tests). */
export const nopLogger: Logger = createLogger({ level: 'error', write: () => {} });
