export * from './driver.js';
export * from './options.js';
export { FileLogDriver, logPathFor, openJsonFileDriver, openLocalDriver, fileLogReader } from './file-driver.js';
export type { FileDriverOptions } from './file-driver.js';
export { NoneLogDriver, readNotSupported } from './none.js';
export { createLogDriver, openLogReader, DEFAULT_LOG_DRIVER } from './factory.js';
export { JsonFileFormat, ffjsonString, goJsonString } from './jsonfile-format.js';
export { LocalFormat } from './local-format.js';
export { DEFAULT_POLL_MS } from './reader.js';
