import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageConfig, ImageRuntimeConfig } from '../oci/index.js';
import type { BuildImage } from './backend.js';
import { isAncestor, isValidParent, localMatch, sourceMatch } from './cache.js';

const img = (id: string, history: string[], diffs: string[], extra: Partial<ImageConfig> = {}, parent?: string): BuildImage => ({
  id,
  config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffs }, history: history.map((created_by) => ({ created_by })), ...extra },
  ...(parent !== undefined ? { parent } : {}),
});
const cc = (cmd: string[]): ImageRuntimeConfig => ({ Cmd: cmd });

test('isValidParent: history and layers continue the parent (moby isValidParent)', () => {
  const base = img('b', ['base'], ['l1']);
  assert.equal(isValidParent(img('x', ['base', 'step'], ['l1', 'l2']), base), true);
  assert.equal(isValidParent(img('x', ['other', 'step'], ['l1', 'l2']), base), false);
  assert.equal(isValidParent(img('x', ['base', 'step'], ['l9', 'l2']), base), false);
  assert.equal(isValidParent(img('x', ['base'], ['l1']), base), false);
  assert.equal(isValidParent(img('x', ['a'], ['l']), undefined), true);
  assert.equal(isValidParent(img('x', [], []), undefined), false);
});

test('localMatch: only children this builder made on the parent, same container_config and config, newest wins', () => {
  const base = img('b', ['base'], ['l1']);
  const c = cc(['/bin/sh', '-c', 'make']);
  const probe = { parent: base, containerConfig: c, config: {} };
  const loaded = img('loaded', ['base', '/bin/sh -c make'], ['l1', 'l2'], { container_config: c, config: {} });
  assert.equal(localMatch([loaded], probe), undefined);
  const old = img('old', ['base', '/bin/sh -c make'], ['l1', 'l2'], { container_config: c, config: {}, created: '2020-01-01T00:00:00Z' }, 'b');
  const young = img('young', ['base', '/bin/sh -c make'], ['l1', 'l3'], { container_config: c, config: {}, created: '2021-01-01T00:00:00Z' }, 'b');
  assert.equal(localMatch([old, young, loaded], probe)?.id, 'young');
  assert.equal(localMatch([old], { ...probe, containerConfig: cc(['/bin/sh', '-c', 'other']) }), undefined);
  assert.equal(localMatch([old], { ...probe, config: { Env: ['A=1'] } }), undefined);
  // FROM scratch: parent ''
  const s = img('s', ['/bin/sh -c #(nop) ENV A=1'], [], { container_config: c, config: {} }, '');
  assert.equal(localMatch([s], { containerConfig: c, config: {} })?.id, 's');
});

test('isAncestor follows recorded parents, strictly', () => {
  const all = [img('a', [], [], {}, ''), img('b', [], [], {}, 'a'), img('c', [], [], {}, 'b')];
  assert.equal(isAncestor(all, all[2]!, 'a'), true);
  assert.equal(isAncestor(all, all[2]!, 'c'), false);
  assert.equal(isAncestor(all, img('x', [], []), 'a'), false);
});

test('sourceMatch: the next history entry is the step Cmd joined by spaces', () => {
  const base = img('b', ['base'], ['l1']);
  const src = img('src', ['base', '/bin/sh -c #(nop)  ENV A=1', '/bin/sh -c make'], ['l1', 'l2']);
  assert.equal(sourceMatch([src], { parent: base, containerConfig: cc(['/bin/sh', '-c', '#(nop) ', 'ENV A=1']), config: {} })?.id, 'src');
  assert.equal(sourceMatch([src], { parent: base, containerConfig: cc(['/bin/sh', '-c', 'make']), config: {} }), undefined);
});
