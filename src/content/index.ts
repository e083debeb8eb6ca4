export type { ContentStore, LeaseManager, BlobInfo, WriteOptions, Labels } from './store.js';
export { GcLabel } from './store.js';
export { ContainerdContentStore, ContainerdLeases } from './containerd.js';
export { contentStoreSuite } from './testsuite.js';
