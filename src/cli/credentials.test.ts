import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exec, RunOptions } from '../lib/index.js';
import type { ConfigFile } from './config.js';
import { eraseCredentials, getCredentials, helperFor, storeCredentials } from './credentials.js';

/** A fake credential helper: a map keyed by server URL, and the calls it saw. */
function fakeHelper() {
  const store = new Map<string, { Username: string; Secret: string }>();
  const calls: string[] = [];
  const exec: Exec = {
    async run(_ctx, bin, argv, opts: RunOptions = {}) {
      const input = String(opts.input ?? '');
      calls.push(`${bin} ${argv.join(' ')} ${input}`);
      if (argv[0] === 'get') {
        const v = store.get(input);
        if (!v) throw new Error('credentials not found in native keychain');
        return { stdout: JSON.stringify({ ServerURL: input, ...v }), stderr: '' };
      }
      if (argv[0] === 'store') {
        const v = JSON.parse(input) as { ServerURL: string; Username: string; Secret: string };
        store.set(v.ServerURL, { Username: v.Username, Secret: v.Secret });
      }
      if (argv[0] === 'erase') store.delete(input);
      return { stdout: '', stderr: '' };
    },
    start() {
      throw new Error('not used');
    },
  };
  return { exec, calls, store };
}

test('auths in config.json: base64 user:password', async () => {
  const cfg: ConfigFile = {};
  await storeCredentials(cfg, 'r:5000', { username: 'u', password: 'p:w', serveraddress: 'r:5000' });
  assert.deepEqual(cfg.auths, { 'r:5000': { auth: Buffer.from('u:p:w').toString('base64') } });
  assert.deepEqual(await getCredentials(cfg, 'r:5000'), { username: 'u', password: 'p:w', serveraddress: 'r:5000' });
  assert.equal(await getCredentials(cfg, 'other'), undefined);
  await eraseCredentials(cfg, 'r:5000');
  assert.deepEqual(cfg.auths, {});
});

test('credsStore and credHelpers: the helper keeps the secret, auths an empty entry', async () => {
  const h = fakeHelper();
  const cfg: ConfigFile = { credsStore: 'fake', credHelpers: { 'special:1': 'other' } };
  assert.equal(helperFor(cfg, 'r:5000'), 'docker-credential-fake');
  assert.equal(helperFor(cfg, 'special:1'), 'docker-credential-other');
  assert.equal(helperFor(cfg, 'https://index.docker.io/v1/'), 'docker-credential-fake');
  await storeCredentials(cfg, 'r:5000', { username: 'u', password: 'p', serveraddress: 'r:5000' }, h.exec);
  assert.deepEqual(cfg.auths, { 'r:5000': {} });
  assert.deepEqual(await getCredentials(cfg, 'r:5000', h.exec), { username: 'u', password: 'p', serveraddress: 'r:5000' });
  await storeCredentials(cfg, 'tok:1', { username: 'u', password: '', identitytoken: 'T', serveraddress: 'tok:1' }, h.exec);
  assert.deepEqual(h.store.get('tok:1'), { Username: '<token>', Secret: 'T' });
  assert.deepEqual(await getCredentials(cfg, 'tok:1', h.exec), { username: '', password: '', identitytoken: 'T', serveraddress: 'tok:1' });
  await eraseCredentials(cfg, 'r:5000', h.exec);
  assert.equal(await getCredentials(cfg, 'r:5000', h.exec), undefined);
  assert.ok(h.calls.includes('docker-credential-fake erase r:5000'));
});
