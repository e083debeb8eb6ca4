import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bool, decodeGo, duration, embed, f, goDuration, goTimeString, int, map, ptr, slice, str, struct, time } from './gotype.js';
import { goJson, printValue } from './gofmt.js';
import { Template } from './template.js';

const limit = struct('units.Ulimit', [f('Name', str), f('Hard', int), f('Soft', int)], (v) => {
  const o = v as unknown as Record<string, unknown>;
  return `${o['Name']}=${o['Soft']}:${o['Hard']}`;
});
const base = struct('t.Base', [f('ID', str, { json: 'Id' }), f('Tags', slice(str)), f('Size', ptr(int), { omitempty: true })]);
const doc = struct('t.Doc', [
  embed(ptr(base)),
  f('Labels', map(str)),
  f('Opts', map(str), { omitempty: true }),
  f('Limits', slice(ptr(limit))),
  f('Health', ptr(struct('t.Health', [f('Status', str)]))),
  f('Flag', ptr(bool)),
  f('Every', duration),
  f('At', time),
]);

const run = (tmpl: string, v: unknown) => Template.parse(tmpl).execute(v, { strict: true });

test('decodes into declaration order with zero values; marshals as Go does', () => {
  const v = decodeGo(doc, { Opts: {}, Labels: { b: '2', a: '1' }, id: 'abc', Unknown: 1, Flag: true, Limits: [{ Name: 'nofile', Soft: 1, Hard: 2 }] });
  assert.equal(
    goJson(v),
    '{"Id":"abc","Tags":null,"Labels":{"a":"1","b":"2"},"Limits":[{"Name":"nofile","Hard":2,"Soft":1}],"Health":null,"Flag":true,"Every":0,"At":"0001-01-01T00:00:00Z"}',
  );
  assert.equal(run('{{json .Opts}} {{json .Tags}} {{json .Health}}', v), '{} null null');
  assert.equal(run('{{json (index .Limits 0)}}', v), '{"Name":"nofile","Hard":2,"Soft":1}');
});

test('prints structs as fmt does: pointers inside as addresses, Stringers called, nil as <nil>', () => {
  const v = decodeGo(doc, { Id: 'abc', Labels: null, Flag: false, Every: 90e9, At: '2026-11-29T22:30:30.5Z', Limits: [{ Name: 'nofile', Soft: 1, Hard: 2 }] });
  assert.equal(printValue(v), '{0xc000000000 map[] map[] [nofile=1:2] <nil> 0xc000000000 1m30s 2026-11-29 22:30:30.5 +0000 UTC}');
  assert.equal(run('{{.Flag}} {{.Labels}} {{.Health}} {{.Tags}} {{.Limits}}', v), 'false map[] <nil> [] [nofile=1:2]');
  assert.equal(run('{{.Base}}', v), '{abc [] <nil>}');
});

test('fields match exactly and promote through embedding; unknown ones fail', () => {
  const v = decodeGo(doc, { Id: 'abc' });
  assert.equal(run('{{.ID}} {{.Base.ID}}', v), 'abc abc');
  assert.throws(() => run('{{.Id}}', v), /can't evaluate field Id in type t\.Doc/);
  assert.equal(run('{{.Labels.x}}', v), '<no value>');
  assert.equal(run('{{index .Labels "x"}}|{{len .Labels}}|{{range .Labels}}x{{else}}none{{end}}', v), '|0|none');
});

test('a nil embedded pointer stays nil when none of its fields came', () => {
  const v = decodeGo(doc, { Labels: {} });
  assert.equal(goJson(v), '{"Labels":{},"Limits":null,"Health":null,"Flag":null,"Every":0,"At":"0001-01-01T00:00:00Z"}');
});

test('Go Duration and Time strings', () => {
  assert.equal(goDuration(0), '0s');
  assert.equal(goDuration(1500), '1.5µs');
  assert.equal(goDuration(30e9), '30s');
  assert.equal(goDuration(3723e9 + 5e8), '1h2m3.5s');
  assert.equal(goDuration(-2e6), '-2ms');
  assert.equal(goTimeString('2026-11-29T22:30:30.123456789Z'), '2026-11-29 22:30:30.123456789 +0000 UTC');
  assert.equal(goTimeString('2026-11-29T22:30:30+01:00'), '2026-11-29 22:30:30 +0100 +01');
});
