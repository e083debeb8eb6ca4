export { ImagesService, type ImportRequest } from './images.js';
export type { ImagesDeps, ImageUser } from './service.js';
export { ContainerdImageRecords } from './records.js';
export { parseTimestamp } from './list.js';
