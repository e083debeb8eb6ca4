export type { Snapshotter, Mount, SnapshotInfo, SnapshotKind, LayerDescriptor } from './snapshotter.js';
export { chainIds, UNCOMPRESSED_LAYER } from './snapshotter.js';
export { ContainerdSnapshotter } from './containerd.js';
export { snapshotterSuite } from './testsuite.js';
