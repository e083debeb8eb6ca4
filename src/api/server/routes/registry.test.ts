/** Pull, push and auth routes with fake backends: what reaches the backend, and the wire answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { system, unauthorized } from '../../../lib/index.js';
import type { JSONMessage, PullRequest, PushRequest } from '../../types/index.js';
import type { ImagesBackend } from './images.js';
import { decodeRegistryAuth } from './images.js';
import { request, startTestServer } from '../testkit.js';

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

test('X-Registry-Auth: base64url or base64 JSON; {} and garbage are no credentials', () => {
  assert.equal(decodeRegistryAuth(undefined), undefined);
  assert.equal(decodeRegistryAuth('e30='), undefined);
  assert.equal(decodeRegistryAuth('!!not base64 json'), undefined);
  assert.deepEqual(decodeRegistryAuth(b64url({ username: 'a', password: 'p?>' })), { username: 'a', password: 'p?>' });
  assert.deepEqual(decodeRegistryAuth(Buffer.from(JSON.stringify({ username: 'a', password: 'p?>' })).toString('base64')), { username: 'a', password: 'p?>' });
});

function images(over: Partial<ImagesBackend>): ImagesBackend {
  const no = async () => {
    throw new Error('not in this test');
  };
  return { list: no, inspect: no, history: no, tag: no, remove: no, prune: no, import: no, save: no, load: no, ...over };
}

test('pull: parameters and credentials reach the backend; failures before the stream are HTTP errors, later ones errorDetail lines', async () => {
  const seen: PullRequest[] = [];
  const srv = await startTestServer({
    backends: {
      images: images({
        pull: async (_ctx, req) => {
          seen.push(req);
          if (req.image.endsWith('/down')) throw system('Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused');
          if (req.image.endsWith('/private')) throw unauthorized('unauthorized: authentication required');
          return (async function* (): AsyncGenerator<JSONMessage> {
            yield { status: 'Pulling from x', id: 'v1' };
            if (req.tag === 'broken') throw new Error('layer went away');
            yield { status: 'Status: Downloaded newer image for x:v1' };
          })();
        },
      }),
    },
  });
  try {
    let r = await request(srv.sock, 'POST', '/v1.41/images/create?fromImage=127.0.0.1:5000/x&tag=v1&platform=linux/arm64', {
      headers: { 'X-Registry-Auth': b64url({ username: 'u', password: 'p' }) },
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.body, '{"status":"Pulling from x","id":"v1"}\r\n{"status":"Status: Downloaded newer image for x:v1"}\r\n');
    assert.deepEqual(seen[0], { image: '127.0.0.1:5000/x', tag: 'v1', platform: 'linux/arm64', auth: { username: 'u', password: 'p' } });
    r = await request(srv.sock, 'POST', '/v1.41/images/create?fromImage=127.0.0.1:1/down&tag=v1');
    assert.equal(r.status, 500);
    assert.match(JSON.parse(r.body).message, /connection refused/);
    r = await request(srv.sock, 'POST', '/v1.41/images/create?fromImage=x/private&tag=v1');
    assert.equal(r.status, 401);
    r = await request(srv.sock, 'POST', '/v1.41/images/create?fromImage=x&tag=broken');
    assert.equal(r.status, 200);
    assert.equal(r.body.split('\r\n')[1], '{"errorDetail":{"message":"layer went away"},"error":"layer went away"}');
  } finally {
    await srv.close();
  }
});

test('push: the name with its registry and slashes comes from the path, the tag from the query', async () => {
  const seen: PushRequest[] = [];
  const srv = await startTestServer({
    backends: {
      images: images({
        push: async (_ctx, req) => {
          seen.push(req);
          return (async function* (): AsyncGenerator<JSONMessage> {
            yield { status: 'The push refers to repository [127.0.0.1:5000/a/b]' };
          })();
        },
      }),
    },
  });
  try {
    const r = await request(srv.sock, 'POST', '/v1.41/images/127.0.0.1:5000/a/b/push?tag=v1', { headers: { 'X-Registry-Auth': 'e30=' } });
    assert.equal(r.status, 200);
    assert.deepEqual(seen, [{ name: '127.0.0.1:5000/a/b', tag: 'v1', auth: undefined }]);
  } finally {
    await srv.close();
  }
});

test('POST /auth answers the backend\'s status; refusals are 401', async () => {
  const srv = await startTestServer({
    backends: {
      registry: {
        auth: async (_ctx, cfg) => {
          if (cfg.password !== 'right') throw unauthorized('login attempt to http://r/v2/ failed with status: 401 Unauthorized');
          return { Status: 'Login Succeeded', IdentityToken: '' };
        },
        distributionInspect: async () => {
          throw new Error('unused');
        },
        search: async () => [],
      },
    },
  });
  try {
    let r = await request(srv.sock, 'POST', '/v1.41/auth', { body: JSON.stringify({ username: 'u', password: 'right', serveraddress: 'r' }), headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { Status: 'Login Succeeded', IdentityToken: '' });
    r = await request(srv.sock, 'POST', '/v1.41/auth', { body: JSON.stringify({ username: 'u', password: 'bad' }), headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(r.body).message, 'login attempt to http://r/v2/ failed with status: 401 Unauthorized');
  } finally {
    await srv.close();
  }
});

test('GET /images/search: term, limit (absent: 0), filters and credentials reach the backend; bad limits are 400', async () => {
  const seen: { term: string; limit: number; filters: string[]; user: string | undefined }[] = [];
  const srv = await startTestServer({
    backends: {
      registry: {
        auth: async () => ({ Status: 'Login Succeeded', IdentityToken: '' }),
        distributionInspect: async () => {
          throw new Error('unused');
        },
        search: async (_ctx, o) => {
          seen.push({ term: o.term, limit: o.limit, filters: o.filters.get('stars'), user: o.auth?.username });
          return [{ name: 'a/b', description: '', star_count: 1, is_official: false, is_automated: false }];
        },
      },
    },
  });
  try {
    const auth = { 'X-Registry-Auth': b64url({ username: 'u', password: 'p' }) };
    let r = await request(srv.sock, 'GET', '/v1.44/images/search?term=127.0.0.1%3A5000%2Fa', { headers: auth });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), [{ name: 'a/b', description: '', star_count: 1, is_official: false, is_automated: false }]);
    r = await request(srv.sock, 'GET', `/v1.44/images/search?term=a&limit=7&filters=${encodeURIComponent('{"stars":{"3":true}}')}`);
    assert.equal(r.status, 200);
    assert.deepEqual(seen, [
      { term: '127.0.0.1:5000/a', limit: 0, filters: [], user: 'u' },
      { term: 'a', limit: 7, filters: ['3'], user: undefined },
    ]);
    for (const [limit, message] of [
      ['abc', 'invalid limit specified: strconv.Atoi: parsing "abc": invalid syntax'],
      ['99999999999999999999', 'invalid limit specified: strconv.Atoi: parsing "99999999999999999999": value out of range'],
      ['-1', 'invalid limit specified'],
    ]) {
      r = await request(srv.sock, 'GET', `/v1.44/images/search?term=a&limit=${limit}`);
      assert.equal(r.status, 400, limit);
      assert.equal(JSON.parse(r.body).message, message);
    }
    assert.equal(seen.length, 2);
  } finally {
    await srv.close();
  }
});
