export * from './mediatypes.js';
export * from './types.js';
export * from './platform.js';
export * from './reference.js';
