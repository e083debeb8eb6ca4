/** The CNM (issue 6): sandboxes, endpoints, the bridge/host/null drivers, IPAM, iptables, port mapping. */
export * from './ipnet.js';
export * from './ipam.js';
export * from './rules.js';
export * from './portmap.js';
export * from './proxy.js';
export * from './iproute.js';
export * from './iptables.js';
export * from './netns.js';
export * from './bridge.js';
export * from './sandbox-store.js';
export * from './controller.js';
export * from './port-mapper.js';
export * from './sandbox.js';
export * from './network-store.js';
export * from './network-config.js';
export * from './dns.js';
export * from './dns-sandbox.js';
