import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderList, rowContext, FormatError, type Formatter } from './formatter.js';
import { GO_TYPE } from './template.js';
import { parseGolden, testdataDir } from '../test-helpers.js';

// Goldens recorded from `docker context ls --format <f>` (docker CLI 28.2.2): a local-only list
// command, so it shows docker's table layout, header map and json rows without a daemon.
interface Ctx {
  name: string;
  description: string;
  endpoint: string;
  current: boolean;
}

const contextFormatter: Formatter<Ctx> = {
  headers: { Name: 'NAME', Description: 'DESCRIPTION', DockerEndpoint: 'DOCKER ENDPOINT', Error: 'ERROR' },
  defaultTable: 'table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}',
  row: (c) => {
    const row = rowContext({
      Name: () => c.name,
      Description: () => c.description,
      DockerEndpoint: () => c.endpoint,
      Current: () => c.current,
      Error: () => '',
    });
    Object.defineProperty(row, GO_TYPE, { value: '*formatter.clientContextContext' });
    return row;
  },
};

const items: Ctx[] = [
  { name: 'default', description: 'Current DOCKER_HOST based configuration', endpoint: 'unix:///var/run/docker.sock', current: true },
];

const dir = testdataDir(import.meta.url);
for (const c of parseGolden(readFileSync(join(dir, 'context-ls.golden'), 'utf8'))) {
  test(`list format golden: ${c.name}`, () => {
    const format = c.sections['format'] ?? '';
    if (c.sections['error'] !== undefined) {
      assert.throws(() => renderList(format, items, contextFormatter), (e: unknown) => {
        assert.ok(e instanceof FormatError);
        assert.equal(e.message, c.sections['error']!.trim());
        return true;
      });
      return;
    }
    assert.equal(renderList(format, items, contextFormatter), c.sections['want'] + '\n');
  });
}

test('table columns widen to the longest cell plus 3, at least 10', () => {
  const f: Formatter<[string, string]> = {
    headers: { A: 'A', B: 'LONG HEADER B' },
    defaultTable: 'table {{.A}}\t{{.B}}',
    row: ([a, b]) => rowContext({ A: () => a, B: () => b }),
  };
  const out = renderList('', [['x', '1'], ['a-much-longer-value', '2']], f);
  assert.equal(out, ['A                     LONG HEADER B', 'x                     1', 'a-much-longer-value   2', ''].join('\n'));
});

test('an empty list still prints the table header', () => {
  const f: Formatter<never> = { headers: { ID: 'CONTAINER ID' }, defaultTable: 'table {{.ID}}', row: () => ({}) };
  assert.equal(renderList('', [], f), 'CONTAINER ID\n');
  assert.equal(renderList('{{.ID}}', [], f), '');
});
