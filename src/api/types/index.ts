export * from './version.js';
export * from './system.js';
export * from './jsonmessage.js';
export * from './images.js';
export * from './image-config.js';
export * from './containers.js';
export * from './container-fs.js';
export * from './networks.js';
