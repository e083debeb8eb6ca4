export * from './version.js';
export * from './system.js';
