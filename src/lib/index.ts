export * from './errdefs.js';
export * from './log.js';
export * from './context.js';
export * from './exec.js';
export * from './fsutil.js';
export * from './mutex.js';
export * from './filters.js';
