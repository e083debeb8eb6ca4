/** The CNM (issue 6): sandboxes, endpoints, the bridge/host/null drivers, IPAM, iptables, port mapping. */
export * from './ipnet.js';
export * from './ipam.js';
