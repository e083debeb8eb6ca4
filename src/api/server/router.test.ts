import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, splitVersion, type Route } from './router.js';

const h = () => undefined;
const routes: Route[] = [
  { method: 'GET', path: '/images/json', handler: h },
  { method: 'GET', path: '/images/{name:.*}/json', handler: h },
  { method: 'POST', path: '/images/{name:.*}/push', handler: h },
  { method: 'POST', path: '/images/{name:.*}/tag', handler: h },
  { method: 'DELETE', path: '/images/{name:.*}', handler: h },
  { method: 'GET', path: '/containers/{id}/json', handler: h },
  { method: 'POST', path: '/containers/{id}/attach', handler: h, hijack: true },
  { method: 'GET', path: '/distribution/{name:.*}/json', handler: h },
  { method: 'GET', path: '/exec/{id:[0-9a-f]+}/json', handler: h },
];
const r = new Router(routes);

test('match table', () => {
  const table: [string, string, string | undefined, Record<string, string>?][] = [
    ['GET', '/images/json', '/images/json', {}],
    ['GET', '/images/busybox/json', '/images/{name:.*}/json', { name: 'busybox' }],
    ['POST', '/images/127.0.0.1:5000/a/push', '/images/{name:.*}/push', { name: '127.0.0.1:5000/a' }],
    ['POST', '/images/a/b/c/tag', '/images/{name:.*}/tag', { name: 'a/b/c' }],
    ['DELETE', '/images/127.0.0.1:5000/a:v1', '/images/{name:.*}', { name: '127.0.0.1:5000/a:v1' }],
    ['DELETE', '/images/json', '/images/{name:.*}', { name: 'json' }],
    ['GET', '/containers/web/json', '/containers/{id}/json', { id: 'web' }],
    ['GET', '/containers/a/b/json', undefined],
    ['PUT', '/containers/web/json', undefined],
    ['GET', '/distribution/busybox:latest/json', '/distribution/{name:.*}/json', { name: 'busybox:latest' }],
    ['GET', '/exec/abc123/json', '/exec/{id:[0-9a-f]+}/json', { id: 'abc123' }],
    ['GET', '/exec/xyz/json', undefined],
    ['GET', '/nothing', undefined],
    ['GET', '/', undefined],
  ];
  for (const [method, path, pattern, params] of table) {
    const m = r.match(method, path);
    assert.equal(m?.route.path, pattern, `${method} ${path}`);
    if (params) assert.deepEqual(m?.params, params, `${method} ${path}`);
  }
});

test('duplicate and malformed routes are refused at build time', () => {
  assert.throws(() => new Router([routes[0]!, routes[0]!]), /duplicate route/);
  assert.throws(() => new Router([{ method: 'GET', path: 'x', handler: h }]), /must start/);
  assert.throws(() => new Router([{ method: 'GET', path: '/a{b}', handler: h }]), /bad route segment/);
});

test('version prefix', () => {
  assert.deepEqual(splitVersion('/v1.41/containers/json'), { version: '1.41', path: '/containers/json' });
  assert.deepEqual(splitVersion('/_ping'), { version: '', path: '/_ping' });
  assert.deepEqual(splitVersion('/v1.41'), { version: '', path: '/v1.41' });
  assert.deepEqual(splitVersion('/volumes'), { version: '', path: '/volumes' });
  assert.deepEqual(splitVersion('/vx/version'), { version: '', path: '/vx/version' });
});
