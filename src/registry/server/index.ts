export { parseRange } from './http.js';
export { RegistryServer, type AccessController, type Action, type RegistryServerOptions } from './server.js';
export { FsRegistryStorage, isValidRepoName, isValidTag, checkDigest } from './storage.js';
export { RegistryError, ERROR_CODES, regError, type ErrorCode } from './errcodes.js';
export { garbageCollect, type GcResult } from './gc.js';
export { loadRegistryConfig, parseSimpleYaml, splitAddr, type RegistryConfig, type AclEntry } from './config.js';
export { makeAccess, parseHtpasswd, checkHtpasswd, signToken, verifyToken, grantedActions, type Access } from './auth.js';
