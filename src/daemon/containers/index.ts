export { ContainersService } from './containers.js';
export type { ContainersDeps, ContainersConfig, SpecBuilder, ExecSpecBuilder, ExecRecord } from './service.js';
export { mergeConfig, defaultHostConfig } from './create.js';
export { buildSpec, buildExecSpec, daemonSeccompProfile, type SpecDeps } from './spec.js';
