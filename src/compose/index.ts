/** Compose: the compose-spec loader, the project model, and the operations built on client/. */
export { loadProject, findDefaultFiles, normaliseProjectName, mergeService, pathText, ComposeFileError, DEFAULT_FILES, type LoadOptions } from './loader.js';
export { interpolate, parseEnvFile, InterpolationError, type Lookup } from './interpolate.js';
export { shellSplit, parsePorts, parseVolumes } from './normalise.js';
export * from './project.js';
export { createRequest, serviceHash, containerName, imageName, durationNs, byteSize, type CreateOptions } from './convert.js';
export { ComposeService, nameOf, numberOf, splitRef, type ProgressFn, type UpOptions, type DownOptions } from './service.js';
export { streamLogs, type LogOptions, type LineFn } from './logs.js';
