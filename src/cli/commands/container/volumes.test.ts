import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { absBindSource, parseMount, parseVolume } from './volumes.js';

test('parseVolume: anonymous volumes, named volumes, binds', () => {
  assert.deepEqual(parseVolume('/data'), { type: 'volume', source: '', target: '/data' });
  assert.deepEqual(parseVolume('vol:/data'), { type: 'volume', source: 'vol', target: '/data' });
  assert.deepEqual(parseVolume('/src:/dst:ro'), { type: 'bind', source: '/src', target: '/dst' });
  assert.deepEqual(parseVolume('./rel:/rel'), { type: 'bind', source: './rel', target: '/rel' });
  assert.deepEqual(parseVolume('~/x:/x'), { type: 'bind', source: '~/x', target: '/x' });
  assert.deepEqual(parseVolume('c:'), { type: 'volume', source: '', target: 'c:' });
  assert.throws(() => parseVolume('/a::/b'), /invalid spec: \/a::\/b: empty section between colons/);
  assert.throws(() => parseVolume('/a:/b:ro:x'), /too many colons/);
  assert.throws(() => parseVolume(''), /invalid empty volume spec/);
  assert.equal(absBindSource('./rel:/rel:ro'), resolve('rel') + ':/rel:ro');
  assert.equal(absBindSource('/abs:/x'), '/abs:/x');
});

test('parseMount: opts.MountOpt', () => {
  const m = parseMount('type=volume,source=v,target=/v,volume-nocopy,volume-label=x=y,volume-opt=o=1');
  assert.equal(m.Type, 'volume');
  assert.equal(m.VolumeOptions?.NoCopy, true);
  assert.deepEqual([...m.VolumeOptions!.Labels], [['x', 'y']]);
  assert.deepEqual([...m.VolumeOptions!.DriverConfig!.Options!], [['o', '1']]);
  const t = parseMount('type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770');
  assert.deepEqual(t.TmpfsOptions, { SizeBytes: 1048576, Mode: 0o1770 });
  assert.equal(parseMount('target=/anon').Type, 'volume');
  assert.equal(parseMount('type=bind,src=/a,dst=/b,ro=true').ReadOnly, true);
  assert.throws(() => parseMount('type=bind,dst=/x,volume-nocopy'), /cannot mix 'volume-\*' options with mount type 'bind'/);
  assert.throws(() => parseMount('type=bind,src=/a'), /target is required/);
  assert.throws(() => parseMount('type=bind,dst=/a,bogus=1'), /unexpected key 'bogus' in 'bogus=1'/);
  assert.throws(() => parseMount('type=bind,dst=/a,readonly=maybe'), /invalid value for readonly: maybe/);
  assert.throws(() => parseMount('type=bind,dst=/a,bind-recursive=readonly'), /requires 'readonly' to be specified in conjunction/);
  const warnings: string[] = [];
  parseMount('type=bind,src=/a,dst=/b,bind-nonrecursive=true', (w) => warnings.push(w));
  assert.deepEqual(warnings, ['bind-nonrecursive is deprecated, use bind-recursive=disabled instead']);
});
