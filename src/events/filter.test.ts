import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchEvent } from './filter.js';
import { Filters } from '../lib/index.js';
import type { EventMessage } from './message.js';

const ev = (over: Partial<EventMessage> & { attrs?: Record<string, string> }): EventMessage => ({
  Type: over.Type ?? 'container',
  Action: over.Action ?? 'start',
  Actor: { ID: over.Actor?.ID ?? 'abcdef123456', Attributes: over.attrs ?? { name: 'web', image: 'busybox:latest', a: 'b' } },
  scope: over.scope ?? 'local',
  time: 0,
  timeNano: 0,
});

const cases: [string, Record<string, string[]>, Partial<EventMessage> & { attrs?: Record<string, string> }, boolean][] = [
  ['no filters', {}, {}, true],
  ['type match', { type: ['container'] }, {}, true],
  ['type mismatch', { type: ['image'] }, {}, false],
  ['container by name', { container: ['web'] }, {}, true],
  ['container by id prefix', { container: ['abcd'] }, {}, true],
  ['container other', { container: ['db'] }, {}, false],
  ['container filter excludes networks', { container: ['web'] }, { Type: 'network', attrs: { container: 'abcdef123456' } }, false],
  ['event exact', { event: ['start'] }, {}, true],
  ['event other', { event: ['die'] }, {}, false],
  ['exec_create prefix', { event: ['exec_create'] }, { Action: 'exec_create: sh -c x' }, true],
  ['label key', { label: ['a'] }, {}, true],
  ['label kv', { label: ['a=b'] }, {}, true],
  ['label kv other', { label: ['a=c'] }, {}, false],
  ['image by name without tag', { image: ['busybox'] }, {}, true],
  ['image other', { image: ['alpine'] }, {}, false],
  ['image event by id', { image: ['sha256:1'] }, { Type: 'image', Actor: { ID: 'sha256:1', Attributes: {} }, attrs: { name: 'x:1' } }, true],
  ['scope', { scope: ['swarm'] }, {}, false],
  ['network by name', { network: ['bridge'] }, { Type: 'network', attrs: { name: 'bridge' } }, true],
];

for (const [name, f, e, want] of cases) {
  test(`event filter: ${name}`, () => {
    assert.equal(matchEvent(Filters.fromEntries(f), ev(e)), want);
  });
}
