import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertToHostname, resolveAuthConfig } from './auth.js';

test('resolveAuthConfig: by key, Docker Hub by its index URL only, legacy URL keys by host', () => {
  const hub = { username: 'hub' };
  const local = { username: 'local' };
  const legacy = { username: 'legacy' };
  const auths = { 'https://index.docker.io/v1/': hub, '127.0.0.1:5000': local, 'https://reg.example:8443/v1/': legacy };
  assert.equal(resolveAuthConfig(auths, 'docker.io'), hub);
  assert.equal(resolveAuthConfig(auths, '127.0.0.1:5000'), local);
  assert.equal(resolveAuthConfig(auths, 'reg.example:8443'), legacy);
  assert.equal(resolveAuthConfig(auths, 'other:5000'), undefined);
  // compat: Docker Hub never falls back to another key naming index.docker.io
  assert.equal(resolveAuthConfig({ 'index.docker.io': hub }, 'docker.io'), undefined);
  assert.equal(resolveAuthConfig({}, '127.0.0.1:5000'), undefined);
});

test('convertToHostname', () => {
  assert.equal(convertToHostname('https://r:5000/v2/'), 'r:5000');
  assert.equal(convertToHostname('http://r'), 'r');
  assert.equal(convertToHostname('r:5000'), 'r:5000');
});
