import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonCompact, jsonIndent } from './json-indent.js';

test("json.Indent: 4 spaces, empty containers kept compact, tokens copied as written", () => {
  const src = ' {"a":[1,2.50,1e3],"b":{},"c":[],"d":"x \\u003c\\"{[,:]}\\" y","e":{"f":null,"g":true}}\n';
  assert.equal(
    jsonIndent(src, '', '    '),
    [
      '{',
      '    "a": [',
      '        1,',
      '        2.50,',
      '        1e3',
      '    ],',
      '    "b": {},',
      '    "c": [],',
      '    "d": "x \\u003c\\"{[,:]}\\" y",',
      '    "e": {',
      '        "f": null,',
      '        "g": true',
      '    }',
      '}',
    ].join('\n'),
  );
  assert.equal(jsonIndent('[]'), '[]');
  assert.equal(jsonIndent('[{"a":1},{"b":2}]', '', '  '), '[\n  {\n    "a": 1\n  },\n  {\n    "b": 2\n  }\n]');
});

test('json.Compact drops whitespace between tokens only', () => {
  assert.equal(jsonCompact('[ {"a b" : [ 1 , "x  y" ] } ,\n {} ]\n'), '[{"a b":[1,"x  y"]},{}]');
});

test('garbage is a SyntaxError', () => {
  assert.throws(() => jsonIndent('{"a": ?}'), SyntaxError);
  assert.throws(() => jsonIndent('{"a": "open'), SyntaxError);
});
