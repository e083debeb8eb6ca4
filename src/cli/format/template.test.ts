import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template, TemplateExecError, TemplateParseError, GO_TYPE } from './template.js';
import { parseGolden, testdataDir } from '../test-helpers.js';

// Golden cases produced by the real docker CLI 28.2.2 (`docker info --format <template>` with no
// daemon renders the template on the client-side info, which template-data.json holds).
const dir = testdataDir(import.meta.url);
const data = JSON.parse(readFileSync(join(dir, 'template-data.json'), 'utf8')) as Record<string, unknown>;
(data['ClientInfo'] as Record<string | symbol, unknown>)[GO_TYPE] = '*system.clientInfo';

for (const c of parseGolden(readFileSync(join(dir, 'templates.golden'), 'utf8'))) {
  test(`template golden: ${c.name}`, () => {
    const src = c.sections['template']!;
    const want = c.sections['want'];
    const wantErr = c.sections['error'];
    let got: string;
    try {
      got = Template.parse(src).execute(data, { strict: c.name.startsWith('err-strict'), typeName: 'system.dockerInfo' });
    } catch (e) {
      assert.ok(e instanceof TemplateParseError || e instanceof TemplateExecError, String(e));
      assert.equal(e.message, wantErr?.replace(/^template parsing error: /, ''), `template ${src}`);
      return;
    }
    assert.equal(wantErr, undefined, `expected error for ${src}, got ${JSON.stringify(got)}`);
    // docker's formatInfo prints a newline after the template output
    assert.equal(got + '\n', want + '\n', `template ${src}`);
  });
}

test('field lookup falls back to a case-insensitive key (Go field vs JSON name)', () => {
  const t = Template.parse('{{.APIVersion}} {{.ID}} {{.TimeNano}}');
  assert.equal(t.execute({ ApiVersion: '1.41', id: 'abc', timeNano: 5n }), '1.41 abc 5');
});

test('missing map keys print <no value>; strict mode reports the field', () => {
  assert.equal(Template.parse('{{.Nope}}').execute({}), '<no value>');
  assert.equal(Template.parse('{{.A.B}}').execute({}), '<no value>');
  assert.throws(
    () => Template.parse('{{.bad}}').execute({ status: '' }, { strict: true, typeName: '*events.Message' }),
    /template: :1:2: executing "" at <.bad>: can't evaluate field bad in type \*events\.Message/,
  );
  // A JS Map keeps map semantics even in strict mode.
  assert.equal(Template.parse('{{.Attributes.name}}').execute({ Attributes: new Map() }, { strict: true }), '<no value>');
});

test('methods are called, with arguments', () => {
  const row = {
    Names: () => 'web',
    Label: (k: string) => ({ a: '1' })[k] ?? '',
  };
  assert.equal(Template.parse('{{.Names}} {{.Label "a"}}|{{.Label "b"}}').execute(row), 'web 1|');
});

test('index of a missing map key is empty; maps range in key order', () => {
  assert.equal(Template.parse('[{{index .M "x"}}]').execute({ M: { a: 'b' } }), '[]');
  assert.equal(Template.parse('{{range $k, $v := .M}}{{$k}}={{$v}},{{end}}').execute({ M: { b: '2', a: '1' } }), 'a=1,b=2,');
  assert.equal(Template.parse('{{.M}}').execute({ M: { b: '2', a: '1' } }), 'map[a:1 b:2]');
});

test('json of bigint, Map and toJSON values', () => {
  const t = Template.parse('{{json .}}');
  assert.equal(t.execute({ n: 1795975163495882078n, m: new Map([['b', 1], ['a', 2]]) }), '{"n":1795975163495882078,"m":{"a":2,"b":1}}');
  assert.equal(t.execute({ toJSON: () => ({ x: 1 }) }), '{"x":1}');
});

test('partial output is kept on execution errors', () => {
  try {
    Template.parse('a{{.X}}b{{index .L 3}}c').execute({ X: 1, L: [] });
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof TemplateExecError);
    assert.equal(e.partial, 'a1b');
  }
});

test('extra functions are available (docker version getDetailsOrder)', () => {
  const t = Template.parse('{{range getDetailsOrder .}}{{.}};{{end}}', {
    getDetailsOrder: (v: unknown) => Object.keys((v as { Details: object }).Details).sort(),
  });
  assert.equal(t.execute({ Details: { b: 1, a: 2 } }), 'a;b;');
});

test('slice as Go has it: strings by bytes, bounds against the length, its error texts', () => {
  const run = (t: string) => Template.parse(t).execute({ S: 'héllo', L: [1, 2, 3], E: '' });
  assert.equal(run('{{slice .S 0 3}}|{{slice .S 3}}|{{slice .L 1 2}}|{{slice .L}}'), 'hé|llo|[2]|[1 2 3]');
  // docker checked against docker 28.2.2: ps --format '{{slice .ID 0 4}}' fails on its empty probe row.
  assert.throws(() => run('{{slice .E 0 4}}'), /at <slice .E 0 4>: error calling slice: index out of range: 4$/);
  assert.throws(() => run('{{slice .L 2 1}}'), /error calling slice: invalid slice index: 2 > 1$/);
  assert.throws(() => run('{{slice .S 0 1 2}}'), /error calling slice: cannot 3-index slice a string$/);
  assert.throws(() => run('{{slice .X 0}}'), /error calling slice: slice of untyped nil$/);
});

test('range over a non-iterable is reported at the last node evaluated, as Go does', () => {
  const run = (t: string) => Template.parse(t).execute({ S: 'x', A: { B: 'y' } });
  assert.throws(() => run('{{range $k, $v := .S}}{{end}}'), /template: :1:18: executing "" at <\.S>: range can't iterate over x$/);
  assert.throws(() => run('{{range .A.B}}{{end}}'), /template: :1:10: executing "" at <\.A\.B>: range can't iterate over y$/);
  assert.throws(() => run('x{{range (slice .S 0)}}{{end}}'), /template: :1:19: executing "" at <0>: range can't iterate over x$/);
});
