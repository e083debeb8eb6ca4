/**
 * containers: the container record store (store.ts), names and IDs, the state machine and
 * Docker's status strings (state.ts), Docker's time formats (timefmt.ts) and the per-container
 * log drivers (logs/).
 */
export * from './errors.js';
export * from './ids.js';
export { generateName, normalizeName, nameKey, VALID_NAME_RE } from './names.js';
export type { RandomInt } from './names.js';
export * from './record.js';
export * from './state.js';
export * from './store.js';
export * from './timefmt.js';
export * from './logs/index.js';
