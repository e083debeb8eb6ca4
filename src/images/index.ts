export type { ImageRecord, ImageRecords } from './records.js';
export { DANGLING_PREFIX, isDanglingName } from './records.js';
export { ImageStore, SIZE_LABEL, SNAPSHOTTER } from './store.js';
export type { Image, Leased, NewImage, StoreDeps } from './store.js';
export { importImage, writeCheckedLayer, type ImportOptions } from './import.js';
export { applyChanges } from './changes.js';
export { saveImages, type SaveItem } from './archive/save.js';
export { loadImages, type LoadResult, type LoadedImage } from './archive/load.js';
export { busyboxRootfsTar, BUSYBOX_BIN } from './testkit.js';
