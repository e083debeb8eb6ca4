import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { conflict, notFound, type Filters } from '../../../lib/index.js';
import { request, startTestServer, type TestServer } from '../testkit.js';
import type { VolumesBackend } from './volumes.js';
import type { Volume } from '../../types/index.js';

const VOL: Volume = { CreatedAt: '2026-11-30T00:00:00Z', Driver: 'local', Labels: null, Mountpoint: '/d/volumes/v1/_data', Name: 'v1', Options: null, Scope: 'local' };
const seen: unknown[] = [];
let ts: TestServer;

const backend: VolumesBackend = {
  list: async (_c, f: Filters) => {
    seen.push(f.toJSON());
    return { Volumes: [VOL], Warnings: null };
  },
  create: async (_c, req) => {
    seen.push(req);
    return { ...VOL, Name: req.Name ?? 'anon' };
  },
  inspect: async (_c, name) => {
    if (name !== 'v1') throw notFound(`get ${name}: no such volume`);
    return VOL;
  },
  remove: async (_c, name, o) => {
    seen.push({ name, ...o });
    if (name === 'busy') throw conflict('remove busy: volume is in use - [abc]');
    if (name === 'nope' && !o.force) throw notFound('get nope: no such volume');
  },
  prune: async (_c, f) => {
    seen.push(f.toJSON());
    return { VolumesDeleted: ['v1'], SpaceReclaimed: 3 };
  },
};

before(async () => {
  ts = await startTestServer({ backends: { volumes: backend } });
});
after(() => ts?.close());

test('volume routes: statuses and bodies', async () => {
  const v1 = JSON.stringify(VOL) + '\n';
  const table: [string, string, number, string, string?][] = [
    ['GET', '/v1.44/volumes', 200, `{"Volumes":[${JSON.stringify(VOL)}],"Warnings":null}\n`],
    ['GET', '/v1.44/volumes/v1', 200, v1],
    ['GET', '/v1.44/volumes/v2', 404, '{"message":"get v2: no such volume"}\n'],
    ['POST', '/v1.44/volumes/create', 201, JSON.stringify({ ...VOL, Name: 'x' }) + '\n', '{"Name":"x"}'],
    ['DELETE', '/v1.44/volumes/v1', 204, ''],
    ['DELETE', '/v1.44/volumes/busy', 409, '{"message":"remove busy: volume is in use - [abc]"}\n'],
    ['DELETE', '/v1.44/volumes/nope', 404, '{"message":"get nope: no such volume"}\n'],
    ['DELETE', '/v1.44/volumes/nope?force=1', 204, ''],
    ['POST', '/v1.44/volumes/prune', 200, '{"VolumesDeleted":["v1"],"SpaceReclaimed":3}\n'],
  ];
  for (const [method, path, status, body, reqBody] of table) {
    const r = await request(ts.sock, method, path, reqBody ? { body: reqBody, headers: { 'Content-Type': 'application/json' } } : {});
    assert.equal(r.status, status, `${method} ${path}`);
    assert.equal(r.body, body, `${method} ${path}`);
  }
});

test('prune before API 1.42 removes named volumes too (all=true)', async () => {
  seen.length = 0;
  await request(ts.sock, 'POST', '/v1.41/volumes/prune');
  await request(ts.sock, 'POST', '/v1.44/volumes/prune?filters=%7B%22label%22%3A%7B%22a%22%3Atrue%7D%7D');
  assert.deepEqual(seen, [{ all: { true: true } }, { label: { a: true } }]);
});
