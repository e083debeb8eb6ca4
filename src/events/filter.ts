/**
 * Docker's event filters (moby daemon/events/filter.go): container, event, image, label, type,
 * volume, network, daemon, plugin, node, service, secret, config, scope.
 */
import type { EventMessage } from './message.js';
import type { Filters } from '../lib/index.js';

export const EVENT_FILTER_KEYS = [
  'container', 'event', 'image', 'label', 'type', 'volume', 'network', 'daemon', 'plugin', 'node',
  'service', 'secret', 'config', 'scope',
] as const;

/** A prefix of the id or of the name (moby Filter.fuzzyMatchName, filters.FuzzyMatch). */
function fuzzyMatchName(f: Filters, key: string, id: string, name: string | undefined): boolean {
  const want = f.get(key);
  if (want.length === 0) return true;
  return want.some((w) => id.startsWith(w) || (name !== undefined && name.startsWith(w)));
}

function stripTag(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(0, at);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(0, colon) : image;
}

function matchImage(f: Filters, ev: EventMessage): boolean {
  const want = f.get('image');
  if (want.length === 0) return true;
  let image = ev.Actor.ID;
  if (ev.Type === 'container') image = ev.Actor.Attributes['image'] ?? '';
  const name = ev.Actor.Attributes['name'] ?? '';
  const candidates = [image, stripTag(image), name, stripTag(name)].filter((c) => c !== '');
  return want.some((w) => candidates.includes(w) || candidates.includes(stripTag(w)));
}

/** Whether `ev` passes the filters. */
export function matchEvent(f: Filters, ev: EventMessage): boolean {
  const attrs = ev.Actor.Attributes;
  // Actions such as "exec_create: sh -c x" match the filter value "exec_create".
  const action = ev.Action.split(':', 1)[0]!;
  const typed = (type: string, key: string) =>
    ev.Type === type ? fuzzyMatchName(f, key, ev.Actor.ID, attrs['name']) : !f.has(key);
  return (
    f.matchAny('event', [ev.Action, action]) &&
    f.exactMatch('type', ev.Type) &&
    f.exactMatch('scope', ev.scope) &&
    f.matchKVList('label', attrs) &&
    matchImage(f, ev) &&
    typed('container', 'container') &&
    typed('volume', 'volume') &&
    typed('network', 'network') &&
    typed('daemon', 'daemon') &&
    typed('plugin', 'plugin') &&
    typed('node', 'node') &&
    typed('service', 'service') &&
    typed('secret', 'secret') &&
    typed('config', 'config')
  );
}
