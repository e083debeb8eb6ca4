export { RegistryClient, Repository, MANIFEST_ACCEPT, registryHost, responseError, type Manifest, type RegistryClientOptions, type SearchResult } from './client.js';
export { Transport, parseChallenge, readAll, type Credentials } from './transport.js';
export { insecureMatcher, hostnameOf } from './insecure.js';
