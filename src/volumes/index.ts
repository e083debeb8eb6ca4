/** Volumes (issue 7): the VolumeDriver role, the local driver, the store, mount point parsing. */
export * from './names.js';
export * from './driver.js';
export * from './local.js';
export * from './store.js';
export * from './mountpoints.js';
export * from './plugin.js';
