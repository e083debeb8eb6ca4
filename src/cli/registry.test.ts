import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_COMMANDS, pathsOf, type CommandEntry } from './registry.js';

test('every table entry loads a module named by its key or one of its aliases', async () => {
  const check = async (key: string, e: CommandEntry) => {
    const mod = (await e.load()).default;
    assert.ok(mod.name === key || (mod.aliases ?? []).includes(key) || pathsOf(e).some((p) => p[p.length - 1] === key), key);
    assert.ok(mod.usage.startsWith(mod.name), `${key}: usage starts with the name`);
    assert.ok(mod.description.length > 0);
    const names = new Set<string>();
    for (const f of mod.flags) {
      assert.ok(!names.has(f.name), `${key}: duplicate flag ${f.name}`);
      names.add(f.name);
    }
  };
  for (const [key, e] of Object.entries(ROOT_COMMANDS)) {
    if (e.kind === 'command') await check(key, e);
    else for (const [sub, s] of Object.entries(e.subcommands)) await check(sub, s);
  }
});

test('shortcuts share the management entry (berth info = berth system info)', () => {
  const info = ROOT_COMMANDS['info'];
  assert.ok(info && info.kind === 'command');
  assert.deepEqual(pathsOf(info), [['system', 'info'], ['info']]);
});
