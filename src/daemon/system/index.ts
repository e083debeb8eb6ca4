export { SystemService, engineId } from './service.js';
export type { SystemServiceDeps, ContainerdInfo, Counts } from './service.js';
export { probeHost } from './host.js';
export type { HostFacts } from './host.js';
