/** The Engine API server: createApiServer, route tables, request/response helpers, encoders, hijack, websocket. */
export { createApiServer, DEFAULT_MAX_BODY_BYTES, type ApiServer, type ApiServerOptions } from './server.js';
export type { Backends } from './backends.js';
export { Router, splitVersion, type Handler, type Method, type Route, type RouteEnv, type RouteMatch } from './router.js';
export { ApiRequest, checkForJson, parseJsonBody, type ApiCtx, type JsonBodyOptions } from './request.js';
export { ApiResponse, type StreamOptions } from './response.js';
export { STATUS_BY_KIND, statusOf, errorBody } from './errors.js';
export {
  forEachUntil,
  jsonMessageError,
  pumpJsonLines,
  pumpRaw,
  pumpStdcopy,
  waitDrain,
  writeChunk,
  type JsonLinesPumpOptions,
  type Sink,
} from './encode.js';
export {
  hijackContentType,
  upgradeResponseHead,
  MULTIPLEXED_STREAM,
  RAW_STREAM,
  type HijackOptions,
  type Hijacked,
} from './hijack.js';
export { acceptWebSocket, isWebSocketUpgrade, NOT_WEBSOCKET, WS_MAX_PAYLOAD, type WebSocketConn, type WebSocketOptions } from './websocket.js';
export { parseHost, PLAIN_HTTP_ON_TLS_ANSWER, type HostSpec, type TlsConfig } from './listeners.js';
export { systemRoutes, type EventsOptions, type SystemBackend } from './routes/system.js';
export { imageRoutes, type ImagesBackend, type ImportOptions as ImageImportOptions } from './routes/images.js';
export {
  containerRoutes,
  type ContainersBackend,
  type AttachStreams,
  type AttachOptions,
  type LogsOptions,
  type OutputChunk,
  type WaitCondition,
} from './routes/containers.js';
export { containerFsRoutes, negotiateEncoding, type ContainerFsBackend, type CommitOptions as ContainerCommitOptions } from './routes/container-fs.js';
