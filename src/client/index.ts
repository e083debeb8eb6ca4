/** The Engine API client: typed calls, version negotiation, streams, hijack. */
export {
  EngineClient,
  FALLBACK_API_VERSION,
  type EngineClientOptions,
  type TLSOptions,
  type RequestOptions,
  type PingResult,
  type RawResponse,
  type HijackedConnection,
  type ClientEvent,
  type EventsOptions,
} from './client.js';
export { ResponseError, ConnectionError, kindForStatus, cannotConnect, TLS_HINT } from './errors.js';
export { parseHost, DEFAULT_HOST, type DaemonAddress } from './host.js';
export { encodeQuery, encodeFilters, queryEscape, escapePath, type Query, type QueryValue, type FilterMap } from './query.js';
export { decodeJsonValues, type DecodeOptions } from './decode.js';
