export type { BuildBackend, BuildImage, ImageLookup, LayerSource, NewBuildImage, RestoreRequest, RunRequest } from './backend.js';
export { build, type BuildMessage, type BuildOptions, type BuildSettings } from './build.js';
export { receiveContext, type BuildContext } from './context.js';
export { parseDockerfile, DockerfileError, type Instruction, type ParseResult } from './dockerfile/parser.js';
export { processWord, processWords } from './dockerfile/shell.js';
export { applyDockerignore, fetchRemoteContext, isGitUrl, parseGitUrl } from './remote.js';
