/**
 * Choosing a driver by its Docker name (HostConfig.LogConfig.Type).
 */
import { invalidParameter } from '../../lib/index.js';
import type { LogDriver, LogReader } from './driver.js';
import { fileLogReader, openJsonFileDriver, openLocalDriver, type FileDriverOptions } from './file-driver.js';
import { NoneLogDriver, readNotSupported } from './none.js';
import { JSON_FILE, LOCAL, NONE, validateLogConfig } from './options.js';

/** The driver used when HostConfig.LogConfig.Type is empty (Docker's default). */
export const DEFAULT_LOG_DRIVER = JSON_FILE;

/**
 * Opens the driver `type` (validating the config's keys and values first) for a running
 * container. Throws invalidParameter with Docker's texts (unknown driver, unknown option, bad
 * value), system on I/O errors.
 */
export async function createLogDriver(type: string, o: FileDriverOptions): Promise<LogDriver & LogReader> {
  const t = type || DEFAULT_LOG_DRIVER;
  validateLogConfig(t, o.config ?? {});
  switch (t) {
    case JSON_FILE:
      return openJsonFileDriver(o);
    case LOCAL:
      return openLocalDriver(o);
    case NONE:
      return new NoneLogDriver();
    default:
      throw invalidParameter(`logger: no log driver named '${t}' is registered`);
  }
}

/**
 * A reader of the logs a driver `type` left at `o.path` when no driver is open (stopped
 * container). Throws notImplemented `configured logging driver does not support reading` for
 * `none`, invalidParameter for an unknown driver.
 */
export function openLogReader(type: string, o: FileDriverOptions): LogReader {
  const t = type || DEFAULT_LOG_DRIVER;
  if (t === NONE) throw readNotSupported();
  if (t !== JSON_FILE && t !== LOCAL) throw invalidParameter(`logger: no log driver named '${t}' is registered`);
  return fileLogReader(t, o);
}
