import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateName, normalizeName, nameKey } from './names.js';
import { LEFT, RIGHT } from './names-data.js';
import { generateId, truncateId, isFullId } from './ids.js';
import { kindOf } from '../lib/index.js';

test('the word lists are moby’s (108 adjectives, 236 surnames), unique and lowercase', () => {
  assert.equal(LEFT.length, 108);
  assert.equal(RIGHT.length, 236);
  assert.equal(new Set(LEFT).size, LEFT.length);
  assert.equal(new Set(RIGHT).size, RIGHT.length);
  for (const w of [...LEFT, ...RIGHT]) assert.match(w, /^[a-z]+$/);
  assert.equal(LEFT[0], 'admiring');
  assert.equal(RIGHT[0], 'agnesi');
  assert.ok(LEFT.includes('boring') && RIGHT.includes('wozniak'));
});

test('generateName: adjective_surname, a digit on retries, never boring_wozniak', () => {
  for (let i = 0; i < 500; i++) assert.match(generateName(), /^[a-z]+_[a-z]+$/);
  for (let i = 0; i < 100; i++) assert.match(generateName(1), /^[a-z]+_[a-z]+[0-9]$/);
  // a random source that first picks boring + wozniak, then index 0s
  const picks = [LEFT.indexOf('boring'), RIGHT.indexOf('wozniak')];
  const rand = (n: number) => (picks.length ? picks.shift()! : n === 10 ? 7 : 0);
  assert.equal(generateName(2, rand), 'admiring_agnesi7');
});

test('name validation and normalization', () => {
  assert.equal(normalizeName('web'), '/web');
  assert.equal(normalizeName('/web.1_a-b'), '/web.1_a-b');
  assert.equal(nameKey('x'), '/x');
  assert.equal(nameKey('/x'), '/x');
  for (const bad of ['', '/', 'a', '//ab', '.ab', 'a b', 'a:b']) {
    assert.throws(
      () => normalizeName(bad),
      (e: Error) =>
        kindOf(e) === 'invalidParameter' &&
        e.message === `Invalid container name (${bad}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
});

test('generateId: 64 hex; regenerated while the short ID is all digits', () => {
  for (let i = 0; i < 100; i++) assert.ok(isFullId(generateId()));
  const bufs = [Buffer.from('1234567890123456' + '0'.repeat(48), 'hex'), Buffer.alloc(32, 0xab)];
  const id = generateId(() => bufs.shift()!);
  assert.equal(id, 'ab'.repeat(32));
  assert.equal(truncateId(id), 'abababababab');
  assert.equal(truncateId('sha256:' + id), 'abababababab');
  assert.equal(isFullId('AB'.repeat(32)), false);
});
