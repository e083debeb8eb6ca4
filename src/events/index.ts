export { EventBus, wallClockNs } from './bus.js';
export type { PublishInput, SubscribeOptions, EventBusOptions } from './bus.js';
export { matchEvent, EVENT_FILTER_KEYS } from './filter.js';
export type { EventMessage, EventType } from './message.js';
