export { DaemonBuildBackend, splitTag, type BuildBackendDeps } from './backend.js';
export { BuildService, type BuildRequest } from './service.js';
