import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventView, formatEventLine, makeEventTemplate } from './events.js';
import { StatusError } from '../../command.js';
import type { ClientEvent } from '../../../client/index.js';

const utc = new Date(1795975163000).getTimezoneOffset() === 0;

const create: ClientEvent = {
  status: 'create',
  id: '3e2967e23607777609f94d5dd0e7b92a86b2c2b5c58b5b6a7fd8101d0cdbc4f7',
  from: 'busybox',
  Type: 'container',
  Action: 'create',
  Actor: {
    ID: '3e2967e23607777609f94d5dd0e7b92a86b2c2b5c58b5b6a7fd8101d0cdbc4f7',
    Attributes: {
      name: 'evt',
      image: 'busybox',
      'org.opencontainers.image.description': 'busybox v1.35.0 from Debian busybox-static, offline build',
    },
  },
  scope: 'local',
  time: 1795975163,
  timeNano: 1795975163495882078n,
};

test("default line: docker's layout, attributes sorted by key", { skip: !utc && 'needs TZ=UTC' }, () => {
  // from api-traces/events.txt (docker 28 output)
  assert.equal(
    formatEventLine(create),
    '2026-11-29T17:59:23.495882078Z container create 3e2967e23607777609f94d5dd0e7b92a86b2c2b5c58b5b6a7fd8101d0cdbc4f7 (image=busybox, name=evt, org.opencontainers.image.description=busybox v1.35.0 from Debian busybox-static, offline build)\n',
  );
  const reload: ClientEvent = { Type: 'daemon', Action: 'reload', Actor: { ID: 'x', Attributes: {} }, scope: 'local', time: 1795975163, timeNano: 0n };
  assert.equal(formatEventLine(reload), '2026-11-29T17:59:23.000000000Z daemon reload x\n');
});

test('templates see Go field names; json keeps the wire message', () => {
  const t = makeEventTemplate('{{.Status}}|{{.ID}}|{{.Scope}}|{{.Actor.Attributes.name}}|{{.TimeNano}}')!;
  assert.equal(t.execute(eventView(create)), 'create|3e2967e23607777609f94d5dd0e7b92a86b2c2b5c58b5b6a7fd8101d0cdbc4f7|local|evt|1795975163495882078');
  const network: ClientEvent = { Type: 'network', Action: 'connect', Actor: { ID: 'f1', Attributes: { name: 'bridge' } }, scope: 'local', time: 1, timeNano: 1000000000n };
  assert.equal(t.execute(eventView(network)), '||local|bridge|1000000000');
  assert.equal(
    makeEventTemplate('json')!.execute(eventView(network)),
    '{"Type":"network","Action":"connect","Actor":{"ID":"f1","Attributes":{"name":"bridge"}},"scope":"local","time":1,"timeNano":1000000000}',
  );
});

test('bad templates are rejected before contacting the daemon (exit 64)', () => {
  for (const [format, msg] of [
    ['{{.bad}}', 'Error parsing format: template: :1:2: executing "" at <.bad>: can\'t evaluate field bad in type *events.Message'],
    ['{{.Bad', 'Error parsing format: template: :1: unclosed action'],
    ['{{.Actor.Nope}}', 'Error parsing format: template: :1:8: executing "" at <.Actor.Nope>: can\'t evaluate field Nope in type events.Actor'],
  ] as const) {
    assert.throws(() => makeEventTemplate(format), (e: unknown) => e instanceof StatusError && e.code === 64 && e.message === msg);
  }
  assert.equal(makeEventTemplate(''), undefined);
});
