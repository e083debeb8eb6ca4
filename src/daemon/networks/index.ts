export { NetworksService, type NetworksDeps, NETWORK_FILTERS } from './service.js';
