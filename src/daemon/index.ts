export * from './config.js';
export * from './system/index.js';
export * from './reload.js';
export * from './images/index.js';
export * from './containers/index.js';
export * from './networks/index.js';
export * from './build/index.js';
